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

This module holds connections, migrations, ingest and the graph's reads; write sessions that keep
the file open across ingests are in `duckdb_session`, and the secondary tables (runs, job source
states, the SQL parse cache, reviews) in `duckdb_extras`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lineage.errors import StoreError
from lineage.models import LineageBatch
from lineage.perf import paused_gc
from lineage.store.base import GraphData, IngestResult, RawInputRow
from lineage.store.duckdb_extras import DuckDBExtras
from lineage.store.duckdb_session import WAITING_FRESH_S, DuckDBSessions, DuckDBWriter, is_lock_conflict, process_lock
from lineage.store.rows import (
    DATASET_COLUMNS_SQL,
    FACT_ABOUT_KEYS,
    NODE_FACTS_SQL,
    PROBLEM_KEYS,
    RAW_INPUT_COLUMNS,
    InputIdentity,
    column_lineage_row,
    dataset_columns,
    fact_tables,
    input_identity,
    node_fact_row,
    raw_input_row,
)
from lineage.store.schema import LATEST_VERSION, MIGRATIONS

__all__ = ["WAITING_FRESH_S", "DuckDBStore", "DuckDBWriter"]

_PROBLEM_SCHEMA = pa.schema([
    ("input_id", pa.string()), ("source", pa.string()), ("line", pa.int32()), ("col", pa.int32()),
    ("field", pa.string()), ("severity", pa.string()), ("message", pa.string()),
    ("observed_at", pa.timestamp("us", tz="UTC")),
])


@dataclass(frozen=True)
class _Prepared:
    """A batch turned into rows, before the store is opened."""

    now: datetime
    input: InputIdentity
    tables: dict[str, pa.Table]


class DuckDBStore(DuckDBSessions, DuckDBExtras):
    """A store in one DuckDB file: connections, migrations, ingest and the graph's reads here;
    write sessions in `DuckDBSessions`, the secondary tables in `DuckDBExtras`.

    Args:
        path: the database file; created with the latest schema when missing.
        lock_timeout: seconds to wait for another process's lock before giving up.
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._lock = process_lock(str(self.path.resolve()))

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
                    if not is_lock_conflict(exc):
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

        Returns what was stored; `skipped` when the same input was stored before. `facts` is the
        number of fact rows the store gained: a fact an earlier delivery stored already (the first
        part of a log a job read, then the whole log collected) is not new.
        """
        prepared = self._prepare(batch)
        with self._transaction() as con:
            return self._ingest_on(con, batch, prepared)

    def _prepare(self, batch: LineageBatch) -> _Prepared:
        now = datetime.now(UTC)
        identity = input_identity(batch, now)
        with paused_gc():
            tables = fact_tables(batch, identity.input_id)
        return _Prepared(now, identity, tables)

    def _ingest_on(self, con: duckdb.DuckDBPyConnection, batch: LineageBatch, p: _Prepared) -> IngestResult:
        """The writes of one ingest, inside the caller's transaction."""
        now, append_only, content_sha, input_id = p.now, p.input.append_only, p.input.content_sha, p.input.input_id
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
                inserted = con.execute(
                    f"INSERT INTO {table} SELECT s.* FROM staged s WHERE s.fact_key NOT IN "  # noqa: S608
                    f"(SELECT t.fact_key FROM {table} t JOIN inputs i USING (input_id) "
                    "WHERE i.append_only AND t.observed_at BETWEEN ? AND ?)",
                    [span["min"], span["max"]],
                ).fetchone()
            else:
                inserted = con.execute(f"INSERT INTO {table} SELECT * FROM staged").fetchone()  # noqa: S608
            con.unregister("staged")
            stored += int(inserted[0]) if inserted else 0  # the rows the table gained, not the rows offered
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
            "INSERT INTO inputs (input_id, collector, source, content_sha, content, content_encoding, append_only, "
            "received_at, fact_count, problem_count, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [input_id, batch.collector, batch.source, content_sha, p.input.stored if batch.raw else None,
             "zlib" if batch.raw else None, append_only, now, stored, len(batch.problems), p.input.options],
        )
        return IngestResult(input_id=input_id, facts=stored, problems=len(batch.problems), skipped=False)

    # -- reading -------------------------------------------------------------------------------

    def graph_data(self, as_of: datetime | None = None) -> GraphData:
        """Every fact visible at `as_of` (default: now), as plain data for `LineageGraph`."""
        at = as_of or datetime.now(UTC)
        # a fact is visible when it was observed by then and its input was current then
        visible = "i.received_at <= $at AND (i.superseded_at IS NULL OR i.superseded_at > $at) AND f.observed_at <= $at"
        with self._connect(read_only=True) as con:
            nodes = con.sql(
                NODE_FACTS_SQL.format(cast="", visible=visible, collate=""), params={"at": at}
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
            nodes=[node_fact_row(r) for r in zip(*(nodes.column(i).to_pylist() for i in range(8)), strict=True)],
            edges=list(zip(*(edges.column(i).to_pylist() for i in range(5)), strict=True))
            if edges.num_rows else [],
            column_lineage=[column_lineage_row(r) for r in columns],
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
        return [dict(zip(FACT_ABOUT_KEYS, r, strict=True)) for r in rows]

    def problems(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT source, line, col, field, severity, message, observed_at FROM problems "
                "ORDER BY observed_at DESC LIMIT ?", [limit]
            ).fetchall()
        return [dict(zip(PROBLEM_KEYS, r, strict=True)) for r in rows]

    def dataset_columns(self) -> dict[str, list[str]]:
        """The column names each dataset (by name) is known to have now, as the graph merges them."""
        with self._connect(read_only=True) as con:
            return dataset_columns(con.execute(DATASET_COLUMNS_SQL.format(cast="")).fetchall())

    def raw_inputs(self) -> Iterator[RawInputRow]:
        """The current raw inputs, oldest first, to collect again when the rules change."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                f"SELECT {RAW_INPUT_COLUMNS} FROM inputs "  # noqa: S608
                "WHERE superseded_at IS NULL AND content IS NOT NULL ORDER BY received_at"
            ).fetchall()
        for r in rows:
            yield raw_input_row(r)

    def counts(self) -> dict[str, int]:
        """Row counts per table, for tests and `lineage store info`."""
        with self._connect(read_only=True) as con:
            out = {}
            for table in ("inputs", "node_facts", "edge_facts", "column_facts", "problems", "collection_runs"):
                row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
                out[table] = int(row[0]) if row else 0
            return out
