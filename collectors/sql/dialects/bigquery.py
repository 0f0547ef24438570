"""BigQuery: the namespace is always `bigquery`; names are project.dataset.table."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(name="bigquery", sqlglot="bigquery", platform="bigquery", default_namespace="bigquery")
