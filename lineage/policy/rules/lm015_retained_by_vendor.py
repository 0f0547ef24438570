"""LM015: real sensitive data reaches an approved third party that keeps it."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule

_ZERO = frozenset({"0", "0s", "0d", "none", "zero", "PT0S"})


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.third_parties():
        node = str(attrs["id"])
        retention = str(attrs.get("retention") or "")
        if attrs.get("approved") is not True or not retention or retention in _ZERO or not ctx.is_real(node):
            continue
        classes = sensitive(ctx.tags.classifications(node))
        if not classes:
            continue
        region = f" in region {attrs['region']}" if attrs.get("region") else ""
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.class_path(node, classes),
            message=f"{ctx.tags.origin(node)} data classified {', '.join(classes)} reaches the approved third-party "
                    f"{attrs.get('processor_type') or 'processor'} {label(attrs)} ({attrs.get('vendor') or 'unknown'}"
                    f"{region}), which retains it {retention}.")


RULE = BuiltinRule(
    id="LM015", title="Real sensitive data retained by an approved third party", severity="medium",
    references=("LLM02",),
    fix="Confirm the data processing agreement covers this data, ask for zero retention, or mask the "
        "sensitive fields before the call.",
    description="An approved vendor (LLM, embedding API, SaaS) receives real sensitive data and keeps it for "
                "a while (retention other than 0).",
    check=_check)
