"""`lineage graph upstream|downstream` and `lineage explain`."""

from __future__ import annotations

from typing import Any

import click

from lineage.cli.options import (
    EXIT_OK,
    as_of_option,
    db_option,
    graph_of,
    parse_as_of,
    project_of,
    settings_of,
    store_of,
)
from lineage.cli.show import console, print_node, print_walk


@click.group()
def graph() -> None:
    """Walk the lineage: what a node depends on, or what depends on it."""


def _walk_command(direction: str) -> Any:
    @click.argument("node")
    @click.option("--depth", type=click.IntRange(min=1), help="Follow at most N edges (default: all).")
    @click.option("--kind", "kinds", multiple=True, type=click.Choice(["dataset", "process", "identity"]),
                  help="Only list nodes of this kind (repeatable).")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @db_option
    @as_of_option
    @click.pass_context
    def command(ctx: click.Context, node: str, depth: int | None, kinds: tuple[str, ...], fmt: str,
                db: str | None, as_of: str | None) -> int:
        from lineage import focused

        store = store_of(settings_of(ctx, db))
        when = parse_as_of(as_of)
        graph = store if when is None else store.as_of(when)  # the graph as it was: the facts valid then
        with store.reading():
            node_id = focused.resolve(graph, node)
            found, nodes = focused.walk(graph, node_id, upstream=direction == "upstream", depth=depth,
                                        kinds=kinds or None)
        print_walk(nodes, node_id, direction, found, fmt)
        return EXIT_OK

    command.__doc__ = (
        f"List the nodes {direction} of NODE, nearest first.\n\n"
        "NODE is a full id (dataset:NAMESPACE:NAME), a name, or any unique part of an id.\n\n"
        f"\b\nExample:\n  lineage graph {direction} vectors --depth 2 --kind dataset"
    )
    return command


graph.command("upstream")(_walk_command("upstream"))
graph.command("downstream")(_walk_command("downstream"))


@click.command()
@click.argument("node")
@db_option
@as_of_option
@click.option("--findings", "past_findings", is_flag=True,
              help="With --as-of: also evaluate the policy on the whole graph of that time for the node's "
                   "findings (slow on a large store; the current findings are always shown).")
@click.pass_context
def explain(ctx: click.Context, node: str, db: str | None, as_of: str | None, past_findings: bool) -> int:
    """Show every fact about NODE with the evidence behind it: which collector saw it, in which
    file and line (or endpoint and run), when, and whether a newer source replaced it.

    \b
    Examples:
      lineage explain rag.public.chunk_embeddings
      lineage explain rag.public.chunk_embeddings --as-of 2026-05-01 --findings
    """
    from lineage import focused
    from lineage.cli.policy_show import explain_node
    from lineage.services.check import check_graph, run_check
    from lineage.tagging import propagate

    settings = settings_of(ctx, db)
    store = store_of(settings)
    policy = project_of(ctx).policy
    when = parse_as_of(as_of)
    graph = store if when is None else store.as_of(when)  # the graph as it was: the facts valid then
    with store.reading():
        node_id = focused.resolve(graph, node)
        print_node(focused.around(graph, node_id), store, node_id)
        tags = propagate(focused.upstream_part(graph, node_id))
        findings = None
        if when is None:
            findings = run_check(store, policy, about=node_id)
        elif past_findings:  # the findings of another time: the policy on the whole graph of that time
            findings = check_graph(graph_of(settings, when), store, policy)
        explain_node(console, node_id, tags=tags, findings=findings)
    return EXIT_OK
