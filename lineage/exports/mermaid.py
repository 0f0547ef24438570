"""Mermaid: a flowchart of the lineage for Markdown files and pull request comments.

Node ids are generated (`n0`, `n1`, ...); every label is in double quotes with the characters
Mermaid (or the HTML it renders to) would read as syntax written as Mermaid entity codes:
`"` as `#quot;`, `#` as `#35;`, `&` `<` `>` as `#amp;` `#lt;` `#gt;`, and the backtick as `#96;`
(it would start a Markdown string). Control characters, newlines included, become spaces. Shapes
and colours follow the legend (datasets are cylinders, internal jobs rectangles, third-party
processors hexagons, identities stadiums); nodes on a finding's path get the `finding` class.

GitHub renders Mermaid up to its default limits (50,000 characters, 500 edges): focus large graphs
(`lineage export --format mermaid --focus NODE --depth 2`).

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:<a>", "kind": "dataset", "namespace": "s", "name": "<a>"}])
    >>> export(g).splitlines()[1]
    '  n0[("#lt;a#gt;")]'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lineage.exports.attributes import CATEGORIES, category, label, one_line
from lineage.exports.base import Finding
from lineage.graph import LineageGraph

_ENTITIES = {'"': "#quot;", "#": "#35;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
_SPECIAL = re.compile('["#&<>`]')
_ARROWS = {"read": "-->", "write": "-->", "runs": "-.->", "grant": "-.->"}


def escape(value: str) -> str:
    """Text safe inside a double-quoted Mermaid label.

    Example:
        >>> escape('say "hi" & <b>#1</b>')
        'say #quot;hi#quot; #amp; #lt;b#gt;#35;1#lt;/b#gt;'
    """
    return _SPECIAL.sub(lambda m: _ENTITIES[m.group()], one_line(value))


def export(graph: LineageGraph, *, findings: Sequence[Finding] = (), direction: str = "LR",
           namespaces: bool = False) -> str:
    """The graph as a Mermaid flowchart.

    Args:
        graph: what to draw.
        findings: nodes on their paths get the red `finding` class.
        direction: LR (left to right, the default), TD, RL or BT.
        namespaces: put each node's namespace under its name.
    """
    if direction not in ("LR", "TD", "TB", "RL", "BT"):
        raise ValueError(f"direction must be LR, TD, RL or BT, not {direction!r}")
    nodes = sorted(graph.nodes(), key=lambda a: str(a["id"]))
    ids = {str(a["id"]): f"n{i}" for i, a in enumerate(nodes)}
    lines = [f"flowchart {direction}"]
    members: dict[str, list[str]] = {}
    for attrs in nodes:
        node_id = ids[str(attrs["id"])]
        key = category(attrs)
        cat = CATEGORIES[key]
        text = escape(label(attrs))
        if namespaces and attrs.get("namespace"):
            text += "<br/>" + escape(str(attrs["namespace"]))
        lines.append(f'  {node_id}{cat.mermaid_open}"{text}"{cat.mermaid_close}')
        members.setdefault(key, []).append(node_id)
    for u, v, kind, edge in graph.edges():
        text = kind if kind != "grant" else "grant: " + ", ".join(sorted(edge.get("permissions") or []))
        lines.append(f'  {ids[u]} {_ARROWS[kind]}|"{escape(text)}"| {ids[v]}')
    for key, cat in CATEGORIES.items():
        lines.append(f"  classDef {key} fill:{cat.color},stroke:{cat.color},color:#ffffff")
    lines.append("  classDef finding stroke:#d50000,stroke-width:4px")
    for key, node_ids in members.items():
        lines.append(f"  class {','.join(node_ids)} {key}")
    flagged = sorted({ids[n] for f in findings for n in f.path if n in ids}, key=lambda n: int(n[1:]))
    if flagged:
        lines.append(f"  class {','.join(flagged)} finding")
    return "\n".join(lines) + "\n"
