"""Trino (and Presto, Athena): names are catalog.schema.table."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import positional

HOOKS = DialectHooks(
    name="trino",
    sqlglot="trino",
    platform="trino",
    default_namespace="trino://localhost:8080",
    unnamed_column=positional("_col"),
)
