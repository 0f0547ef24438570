"""Rows shared by both backends: a batch turned into fact rows, and stored rows turned back.

A fact's `fact_key` is a digest of what it says and of its evidence; both stores key their
deduplication on it, so the same event yields the same keys whichever backend stores it.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lineage.models import ColumnLineage, Dataset, Edge, Identity, LineageBatch, NodeRef, Process
from lineage.store.base import NodeFactRow, RawInputRow, RunRecord, SourceState


def digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


FACT_ABOUT_KEYS = ("fact", "subject", "other", "edge_kind", "body", "layer", "collector", "source", "line",
                   "run_id", "observed_at", "superseded_at")
"""The columns of a `facts_about` row, in select order."""
PROBLEM_KEYS = ("source", "line", "column", "field", "severity", "message", "observed_at")
"""The columns of a `problems` row, in select order."""


def run_record(r: tuple[Any, ...]) -> RunRecord:
    detail = json.loads(r[8]) if r[8] else {}
    return RunRecord(run_id=r[0], command=r[1], started_at=r[2], finished_at=r[3], status=r[4],
                     sources=r[5], facts=r[6], problems=r[7], detail=detail, job=detail.get("job"))


def run_detail(run: RunRecord) -> str:
    """The run's `detail` as stored: JSON text, with the scheduled job under `"job"`."""
    return json.dumps({**run.detail, "job": run.job} if run.job else run.detail)


def node_fact_row(r: Sequence[Any]) -> NodeFactRow:
    """A stored node fact (node_id, kind, namespace, name, body JSON text, layer, observed_at, and
    optionally when it was first observed)."""
    return NodeFactRow(node_id=r[0], kind=r[1], namespace=r[2], name=r[3],
                       body=json.loads(r[4]) if r[4] != "{}" else {}, layer=r[5], observed_at=r[6],
                       first_observed_at=r[7] if len(r) > 7 else None)


def dataset_columns(rows: Sequence[Sequence[Any]]) -> dict[str, list[str]]:
    """Column names by dataset name from (name, body JSON text, seen) rows of each distinct
    column-naming body, merged as `merge_facts` merges them: by name, in order of first appearance."""
    out: dict[str, dict[str, None]] = {}
    for name, body, _ in rows:
        columns = out.setdefault(name, {})
        for column in json.loads(body).get("columns", ()):
            columns.setdefault(column["name"], None)
    return {name: list(columns) for name, columns in out.items() if columns}


def column_lineage_row(r: Sequence[Any]) -> dict[str, Any]:
    """A stored column-lineage fact as `GraphData.column_lineage` holds it."""
    return {"target": r[0], "column": r[1], "sources": json.loads(r[2]), "transformation": r[3],
            "indirect": r[4], "process": r[5], "confidence": r[6]}


def raw_input_row(r: Sequence[Any]) -> RawInputRow:
    """A stored raw input (collector, source, content, append_only, received_at, options as JSON
    text, content_encoding), its content decompressed."""
    content = bytes(r[2])
    if r[6] == "zlib":
        content = zlib.decompress(content)
    return RawInputRow(collector=r[0], source=r[1], content=content, append_only=r[3],
                       received_at=r[4], options=json.loads(r[5]) if r[5] else {})


def source_state(r: Sequence[Any]) -> SourceState:
    """A stored job source state, in `job_sources` column order (detail as JSON text)."""
    return SourceState(job=r[0], source=r[1], size=r[2], mtime_ns=r[3], content_sha=r[4], offset=r[5],
                       line=r[6], detail=json.loads(r[7]) if r[7] else {}, updated_at=r[8])


def source_state_values(s: SourceState, now: datetime) -> list[Any]:
    """The `job_sources` row for `s`; an unset `updated_at` becomes `now`."""
    return [s.job, s.source, s.size, s.mtime_ns, s.content_sha, s.offset, s.line, json.dumps(s.detail),
            s.updated_at or now]


# -- turning a batch into rows ---------------------------------------------------------------------


def canonical_facts(batch: LineageBatch) -> bytes:
    return "\n".join(sorted(f.model_dump_json() for f in batch.facts)).encode()


@dataclass(frozen=True)
class InputIdentity:
    """What identifies a batch's input when it is stored at `received_at`."""

    content: bytes
    """The raw bytes of the source, else the batch's canonical facts."""
    stored: bytes
    """`content` as stored: zlib-compressed. Events and configs shrink about tenfold, and the store
    never rewrites large values when it checkpoints, so memory stays flat as raw inputs pile up."""
    append_only: bool
    content_sha: str
    input_id: str
    options: str | None
    """The collector options as JSON text, when there are any."""


def input_identity(batch: LineageBatch, received_at: datetime) -> InputIdentity:
    """The content, hash and id under which `batch` is stored, received at `received_at`."""
    content = batch.raw.content if batch.raw else canonical_facts(batch)
    append_only = bool(batch.raw.append_only) if batch.raw else False
    content_sha = hashlib.sha256(content).hexdigest()
    input_id = digest(batch.collector, batch.source, content_sha, received_at.isoformat())
    options = json.dumps(batch.raw.options) if batch.raw and batch.raw.options else None
    return InputIdentity(content, zlib.compress(content, 1), append_only, content_sha, input_id, options)


_EVIDENCE_COLUMNS = (("layer", "int16"), ("collector", "string"), ("source", "string"), ("line", "int32"),
                     ("run_id", "string"), ("observed_at", "timestamp"))
FACT_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "node_facts": (("input_id", "string"), ("fact_key", "string"), ("node_id", "string"), ("kind", "string"),
                   ("namespace", "string"), ("name", "string"), ("body", "string"), *_EVIDENCE_COLUMNS),
    "edge_facts": (("input_id", "string"), ("fact_key", "string"), ("source_id", "string"),
                   ("target_id", "string"), ("kind", "string"), ("permissions", "strings"),
                   ("confidence", "float64"), *_EVIDENCE_COLUMNS),
    "column_facts": (("input_id", "string"), ("fact_key", "string"), ("target_id", "string"),
                     ("target_column", "string"), ("sources", "string"), ("transformation", "string"),
                     ("indirect", "bool"), ("process_id", "string"), ("confidence", "float64"), *_EVIDENCE_COLUMNS),
}
"""Each fact table's columns with their types, in the order `fact_columns` gives rows."""

_NODE_BODY_EXCLUDE = {"evidence", "namespace", "name", "fact"}


@dataclass(frozen=True)
class _Claim:
    """What a fact says, without its evidence, ready to become a row: the table, the text its key
    is made of before the evidence key, the row's values between the key and the evidence, the
    node a node fact names, and the nodes it refers to (each needs at least a bare node fact)."""

    table: str
    key_text: str
    values: tuple[Any, ...]
    named: NodeRef | None
    refs: tuple[NodeRef, ...]


def _key_text(*parts: object) -> str:
    return "\x1f".join(map(str, parts)) + "\x1f"


def _claim(fact: Any) -> _Claim:
    if isinstance(fact, Dataset | Process | Identity):
        ref = fact.ref
        body = json.dumps(
            fact.model_dump(mode="json", exclude_defaults=True, exclude=_NODE_BODY_EXCLUDE), sort_keys=True
        )
        return _Claim("node_facts", _key_text("n", ref.id, body),
                      (ref.id, ref.kind.value, ref.namespace, ref.name, body), ref, ())
    if isinstance(fact, Edge):
        perms = [p.value for p in fact.permissions]
        return _Claim("edge_facts", _key_text("e", fact.source.id, fact.target.id, fact.kind.value, perms,
                                              fact.confidence),
                      (fact.source.id, fact.target.id, fact.kind.value, perms, fact.confidence), None,
                      (fact.source, fact.target))
    if isinstance(fact, ColumnLineage):
        sources = json.dumps(sorted([s.dataset.id, s.column] for s in fact.sources))
        process = fact.process.id if fact.process else None
        target = fact.target
        refs = (target.dataset, *(s.dataset for s in fact.sources), *((fact.process,) if fact.process else ()))
        return _Claim("column_facts", _key_text("c", target.dataset.id, target.column, sources,
                                                fact.transformation.value, fact.indirect, process, fact.confidence),
                      (target.dataset.id, target.column, sources, fact.transformation.value, fact.indirect, process,
                       fact.confidence), None, refs)
    raise TypeError(f"not a storable fact: {type(fact).__name__}")


class _Claims:
    """Claims by the identity of their facts' values other than evidence, bounded.

    Facts copied from one mapped fact with new evidence (a stream of events about the same
    datasets) share those values, so their claim is worked out once. Entries hold the values
    themselves, so an id in the memo cannot be reused by another object while it is there.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: dict[tuple[int, ...], tuple[tuple[Any, ...], _Claim]] = {}

    def of(self, fact: Any) -> _Claim:
        kind = type(fact)
        if kind is ColumnLineage:
            shared: tuple[Any, ...] = (fact.target, fact.sources, fact.process)
            key: tuple[Any, ...] = (2, *map(id, shared), fact.transformation, fact.indirect, fact.confidence)
        elif kind is Edge:
            shared = (fact.source, fact.target, fact.permissions)
            key = (1, *map(id, shared), fact.kind, fact.confidence)
        elif kind is Dataset:
            shared = tuple(v for k, v in fact.__dict__.items() if k != "evidence")
            key = (0, *map(id, shared))
        else:  # processes and identities are built anew for every event: nothing to share
            return _claim(fact)
        hit = self.data.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], shared, strict=True)):
            return hit[1]
        claim = _claim(fact)
        if len(self.data) >= self.size:
            self.data.clear()  # start over: one atomic step, safe however many threads store
        self.data[key] = (shared, claim)
        return claim


_CLAIMS = _Claims(32_768)


def fact_columns(batch: LineageBatch, input_id: str) -> dict[str, dict[str, list[Any]]]:
    """Rows for each fact table, as lists by column; duplicate facts in one batch collapse to one row.

    Every edge end gets at least a bare node fact, so every node in the graph has a name. A fact
    from an append-only source is keyed without its source, so the same event delivered by two
    routes (a file and the endpoint) is recognised as one.
    """
    keyed_by_source = not (batch.raw and batch.raw.append_only)
    rows: dict[str, list[tuple[Any, ...]]] = {"node_facts": [], "edge_facts": [], "column_facts": []}
    seen: set[str] = set()
    named: set[str] = set()
    bare: dict[str, tuple[NodeRef, Any]] = {}
    referred: set[int] = set()  # claims whose refs are in `bare` already
    evidence_keys: dict[int, tuple[str, tuple[Any, ...]]] = {}

    def evidence(ev: Any) -> tuple[str, tuple[Any, ...]]:
        cached = evidence_keys.get(id(ev))
        if cached is None:
            values = (int(ev.layer), ev.collector, ev.source, ev.line, ev.run_id, ev.observed_at)
            key_values = values if keyed_by_source else values[:2] + values[4:]
            cached = (digest(*key_values), values)
            evidence_keys[id(ev)] = cached
        return cached

    for fact in batch.facts:
        claim = _CLAIMS.of(fact)
        ev_key, ev_values = evidence(fact.evidence)
        key = hashlib.blake2b((claim.key_text + ev_key).encode(), digest_size=16).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        rows[claim.table].append((input_id, key, *claim.values, *ev_values))
        if claim.named is not None:
            named.add(claim.named.id)
        elif id(claim) not in referred:
            referred.add(id(claim))
            for ref in claim.refs:
                bare.setdefault(ref.id, (ref, fact.evidence))
    for ref_id, (ref, ev) in bare.items():
        if ref_id not in named:
            ev_key, ev_values = evidence(ev)
            body = "{}"
            key = digest("n", ref.id, body, ev_key)
            if key not in seen:
                seen.add(key)
                rows["node_facts"].append((input_id, key, ref.id, ref.kind.value, ref.namespace, ref.name, body,
                                           *ev_values))
    return {table: _by_column(FACT_COLUMNS[table], table_rows) for table, table_rows in rows.items()}


def _by_column(columns: tuple[tuple[str, str], ...], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows turned into lists by column."""
    names = [name for name, _ in columns]
    if not rows:
        return {name: [] for name in names}
    return dict(zip(names, map(list, zip(*rows, strict=True)), strict=True))
