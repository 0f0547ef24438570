"""What `lineage explain` and `lineage demo` print about tags and findings (terminal output)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from lineage.cli.check import print_table
from lineage.policy.finding import Finding
from lineage.policy.project import PolicyConfig
from lineage.services.check import check_graph
from lineage.tagging import Tags


def explain_node(console: Console, node_id: str, *, tags: Tags, findings: list[Finding] | None) -> None:
    """Print the node's derived tags with the paths that explain them, and the findings on it
    (None: not evaluated, for a past time)."""
    console.print(f"[bold]origin[/bold]: {escape(tags.origin(node_id))}   [bold]classifications[/bold]: "
                  + escape(", ".join(sorted(tags.classifications(node_id))) or "none"))
    for reason in tags.why(node_id):
        kind = "declared" if reason.declared else "derived"
        column = f" (column {reason.column})" if reason.column else ""
        console.print(f"  {kind} {escape(reason.tag)} {escape(reason.value)}{escape(column)}: "
                      f"{escape(reason.note)}")
        if len(reason.path) > 1:
            console.print("    " + escape(" -> ".join(reason.path)), style="dim")
    if findings is None:
        console.print("[bold]findings[/bold]: not evaluated for a past time (they need the policy on the whole "
                      "graph of that time: add --findings)")
        return
    mine = [f for f in findings if node_id in f.path or node_id in f.nodes]
    if mine:
        print_table(console, mine, title=f"Findings on {escape(node_id)}")
    else:
        console.print("[bold]findings[/bold]: none")


def demo_findings(console: Console, graph: Any, store: Any, policy: PolicyConfig) -> None:
    """Print the open findings of what the demo collected (`graph`, loaded from `store`)."""
    findings = check_graph(graph, store, policy)
    print_table(console, findings, title=f"Findings ({len(findings)}; `lineage check` is the CI gate)")
