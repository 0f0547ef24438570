"""Databricks: Unity Catalog names are catalog.schema.table; ai_* functions are listed in ai_functions."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(
    name="databricks", sqlglot="databricks", platform="databricks", default_namespace="databricks://localhost"
)
