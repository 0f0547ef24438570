"""Literal SQL found in code, handed to the SQL collector: the tables it reads and writes.

Example:
    >>> found = sql_tables("INSERT INTO answers SELECT q FROM questions", "postgres", "app.py",
    ...                    "postgres://db:5432", "shop", 0)
    >>> found.reads, found.writes
    ([('postgres://db:5432', 'shop.public.questions')], [('postgres://db:5432', 'shop.public.answers')])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lineage.errors import CollectorError
from lineage.models import EdgeKind

_DIALECTS = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite", "duckdb": "duckdb",
             "snowflake": "snowflake", "tsql": "tsql", "bigquery": "bigquery"}

_RESULT = "lineage_code_query_result"  # what a bare SELECT "writes": the rows the code gets back
_SCHEMAS = {"postgres": "public", "duckdb": "main", "sqlite": "main"}


@dataclass
class Tables:
    reads: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def sql_tables(sql: str, dialect: str, source: str, namespace: str | None, database: str | None,
               line_offset: int) -> Tables:
    """The tables one SQL text reads and writes, named as the SQL collector names them."""
    from collectors.sql import lineage_from_sql

    out = Tables()
    try:
        batch = lineage_from_sql(sql, dialect=_DIALECTS.get(dialect, "postgres"), source=source, namespace=namespace,
                                 default_database=database, line_offset=line_offset,
                                 default_schema=_SCHEMAS.get(dialect) if database else None,
                                 select_target=_RESULT)
    except CollectorError as exc:
        out.problems.append(str(exc))
        return out
    out.problems += [p.message for p in batch.errors]
    for fact in batch.facts:
        if fact.fact != "edge":
            continue
        if fact.kind is EdgeKind.READ:
            pair = (fact.source.namespace, fact.source.name)
            if pair not in out.reads:
                out.reads.append(pair)
        elif fact.kind is EdgeKind.WRITE:
            pair = (fact.target.namespace, fact.target.name)
            if pair not in out.writes and not pair[1].endswith(_RESULT):
                out.writes.append(pair)
    return out
