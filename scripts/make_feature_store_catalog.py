"""Build the feature store sample's DuckDB catalog from its committed SQL.

    python scripts/make_feature_store_catalog.py [OUT.duckdb]
    lineage collect sample_pipelines/feature_store/catalog/feature_dev.duckdb

`.duckdb` files are not committed (see .gitignore), so the SQL is, and the database is built where
it is needed: by default next to the SQL (ignored by git), by the tests in a temporary directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

SQL = Path(__file__).resolve().parent.parent / "sample_pipelines" / "feature_store" / "catalog" / "feature_dev.sql"


def build(out: Path) -> Path:
    """Create (or replace) the catalog at `out` and return its path."""
    out.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    try:
        con.execute(SQL.read_text(encoding="utf-8"))
    finally:
        con.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SQL.with_suffix(".duckdb")
    print(build(target))
