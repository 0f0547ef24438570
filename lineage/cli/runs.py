"""`lineage runs NODE`: the run history of a process, as its OpenLineage events reported it."""

from __future__ import annotations

import json

import click

from lineage.cli.options import EXIT_OK, db_option, settings_of, store_of


@click.command()
@click.argument("node")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Show the latest N runs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
@click.pass_context
def runs(ctx: click.Context, node: str, limit: int, fmt: str, db: str | None) -> int:
    """Show process NODE's runs, newest first: state, start, end, duration, error and parent.

    NODE is a full id (process:NAMESPACE:NAME), a name, or any unique part of an id. Runs come from
    the events producers sent (OpenLineage): a run's state is its latest event's, and the error is
    the one its failure reported; the process itself shows its latest run.

    \b
    Example:
      lineage runs jaffle.customers --limit 5
    """
    from rich.markup import escape
    from rich.table import Table

    from lineage import focused
    from lineage.cli.show import console

    store = store_of(settings_of(ctx, db))
    with store.reading():
        node_id = focused.resolve(store, node)
        found = store.runs_of(node_id, limit)
    if fmt == "json":
        console.file.write(json.dumps({"node": node_id, "runs": [r.as_json() for r in found]}, indent=2) + "\n")
        return EXIT_OK
    if not found:
        console.print(f"{escape(node_id)}: no runs reported (runs come from OpenLineage events)")
        return EXIT_OK
    table = Table(title=escape(node_id), title_justify="left")
    table.add_column("run", overflow="fold")  # a run id is copied whole: folded, never cut short
    for name in ("state", "started", "ended", "duration"):
        table.add_column(name, no_wrap=True)
    table.add_column("error", overflow="fold")
    parents = any(r.parent for r in found)
    if parents:
        table.add_column("parent (run)", overflow="fold")
    for r in found:
        parent = [escape(f"{r.parent or ''}{f' ({r.parent_run})' if r.parent_run else ''}")] if parents else []
        table.add_row(escape(r.run_id), escape(r.state), r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                      r.ended_at.strftime("%Y-%m-%d %H:%M:%S") if r.ended_at else "",
                      f"{r.duration_s:.1f} s" if r.duration_s is not None else "", escape(r.error or ""), *parent)
    console.print(table)
    return EXIT_OK
