"""LM005: real production data is copied into a dev or test environment."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("dataset"):
        node = str(attrs["id"])
        if attrs.get("environment") not in ("dev", "test") or not ctx.is_real(node):
            continue
        sources = [u for u in ctx.graph.upstream(node, kinds=("dataset",))
                   if ctx.attrs(u).get("environment") == "prod" and ctx.is_real(u)]
        if not sources:
            continue
        classes = sensitive(ctx.tags.classifications(node))
        source = min(sources, key=lambda u: (-len(sensitive(ctx.tags.classifications(u))), u))
        what = f"classified {', '.join(classes)}" if classes else "with no sensitive classification"
        names = ", ".join(label(ctx.attrs(u)) for u in sorted(sources))
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.flow_path(source, node), severity=None if classes else "medium",
            message=f"{label(attrs)} in the {attrs['environment']} environment holds real production data "
                    f"({what}) copied from {names}.")


RULE = BuiltinRule(
    id="LM005", title="Real production data copied into a dev or test environment", severity="high",
    references=("LLM02",),
    fix="Copy masked or synthetic data into dev and test (a masking policy on the clone, or a privacy step), "
        "or keep the copy in production with production access controls.",
    description="A dataset in a dev or test environment holds real data that comes from production.",
    check=_check)
