"""Column lineage of a dbt model: its compiled SQL (or its raw code with `ref()` and `source()`
resolved) read by the SQL collector, with the manifest's and catalog's columns as the schema, and
the result re-pointed at the manifest's own datasets and process.

Example:
    >>> nodes = {"model.p.a": {"database": "d", "schema": "s", "name": "a", "resource_type": "model"}}
    >>> resolve_raw("select * from {{ ref('a') }} {% if x %}{% endif %}", ["model.p.a"], nodes)
    ('select * from d.s.a ', None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from lineage.errors import CollectorError
from lineage.models import ColumnLineage, Evidence, Layer, NodeRef

_REF = re.compile(r"\{\{\s*ref\(\s*(['\"])([^'\"]+)\1\s*(?:,\s*(['\"])([^'\"]+)\3\s*)?(?:,\s*v(?:ersion)?\s*=\s*"
                  r"['\"]?[^)]*)?\)\s*\}\}")
_SOURCE = re.compile(r"\{\{\s*source\(\s*(['\"])([^'\"]+)\1\s*,\s*(['\"])([^'\"]+)\3\s*\)\s*\}\}")
_CONFIG = re.compile(r"\{\{\s*config\(.*?\)\s*\}\}|\{%-?.*?-?%\}|\{#.*?#\}", re.S)


class _Names(Protocol):
    naming: Any
    catalog: Mapping[str, Any]

    def dataset_ref(self, uid: str) -> NodeRef | None: ...

    def catalog_node(self, uid: str) -> Mapping[str, Any] | None: ...


def _relation(node: Mapping[str, Any]) -> str:
    return ".".join(str(p) for p in (node.get("database"), node.get("schema"),
                                     node.get("alias") or node.get("identifier") or node.get("name")) if p)


def resolve_raw(raw: str, depends_on: Sequence[str], nodes: Mapping[str, Mapping[str, Any]]) -> tuple[str, str | None]:
    """Raw model code with `ref()`/`source()` replaced by relation names and other Jinja blocks dropped.

    Returns:
        The SQL and a note when some Jinja is left that cannot be resolved (else None).
    """
    by_name: dict[str, Mapping[str, Any]] = {}
    by_source: dict[tuple[str, str], Mapping[str, Any]] = {}
    for uid in depends_on:
        node = nodes.get(uid)
        if node is None:
            continue
        if node.get("resource_type") == "source":
            by_source[(str(node.get("source_name")), str(node.get("name")))] = node
        else:
            by_name[str(node.get("name"))] = node

    def ref(m: re.Match[str]) -> str:
        name = m.group(4) or m.group(2)
        node = by_name.get(name)
        return _relation(node) if node else m.group(0)

    def source(m: re.Match[str]) -> str:
        node = by_source.get((m.group(2), m.group(4)))
        return _relation(node) if node else m.group(0)

    sql = _CONFIG.sub("", _SOURCE.sub(source, _REF.sub(ref, raw)))
    return sql, ("the model's code has Jinja that cannot be resolved without dbt; no column lineage"
                 if "{{" in sql else None)


def _model_sql(node: Mapping[str, Any], nodes: Mapping[str, Mapping[str, Any]]) -> tuple[str, str | None]:
    """The model's compiled SQL, else its raw code with `ref()` and `source()` resolved (and a note
    when Jinja remains)."""
    compiled = node.get("compiled_code") or node.get("compiled_sql")
    if compiled:
        return str(compiled), None
    return resolve_raw(str(node.get("raw_code") or node.get("raw_sql") or ""),
                       list((node.get("depends_on") or {}).get("nodes") or ()), nodes)


def _parent_columns(node: Mapping[str, Any], nodes: Mapping[str, Mapping[str, Any]],
                    names: _Names) -> dict[str, list[str]]:
    """The columns of each parent the model depends on, from the manifest and the catalog, by relation."""
    schema: dict[str, list[str]] = {}
    for parent in (node.get("depends_on") or {}).get("nodes") or ():
        parent_node = nodes.get(parent)
        if parent_node is None:
            continue
        cat = names.catalog_node(parent) or {}
        cols = [*(parent_node.get("columns") or {}), *((cat.get("columns") or {}) if isinstance(cat, Mapping) else {})]
        if cols:
            schema[_relation(parent_node)] = list(dict.fromkeys(str(c) for c in cols))
    return schema


_STAR = re.compile(r"(?:\bselect\s+(?:distinct\s+)?|,\s*)(?:[\w\"`\[\]]+\.)*\*", re.I)


def unknown_star(node: Mapping[str, Any], nodes: Mapping[str, Mapping[str, Any]], names: _Names) -> bool:
    """Whether the model's SQL selects `*` while a table it depends on has no known columns (neither
    the manifest nor the catalog lists them): its column lineage is then partial."""
    sql, _ = _model_sql(node, nodes)
    if not _STAR.search(sql):
        return False
    known = _parent_columns(node, nodes, names)
    parents = [nodes.get(p) for p in (node.get("depends_on") or {}).get("nodes") or ()]
    return any(parent is not None and _relation(parent) not in known for parent in parents)


def column_lineage(node: Mapping[str, Any], nodes: Mapping[str, Mapping[str, Any]], names: _Names,
                   process: NodeRef, target: NodeRef, inputs: Sequence[NodeRef],
                   evidence: Evidence) -> tuple[list[ColumnLineage], list[str]]:
    """Column lineage of one model, or none with a note saying why."""
    from collectors.openlineage.sql import repoint
    from collectors.sql import lineage_from_sql
    uid = str(node.get("unique_id"))
    sql, note = _model_sql(node, nodes)
    if note:
        return [], [f"{uid}: {note}"]
    if not sql.strip() or node.get("language", "sql") != "sql":
        return [], []
    schema = _parent_columns(node, nodes, names)
    statement = f"CREATE TABLE {_relation(node)} AS\n{sql.strip().rstrip(';')}"
    try:
        batch = lineage_from_sql(statement, dialect=names.naming.dialect, source=f"{evidence.source} {uid}",
                                 namespace=names.naming.namespace, schema=schema or None, line_offset=-1)
    except (CollectorError, RecursionError) as exc:  # hostile SQL must not lose the manifest; a bug surfaces
        return [], [f"{uid}: the SQL collector could not read the model: {exc}"[:300]]
    inferred = evidence.model_copy(update={"layer": Layer.INFERRED})
    facts, notes = repoint(batch.facts, [*inputs, target], process, inferred)
    return [f for f in facts if isinstance(f, ColumnLineage)], [f"{uid}: {n}" for n in notes]
