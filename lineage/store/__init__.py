"""The store: where facts, raw inputs and collection runs are kept. Only this package opens it."""

from __future__ import annotations

from pathlib import Path

from lineage.errors import StoreError
from lineage.store.base import (
    GraphData,
    IngestResult,
    NodeFactRow,
    RawInputRow,
    RunRecord,
    SourceState,
    Store,
)

__all__ = ["GraphData", "IngestResult", "NodeFactRow", "RawInputRow", "RunRecord", "SourceState", "Store",
           "display_location", "open_store"]


def open_store(location: str | Path, *, lock_timeout: float = 60.0) -> Store:
    """The store at `location`: a `postgresql://` (or `postgres://`) URL, else a DuckDB file path.

    Args:
        location: where the store is.
        lock_timeout: seconds to wait for another process's lock on a DuckDB file, or for the
            PostgreSQL server to accept a connection.

    Raises:
        StoreError: the location names a backend this release does not have.

    Example:
        >>> open_store("postgresql://lineage:secret@db:5432/lineage")
        PostgresStore('postgresql://lineage:***@db:5432/lineage')
    """
    text = str(location)
    if "://" in text:
        from lineage.store.pg_connect import is_postgres_url

        if not is_postgres_url(text):
            scheme = text.split("://", 1)[0]
            raise StoreError(f"store backend {scheme!r} is not available; give a DuckDB file path "
                             "or a postgresql:// URL")
        from lineage.store.postgres_store import PostgresStore

        return PostgresStore(text, lock_timeout=lock_timeout)
    from lineage.store.duckdb_store import DuckDBStore

    return DuckDBStore(text, lock_timeout=lock_timeout)


def display_location(location: str | Path) -> str:
    """`location` as it may be shown or logged: a URL's password is masked.

    Example:
        >>> display_location("postgres://app:hunter2@db/lineage"), display_location("lineage.duckdb")
        ('postgres://app:***@db/lineage', 'lineage.duckdb')
    """
    from lineage.store.pg_connect import mask_url

    text = str(location)
    return mask_url(text) if "://" in text else text
