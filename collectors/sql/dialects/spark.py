"""Spark SQL: tables live in the Hive metastore, hence its namespace."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import as_written

HOOKS = DialectHooks(
    name="spark",
    sqlglot="spark",
    platform="hive",
    default_namespace="hive://localhost:9083",
    lateral_column_aliases=True,
    unnamed_column=as_written("spark"),
)
