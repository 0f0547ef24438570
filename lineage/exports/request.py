"""One export as the CLI asks for it: focus the graph, gather findings, pass each format its options.

`render` is pure: the caller loads the graph (and the baseline), and passes the policy engine's
`evaluate` when there is one. Findings are evaluated on the whole graph, then only those whose
path touches the focused part are shown, so focusing never hides why a shown node is flagged.
Each exporter receives only the options its signature takes (`findings`, `as_of`, `impact_of`,
`table`, `baseline`, `baseline_findings`); an option the user gave that the format cannot use
(`--table` for anything but csv, `--baseline` for anything but markdown) is an error.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> render(g, "csv", table="edges")
    'source,target,kind,permissions,confidence,source_name,target_name\\r\\n'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage.exports import get_exporter
from lineage.exports.base import ExportError, Finding, findings_within
from lineage.exports.focus import focus as focus_on
from lineage.graph import LineageGraph

Evaluate = Callable[[LineageGraph], Sequence[Finding]]


def render(graph: LineageGraph, fmt: str, *, focus: str | None = None, depth: int | None = None,
           upstream: bool = False, downstream: bool = False, as_of: datetime | None = None,
           table: str | None = None, baseline: LineageGraph | None = None,
           evaluate: Evaluate | None = None, runs: Mapping[str, Sequence[Any]] | None = None) -> str | bytes:
    """The export of `graph` in format `fmt`, as `lineage export` describes it.

    Args:
        graph: the whole graph.
        fmt: a format name (`lineage.exports.FORMATS`).
        focus: a node query (`LineageGraph.resolve`); export only its neighbourhood.
        depth: how many edges from the focus node to keep (default: all).
        upstream: keep only what is upstream of the focus (with `downstream`, or neither: both ways).
        downstream: keep only what is downstream of the focus.
        as_of: the time the graph was built as of, recorded by the formats that carry it.
        table: csv only: one table instead of the zip.
        baseline: markdown only: the graph to compare with.
        evaluate: the policy engine, if there is one.
        runs: json only: the processes' run histories to add (`ProcessRun`s by process id).

    Raises:
        NodeNotFound: the focus matches no node, or several.
        ExportError: an unknown format, or an option the format does not take.
    """
    exporter = get_exporter(fmt)
    accepted = set(inspect.signature(exporter).parameters)
    if (depth is not None or upstream or downstream) and focus is None:
        raise ExportError("--depth, --upstream and --downstream need --focus NODE")
    for option, given, home in (("table", table, "csv"), ("baseline", baseline, "markdown"), ("runs", runs, "json")):
        if given is not None and option not in accepted:
            raise ExportError(f"--{option} is for the {home} format, not {fmt}")
    shown, start = graph, None
    if focus is not None:
        start = graph.resolve(focus)
        both = upstream == downstream
        shown = focus_on(graph, start, depth=depth, upstream=both or upstream, downstream=both or downstream)
    options = _options(graph, shown, accepted, evaluate, {"as_of": as_of, "impact_of": start, "runs": runs})
    options |= _chosen(table, baseline, evaluate)
    return exporter(shown, **options)


def _options(graph: LineageGraph, shown: LineageGraph, accepted: set[str], evaluate: Evaluate | None,
             known: dict[str, Any]) -> dict[str, Any]:
    """What the exporter takes of what is known: the findings touching the shown part (evaluated
    on the whole graph), and each of `known` that is set."""
    options = {key: value for key, value in known.items() if key in accepted and value is not None}
    if "findings" in accepted and evaluate is not None:
        options["findings"] = findings_within(evaluate(graph), {str(n["id"]) for n in shown.nodes()})
    return options


def _chosen(table: str | None, baseline: LineageGraph | None, evaluate: Evaluate | None) -> dict[str, Any]:
    """The options the user chose for this format: a csv table, a baseline and its findings."""
    options: dict[str, Any] = {}
    if table is not None:
        options["table"] = table
    if baseline is not None:
        options["baseline"] = baseline
        if evaluate is not None:
            options["baseline_findings"] = list(evaluate(baseline))
    return options
