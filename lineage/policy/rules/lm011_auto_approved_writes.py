"""LM011: a write or destructive tool is auto-approved (runs with no person confirming)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._agents import is_destructive


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _auto_approved(ctx: PolicyContext, tool: dict[str, Any]) -> str | None:
    """Which node's `auto_approve` covers the tool: the tool itself, or its server (same namespace)."""
    if tool.get("auto_approve") is True:
        return str(tool["id"])
    for attrs in ctx.nodes("process"):
        listed = attrs.get("auto_approve")
        if attrs.get("namespace") != tool.get("namespace") or not isinstance(listed, list | tuple):
            continue
        if "*" in listed or _short(str(tool.get("name"))) in {_short(str(x)) for x in listed}:
            return str(attrs["id"])
    return None


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    approving = any(a.get("auto_approve") for a in ctx.nodes("process"))
    if not approving:
        return
    for attrs in ctx.nodes("process"):
        if not is_destructive(attrs, ctx):
            continue
        by = _auto_approved(ctx, attrs)
        if by is None:
            continue
        node = str(attrs["id"])
        via = "" if by == node else f" (auto_approve on {label(ctx.attrs(by))})"
        yield ctx.finding(rule, nodes=(node,), path=tuple(dict.fromkeys((by, node, *ctx.writes(node)))),
                          message=f"the write tool {label(attrs)} is auto-approved{via}: the model calls it "
                                  "without a person confirming.")


RULE = BuiltinRule(
    id="LM011", title="Write or destructive tool auto-approved", severity="high", references=("LLM06", "MCP02"),
    fix="Remove write and destructive tools from the auto-approve list; auto-approve read-only tools only.",
    description="An MCP client config auto-approves a tool that writes, posts, updates or deletes.",
    check=_check)
