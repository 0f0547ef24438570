"""The JSON interchange format, version 1: what other tools and the tests read.

Top level: `format` ("lineage-mapper"), `version` (1), `nodes`, `edges`, `column_lineage`, and
`as_of` when the graph was built as of a time. Every list is sorted so that the same graph always
gives the same bytes. The README documents every field.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> to_document(g)["nodes"][0]["id"]
    'dataset:s:a'
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from lineage.graph import LineageGraph

FORMAT = "lineage-mapper"
VERSION = 1

NODE_FIELDS = ("id", "kind", "namespace", "name", "role", "origin", "classifications", "environment",
               "third_party", "processor_type", "columns")
OPTIONAL_NODE_FIELDS = ("vendor", "region", "retention", "auth", "approved", "privacy_step",
                        "identity_type", "description", "owner", "ttl", "encrypted", "retired")
COLUMN_FIELDS = ("name", "type", "description", "classifications")


def _node(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in NODE_FIELDS:
        value = attrs.get(key)
        if key == "third_party":
            value = bool(value) if attrs.get("kind") == "process" else None
        out[key] = value
    out["classifications"] = sorted(out["classifications"] or [])
    out["columns"] = [
        {k: (sorted(c.get(k) or []) if k == "classifications" else c.get(k)) for k in COLUMN_FIELDS}
        for c in sorted(attrs.get("columns") or [], key=lambda c: c["name"])
    ]
    for key in OPTIONAL_NODE_FIELDS:
        if attrs.get(key) is not None:
            out[key] = attrs[key]
    return out


def to_document(graph: LineageGraph, *, as_of: datetime | None = None) -> dict[str, Any]:
    """The graph as an interchange document (plain JSON-ready data)."""
    nodes = sorted((_node(a) for a in graph.nodes()), key=lambda n: n["id"])
    edges = []
    for u, v, kind, attrs in graph.edges():
        edge: dict[str, Any] = {"source": u, "target": v, "kind": kind}
        if kind == "grant":
            edge["permissions"] = sorted(attrs.get("permissions") or [])
        if attrs.get("confidence", 1.0) != 1.0:
            edge["confidence"] = attrs["confidence"]
        edges.append(edge)
    edges.sort(key=lambda e: (e["source"], e["target"], e["kind"]))
    column_lineage = sorted(
        (
            {
                "target": {"dataset": c["target"], "column": c["column"]},
                "sources": [{"dataset": d, "column": col} for d, col in sorted(c["sources"])],
                "transformation": c["transformation"],
                "indirect": bool(c.get("indirect")),
                "process": c.get("process"),
            }
            for c in graph.column_lineage
        ),
        key=lambda c: json.dumps(c, sort_keys=True),
    )
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if as_of is not None:
        doc["as_of"] = as_of.isoformat()
    doc.update(nodes=nodes, edges=edges, column_lineage=column_lineage)
    return doc


def dumps(graph: LineageGraph, *, as_of: datetime | None = None) -> str:
    """The interchange document as JSON text, indented, keys in a fixed order, ending in a newline."""
    return json.dumps(to_document(graph, as_of=as_of), indent=2, ensure_ascii=False, default=str) + "\n"
