"""Dialects with no quirks of their own: parsed by sqlglot's dialect of the same name."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks

_PLATFORMS: dict[str, str] = {}
_NAMESPACES = {
    "presto": "presto://localhost:8080",
    "sqlite": "sqlite",
    "oracle": "oracle://localhost:1521",
    "teradata": "teradata://localhost:1025",
    "clickhouse": "clickhouse://localhost:8123",
    "exasol": "exasol",
    "dremio": "dremio",
    "doris": "doris",
    "starrocks": "starrocks",
    "drill": "drill",
    "druid": "druid",
}


def hooks_for_platform(name: str) -> DialectHooks:
    return DialectHooks(
        name=name, sqlglot=name, platform=_PLATFORMS.get(name, name), default_namespace=_NAMESPACES[name]
    )


HOOKS = DialectHooks(name="generic", sqlglot="", platform="sql", default_namespace="sql")
