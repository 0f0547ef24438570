"""PostgreSQL: COPY FROM/TO files is parsed by sqlglot; model-calling extensions are in ai_functions."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import postgres_name

HOOKS = DialectHooks(
    name="postgres",
    sqlglot="postgres",
    platform="postgres",
    default_namespace="postgres://localhost:5432",
    unnamed_column=postgres_name,
)
