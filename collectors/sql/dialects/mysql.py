"""MySQL: names are database.table."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import as_written

HOOKS = DialectHooks(
    name="mysql",
    sqlglot="mysql",
    platform="mysql",
    default_namespace="mysql://localhost:3306",
    unnamed_column=as_written("mysql"),
)
