"""Job source states: what each scheduled job last read of each source, so its next run reads only
what changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from lineage.store.base import SourceState
from lineage.store.rows import source_state, source_state_values
from lineage.store.sql import Backend, insert, upsert

_COLUMNS = ("job", "source", "size", "mtime_ns", "content_sha", '"offset"', "line", "detail", "updated_at")
_PARAMS = tuple(c.strip('"') for c in _COLUMNS)
_SAVE = insert("job_sources", _COLUMNS, upsert("job_sources", ["job", "source"], _COLUMNS))
_STATES = ('SELECT job, source, size, mtime_ns, content_sha, "offset", line, detail{text}, updated_at '
           "FROM job_sources WHERE job = %(job)s")


class Jobs(Backend):
    """Job source states, in `job_sources`."""

    def source_states(self, job: str) -> dict[str, SourceState]:
        """What `job` last read of each of its sources, by source."""
        with self._read() as tx:
            rows = tx.all(_STATES, {"job": job})
        return {r[1]: source_state(r) for r in rows}

    def save_source_states(self, states: Sequence[SourceState]) -> None:
        """Remember what jobs read of their sources; an existing entry is replaced."""
        if not states:
            return
        now = datetime.now(UTC)
        latest = {(s.job, s.source): s for s in states}  # the last word on each, in key order (no deadlocks)
        rows = [dict(zip(_PARAMS, source_state_values(s, now), strict=True)) for _, s in sorted(latest.items())]
        self._write(lambda tx: tx.executemany(_SAVE, rows))
