"""Write sessions on a DuckDB store: one connection held across consecutive ingests.

A session keeps the file open (and so locked against every other process) between ingests, which
saves the open, the version check and the checkpoint-on-close of each one. So that readers and
other writers still get in, a process that finds the file locked touches `<file>.waiting` while
it retries, and a session that sees a fresh marker lets go at its next commit and does not open
the file again until the waiting process got in.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

import duckdb

from lineage.errors import StoreError
from lineage.store.base import IngestResult, StoreWriter

if TYPE_CHECKING:
    from lineage.models import LineageBatch
    from lineage.store.duckdb_store import DuckDBStore

_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()

WAITING_FRESH_S = 2.0
"""A waiting marker touched within this many seconds means someone is waiting for the file."""


def process_lock(path: str) -> threading.RLock:
    """The lock that serialises this process's connections to the file at `path`."""
    # In one process DuckDB refuses a read-only and a read-write connection to one file at once.
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(path, threading.RLock())


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether DuckDB failed to open a file because another process holds it."""
    text = str(exc).lower()
    return "lock" in text and ("conflict" in text or "could not set" in text)


class DuckDBSessions:
    """The write-session side of `DuckDBStore`: `writer` and the `.waiting` marker."""

    path: Path

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
            >>> from lineage.store.duckdb_store import DuckDBStore
            >>> store = DuckDBStore(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
            >>> with store.writer() as w:
            ...     w.ingest(LineageBatch(collector="demo", source="a")).skipped
            False
        """
        session = DuckDBWriter(cast("DuckDBStore", self), max_hold_s=max_hold_s)  # the only subclass
        try:
            yield session
        finally:
            session.release()

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
                    if not is_lock_conflict(exc):
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
