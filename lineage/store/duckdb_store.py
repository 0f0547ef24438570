"""The embedded store: one DuckDB file (connections in `duckdb_adapter`, write sessions in
`duckdb_session`, the queries in the modules by concern)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lineage.store.base import StoreWriter
from lineage.store.current import Current
from lineage.store.derived import Derived
from lineage.store.duckdb_adapter import WAITING_FRESH_S, DuckDBFile
from lineage.store.duckdb_session import DuckDBWriter
from lineage.store.facts import Facts
from lineage.store.jobs import Jobs
from lineage.store.parse_cache import ParseCache
from lineage.store.reviews import Reviews
from lineage.store.runs import Runs

__all__ = ["WAITING_FRESH_S", "DuckDBStore", "DuckDBWriter"]


class DuckDBStore(DuckDBFile, Facts, Current, Derived, Runs, Jobs, ParseCache, Reviews):
    """A store in one DuckDB file.

    Args:
        path: the database file; created with the latest schema when missing.
        lock_timeout: seconds to wait for another process's lock before giving up.
    """

    def __repr__(self) -> str:
        return f"DuckDBStore({str(self.path)!r})"

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
            >>> from lineage.models import LineageBatch
            >>> store = DuckDBStore(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
            >>> with store.writer() as w:
            ...     w.ingest(LineageBatch(collector="demo", source="a")).skipped
            False
        """
        session = DuckDBWriter(self, max_hold_s=max_hold_s)
        before, self.session = self.session, (threading.get_ident(), session)  # this thread reads through it
        try:
            yield session
        finally:
            self.session = before
            session.release()
