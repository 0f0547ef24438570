"""LM003: untrusted content reaches an identity that runs write or destructive tools."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._agents import ingests_untrusted, is_destructive


def _declared(ctx: PolicyContext, dataset: str) -> list[str]:
    attrs = ctx.attrs(dataset)
    return [*(attrs.get("classifications") or ()),
            *(c for col in attrs.get("columns") or () for c in col.get("classifications") or ())]


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("identity"):
        node = str(attrs["id"])
        tools = [p for p in ctx.runs(node) if is_destructive(ctx.attrs(p), ctx)]
        if not tools:
            continue
        untrusted = ingests_untrusted(ctx, node)
        if untrusted is None:
            continue
        lead = ctx.class_path(untrusted.dataset, ["untrusted"]) if untrusted.dataset else ()
        for tool in tools:
            targets = ctx.writes(tool)
            harmed = [t for t in targets if ctx.is_real(t) and sensitive(set(_declared(ctx, t)))]
            path = [*dict.fromkeys([*lead, untrusted.process, node, tool, *targets[:1]])]
            where = f", which writes {', '.join(targets)}" if targets else ""
            yield ctx.finding(
                rule, nodes=(node, tool), path=path, severity="critical" if harmed else None,
                message=f"untrusted content (from {(lead or (untrusted.process,))[0]}) reaches {label(attrs)}, "
                        f"which runs the write tool {label(ctx.attrs(tool))}{where}: a prompt injection can "
                        "drive it.")


RULE = BuiltinRule(
    id="LM003", title="Untrusted content reaches an identity with write or destructive tools", severity="high",
    references=("LLM01", "LLM06", "MCP06", "MCP03"),
    fix="Require a person to confirm each write tool call, give the agent that reads untrusted content "
        "read-only tools, or filter and quarantine untrusted content before it enters the context.",
    description="An identity reads content anyone can write (public issues, web pages, inbound email) and "
                "runs tools that write, post, update or delete.",
    check=_check)
