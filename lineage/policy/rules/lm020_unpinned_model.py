"""LM020: a model downloaded from a hub without a pinned revision: every load may get different weights."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._models import models, remote


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in models(ctx):
        if remote(attrs) and attrs.get("pinned") is False:
            revision = attrs.get("version")
            what = f"the revision {revision!r}, which can move" if revision else "no revision (the default branch)"
            yield ctx.finding(rule, nodes=(str(attrs["id"]),),
                              message=f"{label(attrs)} is downloaded with {what}: a later load may get weights "
                                      "(and code) nobody reviewed.")


RULE = BuiltinRule(
    id="LM020", title="Model downloaded without a pinned revision", severity="medium", references=("LLM03", "LLM04"),
    fix="Pass `revision=\"<commit sha>\"` to `from_pretrained` / `hf_hub_download` (or mirror the weights into "
        "storage you control) and update it deliberately.",
    description="Code downloads model weights from a hub or URL with no revision, or with a branch or tag "
                "name instead of a commit hash, so what runs can change without a code change.",
    check=_check)
