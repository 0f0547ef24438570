"""CSV: the nodes, the edges, and an impact list, for spreadsheets and scripts.

By default the export is one zip holding `nodes.csv`, `edges.csv` and `impact.csv` (bytes); with
`table="nodes"`, `"edges"` or `"impact"` it is that one table as text.

- **nodes.csv**: `id, kind, namespace, name, role, origin, classifications, environment,
  third_party, processor_type`, then every other attribute any node has, by name. Lists and objects
  are JSON (`["pii.email", "pii.person"]`), true/false are `true`/`false`, unknown is empty.
- **edges.csv**: `source, target, kind, permissions, confidence` (one row per edge kind).
- **impact.csv**: `start, node, kind, name, depth, path`: everything downstream of `start` along
  data flows, nearest first; `path` is one shortest path from `start` as a JSON list of ids. The
  start is `impact_of` when given (the CLI passes `--focus`), else every entry point of the map
  (origin datasets and datasets nothing writes).

Cells are RFC 4180 CSV (quoted when needed, UTF-8, `\\r\\n` line ends). A text cell that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so a spreadsheet shows it
instead of running it as a formula.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:=1", "kind": "dataset", "namespace": "s", "name": "=1"}])
    >>> export(g, table="nodes").splitlines()[1][:29]
    "dataset:s:=1,dataset,s,'=1,,,"
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from lineage.exports.attributes import label, public_attributes
from lineage.exports.focus import entry_points, impact
from lineage.graph import LineageGraph

TABLES = ("nodes", "edges", "impact")
NODE_COLUMNS = ("id", "kind", "namespace", "name", "role", "origin", "classifications", "environment", "third_party",
                "processor_type")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def cell(value: Any) -> str:
    """One CSV cell: JSON for lists and objects, true/false, empty for unknown, formulas defused.

    Example:
        >>> cell(["a"]), cell(False), cell(None), cell("@SUM(A1)"), cell(-1)
        ('["a"]', 'false', '', "'@SUM(A1)", '-1')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()


def nodes_table(graph: LineageGraph) -> str:
    """nodes.csv (see the module docstring)."""
    rows = sorted((public_attributes(a) for a in graph.nodes()), key=lambda a: str(a["id"]))
    extra = sorted({k for row in rows for k in row} - set(NODE_COLUMNS))
    header = [*NODE_COLUMNS, *extra]
    return _csv(header, ([row.get(k) for k in header] for row in rows))


def edges_table(graph: LineageGraph) -> str:
    """edges.csv (see the module docstring)."""
    rows = sorted((u, v, kind, sorted(e.get("permissions") or []) if kind == "grant" else None,
                   e.get("confidence", 1.0)) for u, v, kind, e in graph.edges())
    return _csv(("source", "target", "kind", "permissions", "confidence"), rows)


def impact_table(graph: LineageGraph, impact_of: str | None = None) -> str:
    """impact.csv (see the module docstring).

    Raises:
        NodeNotFound: `impact_of` is not in the graph.
    """
    starts = [impact_of] if impact_of is not None else entry_points(graph)
    rows = []
    for start in starts:
        for hit in impact(graph, start):
            attrs = graph.node(hit.node)
            rows.append((start, hit.node, attrs.get("kind"), label(attrs), hit.depth, list(hit.path)))
    return _csv(("start", "node", "kind", "name", "depth", "path"), rows)


def export(graph: LineageGraph, *, table: str | None = None, impact_of: str | None = None) -> str | bytes:
    """The three tables in a zip (bytes), or one of them (text).

    Args:
        graph: what to export.
        table: `nodes`, `edges` or `impact` for that table alone; None for the zip of all three.
        impact_of: the node whose downstream the impact table lists (default: every entry point).

    Raises:
        ValueError: `table` is not one of the three.
        NodeNotFound: `impact_of` is not in the graph.
    """
    makers = {"nodes": lambda: nodes_table(graph), "edges": lambda: edges_table(graph),
              "impact": lambda: impact_table(graph, impact_of)}
    if table is not None:
        if table not in makers:
            raise ValueError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
        return makers[table]()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in TABLES:
            info = zipfile.ZipInfo(f"{name}.csv", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, makers[name]().encode("utf-8"))
    return buffer.getvalue()
