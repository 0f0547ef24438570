"""Collection runs: one row per `lineage collect` or scheduled job run, for the dashboard's history."""

from __future__ import annotations

from lineage.store.base import RunRecord
from lineage.store.rows import run_detail, run_record
from lineage.store.sql import Backend, insert, upsert

_COLUMNS = ("run_id", "command", "started_at", "finished_at", "status", "sources", "facts", "problems", "detail")
_RECORD = insert("collection_runs", _COLUMNS, upsert("collection_runs", ["run_id"], _COLUMNS))
_SELECT = ("SELECT run_id, command, started_at, finished_at, status, sources, facts, problems, detail{text} "
           "FROM collection_runs ")
_RUNS = _SELECT + "ORDER BY started_at DESC LIMIT %(limit)s"
_JOB_RUNS = _SELECT + "WHERE {detail_job} = %(job)s ORDER BY started_at DESC LIMIT %(limit)s"


class Runs(Backend):
    """Collection runs, in `collection_runs` (a scheduled job's name kept in `detail`)."""

    def record_run(self, run: RunRecord) -> None:
        """Insert or update one collection run (for the dashboard's history)."""
        row = [run.run_id, run.command, run.started_at, run.finished_at, run.status, run.sources, run.facts,
               run.problems, run_detail(run)]
        self._write(lambda tx: tx.execute(_RECORD, dict(zip(_COLUMNS, row, strict=True))))

    def runs(self, limit: int = 100) -> list[RunRecord]:
        with self._read() as tx:
            rows = tx.all(_RUNS, {"limit": limit})
        return [run_record(r) for r in rows]

    def job_runs(self, job: str, limit: int = 100) -> list[RunRecord]:
        """The runs of one scheduled job, newest first."""
        with self._read() as tx:
            rows = tx.all(_JOB_RUNS, {"job": job, "limit": limit})
        return [run_record(r) for r in rows]
