"""LM006: real or sensitive data rests in a cache with no TTL, or one declared unencrypted."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("dataset"):
        node = str(attrs["id"])
        if attrs.get("role") != "cache":
            continue
        no_ttl, clear = not attrs.get("ttl"), attrs.get("encrypted") is False
        if not (no_ttl or clear):
            continue
        classes = sensitive(ctx.tags.classifications(node))
        if not (classes or ctx.is_real(node)):
            continue
        gaps = " and ".join(g for g, on in (("declares no TTL", no_ttl), ("is not encrypted", clear)) if on)
        held = f"data classified {', '.join(classes)}" if classes else "real data"
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.class_path(node, classes) if classes else ctx.origin_path(node),
            severity="high" if no_ttl and clear and classes else None,
            message=f"the cache {label(attrs)} {gaps}, and holds {ctx.tags.origin(node)} {held}.")


RULE = BuiltinRule(
    id="LM006", title="Real or sensitive data in a cache with no TTL or without encryption", severity="medium",
    references=("LLM02", "LLM08"),
    fix="Give the cache a TTL (`ttl: 24h`) and encrypt it at rest and in transit, or keep sensitive data "
        "out of it.",
    description="A cache (a copy meant to be temporary) holds real or sensitive data but declares no TTL, "
                "or is declared not encrypted.",
    check=_check)
