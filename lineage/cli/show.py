"""What the `lineage` commands print on the terminal: the consoles, the progress bar, a walk of the
graph, everything about one node, and the demo's summary of the map.

Commands parse their arguments and call the services (`lineage.services`); the tables and lines they
show are built here, so that output has one home.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from lineage.words import plural

# Names print as written: no emoji codes (`dataset:snowflake://...` holds `:snowflake:`), no highlighting.
console = Console(highlight=False, emoji=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


class Bars:
    """Progress bars on standard error (`lineage.services.progress.Progress`), shown only on a
    terminal and gone when they end; use as a context manager."""

    def __init__(self) -> None:
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=err_console, transient=True,
                                  disable=not err_console.is_terminal)

    def __enter__(self) -> Bars:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def begin(self, label: str, total: int | None) -> object:
        return self._progress.add_task(escape(label), total=total)

    def advance(self, task: object, amount: int = 1, *, label: str | None = None) -> None:
        assert isinstance(task, int)
        self._progress.update(TaskID(task), advance=amount, description=None if label is None else escape(label))

    def end(self, task: object) -> None:
        assert isinstance(task, int)
        self._progress.remove_task(TaskID(task))


def print_walk(nodes: Mapping[str, Mapping[str, Any]], node_id: str, direction: str, found: dict[str, int],
               fmt: str) -> None:
    """Print the nodes `found` walking `direction` from `node_id` (their attributes in `nodes`), as
    text or JSON."""
    if fmt == "json":
        console.print_json(json.dumps({"node": node_id, "direction": direction, "nodes": [
            {"id": n, "distance": d, "kind": nodes[n]["kind"]} for n, d in found.items()]}))
        return
    rows = [(f"  {d:>3}  {n}", " ".join(x for x in (nodes[n].get("role"), nodes[n].get("origin"),
                                                    "third-party" if nodes[n].get("third_party") else None) if x))
            for n, d in found.items()]
    head = f"{direction} of {node_id}: {len(found)} node(s)"
    if not console.is_terminal:  # piped or redirected: plain text, written at once (no styles to render)
        console.file.write("\n".join([head, *(line + (f"  ({marks})" if marks else "") for line, marks in rows)])
                           + "\n")
        return
    console.print("\n".join([escape(head), *(escape(line) + (f"  [dim]({escape(marks)})[/dim]" if marks else "")
                                              for line, marks in rows)]))


def print_node(g: Any, store: Any, node_id: str) -> None:
    """Print every fact about `node_id`: its attributes, columns, edges and grants, then the evidence
    behind each fact in `store`."""
    _print_attributes(g.node(node_id), node_id)
    _print_edges(g, node_id)
    _print_evidence(store, node_id)
    print_facets(store, node_id, g.node(node_id))


def print_facets(store: Any, node_id: str, attrs: Mapping[str, Any]) -> None:
    """Every facet of a process's latest event, or of the newest event entry naming a dataset."""
    from lineage.services.facets import about, node_facets

    kind = str(attrs.get("kind"))
    event, rows = node_facets(store, node_id, kind, attrs.get("aliases") or ())
    if event is None:
        return
    naming = " naming it" if kind == "dataset" else ""
    table = Table("where", "facet", "value", title=escape(f"facets of the latest event{naming} "
                                                          f"({about(event, job=kind == 'dataset')})"),
                  title_justify="left")
    for where, name, shown in rows:
        table.add_row(where, escape(name), escape(shown))
    console.print(table)


def _print_attributes(attrs: dict[str, Any], node_id: str) -> None:
    table = Table(title=escape(node_id), show_header=False, title_justify="left")
    for key in sorted(attrs):
        if key in ("id", "columns") or attrs[key] in (None, [], ""):
            continue
        table.add_row(escape(key), escape(str(attrs[key])))
    console.print(table)
    if attrs.get("columns"):
        cols = Table("column", "type", "classifications", title="columns", title_justify="left")
        for c in attrs["columns"]:
            cols.add_row(escape(c["name"]), escape(str(c.get("type") or "")),
                         escape(", ".join(c.get("classifications") or [])))
        console.print(cols)


def _print_edges(g: Any, node_id: str) -> None:
    for label, edges in (("reads from", g.predecessors(node_id, "read")),
                         ("writes to", g.successors(node_id, "write")),
                         ("read by", g.successors(node_id, "read")),
                         ("written by", g.predecessors(node_id, "write")),
                         ("run by", g.predecessors(node_id, "runs")),
                         ("runs", g.successors(node_id, "runs")),
                         ("granted to", g.predecessors(node_id, "grant"))):
        if edges:
            console.print(f"[bold]{label}[/bold]: " + ", ".join(escape(e) for e in edges))
    for target in g.successors(node_id, "grant"):
        perms = (g.edge(node_id, target, "grant") or {}).get("permissions", [])
        console.print(f"[bold]grant[/bold] {escape('/'.join(perms))} on {escape(target)}")


def _print_evidence(store: Any, node_id: str) -> None:
    console.print("[bold]evidence[/bold] (layer, collector, place of the first observation, observed at, fact):")
    layers = {0: "inferred", 1: "observed", 2: "declared"}
    for f in store.facts_about([node_id]):
        if f["fact"] == "edge":
            other = f["other"] if f["subject"] == node_id else f["subject"]
            about = f"{f['edge_kind']} edge {'to' if f['subject'] == node_id else 'from'} {other}"
        elif f["fact"] == "node":
            about = f"attributes {f['body']}"
        else:
            about = f"column lineage via {f['other']}: {f['body']}"
        place = f["source"] + (f":{f['line']}" if f["line"] else "") + (f" run {f['run_id']}" if f["run_id"] else "")
        status = " [dim](superseded)[/dim]" if f["superseded_at"] else ""
        console.print(f"  {layers.get(f['layer'], '?'):<8} {escape(f['collector'])}  {escape(place)}  "
                      f"{_observed(f)}  {escape(about)}{status}")


def _observed(fact: dict[str, Any]) -> str:
    """When a fact was observed: once, or first and last and how many times (and the last run)."""
    last: str = fact["observed_at"].isoformat(timespec="seconds")
    if fact["times"] <= 1:
        return last
    run = fact.get("last_run_id")
    lately = f", last in run {run}" if run and run != fact["run_id"] else ""
    return f"{fact['first_observed_at'].isoformat(timespec='seconds')} .. {last} ({fact['times']:,} times{lately})"


def sample_pipelines_dir() -> Path:
    """The sample pipelines shipped beside the package (a source checkout), else ./sample_pipelines."""
    beside = Path(__file__).resolve().parents[2] / "sample_pipelines"
    return beside if beside.is_dir() else Path("sample_pipelines")


def print_summary(g: Any) -> None:
    """Print the demo's summary of the map: counts by kind, role and origin, and the third-party processors."""
    stats = g.stats()
    table = Table("what", "count", title="Lineage map", title_justify="left")
    for kind, count in sorted(stats["by_kind"].items()):
        table.add_row(plural(kind), str(count))
    for role, count in sorted(stats["datasets_by_role"].items()):
        table.add_row(f"  datasets with role {role}", str(count))
    for origin, count in sorted(stats["datasets_by_origin"].items()):
        table.add_row(f"  datasets of origin {origin}", str(count))
    for kind, count in sorted(stats["edges_by_kind"].items()):
        table.add_row(f"{kind} edges", str(count))
    table.add_row("column lineage entries", str(stats["column_lineage"]))
    console.print(table)
    third = Table("processor", "type", "vendor", "region", "approved", title="Third-party processors",
                  title_justify="left")
    for attrs in sorted((a for a in g.nodes("process") if a.get("third_party")), key=lambda a: a["id"]):
        approved = attrs.get("approved")
        third.add_row(escape(f"{attrs['namespace']} {attrs['name']}"), escape(str(attrs.get("processor_type") or "")),
                      escape(str(attrs.get("vendor") or "")), escape(str(attrs.get("region") or "")),
                      "yes" if approved else ("no" if approved is False else "unknown"))
    console.print(third)
