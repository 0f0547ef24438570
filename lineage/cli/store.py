"""`lineage store` (info, rebuild, copy)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from lineage.cli.options import EXIT_OK, db_option, project_of, settings_of, store_of
from lineage.cli.show import Bars, console, err_console


@click.group()
def store() -> None:
    """Look after the store."""


@store.command("info")
@db_option
@click.pass_context
def store_info(ctx: click.Context, db: str | None) -> int:
    """Print the store's location, schema version and row counts."""
    settings = settings_of(ctx, db)
    s = store_of(settings)
    from lineage.store import display_location

    console.print(f"store: {escape(display_location(settings.db))} (schema version {s.schema_version()})")
    for table, count in s.counts().items():
        console.print(f"  {table}: {count:,}")
    return EXIT_OK


@store.command("rebuild")
@click.option("--to", "target", metavar="FILE", type=click.Path(dir_okay=False),
              help="Build a new store here (must not exist yet) by collecting every raw input again.")
@db_option
@click.pass_context
def store_rebuild(ctx: click.Context, target: str | None, db: str | None) -> int:
    """Work the current graph out again from the stored facts; with --to, build a new store by
    collecting every kept raw input again with today's collectors.

    The store keeps the current graph (merged nodes, edges, column lineage) up to date with every
    ingest; rebuilding it in place is never needed for correctness, but it is cheap and checks
    nothing was missed. Use --to after an upgrade changes how sources are read: the old store is
    left as it is; inputs are collected oldest first, each with the options it was first read with.

    \b
    Examples:
      lineage store rebuild --db lineage.duckdb
      lineage store rebuild --db lineage.duckdb --to rebuilt.duckdb
    """
    from lineage.services.collect import rebuild
    from lineage.store import open_store

    settings = settings_of(ctx, db)
    if target is None:
        s = store_of(settings)
        with err_console.status("working the current graph out from the facts"):
            s.rebuild_current()
        stats = s.current_stats()
        console.print(f"Rebuilt the current graph: {stats['nodes']:,} node(s), {stats['edges']:,} edge(s), "
                      f"{stats['column_lineage']:,} column lineage entries")
        return EXIT_OK
    if Path(target).exists():
        raise click.BadParameter(f"{target} exists; choose a new file", param_hint="--to")
    with Bars() as bars:
        result = rebuild(store_of(settings), open_store(target, lock_timeout=settings.lock_timeout),
                         options=project_of(ctx, db).collector_options(), progress=bars)
    for problem in result.problems:
        err_console.print(escape(str(problem)), style="red" if problem.severity == "error" else "yellow")
    console.print(f"Rebuilt {result.inputs} input(s) into {escape(target)}: {result.facts} fact(s), "
                  f"{len(result.problems)} problem(s)")
    return EXIT_OK


@store.command("copy")
@click.option("--from", "source", required=True, metavar="STORE",
              help="The store to copy: a DuckDB file or a postgresql:// URL.")
@click.option("--to", "target", required=True, metavar="STORE",
              help="The empty store to copy into: a DuckDB file or a postgresql:// URL.")
@click.pass_context
def store_copy(ctx: click.Context, source: str, target: str) -> int:
    """Copy a whole store to another backend: DuckDB to PostgreSQL, or back.

    Raw inputs, facts, problems, runs, reviews, job states and caches are copied as they are, so
    history and time travel carry over. The target must be empty; a failed copy leaves it empty.

    \b
    Example:
      lineage store copy --from lineage.duckdb --to postgresql://lineage@db:5432/lineage
    """
    from lineage.services.fold import open_current
    from lineage.store import display_location, open_store
    from lineage.store.copy import copy_store, plan

    settings = settings_of(ctx, None)
    if "://" not in source and not Path(source).is_file():
        raise click.BadParameter(f"{source} does not exist", param_hint="--from")
    src = open_current(source, lock_timeout=settings.lock_timeout)
    dst = open_store(target, lock_timeout=settings.lock_timeout)
    total = sum(plan(src, dst).values())
    with Bars() as bars:
        task = bars.begin("copying", total)
        copied = copy_store(src, dst, advance=lambda table, rows: bars.advance(task, rows, label=f"copying {table}"))
    console.print(f"Copied {sum(copied.values()):,} row(s) from {escape(display_location(source))} "
                  f"to {escape(display_location(target))}")
    for table, rows in copied.items():
        console.print(f"  {table}: {rows:,}")
    return EXIT_OK
