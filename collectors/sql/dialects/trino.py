"""Trino (and Presto, Athena): names are catalog.schema.table."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(name="trino", sqlglot="trino", platform="trino", default_namespace="trino://localhost:8080")
