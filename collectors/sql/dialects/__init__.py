"""Per-dialect hooks, chosen by a registry: the core never branches on a dialect's name.

Each module here exposes `HOOKS: DialectHooks`. A hook set names the sqlglot dialect to parse
with, the OpenLineage platform used to name datasets, the default namespace of a SQL file of
that dialect (when no `--namespace` is given), and rewriters for statements sqlglot can only
parse as an opaque `Command` (Redshift `UNLOAD`, Snowflake `PUT`/`GET`).

Example:
    >>> hooks_for("postgresql").platform
    'postgres'
    >>> hooks_for("sparksql").sqlglot
    'spark'
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from collectors.sql.dialects._naming import UnnamedColumn
from collectors.sql.result import TableRef
from lineage.errors import CollectorError


@dataclass(frozen=True)
class CommandRewrite:
    """What a dialect makes of an opaque command: an inner query to analyse, plus fixed refs, plus
    table names as written in the command (`input_tables`/`output_tables`, parsed and case-folded by
    the core with the dialect's rules)."""

    kind: str
    query: str | None = None
    inputs: tuple[TableRef, ...] = ()
    outputs: tuple[TableRef, ...] = ()
    input_tables: tuple[str, ...] = ()
    output_tables: tuple[str, ...] = ()


CommandHook = Callable[[str, str], CommandRewrite | None]
"""(command keyword upper-cased, the rest of the text) -> a rewrite, or None when not understood."""

TextRewrite = Callable[[str], str | None]
"""A statement's text -> an equivalent text sqlglot can parse, or None; tried only when the
dialect's parser rejects the statement as written."""


def rewrite_unquoted(pattern: re.Pattern[str], text: str, replace: Callable[[re.Match[str]], str]) -> str | None:
    """`text` with each match of `pattern` replaced by `replace(match)`, except matches whose group 1
    is set: the pattern's first alternative matches quoted text, which is kept as it is. None when
    nothing changed.

    Example:
        >>> rewrite_unquoted(re.compile(r"('[^']*')|x"), "x 'x' x", lambda m: "y")
        "y 'x' y"
    """
    out = pattern.sub(lambda m: m.group(1) or replace(m), text)
    return out if out != text else None


@dataclass(frozen=True)
class DialectHooks:
    name: str
    sqlglot: str
    platform: str
    default_namespace: str
    commands: tuple[CommandHook, ...] = ()
    text_rewrites: tuple[TextRewrite, ...] = ()
    fallback_dialects: tuple[str, ...] = ()  # sqlglot dialects to parse with when this one's parser rejects a statement
    extra: dict[str, str] = field(default_factory=dict)
    # whether `SELECT a AS b, b + 1 AS c` may read the alias b (Snowflake, Databricks, Redshift,
    # DuckDB...): then a name that an earlier projection defines, and that no known source has, is it
    lateral_column_aliases: bool = False
    unnamed_column: UnnamedColumn | None = None  # the engine's name for an unaliased expression (`_naming`)

    def rewrite_command(self, keyword: str, rest: str) -> CommandRewrite | None:
        for hook in self.commands:
            found = hook(keyword.upper(), rest)
            if found is not None:
                return found
        return None

    def rewrite_text(self, text: str) -> str | None:
        """The first rewrite of a statement the parser rejected, or None."""
        for hook in self.text_rewrites:
            found = hook(text)
            if found is not None and found != text:
                return found
        return None


_MODULES = (
    "athena",
    "duckdb",
    "postgres",
    "snowflake",
    "bigquery",
    "databricks",
    "spark",
    "hive",
    "redshift",
    "tsql",
    "mysql",
    "trino",
    "teradata",
    "generic",
)

# Our name -> (module, attribute); aliases that other tools use are accepted too.
ALIASES: dict[str, str] = {
    "postgresql": "postgres",
    "greenplum": "postgres",
    "materialize": "postgres",
    "risingwave": "postgres",
    "sparksql": "spark",
    "spark2": "spark",
    "mssql": "tsql",
    "sqlserver": "tsql",
    "fabric": "tsql",
    "mariadb": "mysql",
    "singlestore": "mysql",
    "ansi": "generic",
    "": "generic",
    "none": "generic",
}
_GENERIC = (
    "presto",
    "sqlite",
    "oracle",
    "clickhouse",
    "exasol",
    "dremio",
    "doris",
    "starrocks",
    "drill",
    "druid",
)
_CACHE: dict[str, DialectHooks] = {}


def known_dialects() -> tuple[str, ...]:
    """The dialect names `--dialect` accepts (aliases excluded)."""
    return tuple(m for m in _MODULES if m != "generic") + _GENERIC + ("generic",)


def hooks_for(dialect: str | None) -> DialectHooks:
    """The hooks of `dialect` (any case; common aliases accepted).

    Raises:
        CollectorError: the dialect is unknown.
    """
    name = (dialect or "generic").lower()
    name = ALIASES.get(name, name)
    if name in _CACHE:
        return _CACHE[name]
    if name in _MODULES:
        hooks: DialectHooks = importlib.import_module(f"collectors.sql.dialects.{name}").HOOKS
    elif name in _GENERIC:
        from collectors.sql.dialects.generic import hooks_for_platform

        hooks = hooks_for_platform(name)
    else:
        raise CollectorError(f"unknown SQL dialect {dialect!r}; known: {', '.join(known_dialects())}")
    _CACHE[name] = hooks
    return hooks
