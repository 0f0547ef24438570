"""Every assumption this package makes about sqlglot, in one place; tests/sql/test_compat.py pins them.

- sqlglot >= 30.30 (tested with 30.30): the SELECT's FROM clause lives under the arg `from_`
  and a statement's WITH clause under `with_` (older releases used `from` and `with`),
  `Dialect.get_or_raise` returns an instance, `qualify` accepts
  `validate_qualify_columns`, `quote_identifiers` and `identify`, and statements the parser does
  not understand come back as `exp.Command(this=KEYWORD, expression=Literal(rest))` with a
  warning on the `sqlglot` logger.
- With the optional `sqlglotc` package the parser and optimizer are compiled: about 2x faster,
  same results.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, cast

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, OptimizeError, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.schema import MappingSchema

__all__ = [
    "Dialect",
    "ErrorLevel",
    "MappingSchema",
    "ParseError",
    "Scope",
    "SqlglotError",
    "TokenError",
    "build_scope",
    "command_parts",
    "dialect",
    "exp",
    "from_clause",
    "parse",
    "qualify_columns",
    "set_with",
    "sqlglot_version",
    "with_clause",
]

TESTED_VERSION = (30, 30)
FROM_ARG = "from_"
WITH_ARG = "with_"
_COMMAND_FALLBACK = "Falling back to parsing as a 'Command'"


def sqlglot_version() -> tuple[int, int]:
    major, minor = str(getattr(sqlglot, "__version__", "0.0")).split(".")[:2]
    return int(major), int(minor)


class _DropCommandFallback(logging.Filter):
    """Our own problem list reports opaque commands, so sqlglot's warning about them is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _COMMAND_FALLBACK not in record.getMessage()


_FILTER = _DropCommandFallback()


@lru_cache(maxsize=64)
def dialect(name: str) -> Dialect:
    """The sqlglot dialect instance for a sqlglot dialect name ('' is sqlglot's generic dialect)."""
    logger = logging.getLogger("sqlglot")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return Dialect.get_or_raise(name or None)


def parse(sql: str, d: Dialect) -> list[exp.Expression | None]:
    """Every statement in `sql`. Raises `ParseError` or `TokenError` on the first error."""
    return cast("list[exp.Expression | None]", d.parse(sql, error_level=ErrorLevel.IMMEDIATE))


def from_clause(select: exp.Expression) -> Any:
    return select.args.get(FROM_ARG) or select.args.get("from")


def with_clause(node: exp.Expr) -> Any:
    """A statement's WITH clause (`with_` since sqlglot 30; `with` before)."""
    return node.args.get(WITH_ARG) or node.args.get("with")


def set_with(node: exp.Expr, value: exp.Expr) -> None:
    node.set(WITH_ARG if WITH_ARG in type(node).arg_types else "with", value)


def command_parts(command: exp.Command) -> tuple[str, str]:
    """(keyword, rest of the text) of an opaque command."""
    rest = command.expression
    return str(command.this), rest.name if isinstance(rest, exp.Expression) else str(rest or "")


def qualify_columns(
    expression: exp.Expr,
    *,
    d: Dialect,
    schema: MappingSchema | None,
    db: str | None,
    catalog: str | None,
) -> exp.Expr:
    """Qualify tables and columns and expand stars (when the schema is known), in place, once.

    Without a schema sqlglot cannot always tell a lateral alias from a column and gives up; then the
    statement is qualified again without expanding alias references, and at worst tables only.
    """
    attempts = ((True, True), (False, True), (False, False))  # (expand_alias_refs, qualify_columns)
    for i, (alias_refs, columns) in enumerate(attempts):
        try:
            return qualify(
                expression,
                dialect=d,
                schema=schema,
                db=db,
                catalog=catalog,
                validate_qualify_columns=False,
                quote_identifiers=False,
                identify=False,
                expand_stars=True,
                expand_alias_refs=alias_refs,
                qualify_columns=columns,
            )
        except OptimizeError:
            if i == len(attempts) - 1:
                raise
    raise AssertionError("unreachable")
