"""A database catalog snapshot mapped to facts: the pure core of the catalog collector.

A snapshot is what was read from a database (tables and views with their columns, view SQL), as
plain JSON, so it is also the raw input kept in the store and can be collected again:

    {"format": "lineage-catalog-snapshot", "platform": "postgres", "namespace": "postgres://db:5432",
     "relations": [{"database": "shop", "schema": "public", "name": "orders", "kind": "table",
                    "columns": [["id", "integer"]], "sql": null}]}

Tables become datasets with columns; views and materialized views become datasets too, written by
a process `<namespace>` / `view:<database>.<schema>.<name>` whose reads and column lineage come
from the view's SQL, read by the SQL collector. A view listed in `dbt_relations` (a dbt project
builds it) is a dataset only: its writer is its dbt process, which other evidence names.

Example:
    >>> snap = {"format": FORMAT, "platform": "duckdb", "namespace": "duckdb://w.duckdb", "relations": [
    ...     {"database": "w", "schema": "main", "name": "t", "kind": "table", "columns": [["a", "INTEGER"]]},
    ...     {"database": "w", "schema": "main", "name": "v", "kind": "view", "columns": [["a", "INTEGER"]],
    ...      "sql": "CREATE VIEW v AS SELECT a FROM t"}]}
    >>> facts, notes = map_snapshot(snap, "w.duckdb")
    >>> sorted({(f.source.name, f.target.name) for f in facts if f.fact == "edge"})
    [('view:w.main.v', 'w.main.v'), ('w.main.t', 'view:w.main.v')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lineage.errors import CollectorError
from lineage.models import (
    Column,
    ColumnLineage,
    Dataset,
    Edge,
    Evidence,
    Layer,
    NodeRef,
    Process,
    Role,
)
from lineage.naming import normalize

COLLECTOR = "catalog"
FORMAT = "lineage-catalog-snapshot"
Fact = Dataset | Process | Edge | ColumnLineage
_CREATE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\b", re.I)


def _view_lineage(rel: Mapping[str, Any], full: str, snapshot: Mapping[str, Any], schema: dict[str, list[str]],
                  process: NodeRef, evidence: Evidence) -> tuple[list[Fact], list[str]]:
    from collectors.openlineage.sql import repoint
    from collectors.sql import lineage_from_sql
    sql = str(rel.get("sql") or "").strip().rstrip(";")
    if not sql:
        return [], [f"{full}: the view has no SQL text"]
    statement = sql if _CREATE.match(sql) else f"CREATE VIEW {full} AS\n{sql}"
    if _CREATE.match(sql):  # name the view fully, whatever the stored text says
        statement = re.sub(r"^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+)(\"[^\"]+\"|\S+)",
                           lambda m: m.group(1) + full, sql, count=1, flags=re.I)
    try:
        batch = lineage_from_sql(statement, dialect=str(snapshot.get("platform") or "generic"),
                                 source=f"{evidence.source} {full}", namespace=str(snapshot["namespace"]),
                                 default_database=rel.get("database"), default_schema=rel.get("schema"),
                                 schema=schema)
    except (CollectorError, RecursionError) as exc:  # hostile SQL must not lose the catalog; a bug surfaces
        return [], [f"{full}: the SQL collector could not read the view: {exc}"[:300]]
    facts, _ = repoint(batch.facts, [], process, evidence.model_copy(update={"layer": Layer.INFERRED}))
    notes = [f"{full}: {p.message}" for p in batch.problems if p.severity == "error"]
    return [f for f in facts if isinstance(f, Edge | ColumnLineage)], notes


def _full_name(rel: Mapping[str, Any]) -> str:
    """`database.schema.name`, leaving out the parts a relation lacks."""
    return ".".join(str(p) for p in (rel.get("database"), rel.get("schema"), rel.get("name")) if p)


def _dataset(rel: Mapping[str, Any], ns: str, name: str, kind: str, evidence: Evidence) -> Dataset:
    return Dataset(
        namespace=ns, name=name, role=Role.STORE, storage=kind.replace("_", " "),
        columns=tuple(Column(name=str(c[0]), type=str(c[1]) if len(c) > 1 and c[1] else None)
                      for c in rel.get("columns") or () if c),
        description=str(rel["comment"]) if rel.get("comment") else None,
        row_count=rel.get("rows") if isinstance(rel.get("rows"), int) else None, evidence=evidence)


def map_snapshot(snapshot: Mapping[str, Any], source: str,
                 observed_at: datetime | None = None) -> tuple[list[Fact], list[str]]:
    """Facts of a catalog snapshot (see the module docstring) and notes on what could not be read."""
    now = observed_at or datetime.now(UTC)
    namespace = str(snapshot["namespace"])
    relations = [r for r in snapshot.get("relations") or () if isinstance(r, Mapping)]
    schema = {_full_name(rel): [str(c[0]) for c in rel.get("columns") or () if c] for rel in relations}
    by_dbt = {str(n).lower() for n in snapshot.get("dbt_relations") or () if isinstance(n, str)}
    facts: list[Fact] = []
    notes: list[str] = []
    for rel in relations:
        full = _full_name(rel)
        evidence = Evidence(collector=COLLECTOR, source=source, observed_at=now, layer=Layer.OBSERVED)
        try:
            ns, name = normalize(namespace, full)
        except ValueError as exc:
            notes.append(f"{full}: cannot name it: {exc}")
            continue
        kind = str(rel.get("kind") or "table")
        facts.append(_dataset(rel, ns, name, kind, evidence))
        if kind in ("view", "materialized_view") and full.lower() not in by_dbt:
            process = NodeRef.process(ns, f"view:{name}")
            facts.append(Process(namespace=ns, name=process.name, job_type=kind.replace("_", " "),
                                 sql=str(rel.get("sql") or "")[:100_000] or None, evidence=evidence))
            found, more = _view_lineage(rel, full, snapshot, schema, process, evidence)
            facts += found
            notes += more
    return facts, notes
