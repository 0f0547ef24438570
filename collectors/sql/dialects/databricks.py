"""Databricks: Unity Catalog names are catalog.schema.table; ai_* functions are listed in ai_functions."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import as_written

HOOKS = DialectHooks(
    name="databricks",
    sqlglot="databricks",
    platform="databricks",
    default_namespace="databricks://localhost",
    lateral_column_aliases=True,
    unnamed_column=as_written("databricks"),
)
