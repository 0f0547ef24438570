"""LM021: a model file in a format that runs code when loaded (pickle, joblib, `torch.load` without
`weights_only=True`) comes from a download or a place that is not a local file."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._models import CODE_EXECUTING_FORMAT, models, remote, runs


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in models(ctx):
        if runs(attrs, CODE_EXECUTING_FORMAT) and remote(attrs):
            where = attrs.get("url") or attrs.get("namespace")
            yield ctx.finding(rule, nodes=(str(attrs["id"]),),
                              message=f"{label(attrs)} is fetched from {where} and loaded with a deserialiser "
                                      "that runs code (pickle, joblib or torch.load without weights_only=True): "
                                      "whoever can change that file runs code here.")


RULE = BuiltinRule(
    id="LM021", title="Downloaded model loaded with a code-executing format", severity="high",
    references=("LLM03", "LLM04"),
    fix="Ship the weights as safetensors (or `torch.load(..., weights_only=True)`), or verify a pinned hash of "
        "the file before loading it.",
    description="Code downloads a model file (a hub, a URL, a bucket) and loads it with pickle, joblib, dill or "
                "`torch.load` without `weights_only=True`, any of which runs code embedded in the file.",
    check=_check)
