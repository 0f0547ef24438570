"""BigQuery: the namespace is always `bigquery`; names are project.dataset.table."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import positional

HOOKS = DialectHooks(
    name="bigquery",
    sqlglot="bigquery",
    platform="bigquery",
    default_namespace="bigquery",
    unnamed_column=positional("f", "_", among_unnamed=True),
)
