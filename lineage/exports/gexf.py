"""GEXF 1.3: the graph with every attribute, coloured by the legend, for Gephi and networkx.

One `<node>` per node (its `label` is the node's name) and one `<edge>` per (source, target,
kind), labelled with the kind. Attributes are declared and typed as `xmlgraph` describes (lists
and objects are JSON text in attributes whose id ends in `.json`); `viz:color` gives each node
its legend colour, so Gephi opens the file coloured. GEXF has no graph-level attributes, so the
column lineage into a dataset is the dataset's `column_lineage` attribute (the interchange
format's entries, as JSON).

Written with `xml.etree` for the reasons given in `lineage.exports.graphml`.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> 'label="a"' in export(g), read(export(g)).node("dataset:s:a")["kind"]
    (True, 'dataset')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from lineage.exports.attributes import CATEGORIES, category, label
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

NS = "http://gexf.net/1.3"
VIZ = "http://gexf.net/1.3/viz"
_Q = f"{{{NS}}}"
_LINEAGE = "column_lineage"


def _attributes(graph_el: ET.Element, domain: str, cols: list[Column]) -> dict[str, str]:
    block = ET.SubElement(graph_el, "attributes", {"class": domain, "mode": "static"})
    ids = {}
    for i, col in enumerate(cols):
        attr_id = f"{domain[0]}{i}{JSON_SUFFIX if col.json else ''}"
        ET.SubElement(block, "attribute", {"id": attr_id, "title": xml_safe(col.name), "type": col.type})
        ids[col.name] = attr_id
    return ids


def _values(parent: ET.Element, ids: dict[str, str], cols: list[Column], row: dict[str, Any]) -> None:
    block = ET.SubElement(parent, "attvalues")
    for col in cols:
        value = row.get(col.name)
        if value is not None:
            ET.SubElement(block, "attvalue", {"for": ids[col.name], "value": encode(col, value)})


def _rgb(color: str) -> dict[str, str]:
    return {"r": str(int(color[1:3], 16)), "g": str(int(color[3:5], 16)), "b": str(int(color[5:7], 16))}


def export(graph: LineageGraph) -> str:
    """The graph as a GEXF 1.3 document (text)."""
    nodes = node_rows(graph)
    into: dict[str, list[dict[str, Any]]] = {}
    for entry in column_lineage_document(graph):
        into.setdefault(entry["target"]["dataset"], []).append(entry)
    for row in nodes:
        if row["id"] in into:
            row[_LINEAGE] = into[row["id"]]
    edges = edge_rows(graph)
    root = ET.Element("gexf", {"xmlns": NS, "xmlns:viz": VIZ, "version": "1.3"})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "lineage-mapper"
    ET.SubElement(meta, "description").text = "Data-flow lineage: datasets, processes, identities"
    graph_el = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    node_cols, edge_cols = columns(nodes), columns(r for _, _, r in edges)
    node_ids = _attributes(graph_el, "node", node_cols)
    edge_ids = _attributes(graph_el, "edge", edge_cols)
    nodes_el = ET.SubElement(graph_el, "nodes")
    for row in nodes:
        node_el = ET.SubElement(nodes_el, "node", {"id": xml_safe(row["id"]), "label": xml_safe(label(row))})
        _values(node_el, node_ids, node_cols, row)
        ET.SubElement(node_el, "viz:color", _rgb(CATEGORIES[category(row)].color))
    edges_el = ET.SubElement(graph_el, "edges")
    for i, (u, v, row) in enumerate(edges):
        edge_el = ET.SubElement(edges_el, "edge", {"id": str(i), "source": xml_safe(u), "target": xml_safe(v),
                                                   "label": row["kind"]})
        _values(edge_el, edge_ids, edge_cols, row)
    return serialize(root)


def read(text: str | bytes) -> LineageGraph:
    """A graph from a GEXF document written by `export`.

    Raises:
        ExportError: not GEXF 1.3, a DTD, or values that do not match their declared types.
    """
    root = parse(text)
    if root.tag != f"{_Q}gexf":
        raise ExportError(f"not a GEXF 1.3 document (root element {root.tag!r})")
    graph_el = root.find(f"{_Q}graph")
    if graph_el is None:
        raise ExportError("the GEXF document has no graph")
    declared = {a.get("id", ""): (a.get("title", ""), a.get("type", "string"))
                for a in graph_el.iter(f"{_Q}attribute")}

    def values(element: ET.Element) -> dict[str, Any]:
        out = {}
        for value in element.iter(f"{_Q}attvalue"):
            key = value.get("for", "")
            if key not in declared:
                raise ExportError(f"value for undeclared attribute {key!r}")
            title, type_ = declared[key]
            out[title] = decode(type_, key.endswith(JSON_SUFFIX), value.get("value", ""))
        return out

    true_ids: dict[str, str] = {}
    nodes = []
    lineage: list[Any] = []
    for element in graph_el.iter(f"{_Q}node"):
        attrs = values(element)
        attrs.setdefault("id", element.get("id", ""))
        lineage.extend(attrs.pop(_LINEAGE, None) or [])
        true_ids[element.get("id", "")] = attrs["id"]
        nodes.append(attrs)
    edges = [(true_ids.get(e.get("source", ""), ""), true_ids.get(e.get("target", ""), ""), values(e))
             for e in graph_el.iter(f"{_Q}edge")]
    return build(nodes, edges, lineage)
