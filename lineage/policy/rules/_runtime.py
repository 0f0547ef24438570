"""What runtime traces say about a node, for the monitoring rules LM025-LM027.

The `otel` collector (OpenTelemetry GenAI traces) marks what it saw: a model endpoint or a tool
gets the GenAI operation as its `job_type` (`chat`, `embeddings`, `execute_tool`, ...) and the model
as its `version`; captured prompts and tool arguments become datasets in the `otel://<service>`
namespace named `<caller>/prompts/<endpoint>` and `<caller>/tool-arguments/<tool>`, holding only the
classes found. A node is *declared* when a person or a file describes it: a pipeline spec or an MCP
config (the declared layer), or any attribute traces never set (a description, which the code
collector writes with the models it saw called, auth, approval, retention, an owner, a URL, ...).

Example:
    >>> seen_at_runtime({"job_type": "chat"}), declared({"job_type": "chat", "layer": 1})
    (True, False)
    >>> declared({"job_type": "chat", "description": "OpenAI chat, called from code; model gpt-4o"})
    True
    >>> models_declared({"description": "called from code; model gpt-4o, gpt-4o-mini"})
    ('gpt-4o', 'gpt-4o-mini')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lineage.policy.context import PolicyContext

MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings", "create_agent", "rerank"})
TOOL_OPERATION = "execute_tool"
TRACE_NAMESPACE = "otel://"
CONTENT_PARTS = ("/prompts/", "/tool-arguments/")
DECLARING = ("description", "auth", "approved", "owner", "retention", "url", "launcher", "package", "auth_mode",
             "environment", "privacy_step", "sql", "transport")
"""Attributes only people, configs and code give (traces never do)."""
DECLARED_LAYER = 2
_MODELS = re.compile(r"\bmodels? ([A-Za-z0-9][\w.:/@-]*(?:, [A-Za-z0-9][\w.:/@-]*)*)")


def seen_at_runtime(attrs: Mapping[str, Any]) -> bool:
    """Whether traces saw the process make a model call or run as a tool."""
    return attrs.get("job_type") in MODEL_OPERATIONS or attrs.get("job_type") == TOOL_OPERATION


def declared(attrs: Mapping[str, Any]) -> bool:
    """Whether a spec, config or code describes the node (see the module)."""
    layer = attrs.get("layer")
    if isinstance(layer, int) and layer >= DECLARED_LAYER:
        return True
    return any(attrs.get(key) not in (None, "", [], {}, ()) for key in DECLARING)


def models_declared(attrs: Mapping[str, Any]) -> tuple[str, ...]:
    """The models a node's description names (`model gpt-4o`, `models a, b`), as the code collector writes them."""
    found: list[str] = []
    for match in _MODELS.finditer(str(attrs.get("description") or "")):
        found.extend(m.strip() for m in match.group(1).split(","))
    return tuple(found)


def is_observed_content(attrs: Mapping[str, Any]) -> bool:
    """Whether a dataset holds the classes traces found in prompts or tool arguments."""
    return str(attrs.get("namespace", "")).startswith(TRACE_NAMESPACE) and any(
        part in str(attrs.get("name", "")) for part in CONTENT_PARTS)


def callers(ctx: PolicyContext, process_id: str) -> list[str]:
    """The identities that run a process, in id order."""
    return sorted(identity for identity, runs in ctx.index.runs.items() if process_id in runs)
