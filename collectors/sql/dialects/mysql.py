"""MySQL: names are database.table."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(name="mysql", sqlglot="mysql", platform="mysql", default_namespace="mysql://localhost:3306")
