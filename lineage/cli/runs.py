"""`lineage runs NODE`: the run history of a process, as its OpenLineage events reported it."""

from __future__ import annotations

import json
from typing import Any

import click

from lineage.cli.options import EXIT_OK, db_option, settings_of, store_of


@click.command()
@click.argument("node")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Show the latest N runs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--facets", "with_facets", is_flag=True,
              help="Also show the job and run facets of each run's latest event (read from the kept events).")
@db_option
@click.pass_context
def runs(ctx: click.Context, node: str, limit: int, fmt: str, with_facets: bool, db: str | None) -> int:
    """Show process NODE's runs, newest first: state, start, end, duration, error and parent.

    NODE is a full id (process:NAMESPACE:NAME), a name, or any unique part of an id. Runs come from
    the events producers sent (OpenLineage): a run's state is its latest event's, and the error is
    the one its failure reported; the process itself shows its latest run.

    \b
    Examples:
      lineage runs jaffle.customers --limit 5
      lineage runs shop_sql.build_customer_totals --facets --format json
    """
    from rich.markup import escape
    from rich.table import Table

    from lineage import focused
    from lineage.cli.show import console

    store = store_of(settings_of(ctx, db))
    with store.reading():
        node_id = focused.resolve(store, node)
        found = store.runs_of(node_id, limit)
        facets = _facets(store.run_events(node_id, [r.run_id for r in found])) if with_facets else {}
    if fmt == "json":
        console.file.write(json.dumps({"node": node_id, "runs": [
            {**r.as_json(), **({"facets": facets.get(r.run_id, [])} if with_facets else {})} for r in found]},
            indent=2) + "\n")
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
    if with_facets:
        table.add_column("facets", overflow="fold")
    for r in found:
        more = [escape(f"{r.parent or ''}{f' ({r.parent_run})' if r.parent_run else ''}")] if parents else []
        if with_facets:
            more.append(escape(", ".join(f"{f['where']}.{f['facet']}" for f in facets.get(r.run_id, []))))
        table.add_row(escape(r.run_id), escape(r.state), r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                      r.ended_at.strftime("%Y-%m-%d %H:%M:%S") if r.ended_at else "",
                      f"{r.duration_s:.1f} s" if r.duration_s is not None else "", escape(r.error or ""), *more)
    console.print(table)
    return EXIT_OK


def _facets(events: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Each run's job and run facets (`where`, `facet`, `value`: read into the attributes, or JSON)."""
    from collectors.openlineage.facets import event_facets

    return {run: [{"where": where, "facet": name, "value": shown} for where, name, shown in event_facets(event)]
            for run, event in events.items()}
