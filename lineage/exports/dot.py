"""Graphviz DOT: a picture of the lineage, coloured and shaped by the legend, findings in red.

Node ids in the file are generated (`n0`, `n1`, ...), so no name can break the syntax; a node's
label is its name (one line) over its namespace, and its tooltip is its full id. Every string is
quoted with `"` and `\\` escaped, so Graphviz's own escapes (`\\N`, `\\l`, ...) cannot be smuggled
in through a name. Read and write edges are solid, `runs` dashed, grants dotted and labelled with
their permissions. Nodes on the path of a finding get a thick red border, and the edges between
them turn red.

Render with `dot -Tsvg lineage.dot > lineage.svg` (or `-Tpng`).

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": 'dataset:s:a"b', "kind": "dataset", "namespace": "s", "name": 'a"b'}])
    >>> [line for line in export(g, legend=False).splitlines() if line.startswith("  n0")][0][:28]
    '  n0 [label="a\\\\"b\\\\ns", shape'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lineage.exports.attributes import CATEGORIES, EDGE_STYLES, category, label, one_line, text
from lineage.exports.base import Finding
from lineage.graph import LineageGraph

FINDING_COLOR = "#d50000"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def quote(value: str) -> str:
    """A DOT double-quoted string; newlines become `\\n` line breaks, other control characters spaces.

    Example:
        >>> print(quote('a\\\\b"c\\nd'))
        "a\\\\b\\"c\\nd"
    """
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return '"' + _CONTROL.sub(" ", escaped) + '"'


def _attrs(**values: str | int | float) -> str:
    return ", ".join(f"{k}={quote(v) if isinstance(v, str) else v}" for k, v in values.items())


def _legend(lines: list[str]) -> None:
    lines.append("  subgraph cluster_legend {")
    lines.append(f"    graph [{_attrs(label='Legend', fontsize=10, color='#bbbbbb')}];")
    for key, cat in CATEGORIES.items():
        lines.append(f"    legend_{key} [{_attrs(label=cat.label, shape=cat.dot_shape, fillcolor=cat.color)}];")
    finding = _attrs(label="on a finding path", shape="box", fillcolor="#ffffff", fontcolor="#000000",
                     color=FINDING_COLOR, penwidth=3)
    lines.append(f"    legend_finding [{finding}];")
    lines.append("  }")


def export(graph: LineageGraph, *, findings: Sequence[Finding] = (), direction: str = "LR",
           legend: bool = True, title: str | None = None) -> str:
    """The graph as a DOT digraph.

    Args:
        graph: what to draw.
        findings: nodes on their paths are outlined in red.
        direction: Graphviz `rankdir`: LR (left to right, the default), TB, RL or BT.
        legend: add a legend cluster.
        title: a caption under the picture.
    """
    if direction not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"direction must be LR, TB, RL or BT, not {direction!r}")
    nodes = sorted(graph.nodes(), key=lambda a: str(a["id"]))
    ids = {str(a["id"]): f"n{i}" for i, a in enumerate(nodes)}
    flagged = {n for f in findings for n in f.path if n in ids}
    flagged_pairs = {(f.path[i], f.path[i + 1]) for f in findings for i in range(len(f.path) - 1)}
    graph_attrs: dict[str, str | int | float] = {"rankdir": direction, "fontname": "Helvetica", "fontsize": 11,
                                                 "nodesep": 0.3}
    if title:
        graph_attrs["label"] = one_line(title)
    lines = ["digraph lineage {", f"  graph [{_attrs(**graph_attrs)}];",
             f"  node [{_attrs(fontname='Helvetica', fontsize=10, style='filled', fontcolor='#ffffff')}];",
             f"  edge [{_attrs(fontname='Helvetica', fontsize=8, color='#666666', fontcolor='#444444')}];"]
    for attrs in nodes:
        node_id = str(attrs["id"])
        cat = CATEGORIES[category(attrs)]
        values: dict[str, str | int | float] = {
            "label": f"{label(attrs)}\n{one_line(attrs.get('namespace'))}", "shape": cat.dot_shape,
            "fillcolor": cat.color, "tooltip": node_id}
        if text(attrs.get("origin")) == "synthetic":
            values["style"] = "filled,dashed"
        if node_id in flagged:
            values.update(color=FINDING_COLOR, penwidth=3)
        lines.append(f"  {ids[node_id]} [{_attrs(**values)}];")
    for u, v, kind, edge in graph.edges():
        values = {"label": kind, "style": EDGE_STYLES[kind]}
        if kind == "grant":
            values["label"] = "grant: " + ", ".join(sorted(edge.get("permissions") or []))
            values["color"] = "#9e9e9e"
        if (u, v) in flagged_pairs:
            values.update(color=FINDING_COLOR, penwidth=2)
        lines.append(f"  {ids[u]} -> {ids[v]} [{_attrs(**values)}];")
    if legend:
        _legend(lines)
    lines.append("}")
    return "\n".join(lines) + "\n"
