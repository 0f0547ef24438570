"""The server store: one PostgreSQL database that many processes write at once.

Behaviour matches the DuckDB store (the same tests run against both); what differs is how it
stays correct with many writers (several endpoint replicas, scheduled jobs, `lineage collect`):

- An ingest is one transaction. It first takes a transaction-level advisory lock on its input's
  identity: (collector, content hash) for an append-only input, (collector, source) for a
  snapshot. Two writers storing the same input, or two snapshots of one source, so take turns;
  the second sees the first's commit (READ COMMITTED) and skips or supersedes it. Unrelated
  inputs never wait for each other.
- A fact from an append-only source (an OpenLineage event) is stored once however many replicas
  receive it: each writer claims the fact's key in `fact_claims` (primary key; `INSERT ... ON
  CONFLICT DO NOTHING`, keys in sorted order so writers cannot deadlock) and inserts only the
  facts whose claim it won. A writer that waits on another's claim sees its outcome: if that
  transaction rolls back, the claim is free again.
- Facts are streamed with `COPY` (into a per-session staging table when they must be deduplicated,
  then `INSERT ... SELECT`). Runs, job source states and the parse cache are upserts
  (`ON CONFLICT DO UPDATE`), so no update is lost between concurrent writers.
- Reads run in a REPEATABLE READ, READ ONLY transaction, so the graph is one consistent snapshot
  while writers go on (the dashboard never sees half a batch).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import sql

from lineage.errors import StoreError
from lineage.models import LineageBatch
from lineage.perf import paused_gc
from lineage.store.base import (
    GraphData,
    IngestResult,
    RawInputRow,
    RunRecord,
    SourceState,
    StoreWriter,
    each_ingest,
)
from lineage.store.pg_connect import ConnectionPool, mask_url, migrate, schema_version
from lineage.store.rows import (
    DATASET_COLUMNS_SQL,
    FACT_ABOUT_KEYS,
    NODE_FACTS_SQL,
    PROBLEM_KEYS,
    RAW_INPUT_COLUMNS,
    column_lineage_row,
    dataset_columns,
    fact_columns,
    input_identity,
    node_fact_row,
    raw_input_row,
    review,
    review_row,
    review_values,
    run_detail,
    run_record,
    source_state,
    source_state_values,
)

if TYPE_CHECKING:
    from lineage.policy.finding import Review

T = TypeVar("T")
Cursor = psycopg.Cursor[tuple[Any, ...]]
_RETRIES = 8
_VISIBLE = ("i.received_at <= %(at)s AND (i.superseded_at IS NULL OR i.superseded_at > %(at)s) "
            "AND f.observed_at <= %(at)s")
_FACTS_ABOUT = (
    "SELECT 'node' AS fact, f.node_id AS subject, NULL::varchar AS other, NULL::varchar AS edge_kind, "
    "f.body::text AS body, f.layer, f.collector, f.source, f.line, f.run_id, f.observed_at, i.superseded_at "
    "FROM node_facts f JOIN inputs i USING (input_id) WHERE f.node_id = ANY(%(ids)s) "
    "UNION ALL "
    "SELECT 'edge', f.source_id, f.target_id, f.kind, to_json(f.permissions)::text, f.layer, "
    "f.collector, f.source, f.line, f.run_id, f.observed_at, i.superseded_at "
    "FROM edge_facts f JOIN inputs i USING (input_id) "
    "WHERE f.source_id = ANY(%(ids)s) OR f.target_id = ANY(%(ids)s) "
    "UNION ALL "
    "SELECT 'column_lineage', f.target_id, f.process_id, f.transformation, "
    "json_build_object('column', f.target_column, 'sources', f.sources)::text, f.layer, f.collector, "
    "f.source, f.line, f.run_id, f.observed_at, i.superseded_at "
    "FROM column_facts f JOIN inputs i USING (input_id) "
    "WHERE f.target_id = ANY(%(ids)s) OR f.process_id = ANY(%(ids)s) "
    "ORDER BY 11, 1"
)
_RUN_COLUMNS = "run_id, command, started_at, finished_at, status, sources, facts, problems, detail::text"
_REVIEW_COLUMNS = "fingerprint, status, reviewer, reason, expires_at, created_at"


def _lock_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key for `parts`."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest(), "big", signed=True)


class PostgresStore:
    """A store in one PostgreSQL database (its tables live in the connection's current schema).

    Args:
        url: a `postgresql://` (or `postgres://`) URL, as libpq takes it.
        lock_timeout: seconds to wait for the server when connecting.
    """

    def __init__(self, url: str, *, lock_timeout: float = 60.0) -> None:
        self.url = url
        self.lock_timeout = lock_timeout
        self._pool = ConnectionPool(url, connect_timeout=lock_timeout)

    def __repr__(self) -> str:
        return f"PostgresStore({mask_url(self.url)!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.close()

    # -- transactions ---------------------------------------------------------------------------

    def _write(self, work: Callable[[Cursor], T]) -> T:
        """Run `work` in one transaction, again on a deadlock or serialization failure."""
        for attempt in range(_RETRIES):
            try:
                with self._pool.connection() as con, con.transaction(), con.cursor() as cur:
                    return work(cur)
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == _RETRIES - 1:
                    raise
            except psycopg.OperationalError as exc:
                # a dropped connection: ingests and upserts are idempotent, so redoing is safe (a review
                # whose commit was acknowledged on a connection that then broke may be kept twice)
                if attempt >= 1:
                    raise StoreError(f"{self._pool.masked}: cannot write to the store: {exc}") from exc
            time.sleep(0.01 * 2**attempt * (0.5 + random.random()))  # noqa: S311 - jitter
        raise AssertionError("unreachable")

    @contextmanager
    def _read(self) -> Iterator[Cursor]:
        with self._pool.connection() as con, con.transaction(), con.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield cur

    def migrate(self) -> int:
        """Create the store or bring its schema up to date; returns the schema version."""
        with self._pool.connection() as con:
            return migrate(con, self._pool.masked)

    def schema_version(self) -> int:
        with self._pool.connection() as con:
            return schema_version(con)

    # -- writing --------------------------------------------------------------------------------

    def writer(self, *, max_hold_s: float = 0.5) -> AbstractContextManager[StoreWriter]:
        """A write session; each ingest takes a pooled connection, so nothing is held between them."""
        return each_ingest(self)

    def ingest(self, batch: LineageBatch) -> IngestResult:
        """Store one batch atomically: its raw input, its facts and its problems.

        Returns what was stored; `skipped` when the same input was stored before (by any writer).
        `facts` is the number of fact rows the store gained: a fact an earlier delivery stored
        already (the first part of a log a job read, then the whole log collected) is not new.
        """
        first = datetime.now(UTC)
        identity = input_identity(batch, first)
        append_only, content_sha, input_id = identity.append_only, identity.content_sha, identity.input_id
        with paused_gc():
            tables = fact_columns(batch, input_id)
        options = identity.options

        def work(cur: Cursor) -> IngestResult:
            if append_only:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(batch.collector, content_sha)])
                cur.execute("SELECT 1 FROM inputs WHERE collector = %s AND content_sha = %s LIMIT 1",
                            [batch.collector, content_sha])
            else:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(batch.collector, batch.source)])
                cur.execute(
                    "SELECT 1 FROM inputs WHERE collector = %s AND source = %s AND content_sha = %s "
                    "AND superseded_at IS NULL LIMIT 1",
                    [batch.collector, batch.source, content_sha],
                )
            if cur.fetchone():
                return IngestResult(input_id=None, facts=0, problems=0, skipped=True)
            now = max(first, datetime.now(UTC))
            if not append_only:
                cur.execute(
                    "UPDATE inputs SET superseded_at = %s WHERE collector = %s AND source = %s "
                    "AND superseded_at IS NULL",
                    [now, batch.collector, batch.source],
                )
            stored = 0
            for table, columns in tables.items():
                if columns["fact_key"]:
                    stored += _copy_facts(cur, table, columns, dedupe=append_only)
            if batch.problems:
                cur.executemany(
                    "INSERT INTO problems VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [[input_id, p.source, p.line, p.column, p.field, p.severity, p.message, now]
                     for p in batch.problems],
                )
            cur.execute(
                "INSERT INTO inputs (input_id, collector, source, content_sha, content, content_encoding, "
                "append_only, received_at, fact_count, problem_count, options) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [input_id, batch.collector, batch.source, content_sha, identity.stored if batch.raw else None,
                 "zlib" if batch.raw else None, append_only, now, stored, len(batch.problems), options],
            )
            return IngestResult(input_id=input_id, facts=stored, problems=len(batch.problems), skipped=False)

        return self._write(work)

    def record_run(self, run: RunRecord) -> None:
        """Insert or update one collection run (for the dashboard's history)."""
        detail = run_detail(run)
        self._write(lambda cur: cur.execute(
            "INSERT INTO collection_runs VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (run_id) DO UPDATE SET command = EXCLUDED.command, started_at = EXCLUDED.started_at, "
            "finished_at = EXCLUDED.finished_at, status = EXCLUDED.status, sources = EXCLUDED.sources, "
            "facts = EXCLUDED.facts, problems = EXCLUDED.problems, detail = EXCLUDED.detail",
            [run.run_id, run.command, run.started_at, run.finished_at, run.status, run.sources, run.facts,
             run.problems, detail],
        ))

    def save_source_states(self, states: Sequence[SourceState]) -> None:
        """Remember what jobs read of their sources; an existing entry is replaced."""
        if not states:
            return
        now = datetime.now(UTC)
        latest = {(s.job, s.source): s for s in states}  # the last word on each, in key order
        rows = [source_state_values(s, now) for _, s in sorted(latest.items())]
        self._write(lambda cur: cur.executemany(
            "INSERT INTO job_sources VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (job, source) DO UPDATE SET size = EXCLUDED.size, mtime_ns = EXCLUDED.mtime_ns, "
            'content_sha = EXCLUDED.content_sha, "offset" = EXCLUDED."offset", line = EXCLUDED.line, '
            "detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at",
            rows,
        ))

    def cache_parses(self, entries: Mapping[str, str]) -> None:
        """Remember SQL analyses by fingerprint; an existing entry is replaced."""
        if not entries:
            return
        rows = [[k, entries[k]] for k in sorted(entries)]
        self._write(lambda cur: cur.executemany(
            "INSERT INTO sql_parse_cache VALUES (%s, %s, now()) "
            "ON CONFLICT (fingerprint) DO UPDATE SET analysis = EXCLUDED.analysis, cached_at = EXCLUDED.cached_at",
            rows,
        ))

    def add_review(self, fingerprint: str, status: str, reviewer: str, reason: str,
                   expires_at: datetime | None = None) -> None:
        """Record a person's decision on a finding; earlier decisions stay as its history.

        Raises:
            PolicyError: the status, reviewer or reason is invalid.
        """
        r = review(fingerprint=fingerprint, status=status, reviewer=reviewer, reason=reason,
                   expires_at=expires_at, created_at=datetime.now(UTC))
        self._write(lambda cur: cur.execute("INSERT INTO finding_reviews VALUES (%s, %s, %s, %s, %s, %s)",
                                            review_values(r)))

    # -- reading --------------------------------------------------------------------------------

    def graph_data(self, as_of: datetime | None = None) -> GraphData:
        """Every fact visible at `as_of` (default: now), as plain data for `LineageGraph`."""
        at = {"at": as_of or datetime.now(UTC)}
        with self._read() as cur:
            cur.execute(NODE_FACTS_SQL.format(cast="::text", visible=_VISIBLE, collate=' COLLATE "C"'), at)
            nodes = [node_fact_row(r) for r in cur.fetchall()]
            cur.execute(
                "SELECT f.source_id, f.target_id, f.kind, "  # noqa: S608 - constant text
                "coalesce(array_agg(DISTINCT p.perm ORDER BY p.perm) FILTER (WHERE p.perm IS NOT NULL), "
                "'{}'::varchar[]), max(f.confidence) "
                "FROM edge_facts f JOIN inputs i USING (input_id) "
                f"LEFT JOIN LATERAL unnest(f.permissions) AS p(perm) ON true WHERE {_VISIBLE} "
                "GROUP BY 1, 2, 3", at)
            edges = [(r[0], r[1], r[2], list(r[3]), r[4]) for r in cur.fetchall()]
            cur.execute(
                "SELECT * FROM (SELECT DISTINCT f.target_id, f.target_column, f.sources::text AS sources, "  # noqa: S608
                "f.transformation, f.indirect, f.process_id, f.confidence "
                f"FROM column_facts f JOIN inputs i USING (input_id) WHERE {_VISIBLE}) c "
                'ORDER BY c.target_id COLLATE "C", c.target_column COLLATE "C"', at)
            columns = [column_lineage_row(r) for r in cur.fetchall()]
        return GraphData(nodes=nodes, edges=edges, column_lineage=columns)

    def facts_about(self, node_ids: list[str]) -> list[dict[str, Any]]:
        """Every stored fact (current or superseded) that mentions one of the nodes, with evidence."""
        with self._read() as cur:
            rows = cur.execute(_FACTS_ABOUT, {"ids": list(node_ids)}).fetchall()
        out = [dict(zip(FACT_ABOUT_KEYS, r, strict=True)) for r in rows]
        for f in out:
            if f["fact"] == "column_lineage":  # compact, as DuckDB writes it
                f["body"] = json.dumps(json.loads(f["body"]), separators=(",", ":"))
        return out

    def problems(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self._read() as cur:
            rows = cur.execute(
                "SELECT source, line, col, field, severity, message, observed_at FROM problems "
                "ORDER BY observed_at DESC LIMIT %s", [limit]).fetchall()
        return [dict(zip(PROBLEM_KEYS, r, strict=True)) for r in rows]

    def runs(self, limit: int = 100) -> list[RunRecord]:
        with self._read() as cur:
            rows = cur.execute(f"SELECT {_RUN_COLUMNS} FROM collection_runs "  # noqa: S608 - constant
                               "ORDER BY started_at DESC LIMIT %s", [limit]).fetchall()
        return [run_record(r) for r in rows]

    def job_runs(self, job: str, limit: int = 100) -> list[RunRecord]:
        """The runs of one scheduled job, newest first."""
        with self._read() as cur:
            rows = cur.execute(f"SELECT {_RUN_COLUMNS} FROM collection_runs "  # noqa: S608 - constant
                               "WHERE detail->>'job' = %s ORDER BY started_at DESC LIMIT %s", [job, limit]).fetchall()
        return [run_record(r) for r in rows]

    def source_states(self, job: str) -> dict[str, SourceState]:
        """What `job` last read of each of its sources, by source."""
        with self._read() as cur:
            rows = cur.execute(
                'SELECT job, source, size, mtime_ns, content_sha, "offset", line, detail::text, updated_at '
                "FROM job_sources WHERE job = %s", [job]).fetchall()
        return {r[1]: source_state(r) for r in rows}

    def dataset_columns(self) -> dict[str, list[str]]:
        """The column names each dataset (by name) is known to have now, as the graph merges them."""
        with self._read() as cur:
            cur.execute(DATASET_COLUMNS_SQL.format(cast="::text").replace("%", "%%"))
            return dataset_columns(cur.fetchall())

    def raw_inputs(self) -> Iterator[RawInputRow]:
        """The current raw inputs, oldest first, to collect again when the rules change."""
        with self._read() as cur:
            rows = cur.execute(
                f"SELECT {RAW_INPUT_COLUMNS.replace('options', 'options::text')} FROM inputs "  # noqa: S608
                "WHERE superseded_at IS NULL AND content IS NOT NULL ORDER BY received_at").fetchall()
        for r in rows:
            yield raw_input_row(r)

    def cached_parses(self, fingerprints: list[str]) -> dict[str, str]:
        """Cached SQL analyses (JSON text) by fingerprint, for the fingerprints that have one."""
        if not fingerprints:
            return {}
        with self._read() as cur:
            rows = cur.execute("SELECT fingerprint, analysis FROM sql_parse_cache WHERE fingerprint = ANY(%s)",
                               [list(fingerprints)]).fetchall()
        return {r[0]: r[1] for r in rows}

    def reviews(self) -> list[Review]:
        """The latest review of each fingerprint."""
        with self._read() as cur:
            rows = cur.execute(
                f"SELECT {_REVIEW_COLUMNS} FROM (SELECT DISTINCT ON (fingerprint) {_REVIEW_COLUMNS} "  # noqa: S608
                "FROM finding_reviews ORDER BY fingerprint, created_at DESC) latest "
                'ORDER BY fingerprint COLLATE "C"').fetchall()
        return [review_row(r) for r in rows]

    def review_history(self, fingerprint: str) -> list[Review]:
        """Every review of one fingerprint, oldest first: the audit trail."""
        with self._read() as cur:
            rows = cur.execute(f"SELECT {_REVIEW_COLUMNS} FROM finding_reviews "  # noqa: S608 - constant
                               "WHERE fingerprint = %s ORDER BY created_at", [fingerprint]).fetchall()
        return [review_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Row counts per table, for tests and `lineage store info`."""
        out = {}
        with self._read() as cur:
            for table in ("inputs", "node_facts", "edge_facts", "column_facts", "problems", "collection_runs"):
                row = cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
                out[table] = int(row[0]) if row else 0
        return out


def _copy_facts(cur: Cursor, table: str, columns: dict[str, list[Any]], *, dedupe: bool) -> int:
    """Stream rows into `table` with COPY; with `dedupe`, only the rows whose fact key this
    transaction claims first (through the session's staging table). Returns how many rows `table`
    gained: with `dedupe`, facts stored before (by this or any writer) are not counted."""
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    target = sql.Identifier(f"stage_{table}" if dedupe else table)
    if dedupe:
        cur.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DELETE ROWS").format(
            target, sql.Identifier(table)))
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)) as copy:
        for row in zip(*columns.values(), strict=True):
            copy.write_row(row)
    if dedupe:
        cur.execute(sql.SQL(
            "WITH claimed AS (INSERT INTO fact_claims (fact_key) SELECT fact_key FROM {stage} "
            'ORDER BY fact_key COLLATE "C" ON CONFLICT DO NOTHING RETURNING fact_key) '
            "INSERT INTO {table} ({names}) SELECT {picked} FROM {stage} s JOIN claimed USING (fact_key)"
        ).format(stage=target, table=sql.Identifier(table), names=names,
                 picked=sql.SQL(", ").join(sql.Identifier("s", c) for c in columns)))
        return max(cur.rowcount, 0)
    return len(columns["fact_key"])
