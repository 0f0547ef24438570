"""LM012: least privilege: an identity holds edit or write grants it was never observed using."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("identity"):
        node = str(attrs["id"])
        for access in ctx.access(node):
            target, unused = access.node, sorted({"edit", "write"} & access.granted)
            if not unused or "write" in access.used or ctx.attrs(target).get("kind") != "dataset":
                continue  # a write by a process it runs uses an edit grant too
            classes = sensitive(ctx.tags.classifications(target))
            at_risk = bool(classes) and ctx.is_real(target)
            what = f" ({ctx.tags.origin(target)}, classified {', '.join(classes)})" if classes else ""
            yield ctx.finding(
                rule, nodes=(node, target), path=(node, target), severity="high" if at_risk else None,
                message=f"{label(attrs)} holds {' and '.join(unused)} on {label(ctx.attrs(target))}{what}, "
                        "but no process it runs writes it.")


RULE = BuiltinRule(
    id="LM012", title="Edit or write grant never used (least privilege)", severity="medium",
    references=("LLM06", "MCP02"),
    fix="Revoke the unused edit/write grant (keep read if the identity reads the data), or declare the "
        "process that needs it.",
    description="An identity (agent, service account, user role) holds edit or write on a dataset, but no "
                "process it runs writes that dataset.",
    check=_check)
