"""What every command shares: exit codes, the `--db` and `--as-of` options, the settings they
override, and opening the store (current: with every event an endpoint acknowledged in it)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the settings' libraries are imported when a command runs, not for --help
    from lineage.project import Project
    from lineage.settings import Settings

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
DB_HELP = ("The store: a DuckDB file, a postgresql:// URL or a libpq connection string ('host=db dbname=lineage'). "
           "Default ./lineage.duckdb, or env LINEAGE_DB, or `store:` in lineage.yaml.")

db_option = click.option("--db", metavar="STORE", help=DB_HELP)
as_of_option = click.option("--as-of", "as_of", metavar="TIME",
                            help="Build the graph as it was at this ISO 8601 time (default: now).")


def project_of(ctx: click.Context, db: str | None = None) -> Project:
    """The project (`--project FILE`, else ./lineage.yaml), loaded once per command with `--db`
    over the environment and the file, and passed down from here."""
    from lineage.project import load_project

    root = ctx.find_root()
    root.ensure_object(dict)
    if "loaded" not in root.obj:
        root.obj["loaded"] = load_project(root.obj.get("project"), db=db)
    project: Project = root.obj["loaded"]
    return project


def settings_of(ctx: click.Context, db: str | None) -> Settings:
    """The settings, with the project file the group was given and `--db`."""
    return project_of(ctx, db).settings


def store_of(settings: Settings) -> Any:
    """The store, with every event an endpoint acknowledged in it (`lineage.services.fold`);
    opened (and its journal looked at) once per command."""
    return _current(settings.db, settings.lock_timeout)


@functools.cache
def _current(db: str, lock_timeout: float) -> Any:
    from lineage.services.fold import open_current

    return open_current(db, lock_timeout=lock_timeout)


def graph_of(settings: Settings, as_of: datetime | None = None) -> Any:
    from lineage.graph import load_graph

    return load_graph(store_of(settings), as_of)


def parse_as_of(value: str | None) -> datetime | None:
    """`--as-of` as a time (UTC when it names no zone)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time such as 2026-01-31T12:00:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
