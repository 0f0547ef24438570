"""The collector contract and registry.

A collector turns one source into a `LineageBatch`. It never touches the store and never raises
for bad content: problems go into `batch.problems` with the place (file, line, field), and the
valid rest of the source is kept. It raises `CollectorError` only when the source cannot be read
at all.

A collector is a class with:

- `name`: the kind users type (`lineage collect --kind NAME`);
- `detect(path, head)`: a cheap yes/no from the file name and its first bytes;
- `collect(source)`: the batch for one `Source` (a display name plus the bytes), so a kept raw
  input can be collected again when the rules change.

A collector may also have capabilities, each a further protocol below that callers ask for with
`isinstance` (never by the collector's name):

- `TakesOptions`: `with_options(options)`, a copy configured by options (SQL dialect, dbt target);
- `StreamsFiles`: `collect_path(path, chunk_events=..., max_bytes=...)`, a large file as a stream
  of batches, so memory stays flat;
- `TailsLogs`: `tails(path)` and `line_reader(source, memory)`, which reads the whole lines appended
  to a log since the last read, resuming with what earlier lines taught (`lineage collect` and
  scheduled jobs read event logs this way);
- `ReadsLocations`: `schemes` and `collect_location(location, name)`, a source that is not a file
  but a connection string (`postgresql://...`).

Collectors register with `@register_collector`; third parties add theirs under the entry-point
group `lineage_mapper.collectors` (the value names the class).

Example:
    >>> "openlineage" in available_collectors()
    True
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from lineage.errors import CollectorError
from lineage.models import LineageBatch

ENTRY_POINT_GROUP = "lineage_mapper.collectors"


@dataclass(frozen=True)
class Source:
    """One input: where it came from (shown in every problem and kept as evidence) and its bytes."""

    name: str
    data: bytes
    path: Path | None = None


class Collector(Protocol):
    name: str

    def detect(self, path: Path, head: bytes) -> bool: ...

    def collect(self, source: Source) -> LineageBatch: ...


@runtime_checkable
class TakesOptions(Protocol):
    def with_options(self, options: Mapping[str, Any]) -> Collector: ...


@runtime_checkable
class StreamsFiles(Protocol):
    def collect_path(self, path: Path, *, chunk_events: int = ..., max_bytes: int = ...,
                     known: Callable[[bytes], bool] | None = ...) -> Iterator[LineageBatch]:
        """The file's batches, one per chunk; a chunk whose raw content `known` says is stored
        already makes none."""
        ...


MAX_LINE_BYTES = 64 << 20
"""The longest line a log read a line at a time may have (`TailsLogs`)."""
GZIP_MAGIC = b"\x1f\x8b"


def gunzip_head(head: bytes, limit: int = 8192) -> bytes:
    """The first bytes of gzip data (or `head` itself when it is not gzip), for `detect`."""
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(wbits=31).decompress(head, limit)
    except zlib.error:
        return b""


class LineReader(Protocol):
    def __call__(self, data: bytes, first_line: int) -> LineageBatch:
        """The batch of whole lines `data`, the first of them line `first_line` of the log."""
        ...

    def memory(self) -> dict[str, Any]:
        """What the lines read so far taught (JSON-able), for the next reader of the log."""
        ...


@runtime_checkable
class TailsLogs(Protocol):
    name: str

    def tails(self, path: Path) -> bool: ...

    def line_reader(self, source: str, memory: Mapping[str, Any] | None = None) -> LineReader:
        """A reader of one log's successive whole lines: it keeps what earlier lines taught it,
        starting from the `memory` of an earlier reader of the same log."""
        ...


@runtime_checkable
class ReadsLocations(Protocol):
    schemes: tuple[str, ...]

    def collect_location(self, location: str, name: str) -> LineageBatch: ...


def configured(collector: Collector, options: Mapping[str, Any] | None) -> Collector:
    """`collector` configured by `options` when it takes options and some are given."""
    if options and isinstance(collector, TakesOptions):
        return collector.with_options(options)
    return collector


def location_collector(scheme: str) -> Collector | None:
    """The collector that reads connection strings of `scheme` (`postgresql`, `duckdb`, ...)."""
    for collector in available_collectors().values():
        if isinstance(collector, ReadsLocations) and scheme.lower() in collector.schemes:
            return collector
    return None


_C = TypeVar("_C", bound=type)

# name -> the collector, or the dotted path of a module that registers it when imported.
_REGISTRY: dict[str, Collector] = {}
_LAZY: dict[str, str] = {
    "spec": "collectors.spec",
    "openlineage": "collectors.openlineage",
    "dbt": "collectors.dbt",
    "mcp": "collectors.mcp",
    "catalog": "collectors.catalog",
    "otel": "collectors.otel",
    "deps": "collectors.deps",
    "code": "collectors.code",
    "sql": "collectors.sql",
    "interchange": "collectors.interchange",
}
_ENDINGS: dict[str, tuple[str, ...]] = {
    "spec": (".yaml", ".yml"),
    "dbt": (".sql", ".json"),
    "mcp": (".json", ".jsonc", ".toml", ".yaml", ".yml"),
    "code": (".py", ".pyw", ".ipynb"),
    "deps": (".json", ".txt", ".toml", ".lock"),
    "otel": (".json", ".jsonl", ".ndjson", ".gz", ".otlp"),
    "sql": (".sql", ".json", ".jsonl", ".ndjson", ".csv", ".tsv"),
}
"""The file-name endings (lower case) a built-in collector's `detect` can say yes to, so that detection
imports it only when a file may be its (SQL's parser is a large import); one not named here may
recognise a file of any name by its content."""


def register_collector(cls: _C) -> _C:
    """Class decorator: make a collector available under its `name`."""
    instance = cls()
    _REGISTRY[instance.name] = instance
    return cls


def _load(name: str) -> None:
    module = _LAZY.get(name)
    if module is not None and name not in _REGISTRY:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == module or exc.name.startswith(("collectors.", "lineage."))):
                raise  # one of our own modules is missing or broken: that must fail, not hide a collector
            raise CollectorError(f"collector {name!r} needs the package {exc.name!r}: install it") from exc


def _load_entry_points() -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _REGISTRY:
            register_collector(ep.load())


def available_collectors() -> dict[str, Collector]:
    """Every registered collector by name, in the order detection asks them: built-in ones in
    `_LAZY` order (more specific formats before SQL), then entry points, whatever order their
    modules happened to be imported in."""
    for name in list(_LAZY):
        _load(name)
    _load_entry_points()
    ordered = {name: _REGISTRY[name] for name in _LAZY if name in _REGISTRY}
    ordered.update((name, c) for name, c in _REGISTRY.items() if name not in ordered)
    return ordered


def detecting(path: Path) -> Iterator[Collector]:
    """The collectors that may recognise the file `path`, in the order `available_collectors` gives,
    each imported when a file first needs it."""
    name = path.name.lower()
    for kind in _LAZY:
        endings = _ENDINGS.get(kind)
        if endings is None or name.endswith(endings):
            _load(kind)
            yield _REGISTRY[kind]
    _load_entry_points()
    yield from (c for kind, c in _REGISTRY.items() if kind not in _LAZY)


def get_collector(name: str) -> Collector:
    """The collector called `name`.

    Raises:
        CollectorError: no collector has that name.
    """
    _load(name)  # only the one asked for, when it is built in: importing every collector costs start-up
    if name in _REGISTRY:
        return _REGISTRY[name]
    collectors = available_collectors()
    if name not in collectors:
        raise CollectorError(f"unknown collector kind {name!r}; known kinds: {', '.join(sorted(collectors))}")
    return collectors[name]


