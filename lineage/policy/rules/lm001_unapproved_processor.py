"""LM001: real sensitive data reaches a third-party processor that is not approved."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.third_parties():
        node = str(attrs["id"])
        if attrs.get("approved") is True or not ctx.not_synthetic(node):
            continue
        classes = sensitive(ctx.tags.classifications(node))
        if not classes:
            continue
        state = "not approved" if attrs.get("approved") is False else "not reviewed (approved is not set)"
        retention = f", retains inputs {attrs['retention']}" if attrs.get("retention") else ""
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.class_path(node, classes),
            severity="critical" if "secret" in classes else None,
            message=f"{ctx.tags.origin(node)} data classified {', '.join(classes)} reaches the third-party "
                    f"{attrs.get('processor_type') or 'processor'} {label(attrs)} (vendor "
                    f"{attrs.get('vendor') or 'unknown'}{retention}), which is {state}.")


RULE = BuiltinRule(
    id="LM001", title="Real sensitive data reaches an unapproved third-party processor", severity="high",
    references=("LLM02", "LLM03", "MCP09"),
    fix="Stop the flow, mask or synthesise the data before it leaves, or have security review and approve "
        "the vendor for this use (`approved: true` on the processor).",
    description="A third-party processor (LLM or embedding API, MCP server or tool, SaaS) that security has "
                "not approved receives data that is real (or of unknown origin) and classified sensitive.",
    check=_check)
