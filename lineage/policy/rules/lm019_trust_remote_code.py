"""LM019: a model loaded with `trust_remote_code=True`: loading it runs the Python its repository ships."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._models import TRUST_REMOTE_CODE, models, remote, runs


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in models(ctx):
        if runs(attrs, TRUST_REMOTE_CODE):
            pinned = " pinned to one commit" if attrs.get("pinned") and remote(attrs) else ""
            yield ctx.finding(rule, nodes=(str(attrs["id"]),), severity="high" if not pinned else "medium",
                              message=f"{label(attrs)} is loaded with trust_remote_code=True{pinned}: loading it "
                                      "runs the Python code its repository ships, with this process's access.")


RULE = BuiltinRule(
    id="LM019", title="Model loaded with trust_remote_code=True", severity="high", references=("LLM03", "LLM05"),
    fix="Use a model whose architecture the library ships, or review the repository's code and pin the commit "
        "(`revision=\"<sha>\"`); never trust remote code of a revision that can move.",
    description="Code loads a model with `trust_remote_code=True` (`from_pretrained`, `pipeline`, "
                "SentenceTransformer), which imports and runs Python files from the model's repository. "
                "Medium when the revision is pinned to a commit, high otherwise.",
    check=_check)
