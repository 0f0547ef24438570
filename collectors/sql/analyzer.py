"""What decides a statement's analysis, built once per source: the options, the dialect and its
hooks, the AI-function matcher, and the schema folded by the dialect's case rules.

Example:
    >>> an = Analyzer.for_dialect("snowflake", schema={"raw": {"s": ["id"]}})
    >>> an.schema.lookup(("RAW", "S")) if an.schema else None
    (('RAW', 'S'), ('ID',))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from collectors.sql._compat import Dialect, dialect, exp
from collectors.sql.ai_functions import AIMatcher, matcher
from collectors.sql.dialects import DialectHooks, hooks_for
from collectors.sql.options import SqlOptions
from collectors.sql.schema import SchemaIndex
from collectors.sql.tables import fold


@dataclass(frozen=True)
class Analyzer:
    """Everything that decides a statement's analysis, built once per source."""

    options: SqlOptions
    hooks: DialectHooks
    d: Dialect
    ai: AIMatcher
    schema: SchemaIndex | None
    external: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_dialect(cls, name: str, **options: object) -> Analyzer:
        return cls.build(SqlOptions.from_mapping({"dialect": name, **options}))

    @classmethod
    def build(cls, options: SqlOptions) -> Analyzer:
        """The analyzer for `options`; the folded schema and the AI matcher are shared between calls."""
        hooks = hooks_for(options.dialect)
        d = dialect(hooks.sqlglot)
        schema = _schema_index(options.schema, hooks.sqlglot, d) if options.schema and options.columns else None
        return cls(options, hooks, d, matcher(options.ai_functions, hooks.name), schema)


_SCHEMAS: dict[tuple[int, str], tuple[Mapping[str, Any], SchemaIndex]] = {}


def _schema_index(schema: Mapping[str, Any], dialect_name: str, d: Dialect) -> SchemaIndex:
    """The schema folded by the dialect's case rules, built once per schema object and dialect.

    A schema mapping is read once: like the rest of `SqlOptions` it is treated as immutable. The
    cache holds the mapping itself, so its `id` cannot be reused by another object while cached.
    """
    key = (id(schema), dialect_name)
    hit = _SCHEMAS.get(key)
    if hit is not None and hit[0] is schema:
        return hit[1]
    index = SchemaIndex.from_mapping(schema).folded(lambda s: fold(d, exp.Identifier(this=s, quoted=False)))
    if len(_SCHEMAS) >= 16:
        _SCHEMAS.pop(next(iter(_SCHEMAS)))
    _SCHEMAS[key] = (schema, index)
    return index
