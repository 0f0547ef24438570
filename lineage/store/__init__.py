"""The store: where facts, raw inputs and collection runs are kept. Only this package opens it."""

from __future__ import annotations

from pathlib import Path

from lineage.errors import StoreError
from lineage.store.base import (
    GraphData,
    IngestResult,
    NodeFactRow,
    RawInputRow,
    Review,
    RunRecord,
    SourceState,
    Store,
    StoreWriter,
)

__all__ = ["GraphData", "IngestResult", "NodeFactRow", "RawInputRow", "Review", "RunRecord", "SourceState", "Store",
           "StoreWriter", "display_location", "open_store", "postgres_location"]


def open_store(location: str | Path, *, lock_timeout: float = 60.0) -> Store:
    """The store at `location`: a `postgresql://` (or `postgres://`) URL or a libpq keyword/value
    connection string (`host=db dbname=lineage user=ana`), else a DuckDB file path.

    Args:
        location: where the store is.
        lock_timeout: seconds to wait for another process's lock on a DuckDB file, or for the
            PostgreSQL server to accept a connection.

    Raises:
        StoreError: the location names a backend this release does not have, or looks like a
            keyword/value connection string that cannot be read.

    Example:
        >>> open_store("postgresql://lineage:secret@db:5432/lineage")
        PostgresStore('postgresql://lineage:***@db:5432/lineage')
        >>> open_store("host=db dbname=lineage user=lineage password=secret")
        PostgresStore('postgresql://lineage:***@db/lineage')
    """
    text = postgres_location(location)
    if "://" in text:
        from lineage.store.locations import is_postgres_url

        if not is_postgres_url(text):
            scheme = text.split("://", 1)[0]
            raise StoreError(f"store backend {scheme!r} is not available; give a DuckDB file path "
                             "or a postgresql:// URL")
        from lineage.store.postgres_store import PostgresStore

        return PostgresStore(text, lock_timeout=lock_timeout)
    from lineage.store.duckdb_store import DuckDBStore

    return DuckDBStore(text, lock_timeout=lock_timeout)


def postgres_location(location: str | Path) -> str:
    """`location` as text, a libpq keyword/value connection string turned into the `postgresql://`
    URL that says the same (so it is never taken for a file name); anything else unchanged.

    Raises:
        StoreError: it looks like a keyword/value connection string but cannot be read (the
            message does not repeat it).

    Example:
        >>> postgres_location("host=db dbname=lineage user=ana"), postgres_location("lineage.duckdb")
        ('postgresql://ana@db/lineage', 'lineage.duckdb')
    """
    text = str(location)
    if "=" not in text or "://" in text:
        return text
    from lineage.store.pg_connect import is_keyword_dsn, keyword_dsn_url

    return keyword_dsn_url(text) if is_keyword_dsn(text) else text


def display_location(location: str | Path) -> str:
    """`location` as it may be shown or logged: a URL's (or a connection string's) password is
    masked.

    Example:
        >>> display_location("postgres://app:hunter2@db/lineage"), display_location("lineage.duckdb")
        ('postgres://app:***@db/lineage', 'lineage.duckdb')
        >>> display_location("host=db password=hunter2 user=app")
        'postgresql://app:***@db'
    """
    from lineage.store.locations import mask_url

    try:
        text = postgres_location(location)
    except StoreError:
        return "(an unreadable PostgreSQL connection string)"
    return mask_url(text) if "://" in text else text
