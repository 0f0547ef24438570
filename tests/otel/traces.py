"""OTLP JSON export requests built from a few parameters, for the tests and the benchmark."""

from __future__ import annotations

import itertools
from typing import Any

_IDS = itertools.count(1)


def value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    return {"stringValue": str(v)}


def attrs(mapping: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": value(v)} for k, v in mapping.items()]


def span(trace: str, name: str, attributes: dict[str, Any], *, parent: str = "", start: int = 1_780_000_000,
         span_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": trace, "spanId": span_id or f"{next(_IDS):016x}", "name": name, "kind": 3,
        "startTimeUnixNano": str(start * 1_000_000_000), "endTimeUnixNano": str(start * 1_000_000_000 + 5),
        "attributes": attrs(attributes),
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def request(service: str, spans: list[dict[str, Any]], **resource: Any) -> dict[str, Any]:
    return {"resourceSpans": [{"resource": {"attributes": attrs({"service.name": service, **resource})},
                               "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]}]}


def trace_id(n: int) -> str:
    return f"{n + 1:032x}"


def rag_trace(n: int, *, service: str = "support-bot", prompt: str | None = None, start: int = 1_780_000_000
              ) -> list[dict[str, Any]]:
    """One RAG agent turn: an agent that retrieves, embeds, chats and calls a tool (5 spans)."""
    t = trace_id(n)
    agent = span(t, "invoke_agent triage", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "triage"},
                 start=start)
    root = agent["spanId"]
    chat = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
            "server.address": "api.openai.com", "server.port": 443}
    if prompt is not None:
        chat["gen_ai.input.messages"] = prompt
    return [
        agent,
        span(t, "retrieve", {"gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "kb-articles"},
             parent=root, start=start + 1),
        span(t, "embeddings text-embedding-3-small", {"gen_ai.operation.name": "embeddings", "gen_ai.system": "openai",
                                                     "gen_ai.request.model": "text-embedding-3-small"},
             parent=root, start=start + 1),
        span(t, "chat gpt-4o-mini", chat, parent=root, start=start + 2),
        span(t, "execute_tool lookup_order", {"gen_ai.operation.name": "execute_tool",
                                              "gen_ai.tool.name": "lookup_order"}, parent=root, start=start + 3),
    ]
