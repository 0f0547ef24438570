"""DuckDB: files and URLs are read with read_csv/read_parquet or a quoted path in FROM."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(name="duckdb", sqlglot="duckdb", platform="duckdb", default_namespace="duckdb://:memory:")
