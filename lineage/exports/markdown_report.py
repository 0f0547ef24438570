"""Markdown: a report for a pull request comment: summary, new findings and new flows.

Given a baseline (the graph exported from the main branch, read back with
`lineage.exports.interchange.read`) the report lists what this change adds: findings whose
fingerprint the baseline's findings lack, data flows (read and write edges) and access (runs
and grant edges) that the baseline does not have, and counts what went away. Without a baseline
every finding is listed and flows are not compared.

Names and messages go through `lineage.markdown.escape` (as `lineage check --format markdown`
does): no HTML, no Markdown syntax, no working `@mention` or `#123` issue reference, one line each,
so a name cannot break a table row, start a heading, inject a link or ping anyone. Escaped text is
always placed mid-line. Tables stop after `max_rows` rows with a note of how many more there are.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> export(g).splitlines()[0]
    '## Lineage report'
"""

from __future__ import annotations

from collections.abc import Sequence

from lineage.exports.attributes import label
from lineage.exports.base import Finding, sorted_findings, text_of
from lineage.graph import LineageGraph
from lineage.markdown import escape
from lineage.severity import severity_rank


def _name(graph: LineageGraph, node_id: str) -> str:
    return escape(label(graph.node(node_id))) if node_id in graph else escape(node_id)


def _table(header: Sequence[str], rows: list[list[str]], max_rows: int) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows[:max_rows]]
    if len(rows) > max_rows:
        lines.append(f"\n…and {len(rows) - max_rows} more.")
    return [*lines, ""]


def _summary(graph: LineageGraph, findings: Sequence[Finding]) -> list[str]:
    stats = graph.stats()
    roles = ", ".join(f"{n} {r}" for r, n in sorted(stats["datasets_by_role"].items()))
    line = (f"**{stats['by_kind'].get('dataset', 0)} datasets** ({roles or 'none'}), "
            f"**{stats['by_kind'].get('process', 0)} processes** ({stats['third_party_processors']} third-party), "
            f"**{stats['by_kind'].get('identity', 0)} identities**, {stats['edges']} edges.")
    counts: dict[str, int] = {}
    for f in findings:
        sev = text_of(f.severity).lower()
        counts[sev] = counts.get(sev, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: severity_rank(kv[0]))
    found = ", ".join(f"{n} {escape(sev)}" for sev, n in ordered) if findings else "none"
    return [line, "", f"Findings: {found}.", ""]


def _finding_rows(graph: LineageGraph, findings: Sequence[Finding]) -> list[list[str]]:
    return [[f"**{escape(text_of(f.severity))}**", escape(f.rule_id), escape(f.title) + " — " + escape(f.message),
             " → ".join(_name(graph, n) for n in f.path), escape(text_of(f.status))]
            for f in sorted_findings(findings)]


def _edges(graph: LineageGraph, kinds: tuple[str, ...]) -> set[tuple[str, str, str]]:
    return {(u, v, k) for u, v, k, _ in graph.edges(kinds)}


def export(graph: LineageGraph, *, findings: Sequence[Finding] = (), baseline: LineageGraph | None = None,
           baseline_findings: Sequence[Finding] | None = None, title: str = "Lineage report",
           max_rows: int = 50) -> str:
    """The report as GitHub-flavoured Markdown.

    Args:
        graph: the graph of this change.
        findings: the findings on `graph`.
        baseline: the graph to compare with (the main branch); None lists everything.
        baseline_findings: the findings on the baseline; findings with their fingerprints are not new.
        title: the heading.
        max_rows: rows per table at most.
    """
    out = [f"## {escape(title)}", ""]
    out += _summary(graph, findings)
    if baseline_findings is not None:
        known = {f.fingerprint for f in baseline_findings}
        new = [f for f in findings if f.fingerprint not in known]
        gone = len({f.fingerprint for f in baseline_findings} - {f.fingerprint for f in findings})
        out += [f"### New findings ({len(new)})", ""]
        out += (_table(["severity", "rule", "finding", "path", "status"], _finding_rows(graph, new), max_rows)
                if new else ["No new findings.", ""])
        if gone:
            out += [f"{gone} finding(s) of the baseline no longer occur.", ""]
    else:
        out += [f"### Findings ({len(findings)})", ""]
        out += (_table(["severity", "rule", "finding", "path", "status"], _finding_rows(graph, findings), max_rows)
                if findings else ["No findings.", ""])
    if baseline is not None:
        for heading, kinds in (("flows", ("read", "write")), ("access", ("runs", "grant"))):
            now, before = _edges(graph, kinds), _edges(baseline, kinds)
            added = sorted(now - before)
            out += [f"### New {heading} ({len(added)})", ""]
            rows = [[_name(graph, u), escape(k), _name(graph, v)] for u, v, k in added]
            out += _table(["from", "kind", "to"], rows, max_rows) if rows else [f"No new {heading}.", ""]
            if removed := len(before - now):
                out += [f"{removed} {heading} edge(s) of the baseline are gone.", ""]
        new_nodes = sorted(n["id"] for n in graph.nodes() if n["id"] not in baseline)
        if new_nodes:
            out += [f"New nodes: {', '.join(_name(graph, n) for n in new_nodes[:max_rows])}"
                    + (f" and {len(new_nodes) - max_rows} more" if len(new_nodes) > max_rows else "") + ".", ""]
    return "\n".join(out).rstrip("\n") + "\n"
