"""The SQL collector: table- and column-level lineage from SQL files and query logs.

`lineage collect FILE.sql --dialect snowflake [--namespace NS] [--schema FILE.json]` reads a
script; a `.jsonl` or `.csv` query log is recognised by its fields or header. The package:

- `guard`: decoding, splitting into statements with their lines, size/nesting/time limits;
- `analyzer`: what decides a statement's analysis (options, dialect hooks, folded schema);
- `statements`, `ddl`, `tables`: one statement's kind and the tables it reads and writes;
- `columns`, `scope_walk`, `expression_reads`, `dml_columns`: its column lineage in one pass over
  the scopes; `ai_functions`: functions that call models or services (data);
- `dialects/`: per-dialect hooks chosen by a registry; `_compat`: every sqlglot assumption;
- `pool`: cached and parallel analysis; `script`: a script's statements in order, each knowing
  what the earlier ones created; `querylog`: query-log formats; `facts`: naming and facts.

Problems are data: a statement that cannot be parsed is reported with its file and line and the
rest of the script is kept; one whose column lineage fails keeps its table lineage; statements
sqlglot reads only as an opaque command are reported as not understood.

Example:
    >>> batch = lineage_from_sql("INSERT INTO mart.t SELECT id FROM raw.s", dialect="postgres",
    ...                          source="etl.sql", default_database="shop")
    >>> sorted(f.target.name for f in batch.facts if f.fact == "edge" and f.kind.value == "write")
    ['shop.mart.t']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from collectors.base import Source, register_collector
from collectors.sql.facts import COLLECTOR, Namer, default_namespace, make_evidence, statement_facts
from collectors.sql.fingerprint import fingerprint
from collectors.sql.guard import decode, split_statements
from collectors.sql.options import SqlOptions
from collectors.sql.pool import analyse_many
from collectors.sql.querylog import is_query_log, read_log
from collectors.sql.result import StatementResult
from collectors.sql.script import analyse_script
from collectors.sql.statements import Analyzer
from lineage.models import (
    Edge,
    EdgeKind,
    Evidence,
    Identity,
    IdentityType,
    Layer,
    LineageBatch,
    NodeRef,
    RawInput,
)

__all__ = ["SqlCollector", "SqlOptions", "collect_log", "collect_script", "lineage_from_sql"]


def lineage_from_sql(
    sql: str,
    *,
    dialect: str,
    source: str,
    namespace: str | None = None,
    default_database: str | None = None,
    default_schema: str | None = None,
    schema: Mapping[str, Any] | None = None,
    line_offset: int = 0,
    select_target: str | None = None,
) -> LineageBatch:
    """Lineage of a SQL script (one or many statements) as a batch of facts.

    Args:
        sql: the SQL text.
        dialect: a dialect name (`postgres`, `snowflake`, ... see `dialects.known_dialects`).
        source: where the SQL came from, kept as evidence (a file, or a job name for OpenLineage).
        namespace: the tables' namespace (default: the dialect's, e.g. `postgres://localhost:5432`).
        default_database: the database unqualified tables live in.
        default_schema: the schema unqualified tables live in.
        schema: known columns per table, for `SELECT *` (see `schema.SchemaIndex`).
        line_offset: added to every line number (SQL embedded in a larger file).
        select_target: the table a bare `SELECT` writes (`SqlOptions.select_target`).

    Returns:
        The batch; problems in `batch.problems`, never raised.

    Raises:
        CollectorError: the dialect is unknown.
    """
    options = SqlOptions(
        dialect=dialect,
        namespace=namespace,
        default_database=default_database,
        default_schema=default_schema,
        schema=schema,
        select_target=select_target,
    )
    return collect_script(sql, source, options, line_offset=line_offset)


_DIRECTIVE = re.compile(rb"^\s*--\s*lineage:\s*(.+)$", re.M)
_DIRECTIVE_KEYS = ("dialect", "namespace", "job_namespace", "default_database", "default_schema")


def directive(head: bytes) -> dict[str, str]:
    """Per-file options written in the file itself.

    Example:
        >>> directive(b"-- lineage: dialect=snowflake namespace=snowflake://acme-prod\\nSELECT 1")
        {'dialect': 'snowflake', 'namespace': 'snowflake://acme-prod'}
    """
    if head.lstrip().startswith(b'{"lineage"'):
        try:
            values = json.loads(head.split(b"\n", 1)[0])["lineage"]
        except (ValueError, KeyError, TypeError):
            return {}
        return {k: str(v) for k, v in values.items() if k in _DIRECTIVE_KEYS} if isinstance(values, dict) else {}
    m = _DIRECTIVE.search(head)
    if not m:
        return {}
    pairs = (p.split("=", 1) for p in m.group(1).decode("utf-8", "replace").split() if "=" in p)
    return {k: v for k, v in pairs if k in _DIRECTIVE_KEYS}


def _batch(source: str) -> LineageBatch:
    return LineageBatch(collector=COLLECTOR, source=source)


def _notes(batch: LineageBatch, results: list[StatementResult], line: int, more: int = 0) -> None:
    suffix = f" (and {more} more like it)" if more else ""
    for r in results:
        for note in r.notes:
            batch.problem(note.message + suffix, line=line + note.line, severity=note.severity)


def collect_script(
    text: str, source: str, options: SqlOptions, *, line_offset: int = 0, raw: bytes | None = None
) -> LineageBatch:
    """The batch for one SQL script."""
    batch = _batch(source)
    analyzer = Analyzer.build(options)
    hooks = analyzer.hooks
    namer = Namer(
        default_namespace(hooks, options.namespace),
        hooks.platform,
        options.default_database,
        options.default_schema,
    )
    confidences: list[float] = []
    for done in analyse_script(split_statements(text), analyzer, options.cache):
        line = done.statement.line + line_offset
        _notes(batch, done.results, line)
        evidence = make_evidence(source, line)
        process = NodeRef.process(options.job_namespace, f"{source}#{done.key[:12]}")
        for result in done.resolved:
            namer.use(result)
            batch.extend(
                statement_facts(
                    result,
                    namer=namer,
                    process=process,
                    evidence=evidence,  # type: ignore[arg-type]
                    always_process=options.conventions.select_is_read,
                )
            )
            confidences.append(result.confidence)
    batch.confidence = round(sum(confidences) / len(confidences), 3) if confidences else 1.0
    batch.raw = RawInput(collector=COLLECTOR, source=source, content=raw if raw is not None else text.encode())
    return batch


def collect_log(data: bytes, source: str, options: SqlOptions) -> LineageBatch:
    """The batch for one query log: statements deduplicated by fingerprint, users as identities."""
    batch = _batch(source)
    entries, problems = read_log(data, source)
    for message, line in problems:
        batch.problem(message, line=line, severity="warning")
    analyzer = Analyzer.build(options)
    hooks = analyzer.hooks
    namespace = default_namespace(hooks, options.namespace)
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    keys = []
    for i, e in enumerate(entries):
        key = fingerprint(e.text)
        keys.append(key)
        first.setdefault(key, i)
        counts[key] = counts.get(key, 0) + 1
    distinct = list(first)
    analysed, _ = analyse_many([entries[first[k]].text for k in distinct], distinct, analyzer, options.cache)
    by_key = dict(zip(distinct, analysed, strict=True))
    namers: dict[tuple[str | None, str | None], Namer] = {}
    done: set[tuple[str, str | None, str | None]] = set()
    users: dict[str, Evidence] = {}
    runs: set[tuple[str, str]] = set()
    for key in distinct:
        e = entries[first[key]]
        _notes(batch, by_key[key], e.line, counts[key] - 1)
    for e, key in zip(entries, keys, strict=True):
        database, schema_ = e.database or options.default_database, e.schema or options.default_schema
        process = NodeRef.process(options.job_namespace, f"{source}#{key[:12]}")
        if (key, database, schema_) not in done:
            done.add((key, database, schema_))
            namer = namers.setdefault((database, schema_), Namer(namespace, hooks.platform, database, schema_))
            evidence = Evidence(
                collector=COLLECTOR,
                source=source,
                line=e.line,
                layer=Layer.OBSERVED,
                **({"observed_at": e.timestamp} if e.timestamp else {}),
            )
            for result in by_key[key]:
                batch.extend(
                    statement_facts(
                        result,
                        namer=namer,
                        process=process,
                        evidence=evidence,  # type: ignore[arg-type]
                        always_process=True,
                    )
                )
        if e.user and by_key[key] and any(r.inputs or r.outputs for r in by_key[key]):
            if e.user not in users:
                users[e.user] = Evidence(
                    collector=COLLECTOR,
                    source=source,
                    line=e.line,
                    layer=Layer.OBSERVED,
                    **({"observed_at": e.timestamp} if e.timestamp else {}),
                )
                batch.add(
                    Identity(
                        namespace=namespace,
                        name=e.user,
                        identity_type=IdentityType.USER,
                        evidence=users[e.user],
                    )
                )
            if (e.user, key) not in runs:
                runs.add((e.user, key))
                batch.add(
                    Edge(
                        source=NodeRef.identity(namespace, e.user),
                        target=process,
                        kind=EdgeKind.RUNS,
                        evidence=users[e.user],
                    )
                )
    batch.raw = RawInput(collector=COLLECTOR, source=source, content=data)
    return batch


@register_collector
class SqlCollector:
    """`.sql` scripts and query logs (`.jsonl`/`.csv` with query text and user or time columns)."""

    name = "sql"

    def __init__(self, options: SqlOptions | None = None) -> None:
        self.options = options or SqlOptions()

    def with_options(self, options: Mapping[str, Any]) -> SqlCollector:
        """A collector reading with these options (CLI flags or a project file's source entry)."""
        values = dict(options)
        schema = values.get("schema")
        if isinstance(schema, str | Path):
            from collectors.sql.schema import load_schema_file

            values["schema"] = load_schema_file(schema)
        return SqlCollector(SqlOptions.from_mapping(values))

    def detect(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() == ".sql" or is_query_log(path.name.lower(), head)

    def _directed(self, head: bytes) -> SqlOptions:
        """Options from a `-- lineage: dialect=snowflake namespace=...` comment (or a JSON-lines
        `{"lineage": {...}}` first line); they fill only options left at their defaults."""
        found = directive(head)
        if not found:
            return self.options
        defaults = SqlOptions()
        keep = {k: v for k, v in found.items() if getattr(self.options, k, None) == getattr(defaults, k, None)}
        return (
            replace(self.options, **{k: v for k, v in SqlOptions.from_mapping(keep).__dict__.items() if k in keep})
            if keep
            else self.options
        )

    def collect(self, source: Source) -> LineageBatch:
        name = source.path.name.lower() if source.path else source.name.lower()
        options = self._directed(source.data[:4096])
        if is_query_log(name, source.data[:4096]):
            return collect_log(source.data, source.name, options)
        text, problems = decode(source.data)
        if text is None:
            batch = _batch(source.name)
            for message, line in problems:
                batch.problem(message, line=line)
            return batch
        batch = collect_script(text, source.name, options, raw=source.data)
        for message, line in problems:
            batch.problem(message, line=line, severity="warning")
        return batch
