"""GraphML: the graph with every node and edge attribute, for networkx, yEd, Gephi and Cytoscape.

One `<node>` per node, keyed by its id; one `<edge>` per (source, target, kind), so an identity
that both runs a process and holds a grant on it has two parallel edges (networkx then reads a
`MultiDiGraph`). Node attributes are the graph's own (secrets reduced to location and kind), typed
as `xmlgraph` describes: lists and objects are JSON text in keys whose id ends in `.json`. Edges
carry `kind`, `confidence` and, on grants, `permissions`. The graph carries `column_lineage` (the
interchange format's list, as JSON) and `as_of` when given.

The XML is written with `xml.etree` rather than networkx's writer: networkx may only be imported
by `lineage.graph`, and writing the file here keeps the typing of lists as JSON and the exact,
stable key order in one place.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> read(export(g)).node("dataset:s:a")["namespace"]
    's'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from lineage.exports.base import ExportError
from lineage.exports.interchange import column_lineage_document
from lineage.exports.xmlgraph import (
    JSON_SUFFIX,
    Column,
    build,
    columns,
    decode,
    edge_rows,
    encode,
    node_rows,
    parse,
    serialize,
    xml_safe,
)
from lineage.graph import LineageGraph

NS = "http://graphml.graphdrawing.org/xmlns"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_Q = f"{{{NS}}}"


def _keys(root: ET.Element, domain: str, prefix: str, cols: list[Column]) -> dict[str, str]:
    ids = {}
    for i, col in enumerate(cols):
        key_id = f"{prefix}{i}{JSON_SUFFIX if col.json else ''}"
        ET.SubElement(root, "key", {"id": key_id, "for": domain, "attr.name": xml_safe(col.name),
                                    "attr.type": col.type})
        ids[col.name] = key_id
    return ids


def _data(parent: ET.Element, ids: dict[str, str], cols: list[Column], row: dict[str, Any]) -> None:
    for col in cols:
        value = row.get(col.name)
        if value is not None:
            ET.SubElement(parent, "data", {"key": ids[col.name]}).text = encode(col, value)


def export(graph: LineageGraph, *, as_of: datetime | None = None) -> str:
    """The graph as a GraphML document (text)."""
    ET.register_namespace("", NS)
    nodes = node_rows(graph)
    edges = edge_rows(graph)
    meta: dict[str, Any] = {"column_lineage": column_lineage_document(graph),
                            "as_of": as_of.isoformat() if as_of else None}
    root = ET.Element("graphml", {"xmlns": NS, "xmlns:xsi": _XSI, "xsi:schemaLocation":
                                  f"{NS} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"})
    graph_cols, node_cols, edge_cols = columns([meta]), columns(nodes), columns(r for _, _, r in edges)
    graph_ids = _keys(root, "graph", "g", graph_cols)
    node_ids = _keys(root, "node", "n", node_cols)
    edge_ids = _keys(root, "edge", "e", edge_cols)
    body = ET.SubElement(root, "graph", {"id": "lineage", "edgedefault": "directed"})
    _data(body, graph_ids, graph_cols, meta)
    for row in nodes:
        _data(ET.SubElement(body, "node", {"id": xml_safe(row["id"])}), node_ids, node_cols, row)
    for u, v, row in edges:
        _data(ET.SubElement(body, "edge", {"source": xml_safe(u), "target": xml_safe(v)}), edge_ids, edge_cols, row)
    return serialize(root)


def read(text: str | bytes) -> LineageGraph:
    """A graph from a GraphML document written by `export`.

    Raises:
        ExportError: not GraphML, a DTD, or values that do not match their declared types.
    """
    root = parse(text)
    if root.tag != f"{_Q}graphml":
        raise ExportError(f"not a GraphML document (root element {root.tag!r})")
    keys = {k.get("id", ""): (k.get("attr.name", ""), k.get("attr.type", "string"))
            for k in root.iter(f"{_Q}key")}
    body = root.find(f"{_Q}graph")
    if body is None:
        raise ExportError("the GraphML document has no graph")

    def values(element: ET.Element) -> dict[str, Any]:
        out = {}
        for data in element.findall(f"{_Q}data"):
            key = data.get("key", "")
            if key not in keys:
                raise ExportError(f"data for undeclared key {key!r}")
            name, type_ = keys[key]
            out[name] = decode(type_, key.endswith(JSON_SUFFIX), data.text or "")
        return out

    meta = values(body)
    true_ids: dict[str, str] = {}
    nodes = []
    for element in body.findall(f"{_Q}node"):
        attrs = values(element)
        attrs.setdefault("id", element.get("id", ""))
        true_ids[element.get("id", "")] = attrs["id"]
        nodes.append(attrs)
    edges = [(true_ids.get(e.get("source", ""), ""), true_ids.get(e.get("target", ""), ""), values(e))
             for e in body.findall(f"{_Q}edge")]
    return build(nodes, edges, meta.get("column_lineage") or [])
