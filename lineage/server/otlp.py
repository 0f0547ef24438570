"""OTLP/HTTP trace export bodies turned into journaled events: the pure part of `POST /v1/traces`,
run in the endpoint's worker processes (`lineage.server.workers`) like OpenLineage events.

A body is decompressed (gzip, deflate) within the body limit, decoded as protobuf
(`application/x-protobuf`, through `collectors.otel.protobuf`) or JSON (`application/json`), and
mapped by the `otel` collector. Spans without valid ids are rejected and counted (OTLP's partial
success); the rest of the request becomes one event: the request as compact JSON with its prompt
and output text redacted, its facts and its problems.

Answers (OTLP/HTTP): 200 with an `ExportTraceServiceResponse` (protobuf for a protobuf request,
JSON otherwise; `partial_success` says how many spans were rejected and why); 400 for a body that
cannot be decoded or whose spans are all invalid; 413 for a body or a request over the limits.

Example:
    >>> body = (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "' + b"1" * 32 + b'", "spanId": "'
    ...         + b"2" * 16 + b'"}, {"spanId": "x"}]}]}]}')
    >>> out = decode_traces(TraceJob(body, "", False, "doc"), Settings())
    >>> len(out.accepted), out.spans, out.rejected
    (1, 1, 1)
    >>> decode_traces(TraceJob(b"\\x0a\\xff", "", True, "doc"), Settings()).status
    400
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lineage.server.decode import BadRequest, Refusal, Settings, decompress, parse

MAX_SPANS = 100_000
"""Spans one request may hold; the standard exporters send at most 512 per request."""
PROBLEMS_SHOWN = 5


@dataclass(frozen=True)
class TraceJob:
    """One `POST /v1/traces` body to decode: as received, its Content-Encoding, whether it is
    protobuf (else JSON), and where it came from (`http:<client address>`)."""

    body: bytes
    encoding: str
    protobuf: bool
    source: str


@dataclass
class DecodedTraces:
    """A request's spans as one event (content, facts, problems) when any were accepted, how many
    spans were accepted and rejected, and what the partial success says."""

    accepted: list[tuple[bytes, list[Any], list[Any]]] = field(default_factory=list)
    spans: int = 0
    rejected: int = 0
    message: str = ""


def _count_spans(request: dict[str, Any]) -> int:
    total = 0
    for rs in request.get("resourceSpans") or ():
        if isinstance(rs, dict):
            for key in ("scopeSpans", "instrumentationLibrarySpans"):
                for scope in rs.get(key) or ():
                    spans = scope.get("spans") if isinstance(scope, dict) else None
                    total += len(spans) if isinstance(spans, list) else 0
    return total


def decode_traces(job: TraceJob, settings: Settings) -> DecodedTraces | Refusal:
    """Decompress, decode and map one trace export body (see the module for the answers)."""
    from collectors.otel import canonical_request, map_request
    from collectors.otel.protobuf import NotProtobuf, TooManySpans, request_from_protobuf

    try:
        body = decompress(job.body, job.encoding, settings.max_body_bytes)
        if job.protobuf:
            try:
                request: Any = request_from_protobuf(body, MAX_SPANS)
            except NotProtobuf as exc:
                raise BadRequest(400, str(exc)) from None
            except TooManySpans as exc:
                raise BadRequest(413, str(exc)) from None
        else:
            if not body.strip():
                raise BadRequest(400, "empty body: send an OTLP ExportTraceServiceRequest as JSON")
            request = parse(body)
            if not isinstance(request, dict) or not isinstance(request.get("resourceSpans", []), list):
                raise BadRequest(400, "not an OTLP ExportTraceServiceRequest: resourceSpans must be a list",
                                 "resourceSpans")
            request.setdefault("resourceSpans", [])
    except BadRequest as exc:
        return Refusal(exc.status, str(exc), exc.field)
    total = _count_spans(request)
    if total > MAX_SPANS:
        return Refusal(413, f"the request holds {total:,} spans, over the {MAX_SPANS:,}-span limit; "
                            "send smaller batches")
    mapped = map_request(request, source=job.source)
    errors = [p for p in mapped.problems if p.severity == "error"]
    shown = "; ".join(f"{p.field}: {p.message}" for p in errors[:PROBLEMS_SHOWN])
    if len(errors) > PROBLEMS_SHOWN:
        shown += f"; and {len(errors) - PROBLEMS_SHOWN:,} more"
    if mapped.rejected and not mapped.spans:
        return Refusal(400, f"every span ({mapped.rejected:,}) is invalid: {shown}")
    out = DecodedTraces(spans=mapped.spans, rejected=mapped.rejected,
                        message=f"{mapped.rejected:,} span(s) rejected: {shown}" if mapped.rejected else "")
    if mapped.spans:
        out.accepted.append((canonical_request(request), list(mapped.facts), list(mapped.problems)))
    return out
