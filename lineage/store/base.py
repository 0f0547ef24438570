"""The store interface and the plain data it hands to the graph.

The rest of the code talks to a `Store`; which database is behind it is the store package's
business alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from lineage.models import LineageBatch, Problem, RawInput

Status = Literal["open", "accepted_risk", "false_positive", "fixed"]
"""Where a person left a finding (the review statuses)."""


@dataclass(frozen=True)
class IngestResult:
    input_id: str | None
    facts: int
    """The fact rows the store gained: facts it already held (the same events delivered before,
    by another source or run) are not counted, so the sum over ingests is what its counts grew by."""
    problems: int
    skipped: bool


@dataclass(frozen=True)
class NodeFactRow:
    node_id: str
    kind: str
    namespace: str
    name: str
    body: dict[str, Any]
    layer: int
    observed_at: datetime
    """When it was last observed (a fact said again by many events is one row)."""
    first_observed_at: datetime | None = None
    """When it was first observed, if earlier than `observed_at`."""


@dataclass(frozen=True)
class RawInputRow:
    collector: str
    source: str
    content: bytes
    append_only: bool
    received_at: datetime
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunRecord:
    run_id: str
    command: str
    started_at: datetime
    status: str = "running"
    finished_at: datetime | None = None
    sources: int = 0
    facts: int = 0
    problems: int = 0
    detail: dict[str, Any] = field(default_factory=dict)
    job: str | None = None  # the scheduled job that made the run (kept in `detail["job"]`)


@dataclass(frozen=True)
class ProcessRun:
    """One run of a job, from the events it reported (OpenLineage): its state now (the latest event's),
    when it started and ended, the error it reported if it ended in failure, its parent job and the
    parent's run."""

    run_id: str
    state: str
    started_at: datetime
    ended_at: datetime | None = None
    error: str | None = None
    parent: str | None = None
    parent_run: str | None = None
    events: int = 0

    @property
    def duration_s(self) -> float | None:
        return (self.ended_at - self.started_at).total_seconds() if self.ended_at else None

    def as_json(self) -> dict[str, Any]:
        """The run as JSON-ready data: what `lineage runs --format json` and the export print."""
        return {"run_id": self.run_id, "state": self.state, "started_at": self.started_at.isoformat(),
                "ended_at": self.ended_at.isoformat() if self.ended_at else None, "duration_s": self.duration_s,
                "error": self.error, "parent": self.parent, "parent_run": self.parent_run, "events": self.events}


TERMINAL_STATES = frozenset({"COMPLETE", "FAIL", "ABORT"})
"""The run states that end a run."""


def runs_from_events(rows: Sequence[Sequence[Any]]) -> list[ProcessRun]:
    """Runs from their events' rows (run id, time, state, error, parent job, parent run), newest first.

    Example:
        >>> from datetime import datetime, UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> rows = [("r1", t, "START", None, None, None), ("r1", t.replace(minute=5), "FAIL", "disk full", None, None)]
        >>> [r] = runs_from_events(rows)
        >>> r.state, r.duration_s, r.error
        ('FAIL', 300.0, 'disk full')
    """
    events: dict[str, list[Sequence[Any]]] = {}
    for row in sorted(rows, key=lambda r: (r[1], r[2] in TERMINAL_STATES)):
        events.setdefault(str(row[0]), []).append(row)
    out = []
    for run_id, seen in events.items():
        last = seen[-1]
        ended = [r for r in seen if r[2] in TERMINAL_STATES]
        out.append(ProcessRun(run_id=run_id, state=str(last[2]), started_at=seen[0][1],
                          ended_at=ended[-1][1] if ended else None,
                          error=(last[3] or None) if last[2] != "COMPLETE" else None,
                          parent=next((r[4] for r in reversed(seen) if r[4]), None),
                          parent_run=next((r[5] for r in reversed(seen) if r[5]), None), events=len(seen)))
    return sorted(out, key=lambda r: r.started_at, reverse=True)


@dataclass(frozen=True)
class SourceState:
    """What a scheduled job last read of one source, so its next run reads only what changed.

    `offset` and `line` mark where an appended JSON-lines log was read up to; `detail` holds
    source-specific checks (the file's inode and a hash of the bytes before `offset`; a URL's
    ETag and Last-Modified).
    """

    job: str
    source: str
    size: int | None = None
    mtime_ns: int | None = None
    content_sha: str | None = None
    offset: int | None = None
    line: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


class Review(BaseModel):
    """A person's decision on a finding: who, why, until when. Kept as an audit trail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str = Field(min_length=1)
    status: Status
    reviewer: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires_at: datetime | None = None
    created_at: datetime | None = None
    source: str = "store"
    """Where the review lives: `store`, or `FILE:LINE` of a project file."""

    def expired(self, now: datetime) -> bool:
        """Whether the review has run out at `now` (an expired review reopens the finding).

        Example:
            >>> from datetime import UTC, datetime
            >>> r = Review(fingerprint="f", status="accepted_risk", reviewer="a", reason="b",
            ...            expires_at=datetime(2020, 1, 1, tzinfo=UTC))
            >>> r.expired(datetime(2021, 1, 1, tzinfo=UTC))
            True
        """
        return self.expires_at is not None and self.expires_at <= now


@dataclass
class GraphData:
    """Facts as plain rows: node facts ordered by node, layer and time; edges merged per
    (source, target, kind) as (source, target, kind, permissions, confidence); column lineage."""

    nodes: list[NodeFactRow]
    edges: list[tuple[str, str, str, list[str], float]]
    column_lineage: list[dict[str, Any]]


@dataclass
class CurrentGraph:
    """The current graph, or part of it, as plain rows: each node's merged attributes; edges as
    (source, target, kind, permissions, confidence); column lineage as in `GraphData`."""

    nodes: list[dict[str, Any]]
    edges: list[tuple[str, str, str, list[str], float]]
    column_lineage: list[dict[str, Any]]


class PreparedBatch(Protocol):
    """A batch turned into rows before the store is opened, maybe by another process
    (`lineage.store.facts.Prepared`): stores take it where they take a batch."""

    @property
    def problems(self) -> list[Problem]: ...

    @property
    def raw(self) -> RawInput | None: ...


class StoreWriter(Protocol):
    """A write session: consecutive ingests from one thread, sharing what can be shared (DuckDB
    keeps one connection open across them). `release()` gives the store back to other processes
    now (the session opens it again on its next ingest)."""

    def ingest(self, batch: LineageBatch | PreparedBatch) -> IngestResult: ...

    def ingest_all(self, batches: Sequence[LineageBatch | PreparedBatch]) -> list[IngestResult]:
        """Store batches in order in one transaction (see `Store.ingest_all`)."""
        ...

    def release(self) -> None: ...


class EachIngest:
    """The plainest write session: every ingest is the store's own `ingest` (nothing is held)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def ingest(self, batch: LineageBatch | PreparedBatch) -> IngestResult:
        return self.store.ingest(batch)

    def ingest_all(self, batches: Sequence[LineageBatch | PreparedBatch]) -> list[IngestResult]:
        return self.store.ingest_all(batches)

    def release(self) -> None:
        return None


@contextmanager
def each_ingest(store: Store) -> Iterator[StoreWriter]:
    """A `StoreWriter` for a backend with nothing to hold between ingests (e.g. a connection pool)."""
    yield EachIngest(store)


class Store(Protocol):
    def migrate(self) -> int: ...

    def writer(self, *, max_hold_s: float = 0.5) -> AbstractContextManager[StoreWriter]:
        """A write session for many consecutive ingests from one thread (the endpoint's writer,
        a long `collect`); it holds the store at most `max_hold_s` seconds at a time."""
        ...

    def schema_version(self) -> int: ...

    def reading(self) -> AbstractContextManager[None]:
        """A block whose reads share what they can (DuckDB: one connection)."""
        ...

    def ingest(self, batch: LineageBatch | PreparedBatch) -> IngestResult: ...

    def ingest_all(self, batches: Sequence[LineageBatch | PreparedBatch]) -> list[IngestResult]:
        """Store batches in order in one transaction, the current graph brought up to date once."""
        ...

    @staticmethod
    def stage_facts(table: str, columns: dict[str, list[Any]]) -> Any:
        """A fact table's rows, by column, made ready to insert (`lineage.store.facts.prepare`)."""
        ...

    def record_run(self, run: RunRecord) -> None: ...

    def graph_data(self, as_of: datetime | None = None) -> GraphData: ...

    def current_graph(self) -> CurrentGraph:
        """The current graph the store keeps (`lineage.store.current`)."""
        ...

    def rebuild_current(self) -> None: ...

    def generation(self) -> int: ...

    def derived_before(self, name: str, key: str) -> tuple[int, bytes] | None: ...

    def aliases(self) -> dict[str, str]: ...

    def changed_between(self, since: datetime, until: datetime) -> set[str]: ...

    def changed_since(self, generation: int) -> set[str] | None: ...

    def reach(self, node_ids: Iterable[str], limit: int) -> set[str] | None: ...

    def dataset_columns(self) -> dict[str, list[str]]:
        """The column names each dataset (by name) is known to have now, as the graph merges them:
        what `SELECT *` expands to. Reads only the node facts that name columns."""
        ...

    def facts_about(self, node_ids: list[str]) -> list[dict[str, Any]]: ...

    def fact_places(self, node_ids: list[str]) -> list[tuple[str, str, int | None]]: ...

    def problems(self, limit: int = 1000) -> list[dict[str, Any]]: ...

    def runs(self, limit: int = 100) -> list[RunRecord]: ...

    def job_runs(self, job: str, limit: int = 100) -> list[RunRecord]: ...

    def source_states(self, job: str) -> dict[str, SourceState]: ...

    def save_source_states(self, states: Sequence[SourceState]) -> None: ...

    def raw_inputs(self) -> Iterator[RawInputRow]: ...

    def snapshot_hashes(self, sources: list[str]) -> dict[tuple[str, str], str]:
        """The content hash of the current snapshot of each of `sources`, by (collector, source)."""
        ...

    def holds(self, collector: str, content: bytes) -> bool: ...

    def runs_of(self, process_id: str, limit: int = 100) -> list[ProcessRun]: ...

    def runs_ended(self, since: datetime, until: datetime) -> dict[str, list[ProcessRun]]: ...

    def latest_events(self, process_ids: Sequence[str], limit: int = 1) -> list[dict[str, Any]]: ...

    def run_events(self, process_id: str, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The latest event of each of a process's runs, as sent, by run."""
        ...

    def recent_runs(self, per_process: int) -> dict[str, list[ProcessRun]]:
        """The latest `per_process` runs of every process that reported runs, newest first."""
        ...

    def as_of(self, at: datetime) -> Any:
        """The graph as it was at `at`, with the reads of the current graph (`lineage.store.past`)."""
        ...

    def counts(self) -> dict[str, int]: ...

    def cached_parses(self, fingerprints: list[str]) -> dict[str, str]: ...

    def cache_parses(self, entries: Mapping[str, str]) -> None: ...

    def add_review(self, fingerprint: str, status: str, reviewer: str, reason: str,
                   expires_at: datetime | None = None) -> None: ...

    def reviews(self) -> list[Review]: ...

    def review_history(self, fingerprint: str) -> list[Review]: ...
