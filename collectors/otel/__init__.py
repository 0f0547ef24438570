"""The `otel` collector: OpenTelemetry GenAI traces (OTLP JSON files, and through `lineage serve`,
OTLP/HTTP) into lineage facts.

Modules: `conventions` names the attributes of each tracing convention (GenAI semantic
conventions, OpenInference, OpenLLMetry) as data; `providers` names provider endpoints;
`content` classifies prompt and output text and replaces it by a marker; `spans` reads OTLP JSON;
`mapping` turns spans into facts, aggregated per trace; `files` reads trace files a line at a
time; `protobuf` turns OTLP protobuf into the JSON form (it needs `opentelemetry-proto`, imported
only when a protobuf body arrives).

The raw input kept is each export request as compact JSON with its content redacted, one per line:
an OTLP JSON trace file itself, so the graph can be rebuilt from it and the text of a prompt is
never stored.

Example:
    >>> line = (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "' + b"1" * 32 + b'", "spanId": "'
    ...         + b"2" * 16 + b'", "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": '
    ...         b'"embeddings"}}, {"key": "gen_ai.system", "value": {"stringValue": "openai"}}]}]}]}]}\\n')
    >>> batch = OtelCollector().collect(Source("traces.jsonl", line))
    >>> sorted(f.ref.name for f in batch.facts if f.fact == "process"), batch.raw.append_only
    (['apps/unknown_service/v1/embeddings'], True)
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from collectors.base import MAX_LINE_BYTES, Source, register_collector
from collectors.otel.files import Request, iter_bytes, iter_requests, looks_like_traces
from collectors.otel.mapping import COLLECTOR, Mapped, map_request
from lineage.errors import CollectorError
from lineage.models import LineageBatch, Problem, RawInput
from lineage.perf import paused_gc

__all__ = ["COLLECTOR", "Mapped", "OtelCollector", "canonical_request", "map_request"]

CHUNK_REQUESTS = 500
CHUNK_SPANS = 20_000


_SPAN_FIELDS = ("traceId", "spanId", "parentSpanId", "name", "kind", "startTimeUnixNano", "endTimeUnixNano",
                "attributes", "events", "status")


def _known(request: dict[str, Any]) -> dict[str, Any]:
    """The request with only the fields the mapping reads (what a client added beyond them, nested
    however deep, is left out)."""
    kept = []
    for rs in request.get("resourceSpans") or ():
        if not isinstance(rs, dict):
            continue
        resource = rs.get("resource")
        if not isinstance(resource, dict):
            resource = {}
        scopes = []
        for key in ("scopeSpans", "instrumentationLibrarySpans"):
            for scope in rs.get(key) or ():
                if isinstance(scope, dict) and isinstance(scope.get("spans"), list):
                    scopes.append({"spans": [{k: span[k] for k in _SPAN_FIELDS if k in span}
                                             for span in scope["spans"] if isinstance(span, dict)]})
        kept.append({"resource": {"attributes": resource.get("attributes", [])}, "scopeSpans": scopes})
    return {"resourceSpans": kept}


def canonical_request(request: dict[str, Any]) -> bytes:
    """An export request (its content redacted already) as compact JSON with sorted keys, holding
    only `resourceSpans`: what is kept, in the journal and as raw input. A request orjson cannot
    write (nested too deeply in fields the mapping does not read, a lone surrogate) is kept with the
    read fields only, as ASCII JSON.

    Example:
        >>> canonical_request({"resourceSpans": [], "extra": 1})
        b'{"resourceSpans":[]}'
        >>> canonical_request({"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "\\ud800"}]}]}]})
        b'{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"name":"\\\\ud800"}]}]}]}'
    """
    try:
        return orjson.dumps({"resourceSpans": request.get("resourceSpans", [])}, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # too deep for orjson to write, or a string that is not valid Unicode
        kept = _known(request)
    try:
        return orjson.dumps(kept, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


class _Builder:
    def __init__(self, source: str) -> None:
        self.batch = LineageBatch(collector=COLLECTOR, source=source)
        self.kept: list[bytes] = []
        self.spans = 0

    def add(self, request: Request) -> None:
        if request.error is not None or request.value is None:
            self.batch.problems.append(Problem(message=request.error or "empty line", source=self.batch.source,
                                               line=request.line))
            return
        mapped = map_request(request.value, source=self.batch.source, line=request.line)
        self.spans += mapped.spans
        self.batch.facts.extend(mapped.facts)
        self.batch.problems.extend(mapped.problems)
        if mapped.spans:
            self.kept.append(canonical_request(request.value))

    def finish(self) -> LineageBatch:
        self.batch.raw = RawInput(collector=COLLECTOR, source=self.batch.source, content=b"\n".join(self.kept),
                                  append_only=True)
        return self.batch


class LineReader:
    """Reads the whole lines appended to one trace file, read after read."""

    def __init__(self, collector: OtelCollector, source: str) -> None:
        self.collector, self.source = collector, source

    def __call__(self, data: bytes, first_line: int) -> LineageBatch:
        return self.collector.collect_lines(self.source, data, first_line)

    def memory(self) -> dict[str, Any]:
        """Nothing to remember between reads."""
        return {}


@register_collector
class OtelCollector:
    """OTLP JSON trace files (JSON lines of export requests), optionally gzipped."""

    name = COLLECTOR

    def detect(self, path: Path, head: bytes) -> bool:
        """Files whose first bytes are a JSON object holding `resourceSpans`."""
        return looks_like_traces(head)

    def collect(self, source: Source) -> LineageBatch:
        """Every export request in one source, as one batch (see `collect_path` for large files)."""
        builder = _Builder(source.name)
        with paused_gc():
            for request in iter_bytes(source.data):
                builder.add(request)
        batch = builder.finish()
        if not builder.spans and not batch.problems:
            batch.problem("no spans in this file")
        return batch

    def collect_path(self, path: Path, *, chunk_events: int = CHUNK_REQUESTS, max_bytes: int = 1 << 40,
                     known: Callable[[bytes], bool] | None = None) -> Iterator[LineageBatch]:
        """A large file as a stream of batches of at most `chunk_events` export requests (or about
        `CHUNK_SPANS` spans) each, so memory stays flat; a chunk whose redacted content `known`
        says is stored already makes no batch.

        Raises:
            CollectorError: the file cannot be opened.
        """
        try:
            stream: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise CollectorError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        source = str(path)
        with stream:
            requests = iter_requests(stream, max_bytes=max_bytes)
            while True:
                with paused_gc():
                    builder = _Builder(source)
                    count = 0
                    for request in requests:
                        builder.add(request)
                        count += 1
                        if count >= chunk_events or builder.spans >= CHUNK_SPANS:
                            break
                    if count == 0:
                        return
                    batch = builder.finish()
                    assert batch.raw is not None
                    if batch.raw.content and known is not None and known(batch.raw.content):
                        continue
                yield batch

    def tails(self, path: Path) -> bool:
        """Whether `path` is a trace file that can be read a line at a time as it grows (the file
        exporter appends): not gzipped, and its first line one whole export request."""
        try:
            with path.open("rb") as fh:
                first = fh.readline(MAX_LINE_BYTES)
        except OSError:
            return False
        if not first.endswith(b"\n") or not looks_like_traces(first) or first.startswith(b"\x1f\x8b"):
            return False
        try:
            return isinstance(orjson.loads(first), dict)
        except orjson.JSONDecodeError:
            return False

    def line_reader(self, source: str, memory: Mapping[str, Any] | None = None) -> LineReader:
        """A reader of the successive reads of one trace file (each export request is mapped on its
        own, so nothing is carried from one read to the next)."""
        return LineReader(self, source)

    def collect_lines(self, source: str, data: bytes, first_line: int = 1) -> LineageBatch:
        """An append-only batch from whole lines that start at line `first_line` of `source`."""
        builder = _Builder(source)
        with paused_gc():  # many small objects, all alive until the batch is stored: no cycles to find
            for request in iter_requests(io.BytesIO(data), first_line=first_line):
                builder.add(request)
        return builder.finish()
