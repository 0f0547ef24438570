"""The interchange collector: a `lineage export --format json` document back into facts.

It reads the documented interchange format (README, "Interchange format"), version 1 only: a
document of another version is refused whole, with one error. Within a valid document, a node,
edge or column lineage entry the core model refuses is reported with its place (`nodes.3.role`)
and left out; the rest is kept.

Facts are recorded as observed (layer 1), at the document's `as_of` time when it has one (else
when collected), with this collector and the file as evidence: an export is a merged view, so a
person's declared facts collected elsewhere still win over it, and it wins over inferred ones.

Detection: a JSON object whose first bytes hold the top-level `"format": "lineage-mapper"`.

Example:
    >>> doc = b'{"format": "lineage-mapper", "version": 1, "nodes": [{"id": "dataset:s:a", ' \\
    ...       b'"kind": "dataset", "namespace": "s", "name": "a", "role": "store"}]}'
    >>> batch = InterchangeCollector().collect(Source("g.json", doc))
    >>> [(type(f).__name__, f.role.value) for f in batch.facts], batch.problems
    ([('Dataset', 'store')], [])
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from collectors.base import Source, register_collector
from lineage.exports.base import ExportError
from lineage.exports.interchange import FORMAT, check_header
from lineage.models import (
    ColumnLineage,
    ColumnRef,
    Dataset,
    Edge,
    Evidence,
    Identity,
    Layer,
    LineageBatch,
    NodeRef,
    Process,
    RawInput,
)

COLLECTOR = "interchange"
_HEAD = re.compile(rb'^\s*\{.*"format"\s*:\s*"' + FORMAT.encode() + rb'"', re.DOTALL)

_FIELDS: dict[str, tuple[type[Dataset] | type[Process] | type[Identity], frozenset[str]]] = {
    "dataset": (Dataset, frozenset({"role", "origin", "environment", "classifications", "columns", "description",
                                    "owner", "ttl", "encrypted", "retired"})),
    "process": (Process, frozenset({"third_party", "processor_type", "vendor", "region", "retention", "auth",
                                    "approved", "environment", "privacy_step", "description", "owner"})),
    "identity": (Identity, frozenset({"identity_type", "description"})),
}
_IDENTITY_KEYS = frozenset({"id", "kind", "namespace", "name"})


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors(include_url=False)[0]
    return ".".join(str(p) for p in error["loc"]), str(error["msg"])


class _Reader:
    def __init__(self, batch: LineageBatch, ev: Evidence) -> None:
        self.batch = batch
        self.ev = ev
        self.refs: dict[str, NodeRef] = {}

    def node(self, i: int, node: Any) -> None:
        where = f"nodes.{i}"
        if not isinstance(node, dict) or node.get("kind") not in _FIELDS:
            self.batch.problem("a node needs a kind: dataset, process or identity", field=f"{where}.kind")
            return
        model, fields = _FIELDS[node["kind"]]
        values: dict[str, Any] = {}
        for key, value in node.items():
            if key in fields and value not in (None, [], {}):
                values[key] = value
            elif key not in fields and key not in _IDENTITY_KEYS and value not in (None, [], {}, False):
                self.batch.problem(f"{key} does not apply to a {node['kind']}; ignored",
                                   field=f"{where}.{key}", severity="warning")
        try:
            fact = model(namespace=node.get("namespace"), name=node.get("name"), evidence=self.ev, **values)
        except ValidationError as exc:
            field, message = _first_error(exc)
            self.batch.problem(f"node refused: {message}", field=f"{where}.{field}")
            return
        if node.get("id") != fact.ref.id:
            self.batch.problem(f"id {node.get('id')!r} is not kind:namespace:name ({fact.ref.id!r})",
                               field=f"{where}.id")
            return
        self.refs[fact.ref.id] = fact.ref
        self.batch.add(fact)

    def _ref(self, node_id: Any, where: str) -> NodeRef | None:
        ref = self.refs.get(node_id) if isinstance(node_id, str) else None
        if ref is None:
            self.batch.problem(f"no node {node_id!r} in this document", field=where)
        return ref

    def edge(self, i: int, edge: Any) -> None:
        where = f"edges.{i}"
        if not isinstance(edge, dict):
            self.batch.problem("an edge is an object", field=where)
            return
        source, target = self._ref(edge.get("source"), f"{where}.source"), self._ref(edge.get("target"),
                                                                                    f"{where}.target")
        if source is None or target is None:
            return
        try:
            self.batch.add(Edge(source=source, target=target, kind=edge.get("kind"), evidence=self.ev,
                                permissions=edge.get("permissions") or (), confidence=edge.get("confidence", 1.0)))
        except ValidationError as exc:
            field, message = _first_error(exc)
            self.batch.problem(f"edge refused: {message}", field=f"{where}.{field}")
        except ValueError as exc:  # the model's own check of which kinds an edge joins
            self.batch.problem(f"edge refused: {exc}", field=where)

    def column_lineage(self, i: int, entry: Any) -> None:
        where = f"column_lineage.{i}"
        try:
            target = self._ref(entry["target"]["dataset"], f"{where}.target.dataset")
            sources = [(self._ref(s["dataset"], f"{where}.sources.{j}.dataset"), s["column"])
                       for j, s in enumerate(entry["sources"])]
            process = self._ref(entry["process"], f"{where}.process") if entry.get("process") else None
            if target is None or any(ref is None for ref, _ in sources) or (entry.get("process") and not process):
                return
            self.batch.add(ColumnLineage(
                target=ColumnRef(dataset=target, column=entry["target"]["column"]),
                sources=tuple(ColumnRef(dataset=ref, column=col) for ref, col in sources if ref is not None),
                transformation=entry.get("transformation", "identity"), indirect=bool(entry.get("indirect")),
                process=process, evidence=self.ev))
        except (KeyError, TypeError) as exc:
            self.batch.problem(f"column lineage entry lacks {exc}", field=where)
        except ValidationError as exc:
            field, message = _first_error(exc)
            self.batch.problem(f"column lineage refused: {message}", field=f"{where}.{field}")


def _as_of(doc: dict[str, Any]) -> datetime:
    value = doc.get("as_of")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


@register_collector
class InterchangeCollector:
    """Interchange documents (`lineage export --format json`); see the module docstring."""

    name = COLLECTOR

    def detect(self, path: Path, head: bytes) -> bool:
        """JSON whose first bytes name the interchange format at the top level."""
        return bool(_HEAD.match(head.removeprefix(b"\xef\xbb\xbf")))

    def collect(self, source: Source) -> LineageBatch:
        """Every node, edge and column lineage entry of one document, as one batch."""
        batch = LineageBatch(collector=COLLECTOR, source=source.name)
        try:
            doc = json.loads(source.data)
            check_header(doc)
        except (ValueError, ExportError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            batch.problem(f"not a readable interchange document: {exc}")
            return batch
        ev = Evidence(collector=COLLECTOR, source=source.name, observed_at=_as_of(doc), layer=Layer.OBSERVED)
        reader = _Reader(batch, ev)
        for key, read in (("nodes", reader.node), ("edges", reader.edge), ("column_lineage", reader.column_lineage)):
            entries = doc.get(key, [])
            if not isinstance(entries, list):
                batch.problem(f"{key} must be a list", field=key)
                continue
            for i, entry in enumerate(entries):
                read(i, entry)
        batch.raw = RawInput(collector=COLLECTOR, source=source.name, content=source.data)
        return batch
