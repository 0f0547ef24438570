"""Write sessions on a DuckDB store: one connection held across consecutive ingests.

A session keeps the file open (and so locked against every other process) between ingests, which
saves the open, the version check and the checkpoint-on-close of each one. So that readers and
other writers still get in, a process that finds the file locked touches `<file>.waiting` while
it retries, and a session that sees a fresh marker lets go at its next commit and does not open
the file again until the waiting process got in.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import duckdb

from lineage.models import LineageBatch
from lineage.store.base import IngestResult, PreparedBatch
from lineage.store.duckdb_adapter import DuckDBFile, DuckDBTx
from lineage.store.facts import ingest_on, prepare


class DuckDBWriter:
    """A write session on a DuckDB store (see `DuckDBStore.writer`): one connection kept open
    across consecutive ingests, the schema checked once per opening."""

    def __init__(self, store: DuckDBFile, *, max_hold_s: float = 0.5, yield_s: float = 1.0) -> None:
        self.store = store
        self.max_hold_s = max_hold_s
        self.yield_s = yield_s
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self.opens = 0

    @property
    def holding(self) -> bool:
        return self._con is not None

    def ingest(self, batch: LineageBatch | PreparedBatch) -> IngestResult:
        return self.ingest_all([batch])[0]

    def ingest_all(self, batches: Sequence[LineageBatch | PreparedBatch]) -> list[IngestResult]:
        work = [prepare(batch, self.store.stage_facts) for batch in batches]  # before the file is taken
        con = self.connection()
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                results = ingest_on(DuckDBTx(con), work)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except BaseException:
            self.release()  # start over on a fresh connection next time
            raise
        self.let_go_if_asked()
        return results

    def let_go_if_asked(self) -> None:
        if self._con is not None and (time.monotonic() - self._opened_at >= self.max_hold_s
                                      or self.store.someone_waiting()):
            self.release()

    def release(self) -> None:
        """Close the connection (checkpointing it) so other processes can open the file."""
        con, self._con = self._con, None
        if con is None:
            return
        try:
            con.close()
        finally:
            self.store._lock.release()

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is not None:
            return self._con
        store = self.store
        # Someone waits for the file: let them take it before opening it again.
        until = time.monotonic() + self.yield_s
        while store.someone_waiting() and time.monotonic() < until:
            time.sleep(0.005)
        store._lock.acquire()
        try:
            if store._sharing is not None:
                store._unshare()  # this thread's shared read connection: the file is opened for writing
            con = store.open_connection(read_only=False, announce=False)
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
