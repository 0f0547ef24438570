"""OTLP trace data in its JSON form (what the OpenTelemetry Collector's file exporter writes and
OTLP/HTTP JSON carries), read into spans, with content replaced by markers as it is read.

One export request is `{"resourceSpans": [{"resource": {"attributes": [...]}, "scopeSpans":
[{"scope": {...}, "spans": [...]}]}]}` (`instrumentationLibrarySpans` in files written before OTLP
0.15). A span needs a `traceId` (32 hex digits) and a `spanId` (16); one without them, or not an
object, is rejected and counted, and the valid rest is read. Attribute values are OTLP `AnyValue`s
(`stringValue`, `intValue` as text or number, `doubleValue`, `boolValue`, `arrayValue`,
`kvlistValue`, `bytesValue`).

Content attributes (`collectors.otel.conventions.is_content`) of spans and of span events are
replaced in the request itself by a marker (`collectors.otel.content.redact`), so the request kept
as raw input never holds prompt or output text; credentials are removed the same way (attributes
named like `authorization`, `api_key`, `token`, `cookie`; the user, query and fragment of URLs).

Example:
    >>> req = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",
    ...        "value": {"stringValue": "bot"}}]}, "scopeSpans": [{"spans": [{"traceId": "0" * 31 + "1",
    ...        "spanId": "0" * 15 + "2", "name": "chat", "attributes": [{"key": "gen_ai.prompt",
    ...        "value": {"stringValue": "hi bob@corp.example"}}]}, {"name": "no ids"}]}]}]}
    >>> read = read_request(req)
    >>> [(s.resource["service.name"], s.attributes["gen_ai.prompt"][:15]) for s in read.spans], read.rejected
    ([('bot', '[content sha256')], 1)
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from collectors.otel.content import redact
from collectors.otel.conventions import CONTENT_PREFIXES as _CONTENT_PREFIXES
from collectors.otel.conventions import is_content

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_HEX16 = re.compile(r"^[0-9a-fA-F]{16}$")
_TOO_DEEP = "an attribute value nested too deeply was left out"
_CLIENT = (3, "3", "SPAN_KIND_CLIENT")
_UNREAD = ("links", "droppedAttributesCount", "droppedEventsCount", "droppedLinksCount")
_SECRET_KEY = re.compile(r"(?i)(?:^|[._-])(?:authorization|proxy-authorization|api[._-]?key|x-api-key|apikey|"
                         r"access[._-]?token|refresh[._-]?token|bearer|token|secret|client[._-]?secret|password|"
                         r"passwd|cookie|set-cookie|credentials?|session[._-]?token)$")
"""Attribute keys whose values are credentials (an HTTP header captured as an attribute, an API key):
their values are never kept; `gen_ai.usage.input_tokens` and the like are counts and stay."""
SECRET_REMOVED = "[secret removed]"  # noqa: S105 - the marker that replaces a secret, not one
MAX_VALUE_DEPTH = 16
"""How deeply array and key-value list attribute values are read; deeper parts are left out."""


@dataclass
class Span:
    """One span, its attributes as plain values, and its resource's attributes."""

    trace_id: str
    span_id: str
    parent_id: str
    name: str
    start_ns: int
    attributes: dict[str, Any]
    resource: Mapping[str, Any]
    content: dict[str, str] = field(default_factory=dict)
    """Markers of the span's content attributes (and its events'), by attribute key."""
    client: bool = False
    """Whether the span's kind is CLIENT (a call to another service)."""


@dataclass
class Read:
    """What one export request held: its spans, how many were rejected, and why."""

    spans: list[Span] = field(default_factory=list)
    rejected: int = 0
    problems: list[tuple[str, str, bool]] = field(default_factory=list)
    """(field, message, whether it is only a warning) of each problem, in order."""


def any_value(value: Any, depth: int = 0) -> Any:
    """An OTLP `AnyValue` (JSON form) as a plain value: text, number, boolean, list or dict.

    Example:
        >>> any_value({"intValue": "7"}), any_value({"arrayValue": {"values": [{"stringValue": "a"}]}})
        (7, ['a'])
    """
    if not isinstance(value, dict) or depth > MAX_VALUE_DEPTH:
        return None
    for key, item in value.items():
        if key == "stringValue":
            return item if isinstance(item, str) else str(item)
        if key == "intValue":
            try:
                return int(item)
            except (TypeError, ValueError):
                return None
        if key in ("doubleValue", "boolValue"):
            return item
        if key == "arrayValue":
            values = item.get("values") if isinstance(item, dict) else None
            return [any_value(v, depth + 1) for v in values] if isinstance(values, list) else []
        if key == "kvlistValue":
            values = item.get("values") if isinstance(item, dict) else None
            return attributes_of(values, depth + 1) if isinstance(values, list) else {}
        if key == "bytesValue":
            return item if isinstance(item, str) else base64.b64encode(bytes(item)).decode()
    return None


def attributes_of(items: Any, depth: int = 0) -> dict[str, Any]:
    """OTLP attributes (a list of `{"key", "value"}`) as a dict; malformed entries are left out."""
    out: dict[str, Any] = {}
    if not isinstance(items, list):
        return out
    for item in items:
        if isinstance(item, dict):
            key = item.get("key")
            if isinstance(key, str):
                out[key] = any_value(item.get("value"), depth)
    return out


def _text(value: Any) -> str:
    """Every string inside an attribute value, joined, for classification."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    return "" if value is None else str(value)


def _depth(value: Any) -> int:
    """How deeply `value` nests lists and objects, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children: Any = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > 4 * MAX_VALUE_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def bare_url(url: str) -> str:
    """A URL without its user, password, query and fragment, where credentials hide
    (`?key=...` for some model APIs).

    Example:
        >>> bare_url("https://user:pw@generativelanguage.googleapis.com/v1beta/models/x:generate?key=AIza")
        'https://generativelanguage.googleapis.com/v1beta/models/x:generate'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return SECRET_REMOVED
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}{port}{parts.path}"


def _read_attributes(items: Any, content: dict[str, str], out: dict[str, Any]) -> int:
    """One pass over an OTLP attribute list: values nested too deeply replaced, content redacted (its
    markers recorded in `content`), every value read into `out`. Returns how many values were too deep."""
    deep = 0
    if not isinstance(items, list):
        return deep
    for item in items:
        if not isinstance(item, dict):
            continue
        key, value = item.get("key"), item.get("value")
        if not isinstance(key, str):
            continue
        if isinstance(value, dict) and ("arrayValue" in value or "kvlistValue" in value) \
                and _depth(value) > 4 * MAX_VALUE_DEPTH:
            value = item["value"] = {"stringValue": "[value nested too deeply; left out]"}
            deep += 1
        if key.startswith(_CONTENT_PREFIXES) and is_content(key):
            marker = redact(_text(any_value(value)))
            value = item["value"] = {"stringValue": marker}
            content[key] = marker if key not in content else redact(content[key] + "\n" + marker)
        elif _SECRET_KEY.search(key):
            value = item["value"] = {"stringValue": SECRET_REMOVED}
        if isinstance(value, dict) and isinstance(text := value.get("stringValue"), str):
            if text.startswith(("http://", "https://", "HTTP://", "HTTPS://")) and ("?" in text or "@" in text):
                text = value["stringValue"] = bare_url(text)
            out[key] = text
        else:
            out[key] = any_value(value)
    return deep


def _scopes(resource_spans: dict[str, Any]) -> Iterator[Any]:
    for key in ("scopeSpans", "instrumentationLibrarySpans"):
        scopes = resource_spans.get(key)
        if isinstance(scopes, list):
            yield from scopes


def _start(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def read_request(request: Any) -> Read:
    """The spans of one export request (see the module); content is redacted in `request` itself."""
    out = Read()
    if not isinstance(request, dict) or not isinstance(request.get("resourceSpans"), list):
        out.problems.append(("resourceSpans", "not an OTLP trace export: no resourceSpans list", False))
        return out
    for r, resource_spans in enumerate(request["resourceSpans"]):
        if not isinstance(resource_spans, dict):
            out.problems.append((f"resourceSpans[{r}]", "not an object", False))
            continue
        resource = resource_spans.get("resource")
        resource_attrs: dict[str, Any] = {}
        if isinstance(resource, dict) and _read_attributes(resource.get("attributes"), {}, resource_attrs):
            out.problems.append((f"resourceSpans[{r}].resource", _TOO_DEEP, True))
        for s, scope in enumerate(_scopes(resource_spans)):
            spans = scope.get("spans") if isinstance(scope, dict) else None
            if not isinstance(spans, list):
                continue
            for i, span in enumerate(spans):
                def place(r: int = r, s: int = s, i: int = i) -> str:
                    return f"resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"

                if not isinstance(span, dict):
                    out.rejected += 1
                    out.problems.append((place(), "a span must be an object", False))
                    continue
                trace_id, span_id = span.get("traceId"), span.get("spanId")
                if not isinstance(trace_id, str) or not _HEX32.match(trace_id) or trace_id.strip("0") == "":
                    out.rejected += 1
                    out.problems.append((f"{place()}.traceId", "a span needs a traceId of 32 hex digits, not all "
                                         "zero", False))
                    continue
                if not isinstance(span_id, str) or not _HEX16.match(span_id) or span_id.strip("0") == "":
                    out.rejected += 1
                    out.problems.append((f"{place()}.spanId", "a span needs a spanId of 16 hex digits, not all zero",
                                         False))
                    continue
                content: dict[str, str] = {}
                attributes: dict[str, Any] = {}
                deep = _read_attributes(span.get("attributes"), content, attributes)
                events = span.get("events")
                for event in events if isinstance(events, list) else ():
                    if isinstance(event, dict):
                        deep += _read_attributes(event.get("attributes"), content, {})
                for key in _UNREAD:
                    if key in span:
                        del span[key]  # not read, so not kept
                if deep:
                    out.problems.append((place(), _TOO_DEEP, True))
                parent = span.get("parentSpanId")
                name = span.get("name")
                out.spans.append(Span(
                    trace_id=trace_id.lower(), span_id=span_id.lower(),
                    parent_id=parent.lower() if isinstance(parent, str) and _HEX16.match(parent) else "",
                    name=name if isinstance(name, str) else "", start_ns=_start(span.get("startTimeUnixNano")),
                    attributes=attributes, resource=resource_attrs, content=content,
                    client=span.get("kind") in _CLIENT))
    return out
