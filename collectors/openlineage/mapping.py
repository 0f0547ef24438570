"""What mapping an event needs throughout: names checked and made nodes, symlink aliases, the
memo of mapped dataset entries, and the mapper's shared state (`MapperBase`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from collectors.openlineage import facets as F
from collectors.openlineage.sql import SqlHook
from lineage.models import (
    ColumnLineage,
    Dataset,
    Edge,
    Evidence,
    NodeKind,
    NodeRef,
    Problem,
    Process,
)
from lineage.naming import check_characters, normalize

# A stream of events names the same few datasets again and again: normalise each name once.
_normalize = lru_cache(maxsize=65_536)(normalize)


@lru_cache(maxsize=65_536)
def dataset_node(namespace: str, name: str) -> NodeRef:
    """The (validated, immutable, so shareable) node of a dataset as a producer names it.

    Raises:
        ValueError: the name cannot be normalised into a node.
    """
    ns, nm = _normalize(namespace, name)
    return NodeRef.dataset(ns, nm)


@lru_cache(maxsize=16_384)
def process_node(namespace: str, name: str) -> NodeRef:
    return NodeRef.process(namespace, name)


# Facts are built with `model_construct` (no second validation): every value has been checked
# here already (names non-empty, times aware, edge ends of the right kinds, enums from tables), and
# node references come validated from the caches above.

COLLECTOR = "openlineage"
RUN_STATES = frozenset({"START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"})
MAX_NAME = 2000
MAX_DATASETS = 10_000

FactT = Dataset | Process | Edge | ColumnLineage


class EventError(ValueError):
    """An event cannot be mapped: it lacks what identifies it. `field` is the JSON path."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class AliasMap:
    """Symlink aliases seen so far (alias node id -> canonical ref), bounded in size."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._map: dict[str, NodeRef] = {}

    def resolve(self, ref: NodeRef) -> NodeRef:
        """The canonical node for `ref` (itself unless it is a known alias)."""
        return self._map.get(ref.id, ref)

    def add(self, alias: NodeRef, canonical: NodeRef) -> None:
        if alias.id == canonical.id or canonical.id in self._map:
            return
        if len(self._map) >= self.limit:
            self._map.pop(next(iter(self._map)))
        self._map.setdefault(alias.id, canonical)

    def dump(self) -> list[list[str]]:
        """The aliases as JSON-able rows (alias id, canonical kind, namespace, name), oldest first.

        Example:
            >>> aliases = AliasMap()
            >>> aliases.add(NodeRef.dataset("h", "db.t"), NodeRef.dataset("s3://b", "t"))
            >>> AliasMap.load(aliases.dump()).resolve(NodeRef.dataset("h", "db.t")).id
            'dataset:s3://b:t'
        """
        return [[alias, ref.kind.value, ref.namespace, ref.name] for alias, ref in self._map.items()]

    @classmethod
    def load(cls, rows: Any) -> AliasMap:
        """The aliases `dump` gave; rows that are not well formed are left out."""
        aliases = cls()
        for row in rows if isinstance(rows, list) else ():
            try:
                alias, kind, namespace, name = row
                aliases._map[str(alias)] = NodeRef(kind=NodeKind(kind), namespace=namespace, name=name)
            except (TypeError, ValueError):
                continue
        return aliases


@dataclass
class _Trace:
    """What mapping one dataset entry depended on and did besides its result: the alias lookups it
    made, the aliases it added and the warnings it gave. Replayed when the same entry comes again."""

    lookups: list[tuple[NodeRef, NodeRef]] = field(default_factory=list)
    added: list[tuple[NodeRef, NodeRef]] = field(default_factory=list)
    warnings: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class _Memo:
    trace: _Trace
    facts: tuple[Any, ...]
    """The facts made the first time, with that event's evidence: copied with each event's own."""
    ref: NodeRef | None


class _MemoCache:
    """Mapped dataset entries by their content, bounded: a stream of events names the same datasets
    with the same facets run after run, and mapping them again is most of the cost of an event."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: dict[tuple[Any, ...], _Memo] = {}

    def get(self, key: tuple[Any, ...]) -> _Memo | None:
        return self.data.get(key)

    def put(self, key: tuple[Any, ...], memo: _Memo) -> None:
        if len(self.data) >= self.size:
            self.data.clear()  # start over: one atomic step, safe however many threads map
        self.data[key] = memo


_MEMO = _MemoCache(4096)
_MAX_MEMO_BYTES = 1 << 20


def content_key(entry: Mapping[str, Any]) -> bytes | None:
    """The entry's content as JSON bytes (a memo key), or None when it cannot be (or is too big to be)."""
    try:
        key = orjson.dumps(entry)
    except TypeError:  # orjson.JSONEncodeError: a big integer, a non-string key, nesting too deep
        return None
    return key if len(key) <= _MAX_MEMO_BYTES else None


@dataclass
class MappedEvent:
    """The facts from one event, the problems met, and whether it was refused."""

    facts: list[FactT] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    run_id: str | None = None
    refused: bool = False


def parse_time(value: Any, where: str = "eventTime") -> tuple[datetime, str | None]:
    """An ISO 8601 time (nanoseconds allowed), plus a warning when it had no time zone.

    Raises:
        EventError: the value is not a time.

    Example:
        >>> parse_time("2020-12-28T19:51:01.641499123Z")[0].isoformat()
        '2020-12-28T19:51:01.641499+00:00'
    """
    if not isinstance(value, str) or not value.strip():
        raise EventError("eventTime must be an ISO 8601 time string", where)
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise EventError(f"eventTime {raw[:60]!r} is not an ISO 8601 time", where) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), "eventTime has no time zone; read as UTC"
    return parsed, None


def name_of(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EventError("must be a non-empty string", where)
    if len(value) > MAX_NAME:
        raise EventError(f"is longer than {MAX_NAME} characters", where)
    return value


def job_name_of(value: Any, where: str) -> str:
    """A job's namespace or name: `name_of`, and no control or bidirectional formatting characters
    (NUL, U+202E, ...), by the rule dataset names follow (`lineage.naming.check_characters`).

    Raises:
        EventError: naming the field `where`.
    """
    text = name_of(value, where)
    try:
        check_characters(text, "the name", echo=False)
    except ValueError as exc:
        raise EventError(str(exc).removeprefix("the name "), where) from None
    return text


def object_of(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EventError("must be an object", where)
    return value


def facets_of(entry: Mapping[str, Any], key: str, where: str, warn: F.Report) -> Mapping[str, Any]:
    value = entry.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        warn(f"{key} must be an object; ignored", f"{where}.{key}")
        return {}
    return value



class MapperBase:
    """The state of mapping one event: the event, where it came from, the aliases and SQL hook shared
    across events, the facts and problems so far, and the trace of a memoised step."""

    def __init__(
        self,
        event: Mapping[str, Any],
        source: str,
        line: int | None,
        aliases: AliasMap,
        sql_hook: SqlHook | None,
    ) -> None:
        self.event = event
        self.source = source
        self.line = line
        self.aliases = aliases
        self.sql_hook = sql_hook
        self.sql_dialect: str | None = None
        self.parent_ref: NodeRef | None = None
        """The parent job the event's `parent` facet names."""
        self.root_name: str | None = None
        """The name of the root job the `parent` facet names (an Airflow DAG, a dbt run)."""
        self.out = MappedEvent()
        self.trace: _Trace | None = None

    def warn(self, message: str, where: str | None) -> None:
        if self.trace is not None:
            self.trace.warnings.append((message, where))
        self.out.problems.append(
            Problem(severity="warning", message=message, source=self.source, line=self.line, field=where)
        )

    def memoised(
        self,
        entry: Mapping[str, Any],
        key: tuple[Any, ...],
        ev: Evidence,
        make: Callable[[], tuple[tuple[Any, ...], NodeRef | None]],
    ) -> tuple[list[Any], NodeRef | None]:
        """`make()`'s facts (with `ev` as their evidence) and node, from the memo when the same
        `entry` (by content, plus `key`) was mapped before with the same alias lookups; its warnings
        and alias additions replayed. An entry that cannot be a memo key is mapped every time."""
        content = content_key(entry)
        if content is None:
            facts, ref = make()
            return list(facts), ref
        key = (content, *key)
        memo = _MEMO.get(key)
        if memo is not None and all(self.aliases.resolve(a).id == b.id for a, b in memo.trace.lookups):
            for alias, canonical in memo.trace.added:
                self.aliases.add(alias, canonical)
            for message, where in memo.trace.warnings:
                self.warn(message, where)
            return [F.replaced(f, evidence=ev) for f in memo.facts], memo.ref
        outer, self.trace = self.trace, _Trace()
        try:
            facts, ref = make()
            _MEMO.put(key, _Memo(self.trace, facts, ref))
        finally:
            self.trace = outer
        return list(facts), ref

    # -- datasets ------------------------------------------------------------------------------

    def dataset_ref(self, entry: Mapping[str, Any], where: str) -> NodeRef:
        namespace = name_of(entry.get("namespace"), f"{where}.namespace")
        name = name_of(entry.get("name"), f"{where}.name")
        try:
            node = dataset_node(namespace, name)
        except ValueError as exc:
            raise EventError(f"is not a dataset name: {exc}", where) from None
        resolved = self.aliases.resolve(node)
        if self.trace is not None:
            self.trace.lookups.append((node, resolved))
        return resolved


def dataset_ref_of(dataset: Dataset) -> NodeRef:
    """`dataset.ref`, from the cache (a dataset's namespace and name are already normalised)."""
    return _process_or_dataset(NodeKind.DATASET, dataset.namespace, dataset.name)


@lru_cache(maxsize=65_536)
def _process_or_dataset(kind: NodeKind, namespace: str, name: str) -> NodeRef:
    return NodeRef(kind=kind, namespace=namespace, name=name)

