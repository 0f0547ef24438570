"""Connections to a PostgreSQL store: keyword/value connection strings, a small pool, schema checks and migrations.

Every connection runs in autocommit mode with the session time zone set to UTC; work that must be
atomic opens an explicit transaction. A new connection checks the schema version once: an older
schema is migrated (under an advisory lock, so replicas starting together migrate once), a newer
one is refused. Connections are reused from a small pool guarded by a lock, so the endpoint's
writer thread and the dashboard's sessions share a handful of them; one idle for a while is
checked before use (the server may have restarted), and a connection inherited across `fork()` is
never used (nor closed) by the child.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql

from lineage.errors import StoreError
from lineage.store.locations import mask_url
from lineage.store.schema import CREATE_VERSION_TABLE, LATEST_VERSION, apply_migrations, refuse_newer, version_of

Connection = psycopg.Connection[tuple[Any, ...]]
MIGRATION_LOCK = 0x6C696E6561676501  # pg_advisory_xact_lock key: one migrating process at a time
PING_AFTER = 10.0  # seconds idle after which a pooled connection is checked before use


@cache
def _keyword_pattern() -> re.Pattern[str]:
    keywords = sorted((o.keyword.decode() for o in psycopg.pq.Conninfo.get_defaults()), key=len, reverse=True)
    return re.compile(r"(?:^|\s)(?:" + "|".join(map(re.escape, keywords)) + r")\s*=")


def is_keyword_dsn(location: str) -> bool:
    """Whether `location` is (or is meant as) a libpq keyword/value connection string: no `://`,
    and a known libpq keyword followed by `=` at its start or after a space.

    A DuckDB file whose name starts like one (`user=ana.duckdb`) is written `./user=ana.duckdb`.

    Example:
        >>> is_keyword_dsn("host=db dbname=lineage"), is_keyword_dsn("lineage.duckdb")
        (True, False)
        >>> is_keyword_dsn("data/user=ana/lineage.duckdb"), is_keyword_dsn("./user=ana.duckdb")
        (False, False)
    """
    return "=" in location and "://" not in location and _keyword_pattern().search(location) is not None


def keyword_dsn_url(dsn: str) -> str:
    """The `postgresql://` URL that says what the keyword/value connection string `dsn` says.

    User, password, host, port and database go in the URL's usual places when they fit there
    (one host name or address, one port); every other parameter (a socket directory, a list of
    hosts, `sslmode`...) becomes a query parameter, which libpq reads the same way.

    Raises:
        StoreError: `dsn` cannot be read as a connection string; the message never repeats it
            (it may hold a password).

    Example:
        >>> keyword_dsn_url("host=db password='s3 cret' dbname=lineage user=ana sslmode=require")
        'postgresql://ana:s3%20cret@db/lineage?sslmode=require'
        >>> keyword_dsn_url("host=/var/run/postgresql dbname=lineage")
        'postgresql:///lineage?host=%2Fvar%2Frun%2Fpostgresql'
    """
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = {k: str(v) for k, v in conninfo_to_dict(dsn).items()}
    except psycopg.Error:
        # libpq's message can quote part of a value (a password with a space), so it is not shown
        raise StoreError(
            "the store location looks like a PostgreSQL connection string (keyword=value pairs) but cannot be "
            "read: use known libpq keywords and put a value with spaces or quotes in single quotes, "
            "or give a postgresql:// URL"
        ) from None
    user, password, dbname = params.pop("user", None), params.pop("password", None), params.pop("dbname", None)
    netloc = ""
    if user is not None or password is not None:
        netloc = quote(user or "", safe="") + (f":{quote(password, safe='')}" if password is not None else "") + "@"
    host, port = params.get("host"), params.get("port")
    if host and re.fullmatch(r"[\w.-]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*", host) and (port is None or port.isdigit()):
        netloc += f"[{host}]" if ":" in host else host
        del params["host"]
        if port is not None:
            netloc += f":{port}"
            del params["port"]
    path = "/" + quote(dbname, safe="") if dbname is not None else ""
    query = urlencode(params, quote_via=quote)
    return f"postgresql://{netloc}{path}" + (f"?{query}" if query else "")


class ConnectionPool:
    """Open connections to one database, reused one caller at a time.

    Args:
        url: the libpq connection URL.
        connect_timeout: seconds to wait for the server.
        max_idle: connections kept open between uses.
    """

    def __init__(self, url: str, *, connect_timeout: float, rebuild_current: Callable[[Connection], None],
                 max_idle: int = 4) -> None:
        self.url = url
        self.rebuild_current = rebuild_current
        self.masked = mask_url(url)
        self.connect_timeout = max(1, int(connect_timeout))
        self.max_idle = max_idle
        self._idle: list[tuple[Connection, float]] = []
        self._guard = threading.Lock()
        self._pid = os.getpid()
        self._inherited: list[Connection] = []

    def _take(self) -> Connection | None:
        with self._guard:
            if self._pid != os.getpid():  # forked: the parent's sockets are not ours to use or close
                self._inherited.extend(con for con, _ in self._idle)
                self._idle, self._pid = [], os.getpid()
            taken = self._idle.pop() if self._idle else None
        while taken is not None:
            con, since = taken
            if not con.closed and (time.monotonic() - since < PING_AFTER or _alive(con)):
                return con
            con.close()
            with self._guard:
                taken = self._idle.pop() if self._idle else None
        return None

    def _give(self, con: Connection) -> None:
        ok = not con.closed and con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with self._guard:
            if ok and self._pid == os.getpid() and len(self._idle) < self.max_idle:
                self._idle.append((con, time.monotonic()))
                return
        con.close()

    def _open(self) -> Connection:
        try:
            con = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout)
        except psycopg.Error as exc:
            raise StoreError(f"{self.masked}: cannot connect to the store: {exc}") from exc
        try:
            con.execute("SET TIME ZONE 'UTC'")
            ensure_schema(con, self.masked, self.rebuild_current)
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for the caller alone until the block ends."""
        con = self._take() or self._open()
        try:
            yield con
        finally:
            self._give(con)

    def close(self) -> None:
        """Close the idle connections (those in use close when given back)."""
        with self._guard:
            idle, self._idle = self._idle, []
        for con, _ in idle:
            con.close()


def _alive(con: Connection) -> bool:
    try:
        con.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def schema_version(con: Connection) -> int:
    """The schema version of the store in the connection's current schema (0: none yet)."""
    return version_of(lambda query: con.execute(query).fetchall())


def migrate(con: Connection, masked: str, rebuild_current: Callable[[Connection], None]) -> int:
    """Bring the schema up to date in one transaction; returns the version. `rebuild_current` works
    the current graph out from the facts, on the connection, when a migration asks for it.

    Raises:
        StoreError: the store was written by a newer release.
    """
    version = schema_version(con)
    refuse_newer(version, masked)
    if version == LATEST_VERSION:
        return version
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
        con.execute(CREATE_VERSION_TABLE)
        version = schema_version(con)  # another process may have migrated while we waited
        refuse_newer(version, masked)
        apply_migrations(lambda statement, params: con.execute(sql.SQL(statement), params),  # the schema's own text
                         "postgresql", version, lambda: rebuild_current(con))
    return schema_version(con)


def ensure_schema(con: Connection, masked: str, rebuild_current: Callable[[Connection], None]) -> None:
    """Migrate an older store and refuse a newer one (nothing is written when it is current, so a
    read-only role or a hot standby can serve the dashboard)."""
    migrate(con, masked, rebuild_current)
