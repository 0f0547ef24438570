"""LM013: a dataset with no known origin: the map has a hole."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _holes(ctx: PolicyContext) -> Iterator[tuple[str, str | None]]:
    for node in ctx.tags.unknown_sources:
        attrs = ctx.attrs(node)
        if attrs.get("kind") == "dataset":
            yield node, None
        elif attrs.get("kind") == "process":
            for dataset in ctx.writes(node):
                if ctx.tags.origin(dataset) == "unknown" and not ctx.attrs(dataset).get("origin"):
                    yield dataset, node


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for dataset, writer in sorted(set(_holes(ctx)), key=lambda h: (h[0], h[1] or "")):
        how = f"its writer {writer} reads nothing known" if writer else "nothing writes it"
        yield ctx.finding(
            rule, nodes=(dataset,), path=(writer, dataset) if writer else (dataset,),
            message=f"{label(ctx.attrs(dataset))} has no declared origin and {how}: where its data comes "
                    "from is not on the map.")


RULE = BuiltinRule(
    id="LM013", title="Dataset with no known origin (a hole in the map)", severity="low", references=("LLM04",),
    fix="Collect the job that writes it (OpenLineage, SQL, a spec), or declare its origin (`origin: real` or "
        "`synthetic`) in a pipeline spec.",
    description="A dataset has no declared origin and no upstream on the map, so whatever it feeds has an "
                "unknown origin.",
    check=_check)
