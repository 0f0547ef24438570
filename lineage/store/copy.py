"""Copy a whole store from one backend to another: DuckDB to PostgreSQL, and back.

Every table is copied row for row (raw inputs, facts, problems, runs, reviews, job source states,
the parse cache), so the target answers every question the source did, time travel included; the
current graph is worked out again from the copied facts.
Both stores are first brought to the latest schema; the target must be empty. The copy is written
in one transaction, so a copy that fails leaves the target empty. The set of tables and their
columns is read from the source, so tables added by later migrations are copied too; the
PostgreSQL store's claims on append-only fact keys are rebuilt from the copied facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

import pyarrow as pa
from psycopg import sql

from lineage.errors import StoreError
from lineage.store import current
from lineage.store.base import Store
from lineage.store.duckdb_adapter import DuckDBTx
from lineage.store.duckdb_store import DuckDBStore
from lineage.store.postgres_adapter import PostgresTx
from lineage.store.postgres_store import PostgresStore

Rows = list[tuple[Any, ...]]
CHUNK = 20_000
_INTERNAL = {"schema_migrations"}  # versioned per store
_DERIVED = "graph_"  # the current graph's tables: worked out again from the copied facts


class _Tables(Protocol):
    def columns(self) -> dict[str, list[str]]: ...

    def count(self, table: str) -> int: ...

    def read(self, table: str, columns: list[str]) -> Iterator[Rows]: ...

    def writer(self) -> AbstractContextManager[Callable[[str, list[str], Rows], None]]: ...


class _DuckDBTables:
    def __init__(self, store: DuckDBStore) -> None:
        self.store = store

    def columns(self) -> dict[str, list[str]]:
        with self.store._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").fetchall()
        return _grouped(rows)

    def count(self, table: str) -> int:
        with self.store._connect(read_only=True) as con:
            row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608 - a table name read from the catalog
        return int(row[0]) if row else 0

    def read(self, table: str, columns: list[str]) -> Iterator[Rows]:
        with self.store._connect(read_only=True) as con:
            con.execute(f'SELECT {_quoted(columns)} FROM "{table}"')  # noqa: S608 - names from the catalog
            while chunk := con.fetchmany(CHUNK):
                yield chunk

    @contextmanager
    def writer(self) -> Iterator[Callable[[str, list[str], Rows], None]]:
        with self.store._transaction() as con:
            def write(table: str, columns: list[str], rows: Rows) -> None:
                data = pa.table({c: pa.array([r[i] for r in rows]) for i, c in enumerate(columns)})
                con.register("copied", data)
                con.execute(f'INSERT INTO "{table}" ({_quoted(columns)}) SELECT {_quoted(columns)} FROM copied')  # noqa: S608
                con.unregister("copied")

            yield write
            current.rebuild(DuckDBTx(con), datetime.now(UTC))


class _PostgresTables:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def columns(self) -> dict[str, list[str]]:
        with self.store._read() as tx:
            rows = tx.cur.execute(
                "SELECT table_name::text, column_name::text FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").fetchall()
        return _grouped(rows)

    def _json_columns(self, table: str) -> set[str]:
        with self.store._read() as tx:
            rows = tx.cur.execute(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s AND data_type IN ('json', 'jsonb')", [table]).fetchall()
        return {r[0] for r in rows}

    def count(self, table: str) -> int:
        with self.store._read() as tx:
            row = tx.cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        return int(row[0]) if row else 0

    def read(self, table: str, columns: list[str]) -> Iterator[Rows]:
        as_text = self._json_columns(table)
        picked = sql.SQL(", ").join(
            sql.SQL("{}::text").format(sql.Identifier(c)) if c in as_text else sql.Identifier(c) for c in columns)
        with self.store._pool.connection() as con, con.transaction(), con.cursor(name="store_copy") as cur:
            cur.execute(sql.SQL("SELECT {} FROM {}").format(picked, sql.Identifier(table)))
            while chunk := cur.fetchmany(CHUNK):
                yield chunk

    @contextmanager
    def writer(self) -> Iterator[Callable[[str, list[str], Rows], None]]:
        with self.store._pool.connection() as con, con.transaction(), con.cursor() as cur:
            def write(table: str, columns: list[str], rows: Rows) -> None:
                names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
                with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)) as copy:
                    for row in rows:
                        copy.write_row(row)

            yield write
            current.rebuild(PostgresTx(cur), datetime.now(UTC))


def _grouped(rows: list[tuple[Any, ...]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(str(table), []).append(str(column))
    return out


def _quoted(columns: list[str]) -> str:
    return ", ".join('"' + c.replace('"', '""') + '"' for c in columns)


def _tables(store: Store) -> _Tables:
    if isinstance(store, DuckDBStore):
        return _DuckDBTables(store)
    if isinstance(store, PostgresStore):
        return _PostgresTables(store)
    raise StoreError(f"cannot copy a store of type {type(store).__name__}")


def plan(source: Store, target: Store) -> dict[str, int]:
    """Rows to copy per table, after checking that both stores are at the latest schema and the
    target is empty.

    Raises:
        StoreError: the target already holds data, or lacks a table the source has.
    """
    source.migrate()
    target.migrate()
    src, dst = _tables(source), _tables(target)
    src_columns, dst_columns = src.columns(), dst.columns()
    tables = [t for t in src_columns if t not in _INTERNAL and not t.startswith(_DERIVED)]
    missing = [t for t in tables if t not in dst_columns]
    if missing:
        raise StoreError(f"the target store has no table {missing[0]!r}; is it the same release?")
    busy = [t for t in tables if dst.count(t)]
    if busy:
        raise StoreError(f"the target store is not empty (table {busy[0]!r} has rows); copy into a new store")
    return {t: src.count(t) for t in tables}


def copy_store(source: Store, target: Store, *, advance: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of `source` into the empty store `target`; returns the rows copied per table.

    Args:
        source: the store to copy (left as it is, apart from a schema upgrade).
        target: an empty store of either backend.
        advance: called with (table, rows) after each chunk, for a progress bar.

    Raises:
        StoreError: the target is not empty, or a store cannot be read or written.
    """
    counts = plan(source, target)
    src, dst = _tables(source), _tables(target)
    columns = src.columns()
    copied: dict[str, int] = {}
    with dst.writer() as write:
        for table in counts:
            copied[table] = 0
            for rows in src.read(table, columns[table]):
                write(table, columns[table], rows)
                copied[table] += len(rows)
                if advance is not None:
                    advance(table, len(rows))
    return copied
