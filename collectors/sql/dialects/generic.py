"""Dialects with no quirks of their own: parsed by sqlglot's dialect of the same name."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import UnnamedColumn, as_written, positional

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


_NAMING: dict[str, UnnamedColumn] = {
    "presto": positional("_col"),
    "sqlite": as_written("sqlite"),
    "oracle": as_written("oracle", upper=True),
    "teradata": as_written("teradata", upper=True),
    "clickhouse": as_written("clickhouse"),
}
_LATERAL_ALIASES = frozenset({"teradata", "clickhouse"})


def hooks_for_platform(name: str) -> DialectHooks:
    return DialectHooks(
        name=name,
        sqlglot=name,
        platform=_PLATFORMS.get(name, name),
        default_namespace=_NAMESPACES[name],
        lateral_column_aliases=name in _LATERAL_ALIASES,
        unnamed_column=_NAMING.get(name),
    )


# No engine: sqlglot's reading (an alias may be read by later projections) and the most common
# engine naming, the expression's text.
HOOKS = DialectHooks(
    name="generic",
    sqlglot="",
    platform="sql",
    default_namespace="sql",
    lateral_column_aliases=True,
    unnamed_column=as_written(""),
)
