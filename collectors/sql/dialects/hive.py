"""Hive."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(name="hive", sqlglot="hive", platform="hive", default_namespace="hive://localhost:9083")
