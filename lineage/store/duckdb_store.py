"""The embedded store: one DuckDB file.

DuckDB lets one process at a time open a file for writing, and while it does, other processes
cannot open the file at all. So no process keeps the file open: every read and every write opens
a short-lived connection, does its work in one transaction and closes it. A process that finds
the file locked waits and retries with jittered backoff until `lock_timeout`. Collectors parse
before the store is opened, so the lock is held only for the insert itself, and the dashboard,
the endpoint and scheduled collectors take turns instead of failing.

Ingest is idempotent: an input (the raw bytes of a source) whose content equals the current
snapshot of that source is skipped, and a fact already stored from an append-only source (an
OpenLineage event delivered twice) is not stored again. A new snapshot of a source supersedes
the previous one from its receive time on, so the graph can be built as of any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lineage.errors import StoreError
from lineage.models import (
    LineageBatch,
)
from lineage.perf import paused_gc
from lineage.store.base import (
    GraphData,
    IngestResult,
    NodeFactRow,
    RawInputRow,
    RunRecord,
    SourceState,
    StoreWriter,
)
from lineage.store.rows import canonical_facts as _canonical_facts
from lineage.store.rows import digest as _digest
from lineage.store.rows import fact_tables as _fact_tables
from lineage.store.rows import review as _review
from lineage.store.rows import review_row as _review_row
from lineage.store.rows import run_record as _run_record
from lineage.store.schema import LATEST_VERSION, MIGRATIONS

if TYPE_CHECKING:
    from lineage.policy.finding import Review

_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: str) -> threading.RLock:
    # In one process DuckDB refuses a read-only and a read-write connection to one file at once.
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(path, threading.RLock())


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflict" in text or "could not set" in text)


WAITING_FRESH_S = 2.0
"""A waiting marker touched within this many seconds means someone is waiting for the file."""

_PROBLEM_SCHEMA = pa.schema([
    ("input_id", pa.string()), ("source", pa.string()), ("line", pa.int32()), ("col", pa.int32()),
    ("field", pa.string()), ("severity", pa.string()), ("message", pa.string()),
    ("observed_at", pa.timestamp("us", tz="UTC")),
])


@dataclass(frozen=True)
class _Prepared:
    """A batch turned into rows, before the store is opened."""

    now: datetime
    content: bytes
    append_only: bool
    content_sha: str
    input_id: str
    tables: dict[str, pa.Table]


class DuckDBStore:
    """A store in one DuckDB file.

    Args:
        path: the database file; created with the latest schema when missing.
        lock_timeout: seconds to wait for another process's lock before giving up.
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._lock = _process_lock(str(self.path.resolve()))

    def __repr__(self) -> str:
        return f"DuckDBStore({str(self.path)!r})"

    # -- connections ---------------------------------------------------------------------------

    @contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if read_only and not self.path.exists():
                self.migrate()
            deadline = time.monotonic() + self.lock_timeout
            delay = 0.005
            while True:
                try:
                    con = duckdb.connect(str(self.path), read_only=read_only)
                    break
                except duckdb.IOException as exc:
                    if not _is_lock_conflict(exc):
                        self._not_waiting()
                        raise StoreError(f"{self.path}: cannot open the store: {exc}") from exc
                    if time.monotonic() > deadline:
                        self._not_waiting()
                        raise StoreError(
                            f"{self.path}: still locked by another process after {self.lock_timeout:.0f} s"
                        ) from exc
                    self._waiting()  # a write session in another process lets us in at its next commit
                    time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto
                    delay = min(delay * 2, 0.25)
                except duckdb.Error as exc:
                    self._not_waiting()
                    raise StoreError(f"{self.path}: not a readable store: {exc}") from exc
            self._not_waiting()
            try:
                if read_only and self._version(con) < LATEST_VERSION:
                    con.close()
                    self.migrate()  # an older store, or one created empty by another tool
                    con = duckdb.connect(str(self.path), read_only=True)
                con.execute("SET TimeZone = 'UTC'").fetchall()
                if read_only:
                    self._check_version(con)
                yield con
            finally:
                con.close()

    @property
    def waiting_marker(self) -> Path:
        """The file a process touches while it waits for the store (see `writer`)."""
        return self.path.with_name(self.path.name + ".waiting")

    def _waiting(self) -> None:
        with contextlib.suppress(OSError):  # a read-only directory: max_hold_s still lets us in
            self.waiting_marker.touch()

    def _not_waiting(self) -> None:
        marker = self.waiting_marker
        with contextlib.suppress(OSError):
            if marker.exists():
                marker.unlink(missing_ok=True)

    def someone_waiting(self) -> bool:
        """Whether another process (or thread) waits for the file right now."""
        try:
            touched = os.stat(self.waiting_marker).st_mtime
        except OSError:
            return False
        return time.time() - touched < WAITING_FRESH_S

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._connect(read_only=False) as con:
            self._migrate(con)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _version(self, con: duckdb.DuckDBPyConnection) -> int:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchall()
        if not exists[0][0]:
            return 0
        rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()
        return int(rows[0][0])

    def _check_version(self, con: duckdb.DuckDBPyConnection) -> None:
        version = self._version(con)
        if version > LATEST_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {version} is newer than this release knows "
                f"({LATEST_VERSION}); upgrade lineage-mapper"
            )

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        version = self._version(con)
        if version > LATEST_VERSION:
            self._check_version(con)
        if version == LATEST_VERSION:
            return
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
        )
        for migration in MIGRATIONS:
            if migration.version > version:
                for statement in migration.sql("duckdb"):
                    con.execute(statement)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [migration.version, migration.description, datetime.now(UTC)],
                )
        con.execute("COMMIT")

    def migrate(self) -> int:
        """Create the store or bring its schema up to date; returns the schema version."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self._connect(read_only=False) as con:
            self._migrate(con)
            return self._version(con)

    def schema_version(self) -> int:
        with self._connect(read_only=True) as con:
            return self._version(con)

    # -- writing -------------------------------------------------------------------------------

    def ingest(self, batch: LineageBatch) -> IngestResult:
        """Store one batch atomically: its raw input, its facts and its problems.

        Returns what was stored; `skipped` when the same input was stored before.
        """
        prepared = self._prepare(batch)
        with self._transaction() as con:
            return self._ingest_on(con, batch, prepared)

    @contextmanager
    def writer(self, *, max_hold_s: float = 0.5) -> Iterator[StoreWriter]:
        """A write session: consecutive ingests share one open connection (no open, version check
        and checkpoint-on-close per ingest).

        The file stays locked against other processes while the session holds it, so it holds it
        for at most `max_hold_s` seconds at a time, and lets go at the next commit as soon as
        another process is waiting (it touches `<file>.waiting` while it retries), not opening
        the file again until that process got in. `release()` lets go at once (the endpoint's
        writer calls it when its queue is idle). A session belongs to the thread that uses it.

        Example:
            >>> import tempfile, pathlib
            >>> store = DuckDBStore(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
            >>> with store.writer() as w:
            ...     w.ingest(LineageBatch(collector="demo", source="a")).skipped
            False
        """
        session = DuckDBWriter(self, max_hold_s=max_hold_s)
        try:
            yield session
        finally:
            session.release()

    def _prepare(self, batch: LineageBatch) -> _Prepared:
        now = datetime.now(UTC)
        content = batch.raw.content if batch.raw else _canonical_facts(batch)
        append_only = batch.raw.append_only if batch.raw else False
        content_sha = hashlib.sha256(content).hexdigest()
        input_id = _digest(batch.collector, batch.source, content_sha, now.isoformat())
        with paused_gc():
            tables = _fact_tables(batch, input_id)
        return _Prepared(now, content, append_only, content_sha, input_id, tables)

    def _ingest_on(self, con: duckdb.DuckDBPyConnection, batch: LineageBatch, p: _Prepared) -> IngestResult:
        """The writes of one ingest, inside the caller's transaction."""
        now, append_only, content_sha, input_id = p.now, p.append_only, p.content_sha, p.input_id
        if append_only:
            seen = con.execute(
                "SELECT 1 FROM inputs WHERE collector = ? AND content_sha = ? LIMIT 1",
                [batch.collector, content_sha],
            ).fetchone()
        else:
            seen = con.execute(
                "SELECT 1 FROM inputs WHERE collector = ? AND source = ? AND content_sha = ? "
                "AND superseded_at IS NULL LIMIT 1",
                [batch.collector, batch.source, content_sha],
            ).fetchone()
        if seen:
            return IngestResult(input_id=None, facts=0, problems=0, skipped=True)
        if not append_only:
            con.execute(
                "UPDATE inputs SET superseded_at = ? WHERE collector = ? AND source = ? "
                "AND superseded_at IS NULL",
                [now, batch.collector, batch.source],
            )
        stored = 0
        for table, rows in p.tables.items():
            if rows.num_rows == 0:
                continue
            con.register("staged", rows)
            if append_only:
                # The same fact from an earlier delivery of the same events is not stored twice. A
                # fact's key covers its time, so only stored facts of the staged facts' time range
                # can match: the range filter lets DuckDB skip every other row group (zone maps)
                # instead of reading all append-only facts on every ingest.
                span = pc.min_max(rows.column("observed_at")).as_py()
                con.execute(
                    f"INSERT INTO {table} SELECT s.* FROM staged s WHERE s.fact_key NOT IN "  # noqa: S608
                    f"(SELECT t.fact_key FROM {table} t JOIN inputs i USING (input_id) "
                    "WHERE i.append_only AND t.observed_at BETWEEN ? AND ?)",
                    [span["min"], span["max"]],
                )
            else:
                con.execute(f"INSERT INTO {table} SELECT * FROM staged")  # noqa: S608
            con.unregister("staged")
            stored += rows.num_rows
        if batch.problems:
            problems = pa.table(
                {
                    "input_id": [input_id] * len(batch.problems),
                    "source": [q.source for q in batch.problems],
                    "line": [q.line for q in batch.problems],
                    "col": [q.column for q in batch.problems],
                    "field": [q.field for q in batch.problems],
                    "severity": [q.severity for q in batch.problems],
                    "message": [q.message for q in batch.problems],
                    "observed_at": [now] * len(batch.problems),
                },
                schema=_PROBLEM_SCHEMA,
            )
            con.register("staged_problems", problems)
            con.execute("INSERT INTO problems SELECT * FROM staged_problems")
            con.unregister("staged_problems")
        con.execute(
            "INSERT INTO inputs (input_id, collector, source, content_sha, content, append_only, received_at, "
            "fact_count, problem_count, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [input_id, batch.collector, batch.source, content_sha, p.content if batch.raw else None,
             append_only, now, stored, len(batch.problems),
             json.dumps(batch.raw.options) if batch.raw and batch.raw.options else None],
        )
        return IngestResult(input_id=input_id, facts=stored, problems=len(batch.problems), skipped=False)

    def record_run(self, run: RunRecord) -> None:
        """Insert or update one collection run (for the dashboard's history)."""
        with self._transaction() as con:
            con.execute("DELETE FROM collection_runs WHERE run_id = ?", [run.run_id])
            con.execute(
                "INSERT INTO collection_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run.run_id, run.command, run.started_at, run.finished_at, run.status, run.sources,
                 run.facts, run.problems, json.dumps({**run.detail, "job": run.job} if run.job else run.detail)],
            )

    # -- reading -------------------------------------------------------------------------------

    def graph_data(self, as_of: datetime | None = None) -> GraphData:
        """Every fact visible at `as_of` (default: now), as plain data for `LineageGraph`."""
        at = as_of or datetime.now(UTC)
        # a fact is visible when it was observed by then and its input was current then
        visible = "i.received_at <= $at AND (i.superseded_at IS NULL OR i.superseded_at > $at) AND f.observed_at <= $at"
        with self._connect(read_only=True) as con:
            nodes = con.sql(
                "SELECT f.node_id, f.kind, f.namespace, f.name, f.body, f.layer, f.observed_at "  # noqa: S608
                f"FROM node_facts f JOIN inputs i USING (input_id) WHERE {visible} "
                "ORDER BY f.node_id, f.layer, f.observed_at",
                params={"at": at},
            ).to_arrow_table()
            edges = con.sql(
                "SELECT f.source_id, f.target_id, f.kind, "  # noqa: S608
                "list_sort(list_distinct(flatten(list(f.permissions)))), "
                "max(f.confidence) "
                f"FROM edge_facts f JOIN inputs i USING (input_id) WHERE {visible} "
                "GROUP BY ALL",
                params={"at": at},
            ).to_arrow_table()
            columns = con.execute(
                "SELECT DISTINCT f.target_id, f.target_column, f.sources, f.transformation, f.indirect, "  # noqa: S608
                "f.process_id, f.confidence "
                f"FROM column_facts f JOIN inputs i USING (input_id) WHERE {visible} "
                "ORDER BY 1, 2",
                {"at": at},
            ).fetchall()
        return GraphData(
            nodes=[
                NodeFactRow(node_id=r[0], kind=r[1], namespace=r[2], name=r[3],
                            body=json.loads(r[4]) if r[4] != "{}" else {}, layer=r[5], observed_at=r[6])
                for r in zip(*(nodes.column(i).to_pylist() for i in range(7)), strict=True)
            ],
            edges=list(zip(*(edges.column(i).to_pylist() for i in range(5)), strict=True))
            if edges.num_rows else [],
            column_lineage=[
                {"target": r[0], "column": r[1], "sources": json.loads(r[2]), "transformation": r[3],
                 "indirect": r[4], "process": r[5], "confidence": r[6]}
                for r in columns
            ],
        )

    def facts_about(self, node_ids: list[str]) -> list[dict[str, Any]]:
        """Every stored fact (current or superseded) that mentions one of the nodes, with evidence."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT 'node' AS fact, f.node_id AS subject, NULL AS other, NULL AS edge_kind, f.body::VARCHAR, "
                "f.layer, f.collector, f.source, f.line, f.run_id, f.observed_at, i.superseded_at "
                "FROM node_facts f JOIN inputs i USING (input_id) WHERE f.node_id IN (SELECT unnest($ids)) "
                "UNION ALL "
                "SELECT 'edge', f.source_id, f.target_id, f.kind, to_json(f.permissions)::VARCHAR, f.layer, "
                "f.collector, f.source, f.line, f.run_id, f.observed_at, i.superseded_at "
                "FROM edge_facts f JOIN inputs i USING (input_id) "
                "WHERE f.source_id IN (SELECT unnest($ids)) OR f.target_id IN (SELECT unnest($ids)) "
                "UNION ALL "
                "SELECT 'column_lineage', f.target_id, f.process_id, f.transformation, "
                "json_object('column', f.target_column, 'sources', f.sources)::VARCHAR, f.layer, f.collector, "
                "f.source, f.line, f.run_id, f.observed_at, i.superseded_at "
                "FROM column_facts f JOIN inputs i USING (input_id) "
                "WHERE f.target_id IN (SELECT unnest($ids)) OR f.process_id IN (SELECT unnest($ids)) "
                "ORDER BY 11, 1",
                {"ids": node_ids},
            ).fetchall()
        keys = ("fact", "subject", "other", "edge_kind", "body", "layer", "collector", "source", "line",
                "run_id", "observed_at", "superseded_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def problems(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT source, line, col, field, severity, message, observed_at FROM problems "
                "ORDER BY observed_at DESC LIMIT ?", [limit]
            ).fetchall()
        keys = ("source", "line", "column", "field", "severity", "message", "observed_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def runs(self, limit: int = 100) -> list[RunRecord]:
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT run_id, command, started_at, finished_at, status, sources, facts, problems, detail "
                "FROM collection_runs ORDER BY started_at DESC LIMIT ?", [limit]
            ).fetchall()
        return [_run_record(r) for r in rows]

    def job_runs(self, job: str, limit: int = 100) -> list[RunRecord]:
        """The runs of one scheduled job, newest first."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT run_id, command, started_at, finished_at, status, sources, facts, problems, detail "
                "FROM collection_runs WHERE json_extract_string(detail, '$.job') = ? "
                "ORDER BY started_at DESC LIMIT ?", [job, limit]
            ).fetchall()
        return [_run_record(r) for r in rows]

    def source_states(self, job: str) -> dict[str, SourceState]:
        """What `job` last read of each of its sources, by source."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                'SELECT job, source, size, mtime_ns, content_sha, "offset", line, detail, updated_at '
                "FROM job_sources WHERE job = ?", [job]
            ).fetchall()
        return {r[1]: SourceState(job=r[0], source=r[1], size=r[2], mtime_ns=r[3], content_sha=r[4], offset=r[5],
                                  line=r[6], detail=json.loads(r[7]) if r[7] else {}, updated_at=r[8])
                for r in rows}

    def save_source_states(self, states: Sequence[SourceState]) -> None:
        """Remember what jobs read of their sources; an existing entry is replaced."""
        if not states:
            return
        now = datetime.now(UTC)
        with self._transaction() as con:
            for s in states:
                con.execute("DELETE FROM job_sources WHERE job = ? AND source = ?", [s.job, s.source])
                con.execute(
                    "INSERT INTO job_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [s.job, s.source, s.size, s.mtime_ns, s.content_sha, s.offset, s.line,
                     json.dumps(s.detail), s.updated_at or now],
                )

    def raw_inputs(self) -> Iterator[RawInputRow]:
        """The current raw inputs, oldest first, to collect again when the rules change."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT collector, source, content, append_only, received_at, options FROM inputs "
                "WHERE superseded_at IS NULL AND content IS NOT NULL ORDER BY received_at"
            ).fetchall()
        for r in rows:
            yield RawInputRow(collector=r[0], source=r[1], content=bytes(r[2]), append_only=r[3],
                              received_at=r[4], options=json.loads(r[5]) if r[5] else {})

    def cached_parses(self, fingerprints: list[str]) -> dict[str, str]:
        """Cached SQL analyses (JSON text) by fingerprint, for the fingerprints that have one."""
        if not fingerprints:
            return {}
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT fingerprint, analysis FROM sql_parse_cache WHERE fingerprint IN (SELECT unnest($f))",
                {"f": list(fingerprints)},
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def cache_parses(self, entries: Mapping[str, str]) -> None:
        """Remember SQL analyses by fingerprint; an existing entry is replaced."""
        if not entries:
            return
        rows = pa.table({"fingerprint": list(entries), "analysis": list(entries.values())})
        with self._transaction() as con:
            con.register("parsed", rows)
            con.execute("DELETE FROM sql_parse_cache WHERE fingerprint IN (SELECT fingerprint FROM parsed)")
            con.execute("INSERT INTO sql_parse_cache SELECT fingerprint, analysis, now() FROM parsed")
            con.unregister("parsed")

    # -- reviews of findings (an append-only audit trail) ----------------------------------------

    def add_review(self, fingerprint: str, status: str, reviewer: str, reason: str,
                   expires_at: datetime | None = None) -> None:
        """Record a person's decision on a finding; earlier decisions stay as its history.

        Raises:
            PolicyError: the status, reviewer or reason is invalid.
        """
        review = _review(fingerprint=fingerprint, status=status, reviewer=reviewer, reason=reason,
                         expires_at=expires_at, created_at=datetime.now(UTC))
        with self._transaction() as con:
            con.execute("INSERT INTO finding_reviews VALUES (?, ?, ?, ?, ?, ?)",
                        [review.fingerprint, review.status, review.reviewer, review.reason, review.expires_at,
                         review.created_at])

    def reviews(self) -> list[Review]:
        """The latest review of each fingerprint."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT fingerprint, status, reviewer, reason, expires_at, created_at FROM finding_reviews "
                "QUALIFY row_number() OVER (PARTITION BY fingerprint ORDER BY created_at DESC) = 1 "
                "ORDER BY fingerprint").fetchall()
        return [_review_row(r) for r in rows]

    def review_history(self, fingerprint: str) -> list[Review]:
        """Every review of one fingerprint, oldest first: the audit trail."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT fingerprint, status, reviewer, reason, expires_at, created_at FROM finding_reviews "
                "WHERE fingerprint = ? ORDER BY created_at", [fingerprint]).fetchall()
        return [_review_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Row counts per table, for tests and `lineage store info`."""
        with self._connect(read_only=True) as con:
            out = {}
            for table in ("inputs", "node_facts", "edge_facts", "column_facts", "problems", "collection_runs"):
                row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
                out[table] = int(row[0]) if row else 0
            return out


class DuckDBWriter:
    """A write session on a `DuckDBStore` (see `DuckDBStore.writer`): one connection kept open
    across consecutive ingests, the schema checked once per opening."""

    def __init__(self, store: DuckDBStore, *, max_hold_s: float = 0.5, yield_s: float = 1.0) -> None:
        self.store = store
        self.max_hold_s = max_hold_s
        self.yield_s = yield_s
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self.opens = 0

    @property
    def holding(self) -> bool:
        return self._con is not None

    def ingest(self, batch: LineageBatch) -> IngestResult:
        prepared = self.store._prepare(batch)  # before the file is taken
        con = self._open()
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                result = self.store._ingest_on(con, batch, prepared)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except BaseException:
            self.release()  # start over on a fresh connection next time
            raise
        if time.monotonic() - self._opened_at >= self.max_hold_s or self.store.someone_waiting():
            self.release()
        return result

    def release(self) -> None:
        """Close the connection (checkpointing it) so other processes can open the file."""
        con, self._con = self._con, None
        if con is None:
            return
        try:
            con.close()
        finally:
            self.store._lock.release()

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self._con is not None:
            return self._con
        store = self.store
        # Someone waits for the file: let them take it before opening it again.
        until = time.monotonic() + self.yield_s
        while store.someone_waiting() and time.monotonic() < until:
            time.sleep(0.005)
        store.path.parent.mkdir(parents=True, exist_ok=True)
        store._lock.acquire()
        try:
            deadline = time.monotonic() + store.lock_timeout
            while True:
                try:
                    con = duckdb.connect(str(store.path))
                    break
                except duckdb.IOException as exc:
                    if not _is_lock_conflict(exc):
                        raise StoreError(f"{store.path}: cannot open the store: {exc}") from exc
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"{store.path}: still locked by another process after {store.lock_timeout:.0f} s"
                        ) from exc
                    time.sleep(0.003 + 0.004 * random.random())  # noqa: S311 - jitter, not crypto
                except duckdb.Error as exc:
                    raise StoreError(f"{store.path}: not a readable store: {exc}") from exc
            try:
                con.execute("SET TimeZone = 'UTC'").fetchall()
                store._migrate(con)
            except BaseException:
                con.close()
                raise
        except BaseException:
            store._lock.release()
            raise
        self._con = con
        self._opened_at = time.monotonic()
        self.opens += 1
        return con
