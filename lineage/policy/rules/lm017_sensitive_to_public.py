"""LM017: real sensitive data flows into a dataset classified public."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PUBLIC, PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("dataset"):
        node = str(attrs["id"])
        if PUBLIC not in (attrs.get("classifications") or ()) or not ctx.not_synthetic(node):
            continue
        declared = set(attrs.get("classifications") or ())
        classes = [c for c in sensitive(ctx.tags.classifications(node)) if c not in declared]
        if not classes:
            continue
        writers = ctx.writers(node)
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.class_path(node, classes),
            severity="critical" if "secret" in classes else None,
            message=f"data classified {', '.join(classes)} can flow into the public {label(attrs)}"
                    + (f" through {', '.join(label(ctx.attrs(w)) for w in writers)}." if writers else "."))


RULE = BuiltinRule(
    id="LM017", title="Sensitive data flows to a public destination", severity="high",
    references=("LLM02", "MCP10"),
    fix="Stop the flow into the public place, or filter and redact what is written there (an output filter "
        "on the tool, a person approving each post).",
    description="A dataset classified public (a public repository, a shared channel, a website) receives "
                "data classified sensitive.",
    check=_check)
