"""The PostgreSQL adapter: transactions over a connection pool, the dialect, advisory locks and
`COPY`.

It stays correct with many writers (several endpoint replicas, scheduled jobs, `lineage collect`):

- An ingest is one transaction. Its lock on the input's identity (`Tx.lock`) is a
  transaction-level advisory lock, so unrelated inputs never wait for each other, and a second
  writer of the same input sees the first's commit (READ COMMITTED) and skips or supersedes it.
- An event from an append-only source (an OpenLineage event) is stored once however many replicas
  receive it, and its claims are merged into the claims stored already: writers take turns on
  that (the advisory lock they refresh the current graph under), so they never race to add the
  same claim or event.
- Facts and problems are streamed with `COPY` (observed claims into a per-session staging table,
  then merged with `UPDATE ... FROM` and `INSERT ... SELECT`). Runs, job source states and the parse cache
  are upserts (`ON CONFLICT DO UPDATE`), so no update is lost between concurrent writers.
- Reads run in a REPEATABLE READ, READ ONLY transaction, so the graph is one consistent snapshot
  while writers go on (the dashboard never sees half a batch).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from lineage.errors import StoreError
from lineage.store import current
from lineage.store.locations import mask_url
from lineage.store.pg_connect import ConnectionPool, migrate, schema_version
from lineage.store.sql import INSERT_NEW_CLAIMS, OBSERVE_AGAIN, Backend, Dialect, Params, Row, T, insert

Cursor = psycopg.Cursor[tuple[Any, ...]]
_RETRIES = 8

POSTGRESQL = Dialect(
    name="postgresql",
    text="::text",
    collate=' COLLATE "C"',
    json_object="json_build_object",
    in_ids="= ANY(%(ids)s)",
    detail_job="detail->>'job'",
    permissions=("coalesce(array_agg(DISTINCT p.perm ORDER BY p.perm) FILTER (WHERE p.perm IS NOT NULL), "
                 "'{}'::varchar[])"),
    permissions_join="LEFT JOIN LATERAL unnest(f.permissions) AS p(perm) ON true ",
    epoch_us="(extract(epoch FROM {}) * 1000000)::bigint",
    named_params=None,
    loose_json=True,
)


def _lock_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key for `parts`."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest(), "big", signed=True)


class PostgresTx:
    """A `Tx` on a PostgreSQL cursor (its transaction is the caller's)."""

    dialect = POSTGRESQL

    def __init__(self, cur: Cursor) -> None:
        self.cur = cur

    def _run(self, template: str, params: Params | None) -> Cursor:
        return self.cur.execute(POSTGRESQL.render(template), params or {})

    def all(self, template: str, params: Params | None = None) -> list[Row]:
        return self._run(template, params).fetchall()

    bulk = all

    def one(self, template: str, params: Params | None = None) -> Row | None:
        return self._run(template, params).fetchone()

    def execute(self, template: str, params: Params | None = None) -> None:
        self._run(template, params)

    def changed(self, template: str, params: Params | None = None) -> int:
        return max(self._run(template, params).rowcount, 0)

    def executemany(self, template: str, rows: Sequence[Params]) -> None:
        self.cur.executemany(POSTGRESQL.render(template), rows)

    def lock(self, *parts: str) -> None:
        self.cur.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(*parts)])

    def load(self, table: str, columns: Mapping[str, list[Any]], *, conflict: str = "") -> None:
        rows = list(zip(*columns.values(), strict=True))
        if conflict:  # COPY cannot resolve conflicts
            self.cur.executemany(insert(table, list(columns), conflict),
                                 [dict(zip(columns, row, strict=True)) for row in rows])
            return
        self._copy(sql.Identifier(table), list(columns), rows)

    def _copy(self, target: sql.Identifier, names: list[str], rows: Any) -> None:
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in names)
        with self.cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, columns)) as copy:
            for row in rows:
                copy.write_row(row)

    def insert_facts(self, table: str, parts: Sequence[Any], *, observed: bool) -> None:
        """Stream rows into `table` with COPY; `observed` ones through the session's staging table."""
        columns: dict[str, list[Any]] = {name: [v for part in parts for v in part[name]] for name in parts[0]}
        if not columns["fact_key"]:
            return
        names = list(columns)
        if not observed:
            self._copy(sql.Identifier(table), names, zip(*columns.values(), strict=True))
            return
        stage = f"stage_{table}"
        self.cur.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DELETE ROWS").format(
            sql.Identifier(stage), sql.Identifier(table)))
        self._copy(sql.Identifier(stage), names, zip(*columns.values(), strict=True))
        for statement in (OBSERVE_AGAIN, INSERT_NEW_CLAIMS):
            self.cur.execute(sql.SQL(statement.format(table=table, stage=stage)))


def _rebuild_current(con: psycopg.Connection[tuple[Any, ...]]) -> None:
    """Work the current graph out from the facts, in the connection's transaction (a migration's)."""
    with con.cursor() as cur:
        current.rebuild(PostgresTx(cur), datetime.now(UTC))


class PostgresDatabase(Backend):
    """A PostgreSQL database's pooled connections, transactions and schema.

    Args:
        url: a `postgresql://` (or `postgres://`) URL, as libpq takes it.
        lock_timeout: seconds to wait for the server when connecting.
    """

    dialect = POSTGRESQL

    def __init__(self, url: str, *, lock_timeout: float = 60.0) -> None:
        self.url = url
        self.lock_timeout = lock_timeout
        self._pool = ConnectionPool(url, connect_timeout=lock_timeout, rebuild_current=_rebuild_current)

    def __repr__(self) -> str:
        return f"PostgresStore({mask_url(self.url)!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.close()

    def _write(self, work: Callable[[PostgresTx], T]) -> T:
        """Run `work` in one transaction, again on a deadlock or serialization failure."""
        for attempt in range(_RETRIES):
            try:
                with self._pool.connection() as con, con.transaction(), con.cursor() as cur:
                    return work(PostgresTx(cur))
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == _RETRIES - 1:
                    raise
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction) as exc:
                raise StoreError(f"{self._pool.masked}: this connection may only read the store: {exc}") from exc
            except psycopg.OperationalError as exc:
                # a dropped connection: ingests and upserts are idempotent, so redoing is safe (a review
                # whose commit was acknowledged on a connection that then broke may be kept twice)
                if attempt >= 1:
                    raise StoreError(f"{self._pool.masked}: cannot write to the store: {exc}") from exc
            time.sleep(0.01 * 2**attempt * (0.5 + random.random()))  # noqa: S311 - jitter
        raise AssertionError("unreachable")

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads share pooled connections already: nothing to hold."""
        yield

    @contextmanager
    def _read(self) -> Iterator[PostgresTx]:
        with self._pool.connection() as con, con.transaction(), con.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PostgresTx(cur)

    def migrate(self) -> int:
        """Create the store or bring its schema up to date; returns the schema version."""
        with self._pool.connection() as con:
            return migrate(con, self._pool.masked, _rebuild_current)

    def schema_version(self) -> int:
        with self._pool.connection() as con:
            return schema_version(con)
