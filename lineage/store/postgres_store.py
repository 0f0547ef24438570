"""The server store: one PostgreSQL database that many processes write at once.

Behaviour matches the DuckDB store (the same tests run against both); how it stays correct with
many writers is in `postgres_adapter`, the queries in the modules by concern.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from lineage.store.base import StoreWriter, each_ingest
from lineage.store.current import Current
from lineage.store.derived import Derived
from lineage.store.facts import Facts
from lineage.store.jobs import Jobs
from lineage.store.parse_cache import ParseCache
from lineage.store.postgres_adapter import PostgresDatabase
from lineage.store.reviews import Reviews
from lineage.store.runs import Runs


class PostgresStore(PostgresDatabase, Facts, Current, Derived, Runs, Jobs, ParseCache, Reviews):
    """A store in one PostgreSQL database (its tables live in the connection's current schema).

    Args:
        url: a `postgresql://` (or `postgres://`) URL, as libpq takes it.
        lock_timeout: seconds to wait for the server when connecting.
    """

    def writer(self, *, max_hold_s: float = 0.5) -> AbstractContextManager[StoreWriter]:
        """A write session; each ingest takes a pooled connection, so nothing is held between them."""
        return each_ingest(self)
