"""HTML: one standalone, offline page with the interactive graph, a legend, the findings and the data map.

Everything is inlined: vis-network's script and style (the copy the `pyvis` package bundles), the
graph as JSON in a `<script type="application/json">` block, and a small script that draws it.
A Content-Security-Policy meta tag forbids the page to load anything from anywhere, so it works
offline and cannot leak what it shows. Names reach the page only as escaped HTML text (tables) or
as JSON that the script hands to vis-network and to `textContent` (never `innerHTML`); in the JSON
`<`, `>` and `&` are written as `\\u003c`, `\\u003e` and `\\u0026`, so no name can close the block.

Clicking a node shows all its attributes (secrets reduced to location and kind).

Example:
    >>> from lineage.graph import LineageGraph
    >>> page = export(LineageGraph.from_records([{"id": "dataset:s:<b>", "kind": "dataset", "name": "<b>"}]))
    >>> "&lt;b&gt;" in page and "<b>" not in page.split("<script")[0]
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from lineage.exports.attributes import CATEGORIES, EDGE_STYLES, category, label, one_line, public_attributes, text
from lineage.exports.base import Finding, sorted_findings, text_of
from lineage.graph import LineageGraph

VIS_VERSION = "9.1.2"
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#212121}
header,section{padding:12px 24px}header{background:#263238;color:#fff}h1{margin:0 0 4px;font-size:22px}
h2{font-size:18px;margin:16px 0 8px}#graph{height:640px;border:1px solid #cfd8dc;background:#fafafa}
#legend span{display:inline-block;margin:0 14px 6px 0;font-size:13px}
#legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:middle;border-radius:2px}
table{border-collapse:collapse;font-size:13px;width:100%;margin-bottom:12px}
th,td{border:1px solid #cfd8dc;padding:4px 6px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#eceff1}.sev-critical,.sev-high{color:#b71c1c;font-weight:bold}.sev-medium{color:#e65100}
#details{white-space:pre-wrap;font-size:12px;background:#f5f5f5;padding:8px;max-height:260px;overflow:auto}
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var details = document.getElementById("details");
  var network = new vis.Network(document.getElementById("graph"),
    {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)}, {
      layout: {randomSeed: 7, improvedLayout: data.nodes.length < 300},
      physics: {solver: "forceAtlas2Based", forceAtlas2Based: {gravitationalConstant: -60, springLength: 120},
                stabilization: {iterations: 300, fit: true}},
      interaction: {hover: true, tooltipDelay: 150},
      nodes: {font: {color: "#212121", size: 13}, size: 14, borderWidth: 1, widthConstraint: {maximum: 220}},
      edges: {arrows: "to", font: {size: 10, align: "middle"}, smooth: {type: "cubicBezier"}}
    });
  network.on("click", function (params) {
    if (params.nodes.length) {
      details.textContent = JSON.stringify(data.attributes[params.nodes[0]], null, 2);
    }
  });
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({physics: {enabled: false}});
    network.fit();
    network.once("afterDrawing", function () { document.body.setAttribute("data-rendered", "true"); });
    network.redraw();
  });
  window.lineageNetwork = network;
})();
"""


@cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's script and style from the copy the pyvis package bundles."""
    base = resources.files("pyvis") / "lib" / f"vis-{VIS_VERSION}"
    return ((base / "vis-network.min.js").read_text(encoding="utf-8"),
            (base / "vis-network.css").read_text(encoding="utf-8"))


def script_json(value: Any) -> str:
    """JSON that is safe inside a `<script>` element.

    Example:
        >>> script_json({"a": "</script>&"})
        '{"a": "\\\\u003c/script\\\\u003e\\\\u0026"}'
    """
    raw = json.dumps(value, ensure_ascii=True, sort_keys=True)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _graph_data(graph: LineageGraph, flagged: set[str]) -> dict[str, Any]:
    nodes = sorted(graph.nodes(), key=lambda a: str(a["id"]))
    ids = {str(a["id"]): f"n{i}" for i, a in enumerate(nodes)}
    vis_nodes, attributes = [], {}
    for attrs in nodes:
        node_id = str(attrs["id"])
        cat = CATEGORIES[category(attrs)]
        tip = [node_id, f"{cat.label}"] + [f"{k}: {one_line(', '.join(map(str, v)) if isinstance(v, list) else v)}"
                                           for k in ("origin", "classifications", "environment", "vendor", "region")
                                           if (v := attrs.get(k)) not in (None, [], "")]
        vis_nodes.append({"id": ids[node_id], "label": label(attrs), "title": "\n".join(tip), "shape": cat.vis_shape,
                          "color": {"background": cat.color, "border": "#d50000" if node_id in flagged else cat.color},
                          "borderWidth": 4 if node_id in flagged else 1,
                          "font": {"color": "#ffffff" if cat.vis_shape == "box" else "#212121"}})
        attributes[ids[node_id]] = public_attributes(attrs)
    vis_edges = []
    for u, v, kind, edge in graph.edges():
        text_label = kind if kind != "grant" else "grant: " + ", ".join(sorted(edge.get("permissions") or []))
        vis_edges.append({"from": ids[u], "to": ids[v], "label": text_label,
                          "dashes": EDGE_STYLES[kind] != "solid", "color": {"color": "#9e9e9e" if kind == "grant"
                                                                             else "#546e7a"}})
    return {"nodes": vis_nodes, "edges": vis_edges, "attributes": attributes}


def _names(graph: LineageGraph, ids: Sequence[str]) -> str:
    return ", ".join(escape(label(graph.node(n))) for n in ids)


def _data_map(graph: LineageGraph) -> str:
    datasets = []
    for a in sorted(graph.nodes("dataset"), key=lambda a: (list(CATEGORIES).index(category(a)), str(a["id"]))):
        node_id = str(a["id"])
        datasets.append([escape(label(a)), escape(one_line(a.get("namespace"))), escape(text(a.get("role"))),
                         escape(text(a.get("origin"))), escape(", ".join(a.get("classifications") or [])),
                         escape(text(a.get("environment"))), _names(graph, graph.predecessors(node_id, "write")),
                         _names(graph, graph.successors(node_id, "read"))])
    processors = []
    for a in sorted((a for a in graph.nodes("process") if a.get("third_party")), key=lambda a: str(a["id"])):
        node_id = str(a["id"])
        inputs = graph.predecessors(node_id, "read")
        classes = sorted({c for n in inputs for c in graph.node(n).get("classifications") or []})
        approved = a.get("approved")
        processors.append([escape(label(a)), escape(text(a.get("processor_type"))), escape(one_line(a.get("vendor"))),
                           escape(one_line(a.get("region"))), escape(one_line(a.get("retention"))),
                           "yes" if approved else ("no" if approved is False else "unknown"),
                           _names(graph, inputs), escape(", ".join(classes))])
    identities = []
    for a in sorted(graph.nodes("identity"), key=lambda a: str(a["id"])):
        node_id = str(a["id"])
        grants = []
        for target in graph.successors(node_id, "grant"):
            perms = "/".join((graph.edge(node_id, target, "grant") or {}).get("permissions", []))
            grants.append(f"{escape(label(graph.node(target)))} ({escape(perms)})")
        identities.append([escape(label(a)), escape(text(a.get("identity_type"))),
                           _names(graph, graph.successors(node_id, "runs")), ", ".join(grants)])
    return (
        "<h3>Datasets</h3>" + _table(["dataset", "namespace", "role", "origin", "classifications", "environment",
                                      "written by", "read by"], datasets, empty="No datasets.")
        + "<h3>Third-party processors</h3>" + _table(["processor", "type", "vendor", "region", "retention",
                                                     "approved", "receives from", "classifications received"],
                                                    processors, empty="No third-party processors.")
        + "<h3>Identities</h3>" + _table(["identity", "type", "runs", "grants"], identities, empty="No identities.")
    )


def _findings(graph: LineageGraph, findings: Sequence[Finding]) -> str:
    rows = []
    for f in sorted_findings(findings):
        sev = text_of(f.severity).lower()
        path = " → ".join(escape(label(graph.node(n)) if n in graph else one_line(n)) for n in f.path)
        rows.append([f'<span class="sev-{escape(sev)}">{escape(sev)}</span>', escape(one_line(f.rule_id)),
                     escape(one_line(f.title)), escape(one_line(f.message)), path, escape(text_of(f.status))])
    return _table(["severity", "rule", "title", "message", "path", "status"], rows, empty="No findings.")


def export(graph: LineageGraph, *, findings: Sequence[Finding] = (), title: str = "Lineage map",
           subtitle: str | None = None) -> str:
    """The graph as one standalone HTML page.

    Args:
        graph: what to show.
        findings: listed in a table; nodes on their paths are outlined in red.
        title: the page's heading and title.
        subtitle: a line under the heading (for example the store and the time).
    """
    js, css = _vis_assets()
    flagged = {n for f in findings for n in f.path}
    stats: Mapping[str, Any] = graph.stats()
    summary = (f"{stats['by_kind'].get('dataset', 0)} datasets, {stats['by_kind'].get('process', 0)} processes "
               f"({stats['third_party_processors']} third-party), {stats['by_kind'].get('identity', 0)} identities, "
               f"{stats['edges']} edges, {len(findings)} findings")
    legend = "".join(f'<span><i style="background:{cat.color}"></i>{escape(cat.label)}</span>'
                     for cat in CATEGORIES.values())
    legend += ('<span><i style="background:#fff;border:3px solid #d50000"></i>on a finding path</span>'
               "<span>solid: read/write · dashed: runs, grant</span>")
    sub = f"<p>{escape(one_line(subtitle))}</p>" if subtitle else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lineage-mapper">
<title>{escape(one_line(title))}</title>
<style>{css}</style>
<style>{_STYLE}</style>
</head>
<body>
<header><h1>{escape(one_line(title))}</h1>{sub}<p id="summary">{escape(summary)}</p></header>
<section id="graph-section"><h2>Graph</h2><div id="legend">{legend}</div><div id="graph"></div>
<p>Click a node to see its attributes.</p><pre id="details"></pre></section>
<section id="findings"><h2>Findings</h2>{_findings(graph, findings)}</section>
<section id="data-map"><h2>Data map</h2>{_data_map(graph)}</section>
<script type="application/json" id="graph-data">{script_json(_graph_data(graph, flagged))}</script>
<script>{js}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
