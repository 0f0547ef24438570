"""Rows shared by both backends: a batch turned into fact rows, and stored rows turned back.

A fact's `fact_key` is a digest of what it says and of its evidence; both stores key their
deduplication on it, so the same event yields the same keys whichever backend stores it.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lineage.models import ColumnLineage, Dataset, Edge, Identity, LineageBatch, NodeRef, Process
from lineage.store.base import RunRecord

if TYPE_CHECKING:
    from lineage.policy.finding import Review


def digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def run_record(r: tuple[Any, ...]) -> RunRecord:
    detail = json.loads(r[8]) if r[8] else {}
    return RunRecord(run_id=r[0], command=r[1], started_at=r[2], finished_at=r[3], status=r[4],
                     sources=r[5], facts=r[6], problems=r[7], detail=detail, job=detail.get("job"))


def review(**fields: Any) -> Review:
    from pydantic import ValidationError

    from lineage.errors import PolicyError
    from lineage.policy.finding import Review

    try:
        return Review(**fields)
    except ValidationError as exc:
        raise PolicyError(f"invalid review: {exc.errors(include_url=False)[0]['msg']}") from exc


def review_row(r: tuple[Any, ...]) -> Review:
    from lineage.policy.finding import Review

    return Review(fingerprint=r[0], status=r[1], reviewer=r[2], reason=r[3], expires_at=r[4], created_at=r[5])


# -- turning a batch into rows ---------------------------------------------------------------------


def canonical_facts(batch: LineageBatch) -> bytes:
    return "\n".join(sorted(f.model_dump_json() for f in batch.facts)).encode()


_NODE_SCHEMA = pa.schema([
    ("input_id", pa.string()), ("fact_key", pa.string()), ("node_id", pa.string()), ("kind", pa.string()),
    ("namespace", pa.string()), ("name", pa.string()), ("body", pa.string()),
    ("layer", pa.int16()), ("collector", pa.string()), ("source", pa.string()), ("line", pa.int32()),
    ("run_id", pa.string()), ("observed_at", pa.timestamp("us", tz="UTC")),
])
_EDGE_SCHEMA = pa.schema([
    ("input_id", pa.string()), ("fact_key", pa.string()), ("source_id", pa.string()),
    ("target_id", pa.string()), ("kind", pa.string()), ("permissions", pa.list_(pa.string())),
    ("confidence", pa.float64()),
    ("layer", pa.int16()), ("collector", pa.string()), ("source", pa.string()), ("line", pa.int32()),
    ("run_id", pa.string()), ("observed_at", pa.timestamp("us", tz="UTC")),
])
_COLUMN_SCHEMA = pa.schema([
    ("input_id", pa.string()), ("fact_key", pa.string()), ("target_id", pa.string()),
    ("target_column", pa.string()), ("sources", pa.string()), ("transformation", pa.string()),
    ("indirect", pa.bool_()), ("process_id", pa.string()), ("confidence", pa.float64()),
    ("layer", pa.int16()), ("collector", pa.string()), ("source", pa.string()), ("line", pa.int32()),
    ("run_id", pa.string()), ("observed_at", pa.timestamp("us", tz="UTC")),
])

_NODE_BODY_EXCLUDE = {"evidence", "namespace", "name", "fact"}


def fact_tables(batch: LineageBatch, input_id: str) -> dict[str, pa.Table]:
    """`fact_columns` as Arrow tables, one per fact table."""
    schemas = {"node_facts": _NODE_SCHEMA, "edge_facts": _EDGE_SCHEMA, "column_facts": _COLUMN_SCHEMA}
    return {table: pa.table(columns, schema=schemas[table])
            for table, columns in fact_columns(batch, input_id).items()}


def fact_columns(batch: LineageBatch, input_id: str) -> dict[str, dict[str, list[Any]]]:
    """Rows for each fact table, as lists by column; duplicate facts in one batch collapse to one row.

    Every edge end gets at least a bare node fact, so every node in the graph has a name. A fact
    from an append-only source is keyed without its source, so the same event delivered by two
    routes (a file and the endpoint) is recognised as one.
    """
    keyed_by_source = not (batch.raw and batch.raw.append_only)
    nodes: dict[str, list[Any]] = {name: [] for name in _NODE_SCHEMA.names}
    edges: dict[str, list[Any]] = {name: [] for name in _EDGE_SCHEMA.names}
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMN_SCHEMA.names}
    seen: set[str] = set()
    named: set[str] = set()
    bare: dict[str, tuple[NodeRef, Any]] = {}
    evidence_keys: dict[int, tuple[str, list[Any]]] = {}

    def evidence(ev: Any) -> tuple[str, list[Any]]:
        cached = evidence_keys.get(id(ev))
        if cached is None:
            values = [int(ev.layer), ev.collector, ev.source, ev.line, ev.run_id, ev.observed_at]
            key_values = values if keyed_by_source else [v for i, v in enumerate(values) if i not in (2, 3)]
            cached = (digest(*key_values), values)
            evidence_keys[id(ev)] = cached
        return cached

    def add(table: dict[str, list[Any]], row: list[Any]) -> None:
        for column, value in zip(table, row, strict=True):
            table[column].append(value)

    def add_node(ref: NodeRef, body: str, ev: Any) -> None:
        ev_key, ev_values = evidence(ev)
        key = digest("n", ref.id, body, ev_key)
        if key in seen:
            return
        seen.add(key)
        add(nodes, [input_id, key, ref.id, ref.kind.value, ref.namespace, ref.name, body, *ev_values])

    for fact in batch.facts:
        if isinstance(fact, Dataset | Process | Identity):
            body = json.dumps(
                fact.model_dump(mode="json", exclude_defaults=True, exclude=_NODE_BODY_EXCLUDE), sort_keys=True
            )
            add_node(fact.ref, body, fact.evidence)
            named.add(fact.ref.id)
        elif isinstance(fact, Edge):
            ev_key, ev_values = evidence(fact.evidence)
            perms = [p.value for p in fact.permissions]
            key = digest("e", fact.source.id, fact.target.id, fact.kind.value, perms, fact.confidence, ev_key)
            if key in seen:
                continue
            seen.add(key)
            add(edges, [input_id, key, fact.source.id, fact.target.id, fact.kind.value, perms,
                        fact.confidence, *ev_values])
            bare.setdefault(fact.source.id, (fact.source, fact.evidence))
            bare.setdefault(fact.target.id, (fact.target, fact.evidence))
        elif isinstance(fact, ColumnLineage):
            ev_key, ev_values = evidence(fact.evidence)
            sources = json.dumps(sorted([s.dataset.id, s.column] for s in fact.sources))
            process = fact.process.id if fact.process else None
            key = digest("c", fact.target.dataset.id, fact.target.column, sources, fact.transformation.value,
                          fact.indirect, process, fact.confidence, ev_key)
            if key in seen:
                continue
            seen.add(key)
            add(columns, [input_id, key, fact.target.dataset.id, fact.target.column, sources,
                          fact.transformation.value, fact.indirect, process, fact.confidence, *ev_values])
            refs = [fact.target.dataset, *(s.dataset for s in fact.sources)]
            if fact.process:
                refs.append(fact.process)
            for ref in refs:
                bare.setdefault(ref.id, (ref, fact.evidence))
    for ref_id, (ref, ev) in bare.items():
        if ref_id not in named:
            add_node(ref, "{}", ev)
    return {"node_facts": nodes, "edge_facts": edges, "column_facts": columns}
