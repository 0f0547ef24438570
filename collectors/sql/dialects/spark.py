"""Spark SQL: tables live in the Hive metastore, hence its namespace."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(name="spark", sqlglot="spark", platform="hive", default_namespace="hive://localhost:9083")
