"""The JSON interchange format, version 1: what other tools and the tests read.

Top level: `format` ("lineage-mapper"), `version` (1), `nodes`, `edges`, `column_lineage`,
`as_of` when the graph was built as of a time, and `runs` (each process's run history) when asked
for; `runs` is a report, not read back. Every list is sorted so that the same graph always
gives the same bytes. The README documents every field.

`export` writes a document and `read` reads one back into a graph; `check_header` refuses any
other format or version (the `interchange` collector uses it too, to load a document into a store).

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> to_document(g)["nodes"][0]["id"]
    'dataset:s:a'
    >>> read(export(g)).node("dataset:s:a")["name"]
    'a'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage.exports.base import ExportError
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


def column_lineage_document(graph: LineageGraph) -> list[dict[str, Any]]:
    """The graph's column lineage as the document's sorted `column_lineage` list.

    Entries that say the same thing (two collectors saw one column flow) are listed once.
    """
    unique = {
        json.dumps(entry, sort_keys=True): entry
        for entry in (
            {
                "target": {"dataset": c["target"], "column": c["column"]},
                "sources": [{"dataset": d, "column": col} for d, col in sorted(c["sources"])],
                "transformation": c["transformation"],
                "indirect": bool(c.get("indirect")),
                "process": c.get("process"),
            }
            for c in graph.column_lineage
        )
    }
    return [unique[key] for key in sorted(unique)]


def column_lineage_records(entries: list[Any], where: str = "column_lineage") -> list[dict[str, Any]]:
    """The inverse of `column_lineage_document`: entries as `LineageGraph` column lineage records.

    Raises:
        ExportError: an entry lacks a target, a source or a column (the message names it).
    """
    out = []
    for i, c in enumerate(entries):
        try:
            out.append({
                "target": c["target"]["dataset"], "column": c["target"]["column"],
                "sources": [[s["dataset"], s["column"]] for s in c["sources"]],
                "transformation": c.get("transformation", "identity"), "indirect": bool(c.get("indirect")),
                "process": c.get("process"), "confidence": 1.0,
            })
        except (KeyError, TypeError) as exc:
            raise ExportError(f"{where}.{i}: missing or malformed {exc}") from None
    return out


def to_document(graph: LineageGraph, *, as_of: datetime | None = None,
                runs: Mapping[str, Sequence[Any]] | None = None) -> dict[str, Any]:
    """The graph as an interchange document (plain JSON-ready data), with the `runs` of its
    processes (`ProcessRun`s by process id) when given."""
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
    column_lineage = column_lineage_document(graph)
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if as_of is not None:
        doc["as_of"] = as_of.isoformat()
    doc.update(nodes=nodes, edges=edges, column_lineage=column_lineage)
    if runs is not None:
        doc["runs"] = {node: [run.as_json() for run in runs[node]] for node in sorted(runs)
                       if node in graph and runs[node]}
    return doc


def dumps(graph: LineageGraph, *, as_of: datetime | None = None,
          runs: Mapping[str, Sequence[Any]] | None = None) -> str:
    """The interchange document as JSON text, indented, keys in a fixed order, ending in a newline."""
    return json.dumps(to_document(graph, as_of=as_of, runs=runs), indent=2, ensure_ascii=False, default=str) + "\n"


def export(graph: LineageGraph, *, as_of: datetime | None = None,
           runs: Mapping[str, Sequence[Any]] | None = None) -> str:
    """The exporter of the `json` format: `dumps` under the registry's name."""
    return dumps(graph, as_of=as_of, runs=runs)


def check_header(doc: Any) -> None:
    """Refuse anything but an interchange document of a version this code reads.

    Raises:
        ExportError: not a JSON object, another `format`, or a `version` other than 1.

    Example:
        >>> check_header({"format": "lineage-mapper", "version": 2})
        Traceback (most recent call last):
        ...
        lineage.exports.base.ExportError: interchange version 2 is not supported; this version reads version 1
    """
    if not isinstance(doc, dict):
        raise ExportError("an interchange document is a JSON object")
    if doc.get("format") != FORMAT:
        raise ExportError(f"not an interchange document: format is {doc.get('format')!r}, not {FORMAT!r}")
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ExportError(f"interchange version {version!r} is not supported; this version reads version {VERSION}")


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ExportError(f"{key} must be a list")
    return value


def read(text: str | bytes) -> LineageGraph:
    """A graph from an interchange document (the reader of the `json` format).

    Raises:
        ExportError: the text is not JSON, not an interchange document of version 1, or an entry
            lacks what identifies it (the message names the entry).
    """
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ExportError(f"not JSON: {exc}") from None
    check_header(doc)
    nodes = [_read_node(i, node) for i, node in enumerate(_list(doc, "nodes"))]
    ids = {n["id"] for n in nodes}
    edges = [_read_edge(i, edge, ids) for i, edge in enumerate(_list(doc, "edges"))]
    return LineageGraph.from_records(nodes, edges, column_lineage_records(_list(doc, "column_lineage")))


def _read_node(i: int, node: Any) -> dict[str, Any]:
    """The attributes of entry `i` of ``nodes``: nulls and empty column facts dropped."""
    if not isinstance(node, dict) or not all(isinstance(node.get(k), str) for k in ("id", "kind")):
        raise ExportError(f"nodes.{i}: a node needs a string id and kind")
    attrs = {k: v for k, v in node.items() if v is not None}
    if node["kind"] != "process":
        attrs.pop("third_party", None)
    attrs["columns"] = [{k: v for k, v in c.items() if v not in (None, [])} if isinstance(c, dict) else c
                        for c in node.get("columns") or []]
    return attrs


def _read_edge(i: int, edge: Any, ids: set[str]) -> tuple[str, str, str, dict[str, Any]]:
    """Entry `i` of ``edges`` as a record; both ends must be among the nodes (`ids`)."""
    if not isinstance(edge, dict) or not all(isinstance(edge.get(k), str) for k in ("source", "target", "kind")):
        raise ExportError(f"edges.{i}: an edge needs a string source, target and kind")
    missing = [end for end in (edge["source"], edge["target"]) if end not in ids]
    if missing:
        raise ExportError(f"edges.{i}: no node {missing[0]!r}")
    return (edge["source"], edge["target"], edge["kind"],
            {"permissions": edge.get("permissions") or [], "confidence": edge.get("confidence", 1.0)})
