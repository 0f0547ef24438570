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
           "open_store"]


def open_store(location: str | Path, *, lock_timeout: float = 60.0) -> Store:
    """The store at `location`: a DuckDB file path.

    Raises:
        StoreError: the location names a backend this release does not have.
    """
    text = str(location)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(f"store backend {scheme!r} is not available; give a DuckDB file path")
    from lineage.store.duckdb_store import DuckDBStore

    return DuckDBStore(text, lock_timeout=lock_timeout)
