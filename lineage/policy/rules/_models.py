"""Model loads as the code collector records them: a process with `job_type: model`, named by where
the weights come from (`https://huggingface.co` + the repo id, `file` + a local path), with the
revision in `version`, `pinned`, the source `url` (none for a local file) and, in `capabilities`,
what loading it runs: `trust_remote_code` (the repository's own Python) and `code_executing_format`
(pickle, joblib, `torch.load` without `weights_only=True`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lineage.policy.context import PolicyContext

MODEL = "model"
TRUST_REMOTE_CODE = "trust_remote_code"
CODE_EXECUTING_FORMAT = "code_executing_format"


def models(ctx: PolicyContext) -> Iterator[dict[str, Any]]:
    for attrs in ctx.nodes("process"):
        if attrs.get("job_type") == MODEL:
            yield attrs


def runs(attrs: dict[str, Any], capability: str) -> bool:
    return capability in (attrs.get("capabilities") or ())


def remote(attrs: dict[str, Any]) -> bool:
    """Whether the weights come from somewhere other than a local file (a hub, a URL, a bucket)."""
    return bool(attrs.get("url")) or not str(attrs.get("namespace") or "file").startswith("file")
