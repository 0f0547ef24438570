"""CSV: the nodes, the edges, and an impact list, for spreadsheets and scripts.

`export` gives one zip holding `nodes.csv`, `edges.csv` and `impact.csv` (bytes); with
`table="nodes"`, `"edges"` or `"impact"` it is that one table as text. `lineage export --format csv`
picks by where it writes (`layout`): a zip only for `-o FILE.zip`, one CSV per table for `-o DIR/`
(or an existing folder), else one table (`--table`, default `edges`), on standard output too, so a
file named `.csv` always holds CSV.

- **nodes.csv**: `id, kind, namespace, name, role, origin, classifications, environment,
  third_party, processor_type`, then every other attribute any node has, by name. Lists and objects
  are JSON (`["pii.email", "pii.person"]`), true/false are `true`/`false`, unknown is empty.
- **edges.csv**: `source, target, kind, permissions, confidence, source_name, target_name` (one row
  per edge kind; the names are the nodes' names, so the table reads on its own).
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
import os
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from lineage.exports.attributes import label, public_attributes
from lineage.exports.focus import entry_points, impact
from lineage.graph import LineageGraph

TABLES = ("nodes", "edges", "impact")
DEFAULT_TABLE = "edges"
"""The table a single-file CSV holds when none is asked for: the graph itself, names included."""
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


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table: `header`, then each row's values as `cell` writes them (the one CSV writer: the
    exports and the dashboard's downloads use it)."""
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
    return csv_text(header, ([row.get(k) for k in header] for row in rows))


def edges_table(graph: LineageGraph) -> str:
    """edges.csv (see the module docstring)."""
    rows = sorted((u, v, kind, sorted(e.get("permissions") or []) if kind == "grant" else None,
                   e.get("confidence", 1.0), label(graph.node(u)), label(graph.node(v)))
                  for u, v, kind, e in graph.edges())
    return csv_text(("source", "target", "kind", "permissions", "confidence", "source_name", "target_name"), rows)


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
    return csv_text(("start", "node", "kind", "name", "depth", "path"), rows)


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


def layout(output: str | None, table: str | None) -> str:
    """What `lineage export --format csv` writes to `output` (None: standard output).

    - `"zip"`: `output` ends in `.zip` and no table is named: the three tables in one zip.
    - `"folder"`: `output` is an existing folder or ends in `/`: one `<table>.csv` per table in it
      (only the named one when `table` is given).
    - `"table"`: anything else, standard output included: one table as CSV text, `table` or
      `DEFAULT_TABLE`. A file named `.csv` (or anything but `.zip`) never gets a zip.

    Raises:
        ValueError: `table` is named for a `.zip` file (a zip holds all three tables).

    Example:
        >>> layout("graph.csv", None), layout("lineage.zip", None), layout("out/", None), layout(None, None)
        ('table', 'zip', 'folder', 'table')
    """
    if output is None:
        return "table"
    if output.endswith(("/", os.sep)) or os.path.isdir(output):
        return "folder"
    if output.lower().endswith(".zip"):
        if table is not None:
            raise ValueError(f"--table {table} writes one CSV table, not a zip: name the file .csv, or leave "
                             "out --table to get every table in the zip")
        return "zip"
    return "table"
