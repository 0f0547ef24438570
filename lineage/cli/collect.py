"""`lineage collect` and `lineage demo`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from lineage.cli.options import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    db_option,
    graph_of,
    project_of,
    settings_of,
    store_of,
)
from lineage.cli.show import Bars, console, err_console, print_summary, sample_pipelines_dir
from lineage.project import Project
from lineage.services.collect import CollectResult
from lineage.services.collect import collect as collect_into


def report_collect(result: CollectResult) -> int:
    """Print what a collect did; its exit code."""
    for problem in result.problems:
        err_console.print(escape(str(problem)), style="red" if problem.severity == "error" else "yellow")
    errors = result.errors
    console.print(
        f"Collected {result.sources} source(s): {result.facts} new fact(s), "
        f"{result.unchanged} unchanged, {errors} error(s), {len(result.problems) - errors} warning(s)"
        + (f", {result.refused} refused (--strict)" if result.refused else "")
        + (f"; {result.ignored_files} other file(s) ignored" if result.ignored_files else "")
    )
    if result.path_problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if errors else EXIT_OK


def run_collect(project: Project, paths: Sequence[str | Path], **options: Any) -> CollectResult:
    """`lineage.services.collect.collect` with progress bars on a terminal."""
    with Bars() as bars:
        return collect_into(project, paths, progress=bars, **options)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--kind", metavar="KIND", help="Read every file as this kind instead of detecting it (e.g. spec).")
@click.option("--strict", is_flag=True, help="Store nothing from a source that has any problem; exit 1.")
@click.option("--dialect", metavar="NAME", help="SQL dialect of .sql files and query logs (default: generic).")
@click.option("--namespace", metavar="NS", help="Namespace of the tables SQL names (default: the dialect's).")
@click.option("--schema", "schema_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="JSON of table columns for SQL (expands SELECT *).")
@click.option("--job-namespace", metavar="NS",
              help="Job namespace of dbt's processes, as dbt-ol names them (default: $OPENLINEAGE_NAMESPACE, "
              "else the project file's dbt.job_namespace, else dbt).")
@click.pass_context
def collect(ctx: click.Context, paths: tuple[str, ...], db: str | None, kind: str | None, strict: bool,
            dialect: str | None, namespace: str | None, schema_file: str | None, job_namespace: str | None) -> int:
    """Collect sources into the store.

    PATHS are files or directories (searched recursively). Each file's kind is detected from its
    name and content: pipeline specs (YAML with `version` and `datasets`/`processes`/`flows`), and
    the other kinds listed by `--kind`. Collecting the same unchanged file twice changes nothing;
    a changed file replaces what its previous version said, and the old version stays for
    `--as-of` queries.

    \b
    Examples:
      lineage collect sample_pipelines/
      lineage collect pipeline.yaml --db team.duckdb --strict
    """
    sql = {k: v for k, v in (("dialect", dialect), ("namespace", namespace), ("schema", schema_file)) if v}
    project = project_of(ctx, db).with_collector_options({"dbt": {"job_namespace": job_namespace}})
    return report_collect(run_collect(project, paths, kind=kind, strict=strict, sql=sql))


# -- demo -------------------------------------------------------------------------------------------


@click.command()
@click.option("--no-serve", is_flag=True, help="Only collect and summarise; do not start the dashboard.")
@click.option("--path", "path", type=click.Path(exists=True, file_okay=False),
              help="Folder of pipelines to collect (default: the bundled sample_pipelines/).")
@db_option
@click.pass_context
def demo(ctx: click.Context, no_serve: bool, path: str | None, db: str | None) -> int:
    """Collect every sample AI pipeline into the store and summarise the map.

    The samples are a RAG ingestion pipeline, a fine-tuning pipeline with synthetic data, an agent
    with MCP tools, a feature store, and a warehouse ELT feeding an LLM. Each folder's README lists
    the risks it contains.
    """
    settings = settings_of(ctx, db)
    folder = Path(path) if path else sample_pipelines_dir()
    started = time.monotonic()
    result = run_collect(project_of(ctx, db), [folder], command="demo")
    code = report_collect(result)
    graph = graph_of(settings)
    print_summary(graph)
    from lineage.cli.policy_show import demo_findings

    demo_findings(console, graph, store_of(settings), project_of(ctx).policy)
    from lineage.store import display_location

    console.print(f"Store: {escape(display_location(settings.db))}  ({time.monotonic() - started:.1f} s)")
    if not no_serve:
        from lineage.cli.app import serve_app

        return serve_app(settings.db) or code
    return code
