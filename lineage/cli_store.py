"""`lineage store` (info, rebuild, copy), and how every command reaches the store: the `--db`
option, the settings it overrides, opening the store, and the SQL collector options a store gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from lineage.cli_show import console, err_console, progress_bar
from lineage.settings import DB_HELP, Settings, load_settings

EXIT_OK = 0

db_option = click.option("--db", metavar="STORE", help=DB_HELP)


def _settings(ctx: click.Context, db: str | None) -> Settings:
    return load_settings(ctx.obj.get("project") if ctx.obj else None, db=db)


def _store(settings: Settings) -> Any:
    """The store, with every event an endpoint acknowledged in it (`lineage.server.fold`)."""
    from lineage.server.fold import open_current

    return open_current(settings.db, lock_timeout=settings.lock_timeout)


def _sql_options(store: Any, given: dict[str, Any]) -> dict[str, Any]:
    """SQL collector options: the flags, the parse cache (the store) and the schemas it knows."""
    from collectors.sql.schema import load_schema_file

    known: dict[str, Any] = store.dataset_columns()
    if given.get("schema"):
        known.update(load_schema_file(given["schema"]))
    return {**given, "schema": known or None, "cache": store}


@click.group()
def store() -> None:
    """Look after the store."""


@store.command("info")
@db_option
@click.pass_context
def store_info(ctx: click.Context, db: str | None) -> int:
    """Print the store's location, schema version and row counts."""
    settings = _settings(ctx, db)
    s = _store(settings)
    from lineage.store import display_location

    console.print(f"store: {escape(display_location(settings.db))} (schema version {s.schema_version()})")
    for table, count in s.counts().items():
        console.print(f"  {table}: {count:,}")
    return EXIT_OK


@store.command("rebuild")
@click.option("--to", "target", required=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="The new store to build (must not exist yet).")
@db_option
@click.pass_context
def store_rebuild(ctx: click.Context, target: str, db: str | None) -> int:
    """Build a new store by collecting every kept raw input again with today's collectors.

    Use it after an upgrade changes how sources are read: the old store is left as it is. Inputs
    are collected oldest first, each with the options it was first read with.

    \b
    Example:
      lineage store rebuild --db lineage.duckdb --to rebuilt.duckdb
    """
    from collectors.discover import recollect
    from lineage.store import open_store

    settings = _settings(ctx, db)
    if Path(target).exists():
        raise click.BadParameter(f"{target} exists; choose a new file", param_hint="--to")
    source = _store(settings)
    rebuilt = open_store(target, lock_timeout=settings.lock_timeout)
    rebuilt.migrate()
    raws = list(source.raw_inputs())
    facts = problems = 0
    sql_context: dict[str, Any] | None = None
    with progress_bar() as progress:
        task = progress.add_task("rebuilding", total=len(raws))
        for raw in raws:
            if raw.collector == "sql" and sql_context is None:  # as `collect` does at its first SQL source
                sql_context = _sql_options(rebuilt, {})
            batch = recollect(raw, sql_context if raw.collector == "sql" else None)
            problems += len(batch.problems)
            for problem in batch.problems:
                err_console.print(escape(str(problem)), style="red" if problem.severity == "error" else "yellow")
            facts += rebuilt.ingest(batch).facts
            progress.advance(task)
    console.print(f"Rebuilt {len(raws)} input(s) into {escape(target)}: {facts} fact(s), {problems} problem(s)")
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
    from lineage.server.fold import open_current
    from lineage.store import display_location, open_store
    from lineage.store.copy import copy_store, plan

    settings = _settings(ctx, None)
    if "://" not in source and not Path(source).is_file():
        raise click.BadParameter(f"{source} does not exist", param_hint="--from")
    src = open_current(source, lock_timeout=settings.lock_timeout)
    dst = open_store(target, lock_timeout=settings.lock_timeout)
    total = sum(plan(src, dst).values())
    with progress_bar() as progress:
        task = progress.add_task("copying", total=total)
        copied = copy_store(src, dst, advance=lambda table, rows: progress.update(
            task, advance=rows, description=f"copying {table}"))
    console.print(f"Copied {sum(copied.values()):,} row(s) from {escape(display_location(source))} "
                  f"to {escape(display_location(target))}")
    for table, rows in copied.items():
        console.print(f"  {table}: {rows:,}")
    return EXIT_OK
