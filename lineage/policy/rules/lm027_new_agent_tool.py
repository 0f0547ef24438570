"""LM027: monitoring: an agent called a tool it had not called before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._runtime import TOOL_OPERATION, callers

NEW_WINDOW = timedelta(days=7)
"""Without a baseline, a tool first seen this long before the evaluation is new."""


def _seen(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    since = ctx.baseline_at or ctx.now - NEW_WINDOW
    reason = (f"since the baseline of {ctx.baseline_at.isoformat()}" if ctx.baseline_at
              else f"within {NEW_WINDOW.days} days")
    for attrs in ctx.nodes("process"):
        if attrs.get("job_type") != TOOL_OPERATION:
            continue
        first = _seen(attrs.get("first_seen"))
        if first is None or first <= since:
            continue
        node = str(attrs["id"])
        agents = [i for i in callers(ctx, node) if ctx.attrs(i).get("identity_type") in ("agent", "mcp_client")]
        granted = {i for i in agents if any(target == node for target, _ in ctx.grants(i))}
        for agent in agents:
            if agent in granted:
                continue
            yield ctx.finding(
                rule, nodes=(agent, node), path=(agent, node),
                message=f"the agent {label(ctx.attrs(agent))} called the tool {label(attrs)}, first seen "
                        f"{first.isoformat()} ({reason}), and holds no grant for it.")


RULE = BuiltinRule(
    id="LM027", title="An agent called a new tool", severity="medium", references=("LLM06", "MCP02", "MCP09"),
    fix="Review what the tool can do and what the agent sends it; grant it to the agent (a spec grant) or "
        "remove it from the agent's tool list.",
    description="Runtime traces show an agent calling a tool first seen after the accepted baseline (or, with "
                "none, within the last 7 days) that no grant gives the agent.",
    check=_check)
