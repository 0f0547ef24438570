"""LM016: a dataset written by a third-party processor (an LLM's output, a model, a vendor's store)
holds sensitive data but declares no classification."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, is_third_party, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("dataset"):
        node = str(attrs["id"])
        if attrs.get("classifications") or any(c.get("classifications") for c in attrs.get("columns") or ()):
            continue
        writers = [w for w in ctx.writers(node) if is_third_party(ctx.attrs(w))]
        classes = sensitive(ctx.tags.classifications(node))
        if not writers or not classes or not ctx.not_synthetic(node):
            continue
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.class_path(node, classes),
            message=f"{label(attrs)}, written by {', '.join(label(ctx.attrs(w)) for w in writers)}, declares no "
                    f"classification but derives {', '.join(classes)} from its sources.")


RULE = BuiltinRule(
    id="LM016", title="AI output holds sensitive data it does not declare", severity="medium",
    references=("LLM02", "LLM05"),
    fix="Declare the classification on the output (so access controls and downstream checks apply), or "
        "mask the sensitive fields before the model sees them.",
    description="A dataset written by a third-party processor (LLM output, fine-tuned model, embeddings) "
                "derives sensitive classes from its inputs but declares none.",
    check=_check)
