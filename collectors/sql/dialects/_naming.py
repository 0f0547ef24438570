"""How engines name an output column the query does not name (`SELECT max(a) FROM t`).

A dialect's hooks pick one of these; sqlglot's own `_col_0` is kept for engines that leave such a
column unnamed (T-SQL). Each function gets the projection as written (before qualification), its
position in the SELECT list and its position among the unnamed ones.

Example:
    >>> from sqlglot import parse_one
    >>> p = parse_one("SELECT max(a), CAST(b AS INT), a + 1 FROM t").expressions
    >>> [as_written("duckdb")(e, i, i) for i, e in enumerate(p)]
    ['MAX(a)', 'CAST(b AS INT)', 'a + 1']
    >>> [postgres_name(e, i, i) for i, e in enumerate(p)]
    ['max', 'b', '?column?']
    >>> [positional("_c")(e, i, i) for i, e in enumerate(p)]
    ['_c0', '_c1', '_c2']
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

UnnamedColumn = Callable[[exp.Expression, int, int], str | None]
"""(projection as written, position in the SELECT list, position among unnamed ones) -> its name."""


def as_written(dialect: str, *, upper: bool = False) -> UnnamedColumn:
    """The expression's text (Spark, Databricks, DuckDB, MySQL, SQLite; Snowflake and Oracle in
    upper case)."""

    def name(node: exp.Expression, index: int, unnamed: int) -> str | None:
        text = node.sql(dialect=dialect or None)
        return text.upper() if upper else text

    return name


def postgres_name(node: exp.Expression, index: int, unnamed: int) -> str | None:
    """PostgreSQL and Redshift: a function's name, a cast's column, `case`, else `?column?`."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Column):
        return node.this.name
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return "?column?"


def positional(prefix: str, suffix: str = "", *, among_unnamed: bool = False) -> UnnamedColumn:
    """`_c0` (Hive), `_col0` (Trino, Presto, Athena): by position in the SELECT list; `f0_`
    (BigQuery): by position among the unnamed columns."""

    def name(node: exp.Expression, index: int, unnamed: int) -> str | None:
        return f"{prefix}{unnamed if among_unnamed else index}{suffix}"

    return name
