"""DuckDB: files and URLs are read with read_csv/read_parquet or a quoted path in FROM."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import as_written

HOOKS = DialectHooks(
    name="duckdb",
    sqlglot="duckdb",
    platform="duckdb",
    default_namespace="duckdb://:memory:",
    lateral_column_aliases=True,
    unnamed_column=as_written("duckdb"),
)
