"""The DuckDB store's secondary tables: collection runs, job source states, the SQL parse cache
and reviews of findings.

None of them is part of the lineage graph; each read opens a short-lived read-only connection and
each write is one transaction, as for facts (see `lineage.store.duckdb_store`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from lineage.store.base import RunRecord, SourceState
from lineage.store.rows import (
    review,
    review_row,
    review_values,
    run_detail,
    run_record,
    source_state,
    source_state_values,
)

if TYPE_CHECKING:
    import duckdb

    from lineage.policy.finding import Review


class DuckDBExtras:
    """Runs, job source states, the parse cache and reviews, for `DuckDBStore`."""

    if TYPE_CHECKING:  # provided by DuckDBStore

        def _connect(self, *, read_only: bool) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...

        def _transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    # -- collection runs and what scheduled jobs read --------------------------------------------

    def record_run(self, run: RunRecord) -> None:
        """Insert or update one collection run (for the dashboard's history)."""
        with self._transaction() as con:
            con.execute("DELETE FROM collection_runs WHERE run_id = ?", [run.run_id])
            con.execute(
                "INSERT INTO collection_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run.run_id, run.command, run.started_at, run.finished_at, run.status, run.sources,
                 run.facts, run.problems, run_detail(run)],
            )

    def runs(self, limit: int = 100) -> list[RunRecord]:
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT run_id, command, started_at, finished_at, status, sources, facts, problems, detail "
                "FROM collection_runs ORDER BY started_at DESC LIMIT ?", [limit]
            ).fetchall()
        return [run_record(r) for r in rows]

    def job_runs(self, job: str, limit: int = 100) -> list[RunRecord]:
        """The runs of one scheduled job, newest first."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT run_id, command, started_at, finished_at, status, sources, facts, problems, detail "
                "FROM collection_runs WHERE json_extract_string(detail, '$.job') = ? "
                "ORDER BY started_at DESC LIMIT ?", [job, limit]
            ).fetchall()
        return [run_record(r) for r in rows]

    def source_states(self, job: str) -> dict[str, SourceState]:
        """What `job` last read of each of its sources, by source."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                'SELECT job, source, size, mtime_ns, content_sha, "offset", line, detail, updated_at '
                "FROM job_sources WHERE job = ?", [job]
            ).fetchall()
        return {r[1]: source_state(r) for r in rows}

    def save_source_states(self, states: Sequence[SourceState]) -> None:
        """Remember what jobs read of their sources; an existing entry is replaced."""
        if not states:
            return
        now = datetime.now(UTC)
        with self._transaction() as con:
            for s in states:
                con.execute("DELETE FROM job_sources WHERE job = ? AND source = ?", [s.job, s.source])
                con.execute("INSERT INTO job_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            source_state_values(s, now))

    # -- the SQL parse cache ---------------------------------------------------------------------

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
        r = review(fingerprint=fingerprint, status=status, reviewer=reviewer, reason=reason,
                   expires_at=expires_at, created_at=datetime.now(UTC))
        with self._transaction() as con:
            con.execute("INSERT INTO finding_reviews VALUES (?, ?, ?, ?, ?, ?)", review_values(r))

    def reviews(self) -> list[Review]:
        """The latest review of each fingerprint."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT fingerprint, status, reviewer, reason, expires_at, created_at FROM finding_reviews "
                "QUALIFY row_number() OVER (PARTITION BY fingerprint ORDER BY created_at DESC) = 1 "
                "ORDER BY fingerprint").fetchall()
        return [review_row(r) for r in rows]

    def review_history(self, fingerprint: str) -> list[Review]:
        """Every review of one fingerprint, oldest first: the audit trail."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT fingerprint, status, reviewer, reason, expires_at, created_at FROM finding_reviews "
                "WHERE fingerprint = ? ORDER BY created_at", [fingerprint]).fetchall()
        return [review_row(r) for r in rows]
