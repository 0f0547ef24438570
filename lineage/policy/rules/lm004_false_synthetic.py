"""LM004: a dataset declared synthetic is derived from real data without a privacy step."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for node in sorted(ctx.tags.false_synthetic):
        path = ctx.origin_path(node, "real")
        yield ctx.finding(
            rule, nodes=(node,), path=path,
            message=f"{label(ctx.attrs(node))} is declared synthetic, but real data reaches it from {path[0]} "
                    "with no privacy step on the way; it is treated as real data.")


RULE = BuiltinRule(
    id="LM004", title="Declared synthetic, derived from real data without a privacy step", severity="high",
    references=("LLM02", "LLM04"),
    fix="Put a privacy step (differential privacy, k-anonymity, a synthesizer with a recorded privacy check) "
        "between the real data and this dataset, or declare it real and protect it as such.",
    description="A person declared the dataset synthetic, but real data flows into it and no privacy step "
                "breaks the link.",
    check=_check)
