"""LM014: monitoring: a data flow first seen after the accepted baseline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _seen(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    baseline = ctx.baseline_at
    if baseline is None:
        return
    for attrs in ctx.nodes("process"):
        node = str(attrs["id"])
        ends = [*ctx.reads(node), *ctx.writes(node)]
        new = [e for e in [node, *ends] if (_seen(ctx.attrs(e).get("first_seen")) or baseline) > baseline]
        if not new or not ends:
            continue
        classes = sensitive(ctx.tags.classifications(node))
        carried = f", carrying {', '.join(classes)}" if classes else ""
        yield ctx.finding(
            rule, nodes=(node,), path=(*ctx.reads(node), node, *ctx.writes(node)),
            severity="medium" if classes else None,
            message=f"the flow through {label(attrs)} is new since the baseline of {baseline.isoformat()} "
                    f"(first seen: {', '.join(new)}){carried}.")


RULE = BuiltinRule(
    id="LM014", title="Flow first seen after the accepted baseline", severity="low", references=("MCP09", "MCP08"),
    fix="Review the new flow; accept it (a review, or a new baseline) or stop it.",
    description="A process, or a dataset it reads or writes, was first seen after the accepted baseline "
                "(`policy.baseline_at` in lineage.yaml, or the baseline file's time).",
    check=_check)
