"""SQL Server (T-SQL): SELECT ... INTO #temp creates a temp table."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

HOOKS = DialectHooks(name="tsql", sqlglot="tsql", platform="sqlserver", default_namespace="sqlserver://localhost:1433")
