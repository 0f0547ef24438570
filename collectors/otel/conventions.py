"""The attribute names of each tracing convention, as data: which span attribute says what.

A convention is a table from what the mapping needs (the provider, the operation, the model, the
server, a tool's or an agent's name, a data source, prompt and output content) to the attribute
keys that say it, in the order they are tried. Three are known: the OpenTelemetry GenAI semantic
conventions (old `gen_ai.system` and new `gen_ai.provider.name`), OpenInference
(`openinference.span.kind`, `llm.*`, `retrieval.documents`, `tool.*`) and OpenLLMetry
(`traceloop.*`, `llm.request.type`). To read another convention, add a `Convention` to
`CONVENTIONS`; the first convention that gives a value wins.

Content keys may hold `*` for an index (`gen_ai.prompt.*.content`).

Example:
    >>> read_operation({"openinference.span.kind": "EMBEDDING"})
    'embeddings'
    >>> read_operation({"gen_ai.operation.name": "chat"}), read_operation({"llm.request.type": "completion"})
    ('chat', 'text_completion')
    >>> first({"gen_ai.system": "openai"}, "provider")
    'openai'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CHAT, EMBEDDINGS, TOOL, AGENT, RETRIEVAL = "chat", "embeddings", "execute_tool", "invoke_agent", "retrieval"
COMPLETION, GENERATE = "text_completion", "generate_content"
MODEL_OPERATIONS = frozenset({CHAT, COMPLETION, GENERATE, EMBEDDINGS, "create_agent", "rerank"})
"""Operations that send data to a model endpoint."""


@dataclass(frozen=True)
class Convention:
    """One convention's attribute keys per field, and how its span kinds read as operations."""

    name: str
    fields: Mapping[str, tuple[str, ...]]
    kind_key: str | None = None
    """The attribute that names the span's kind, read through `kinds`."""
    kinds: Mapping[str, str | None] = field(default_factory=dict)
    """The kind attribute's value (lower-cased) -> operation (None: not a GenAI operation)."""
    inputs: tuple[str, ...] = ()
    """Attributes holding content sent to the model or tool (prompts, arguments, texts to embed)."""
    outputs: tuple[str, ...] = ()
    """Attributes holding what came back (completions, tool results)."""
    documents: tuple[str, ...] = ()
    """Attributes holding retrieved documents."""


GENAI = Convention(
    name="genai",
    fields={
        "provider": ("gen_ai.provider.name", "gen_ai.system"),
        "model": ("gen_ai.request.model", "gen_ai.response.model"),
        "address": ("server.address",),
        "port": ("server.port",),
        "url": ("gen_ai.openai.api_base",),
        "full_url": ("url.full", "http.url"),
        "tool": ("gen_ai.tool.name",),
        "agent": ("gen_ai.agent.name",),
        "data_source": ("gen_ai.data_source.id",),
    },
    kind_key="gen_ai.operation.name",
    kinds={CHAT: CHAT, EMBEDDINGS: EMBEDDINGS, "embedding": EMBEDDINGS, TOOL: TOOL, AGENT: AGENT,
           COMPLETION: COMPLETION, GENERATE: GENERATE, "create_agent": "create_agent", RETRIEVAL: RETRIEVAL},
    inputs=("gen_ai.input.messages", "gen_ai.system_instructions", "gen_ai.prompt", "gen_ai.prompt.*.content",
            "gen_ai.tool.call.arguments", "gen_ai.embeddings.input"),
    outputs=("gen_ai.output.messages", "gen_ai.completion", "gen_ai.completion.*.content",
             "gen_ai.tool.call.result"),
)

OPENLLMETRY = Convention(
    name="openllmetry",
    fields={
        "provider": ("gen_ai.system", "llm.vendor"),
        "model": ("gen_ai.request.model", "llm.request.model", "gen_ai.response.model", "llm.response.model"),
        "url": ("gen_ai.openai.api_base", "traceloop.association.properties.base_url"),
        "agent": ("traceloop.agent.name",),
        "workflow": ("traceloop.workflow.name",),
        "entity": ("traceloop.entity.name",),
    },
    kind_key="llm.request.type",
    kinds={"chat": CHAT, "completion": COMPLETION, "embedding": EMBEDDINGS, "embeddings": EMBEDDINGS,
           "rerank": "rerank"},
    inputs=("traceloop.entity.input", "llm.prompts.*.content"),
    outputs=("traceloop.entity.output", "llm.completions.*.content"),
)

TRACELOOP_KINDS = Convention(
    name="traceloop",
    fields={"entity": ("traceloop.entity.name",)},
    kind_key="traceloop.span.kind",
    kinds={"tool": TOOL, "agent": AGENT, "workflow": None, "task": None},
)

OPENINFERENCE = Convention(
    name="openinference",
    fields={
        "provider": ("llm.provider", "llm.system"),
        "model": ("llm.model_name", "embedding.model_name"),
        "tool": ("tool.name",),
        "agent": ("agent.name", "graph.node.name"),
        "data_source": ("retrieval.source", "db.collection.name"),
    },
    kind_key="openinference.span.kind",
    kinds={"llm": CHAT, "embedding": EMBEDDINGS, "retriever": RETRIEVAL, "tool": TOOL, "agent": AGENT,
           "chain": None, "reranker": "rerank", "guardrail": None, "evaluator": None, "unknown": None},
    inputs=("input.value", "llm.input_messages.*.message.content",
            "llm.input_messages.*.message.contents.*.message_content.text", "llm.prompts.*",
            "llm.prompt_template.variables", "embedding.embeddings.*.embedding.text", "tool.parameters",
            "tool_call.function.arguments"),
    outputs=("output.value", "llm.output_messages.*.message.content",
             "llm.output_messages.*.message.contents.*.message_content.text",
             "llm.output_messages.*.message.tool_calls.*.tool_call.function.arguments"),
    documents=("retrieval.documents.*.document.content",),
)

DATABASES = Convention(
    name="db",
    fields={"data_source": ("db.collection.name", "db.namespace", "db.name"), "db_system": ("db.system.name",
                                                                                            "db.system")},
)

CONVENTIONS: tuple[Convention, ...] = (GENAI, OPENINFERENCE, OPENLLMETRY, TRACELOOP_KINDS, DATABASES)
"""The conventions in the order they are asked."""


def _keys_by_field() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for convention in CONVENTIONS:
        for what, keys in convention.fields.items():
            out.setdefault(what, []).extend(k for k in keys if k not in out.get(what, ()))
    return {what: tuple(keys) for what, keys in out.items()}


_KEYS = _keys_by_field()
"""Every convention's keys for each field, in the order they are asked."""


def first(attributes: Mapping[str, Any], what: str) -> str | None:
    """The first non-empty value any convention gives for `what`, as text."""
    for key in _KEYS.get(what, ()):
        value = attributes.get(key)
        if value is not None and value != "" and value != [] and value != {}:
            return value if isinstance(value, str) else str(value)
    return None


def read_operation(attributes: Mapping[str, Any]) -> str | None:
    """The span's GenAI operation (`chat`, `embeddings`, `execute_tool`, `invoke_agent`,
    `retrieval`, ...), by the first convention whose kind attribute is set; None for other spans."""
    for convention in CONVENTIONS:
        if convention.kind_key is None:
            continue
        value = attributes.get(convention.kind_key)
        if isinstance(value, str) and value:
            key = value.strip().lower()
            if key in convention.kinds:
                return convention.kinds[key]
            if convention is GENAI:
                return key  # a newer operation the table does not list yet: kept as named
    return None


def _pattern(keys: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keys:
        return None
    parts = (re.escape(k).replace(r"\*", r"\d+") for k in keys)
    return re.compile("^(?:" + "|".join(parts) + ")$")


_INPUT = _pattern(tuple(k for c in CONVENTIONS for k in c.inputs))
_OUTPUT = _pattern(tuple(k for c in CONVENTIONS for k in c.outputs))
_DOCUMENT = _pattern(tuple(k for c in CONVENTIONS for k in c.documents))
_ANY = _pattern(tuple(k for c in CONVENTIONS for k in (*c.inputs, *c.outputs, *c.documents)))
_PREFIXES = tuple(sorted({k.split("*", 1)[0].rsplit(".", 1)[0] if "*" in k else k
                          for c in CONVENTIONS for k in (*c.inputs, *c.outputs, *c.documents)}))
CONTENT_PREFIXES = _PREFIXES
"""What every content attribute key starts with (a cheap first test before the patterns)."""


def content_role(key: str) -> str | None:
    """Whether attribute `key` holds content: `input`, `output`, `document`, or None.

    Example:
        >>> content_role("gen_ai.prompt.0.content"), content_role("retrieval.documents.3.document.content")
        ('input', 'document')
        >>> content_role("gen_ai.request.model") is None
        True
    """
    if not key.startswith(_PREFIXES):
        return None
    for role, pattern in (("input", _INPUT), ("output", _OUTPUT), ("document", _DOCUMENT)):
        if pattern is not None and pattern.match(key):
            return role
    return None


def is_content(key: str) -> bool:
    """Whether attribute `key` holds prompt, output or document text (never kept as sent)."""
    return key.startswith(_PREFIXES) and _ANY is not None and _ANY.match(key) is not None
