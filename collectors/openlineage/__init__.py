"""The OpenLineage collector: event files (and, through `lineage serve`, HTTP) into core facts.

Modules: `events` maps one event to facts (the pure core), with `datasets` for its datasets and
their column lineage and `mapping` for what both share (names, aliases, the memo of mapped dataset
entries); `facets` reads standard facets, `validate` checks events against the shipped JSON
Schemas, `files` streams events out of files.

The raw events are kept as the batch's `RawInput` with `append_only=True`: a file that grows (the
file transport appends) or an event delivered twice adds only what is new, and the graph can be
rebuilt from them when the mapping changes.

Example:
    >>> collector = OpenLineageCollector()
    >>> batch = collector.collect(Source("e.json", b'{"eventTime": "2026-01-01T00:00:00Z", '
    ...     b'"run": {"runId": "r"}, "job": {"namespace": "n", "name": "j"}, "producer": "p"}'))
    >>> [type(f).__name__ for f in batch.facts], [p.field for p in batch.problems]
    (['Process'], ['schemaURL'])
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from collectors.base import MAX_LINE_BYTES, Source, register_collector
from collectors.openlineage.events import map_event
from collectors.openlineage.files import Item, iter_bytes, iter_events, looks_like_events
from collectors.openlineage.mapping import COLLECTOR, AliasMap, MappedEvent
from collectors.openlineage.sql import SqlHook, sql_hook
from lineage.errors import CollectorError
from lineage.models import LineageBatch, Problem, RawInput
from lineage.perf import paused_gc

__all__ = [
    "COLLECTOR", "AliasMap", "EventMapper", "LogReader", "OpenLineageCollector", "canonical_bytes", "map_event",
    "sql_hook",
]

CHUNK_EVENTS = 2000
CHUNK_CHARS = 16 << 20


def canonical_bytes(event: Any) -> bytes:
    """An event as compact JSON with sorted keys: one event has one content hash however it was sent.

    Example:
        >>> canonical_bytes({"b": 1, "a": [1, 2]})
        b'{"a":[1,2],"b":1}'
    """
    try:
        return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: an integer over 64 bits, a lone surrogate, NaN...
        return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class EventMapper:
    """Maps the events of one stream in order: what the collector, a scheduled job's tail of a log,
    the endpoint and its journal all use. Events of a stream share what one event can teach the
    next (the symlink aliases seen so far) and the SQL hook that reads `sql` facets."""

    def __init__(self, aliases: AliasMap | None = None) -> None:
        self.aliases = aliases or AliasMap()
        self.sql_hook: SqlHook | None = sql_hook()

    def map(self, event: Any, *, source: str, line: int | None = None) -> MappedEvent:
        """The facts and problems of one parsed event."""
        return map_event(event, source=source, line=line, aliases=self.aliases, sql_hook=self.sql_hook)


class _Builder:
    """Maps items into a batch one at a time, so a parsed event is dropped as soon as it is mapped."""

    def __init__(self, source: str, mapper: EventMapper) -> None:
        self.batch = LineageBatch(collector=COLLECTOR, source=source)
        self.mapper = mapper

    def add(self, item: Item) -> None:
        line = item.line or None
        if item.error is not None or item.value is None:
            self.batch.problems.append(Problem(message=item.error or "empty event", source=self.batch.source,
                                               line=line))
            return
        mapped: MappedEvent = self.mapper.map(item.value, source=self.batch.source, line=line)
        self.batch.facts.extend(mapped.facts)
        self.batch.problems.extend(mapped.problems)

    def finish(self, raw: bytes) -> LineageBatch:
        """The batch, with `raw` (the events' text) as its raw input."""
        self.batch.raw = RawInput(collector=COLLECTOR, source=self.batch.source, content=raw, append_only=True)
        return self.batch


def _chunk(items: Iterator[Item], events: int, chars: int) -> list[Item]:
    """The next items of a file, up to `events` of them or about `chars` characters of events."""
    out: list[Item] = []
    size = 0
    for item in items:
        out.append(item)
        if item.error is None and item.value is not None:
            size += len(item.text.strip())
        if len(out) >= events or size >= chars:
            break
    return out


class LogReader:
    """Reads the whole lines appended to one log, read after read, with one mapper: what earlier
    events taught (their symlink aliases) holds for later ones, and `memory` carries it to the next
    reader of the log."""

    def __init__(self, collector: OpenLineageCollector, source: str, mapper: EventMapper) -> None:
        self.collector, self.source, self.mapper = collector, source, mapper

    def __call__(self, data: bytes, first_line: int) -> LineageBatch:
        return self.collector.collect_lines(self.source, data, first_line, self.mapper)

    def memory(self) -> dict[str, Any]:
        """What the lines read so far taught, as JSON-able data for `line_reader`."""
        return {"aliases": self.mapper.aliases.dump()}


@register_collector
class OpenLineageCollector:
    """OpenLineage events in JSON, JSON arrays or JSON lines, optionally gzipped."""

    name = "openlineage"

    def detect(self, path: Path, head: bytes) -> bool:
        """OpenLineage event files: JSON whose first bytes hold event keys (`eventTime`, `job`,
        `run`, `producer`, `schemaURL`), gzipped or not; never dbt manifests, MCP configs or the
        project's own export."""
        return looks_like_events(head)

    def collect(self, source: Source) -> LineageBatch:
        """Every event in one source, as one batch (see `collect_path` for large files).

        Raises:
            CollectorError: the source is a template with a placeholder that cannot be filled.
        """
        builder = _Builder(source.name, EventMapper())
        for item in iter_events(io.BytesIO(source.data)):
            builder.add(item)
        batch = builder.finish(source.data)
        if not batch.facts and not batch.problems:
            batch.problem("no OpenLineage events in this file")
        return batch

    def collect_path(
        self,
        path: Path,
        *,
        chunk_events: int = CHUNK_EVENTS,
        chunk_chars: int = CHUNK_CHARS,
        max_bytes: int = 1 << 40,
        known: Callable[[bytes], bool] | None = None,
    ) -> Iterator[LineageBatch]:
        """A large file as a stream of batches of at most `chunk_events` events (or about
        `chunk_chars` characters of events) each, so memory stays flat.

        Each batch keeps its events' text as its raw input; chunks are cut at the same events every
        time, so collecting an unchanged file again stores nothing new. A chunk whose raw input
        `known` says is stored already is not mapped, only the events of it that can teach later
        ones an alias (those with a `symlinks` facet), and makes no batch.

        Raises:
            CollectorError: the file cannot be opened, or is a template that cannot be filled.
        """
        try:
            stream: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise CollectorError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        mapper = EventMapper()
        source = str(path)
        with stream:
            items = iter_events(stream, max_bytes=max_bytes)
            while True:
                with paused_gc():  # a chunk's events and then its facts all stay alive until it is stored
                    chunk = _chunk(items, chunk_events, chunk_chars)
                    if not chunk:
                        return
                    content = "\n".join(i.text.strip() for i in chunk if i.error is None and i.value is not None)
                    raw = content.encode("utf-8", errors="replace")
                    builder = _Builder(source, mapper)
                    if raw and known is not None and known(raw):
                        for item in chunk:
                            if item.error is None and item.value is not None and "symlinks" in item.text:
                                mapper.map(item.value, source=source, line=item.line or None)
                        continue
                    for n, item in enumerate(chunk):
                        builder.add(item)
                        chunk[n] = None  # type: ignore[call-overload]  # the parsed event is done with
                yield builder.finish(raw)

    def tails(self, path: Path) -> bool:
        """Whether `path` is an event log that can be read a line at a time: not gzipped, and its
        first line one whole JSON object."""
        try:
            with path.open("rb") as fh:
                first = fh.readline(MAX_LINE_BYTES)
        except OSError:
            return False
        if not first.endswith(b"\n") or not first.lstrip(b"\xef\xbb\xbf \t").startswith(b"{"):
            return False
        try:
            return isinstance(json.loads(first), dict)
        except ValueError:
            return False

    def line_reader(self, source: str, memory: Mapping[str, Any] | None = None) -> LogReader:
        """A reader of the successive reads of one log, resuming with the `memory` an earlier
        reader of it had (the symlink aliases its events taught)."""
        return LogReader(self, source, EventMapper(AliasMap.load((memory or {}).get("aliases"))))

    def collect_lines(self, source: str, data: bytes, first_line: int = 1,
                      mapper: EventMapper | None = None) -> LineageBatch:
        """An append-only batch from whole JSON lines that start at line `first_line` of `source`;
        successive reads of one log share a `mapper` (what earlier events taught about aliases).

        Example:
            >>> b = OpenLineageCollector().collect_lines("e.jsonl", b'{"eventTime": "2026-01-01T00:00:00Z", '
            ...     b'"run": {"runId": "r"}, "job": {"namespace": "n", "name": "j"}, "producer": "p", '
            ...     b'"schemaURL": "s"}\\n', 7)
            >>> b.raw.append_only, [f.evidence.line for f in b.facts]
            (True, [7])
        """
        builder = _Builder(source, mapper or EventMapper())
        for item in iter_bytes(data, first_line=first_line):
            builder.add(item)
        return builder.finish(data)
