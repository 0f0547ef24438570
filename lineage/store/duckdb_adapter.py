"""The DuckDB adapter: one file, its connections, its dialect and its bulk loads.

DuckDB lets one process at a time open a file for writing, and while it does, other processes
cannot open the file at all. So no process keeps the file open: every read and every write opens
a short-lived connection, does its work in one transaction and closes it. A process that finds
the file locked waits and retries with jittered backoff until `lock_timeout`, touching
`<file>.waiting` meanwhile so that a write session holding the file (`duckdb_session`) lets go.
Collectors parse before the store is opened, so the lock is held only for the insert itself, and
the dashboard, the endpoint and scheduled collectors take turns instead of failing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from lineage.errors import StoreError
from lineage.store import current
from lineage.store.rows import EVENT_COLUMNS, FACT_COLUMNS
from lineage.store.schema import LATEST_VERSION, apply_migrations, refuse_newer, version_of
from lineage.store.sql import INSERT_NEW_CLAIMS, OBSERVE_AGAIN, Backend, Dialect, Params, Row, T

if TYPE_CHECKING:
    import pyarrow as pa

Connection = duckdb.DuckDBPyConnection

DUCKDB = Dialect(
    name="duckdb",
    text="",
    collate="",
    json_object="json_object",
    in_ids="IN (SELECT unnest(%(ids)s))",
    detail_job="json_extract_string(detail, '$.job')",
    permissions="list_sort(list_distinct(flatten(list(f.permissions))))",
    permissions_join="",
    epoch_us="epoch_us({})",
    named_params="${name}",
)

WAITING_FRESH_S = 2.0
"""A waiting marker touched within this many seconds means someone is waiting for the file."""

_PROBLEM_COLUMNS = (("input_id", "string"), ("source", "string"), ("line", "int32"), ("col", "int32"),
                    ("field", "string"), ("severity", "string"), ("message", "string"), ("observed_at", "timestamp"))

_TYPED = {"problems": _PROBLEM_COLUMNS, "events": EVENT_COLUMNS}
"""Tables loaded with their column types given (a column of nulls has no type of its own)."""


@functools.cache
def arrow_schema(table: str) -> pa.Schema:
    """The Arrow types of a table's rows as they are loaded (pyarrow is imported only by writes)."""
    import pyarrow as pa

    types = {"string": pa.string(), "strings": pa.list_(pa.string()), "int16": pa.int16(), "int32": pa.int32(),
             "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(),
             "timestamp": pa.timestamp("us", tz="UTC")}
    columns = _TYPED.get(table) or FACT_COLUMNS[table]
    return pa.schema([(name, types[kind]) for name, kind in columns])


_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def process_lock(path: str) -> threading.RLock:
    """The lock that serialises this process's connections to the file at `path`."""
    # In one process DuckDB refuses a read-only and a read-write connection to one file at once.
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(path, threading.RLock())


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether DuckDB failed to open a file because another process holds it."""
    text = str(exc).lower()
    return "lock" in text and ("conflict" in text or "could not set" in text)


class Session(Protocol):
    """A write session that keeps a connection open (`duckdb_session.DuckDBWriter`)."""

    def connection(self) -> Connection:
        """The session's connection, opened again if it let go of it."""
        ...

    def let_go_if_asked(self) -> None:
        """Close the connection if it was held long enough or another process waits for the file."""
        ...


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PER_MICRO = {"s": 1_000_000, "ms": 1_000, "us": 1}


def _values(column: pa.ChunkedArray) -> list[Any]:
    """A column's values as Python objects. Times with a zone come as UTC datetimes built from their
    integer value: Arrow's own conversion looks the zone up for every value, 80 times slower."""
    import pyarrow as pa

    kind = column.type
    if not (pa.types.is_timestamp(kind) and kind.tz is not None and kind.unit in _PER_MICRO):
        values: list[Any] = column.to_pylist()
        return values
    scale = _PER_MICRO[kind.unit]
    return [None if v is None else _EPOCH + timedelta(microseconds=v * scale)
            for v in column.cast(pa.int64()).to_pylist()]


class DuckDBTx:
    """A `Tx` on a DuckDB connection (its transaction is the caller's)."""

    dialect = DUCKDB

    def __init__(self, con: Connection) -> None:
        self.con = con

    def _run(self, template: str, params: Params | None) -> Connection:
        return self.con.execute(DUCKDB.render(template), dict(params) if params else None)

    def all(self, template: str, params: Params | None = None) -> list[Row]:
        return self._run(template, params).fetchall()

    def bulk(self, template: str, params: Params | None = None) -> list[Row]:
        table = self.con.sql(DUCKDB.render(template), params=dict(params) if params else None).to_arrow_table()
        if not table.num_rows:
            return []
        return list(zip(*(_values(column) for column in table.columns), strict=True))

    def one(self, template: str, params: Params | None = None) -> Row | None:
        rows = self._run(template, params).fetchall()  # to the end: the connection takes no other work before
        return rows[0] if rows else None

    def execute(self, template: str, params: Params | None = None) -> None:
        self._run(template, params)

    def changed(self, template: str, params: Params | None = None) -> int:
        rows = self._run(template, params).fetchall()  # DuckDB answers a change with its row count
        return int(rows[0][0]) if rows else 0

    def executemany(self, template: str, rows: Sequence[Params]) -> None:
        self.con.executemany(DUCKDB.render(template), [dict(r) for r in rows])

    def lock(self, *parts: str) -> None:
        return None  # one writer at a time holds the file

    def load(self, table: str, columns: Mapping[str, list[Any]], *, conflict: str = "") -> None:
        import pyarrow as pa

        staged = pa.table(dict(columns), schema=arrow_schema(table) if table in _TYPED else None)
        names = ", ".join(columns)
        self.con.register("staged_rows", staged)
        try:
            self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM staged_rows {conflict}")  # noqa: S608
        finally:
            self.con.unregister("staged_rows")

    def insert_facts(self, table: str, parts: Sequence[Any], *, observed: bool) -> None:
        import pyarrow as pa

        staged: pa.Table = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
        if staged.num_rows == 0:
            return
        self.con.register("staged", staged)
        try:
            if observed:
                self.con.execute(OBSERVE_AGAIN.format(table=table, stage="staged"))
                self.con.execute(INSERT_NEW_CLAIMS.format(table=table, stage="staged"))
            else:
                self.con.execute(f"INSERT INTO {table} SELECT * FROM staged")  # noqa: S608
        finally:
            self.con.unregister("staged")


def _run_raw(con: Connection) -> Callable[[str, dict[str, Any] | None], object]:
    """An `execute` for `apply_migrations`: schema text as it is, parameters in DuckDB's style."""
    return lambda statement, params: con.execute(DUCKDB.render(statement) if params else statement, params).fetchall()


class DuckDBFile(Backend):
    """A DuckDB file's connections: short-lived ones for reads and writes, the `.waiting` marker,
    the schema's version and migrations.

    Args:
        path: the database file; created with the latest schema when missing.
        lock_timeout: seconds to wait for another process's lock before giving up.
    """

    dialect = DUCKDB

    def __init__(self, path: str | Path, *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._lock = process_lock(str(self.path.resolve()))
        self._sharing: int | None = None  # the thread whose reads share one connection (`reading`)
        self._shared = contextlib.ExitStack()
        self._shared_con: Connection | None = None
        self.session: tuple[int, Session] | None = None  # a write session and its thread (`DuckDBStore.writer`)
        self._in_session = 0  # uses of its connection under way

    # -- opening the file ------------------------------------------------------------------------

    def open_connection(self, *, read_only: bool, announce: bool) -> Connection:
        """A new connection, retried while another process holds the file (until `lock_timeout`).

        With `announce`, the wait is announced on the `.waiting` marker and retries back off;
        without, retries come every few milliseconds (a write session's reopening).

        Raises:
            StoreError: the file stays locked, cannot be opened or is not a DuckDB database.
        """
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.005
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            while True:
                try:
                    return duckdb.connect(str(self.path), read_only=read_only)
                except duckdb.IOException as exc:
                    if not is_lock_conflict(exc):
                        raise StoreError(f"{self.path}: cannot open the store: {exc}") from exc
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"{self.path}: still locked by another process after {self.lock_timeout:.0f} s"
                        ) from exc
                if announce:
                    self._waiting()  # a write session in another process lets us in at its next commit
                    time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto
                    delay = min(delay * 2, 0.25)
                else:
                    time.sleep(0.003 + 0.004 * random.random())  # noqa: S311 - jitter, not crypto
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: not a readable store: {exc}") from exc
        finally:
            if announce:
                self._not_waiting()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads inside the block (from this thread) share one connection, opened at the first of
        them: a command that asks many small questions opens the file once. A write in the block
        closes it first (one process cannot hold the file both ways), and the next read opens it again.
        Other threads of this process wait for the block to end; a block inside another is part of it."""
        if self._sharing == threading.get_ident():
            yield
            return
        with self._lock:
            self._sharing = threading.get_ident()
            try:
                yield
            finally:
                self._sharing = None
                self._unshare()

    def _unshare(self) -> None:
        self._shared.close()
        self._shared_con = None

    @contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[Connection]:
        if not read_only and self._sharing == threading.get_ident():
            self._unshare()
        with self._lock:
            session = self._own_session()
            if session is not None:  # one process cannot hold the file both ways: the session's serves
                self._in_session += 1
                try:
                    yield session.connection()
                finally:
                    self._in_session -= 1
                if not self._in_session:
                    session.let_go_if_asked()
                return
            if read_only and not self.path.exists():
                self.migrate()
            con = self.open_connection(read_only=read_only, announce=True)
            try:
                if read_only:
                    version = self._version(con)
                    if version < LATEST_VERSION:
                        con.close()
                        self.migrate()  # an older store, or one created empty by another tool
                        con = self.open_connection(read_only=True, announce=True)
                        version = self._version(con)
                    refuse_newer(version, str(self.path))
                con.execute("SET TimeZone = 'UTC'").fetchall()
                yield con
            finally:
                con.close()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._connect(read_only=False) as con:
            self._migrate(con)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _own_session(self) -> Session | None:
        """The write session of this thread, if one is open."""
        session = self.session
        return session[1] if session is not None and session[0] == threading.get_ident() else None

    @contextmanager
    def _read(self) -> Iterator[DuckDBTx]:
        if self._sharing == threading.get_ident() and self._own_session() is None:
            if self._shared_con is None:
                self._shared_con = self._shared.enter_context(self._connect(read_only=True))
            yield DuckDBTx(self._shared_con)
            return
        with self._connect(read_only=True) as con:
            yield DuckDBTx(con)

    def _write(self, work: Callable[[DuckDBTx], T]) -> T:
        with self._transaction() as con:
            return work(DuckDBTx(con))

    @staticmethod
    def stage_facts(table: str, columns: dict[str, list[Any]]) -> pa.Table:
        import pyarrow as pa

        return pa.table(columns, schema=arrow_schema(table))  # Arrow, for DuckDB to read in bulk

    # -- the schema ------------------------------------------------------------------------------

    def _version(self, con: Connection) -> int:
        return version_of(lambda query: con.execute(query).fetchall())

    def _migrate(self, con: Connection) -> None:
        version = self._version(con)
        refuse_newer(version, str(self.path))
        if version == LATEST_VERSION:
            return
        con.execute("BEGIN TRANSACTION")
        apply_migrations(_run_raw(con), "duckdb", version,
                         lambda: current.rebuild(DuckDBTx(con), datetime.now(UTC)))
        con.execute("COMMIT")

    def migrate(self) -> int:
        """Create the store or bring its schema up to date; returns the schema version."""
        with self._connect(read_only=False) as con:
            self._migrate(con)
            return self._version(con)

    def schema_version(self) -> int:
        with self._connect(read_only=True) as con:
            return self._version(con)

    # -- waiting for the file --------------------------------------------------------------------

    @property
    def waiting_marker(self) -> Path:
        """The file a process touches while it waits for the store (see `DuckDBStore.writer`)."""
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
