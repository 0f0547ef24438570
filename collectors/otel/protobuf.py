"""OTLP protobuf (`ExportTraceServiceRequest`) into the JSON form `collectors.otel.spans` reads, and
the protobuf answers of OTLP/HTTP.

The message classes come from `opentelemetry-proto`, imported when the first protobuf body
arrives, so reading JSON files never needs it. Ids become hex text and 64-bit integers decimal
text, as the OTLP JSON encoding writes them.

Example:
    >>> from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    >>> msg = ExportTraceServiceRequest()
    >>> s = msg.resource_spans.add().scope_spans.add().spans.add(trace_id=b"\\x01" * 16, span_id=b"\\x02" * 8,
    ...                                                          name="chat", start_time_unix_nano=5)
    >>> _ = s.attributes.add(key="gen_ai.operation.name").value.string_value = "chat"
    >>> request = request_from_protobuf(msg.SerializeToString())
    >>> span = request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    >>> span["traceId"][:4], span["startTimeUnixNano"], span["attributes"][0]["value"]
    ('0101', '5', {'stringValue': 'chat'})
    >>> export_response(3, "3 spans had no traceId")[:2]
    b'\\n\\x1a'
"""

from __future__ import annotations

import base64
from typing import Any

MAX_VALUE_DEPTH = 16


class NotProtobuf(ValueError):
    """The body is not a valid OTLP protobuf message."""


def _value(value: Any, depth: int = 0) -> dict[str, Any]:
    kind = value.WhichOneof("value")
    if kind is None or depth > MAX_VALUE_DEPTH:
        return {}
    if kind == "string_value":
        return {"stringValue": value.string_value}
    if kind == "int_value":
        return {"intValue": str(value.int_value)}
    if kind == "double_value":
        return {"doubleValue": value.double_value}
    if kind == "bool_value":
        return {"boolValue": value.bool_value}
    if kind == "bytes_value":
        return {"bytesValue": base64.b64encode(value.bytes_value).decode()}
    if kind == "array_value":
        return {"arrayValue": {"values": [_value(v, depth + 1) for v in value.array_value.values]}}
    return {"kvlistValue": {"values": _attributes(value.kvlist_value.values, depth + 1)}}


def _attributes(items: Any, depth: int = 0) -> list[dict[str, Any]]:
    return [{"key": kv.key, "value": _value(kv.value, depth)} for kv in items]


def _span(span: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": span.trace_id.hex(), "spanId": span.span_id.hex(), "name": span.name, "kind": span.kind,
        "startTimeUnixNano": str(span.start_time_unix_nano), "endTimeUnixNano": str(span.end_time_unix_nano),
        "attributes": _attributes(span.attributes),
    }
    if span.parent_span_id:
        out["parentSpanId"] = span.parent_span_id.hex()
    if span.events:
        out["events"] = [{"name": e.name, "timeUnixNano": str(e.time_unix_nano),
                          "attributes": _attributes(e.attributes)} for e in span.events]
    if span.status.code or span.status.message:
        out["status"] = {"code": span.status.code, "message": span.status.message}
    return out


class TooManySpans(ValueError):
    """The message holds more spans than allowed."""


def request_from_protobuf(body: bytes, max_spans: int | None = None) -> dict[str, Any]:
    """An `ExportTraceServiceRequest` in protobuf as the OTLP JSON form (resource and scope kept;
    links and dropped counts left out).

    Raises:
        NotProtobuf: the bytes are not such a message.
        TooManySpans: it holds more than `max_spans` spans (counted before anything is converted).
    """
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    message = ExportTraceServiceRequest()
    try:
        message.ParseFromString(body)
    except Exception as exc:  # google.protobuf's DecodeError, or a nesting beyond its recursion limit
        raise NotProtobuf(f"the body is not an OTLP ExportTraceServiceRequest in protobuf: {exc}") from None
    if max_spans is not None:
        total = sum(len(ss.spans) for rs in message.resource_spans for ss in rs.scope_spans)
        if total > max_spans:
            raise TooManySpans(f"the request holds {total:,} spans, over the {max_spans:,}-span limit; "
                               "send smaller batches")
    resource_spans = []
    for rs in message.resource_spans:
        scopes = [{"scope": {"name": ss.scope.name, "version": ss.scope.version},
                   "spans": [_span(s) for s in ss.spans]} for ss in rs.scope_spans]
        resource_spans.append({"resource": {"attributes": _attributes(rs.resource.attributes)}, "scopeSpans": scopes})
    return {"resourceSpans": resource_spans}


def export_response(rejected: int = 0, message: str = "") -> bytes:
    """An `ExportTraceServiceResponse` in protobuf; with `partial_success` when spans were rejected
    or there is something to say."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    response = ExportTraceServiceResponse()
    if rejected or message:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = message
    return bytes(response.SerializeToString())


def status(code: int, message: str) -> bytes:
    """A `google.rpc.Status` in protobuf (the body of an OTLP/HTTP error answer): field 1 the code,
    field 2 the message.

    Example:
        >>> status(3, "bad")
        b'\\x08\\x03\\x12\\x03bad'
    """
    text = message.encode("utf-8")
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
