"""The `lineage` command: a thin layer that parses arguments, loads settings and calls the API.

Exit codes: 0 success; 1 findings, or problems in the sources read (the valid rest is still
stored); 2 usage or input errors (a missing file, an unknown node, a bad option).

What the commands print is built in `cli_show`; `lineage store` and the `--db` option live in
`cli_store`.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import Progress, TaskID

from lineage.cli_show import (
    console,
    err_console,
    print_node,
    print_summary,
    print_walk,
    progress_bar,
    sample_pipelines_dir,
)
from lineage.cli_store import _settings, _store, db_option, store
from lineage.cli_store import _sql_options as _sql_options  # lineage.jobs.runner imports it from here
from lineage.errors import LineageError
from lineage.settings import Settings

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time such as 2026-01-31T12:00:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


as_of_option = click.option("--as-of", "as_of", metavar="TIME",
                            help="Build the graph as it was at this ISO 8601 time (default: now).")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--project", metavar="FILE", help="Project file (default: ./lineage.yaml if present).")
@click.version_option(package_name="lineage-mapper", prog_name="lineage")
@click.pass_context
def cli(ctx: click.Context, project: str | None) -> None:
    """Map where AI pipeline data comes from, where it is cached, which third parties process it,
    where it is stored, whether it is real or synthetic, and who may read or write it.

    \b
    Start here:
      lineage demo --no-serve            collect the sample pipelines and print a summary
      lineage collect PATH...            collect sources (pipeline specs, ...) into the store
      lineage graph upstream NODE        where a node's data comes from
      lineage explain NODE               every fact about a node, with its evidence
      lineage export --format json       the whole graph as JSON
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


# -- collect ------------------------------------------------------------------------------------


def run_collect(settings: Settings, paths: Sequence[str | Path], *, kind: str | None = None,
                strict: bool = False, command: str = "collect",
                sql: dict[str, Any] | None = None) -> dict[str, Any]:
    """Collect `paths` into the store; returns the run's counts and problems."""
    from collectors.discover import collect_file_batches, plan
    from lineage.store import RunRecord

    store = _store(settings)
    store.migrate()
    run = RunRecord(run_id=uuid.uuid4().hex, command=command, started_at=datetime.now(UTC))
    work = plan(list(paths), kind=kind)
    options: dict[str, dict[str, Any]] = {}
    problems = list(work.problems)  # problems with the paths themselves: errors are usage errors
    stored = skipped = refused = 0
    with progress_bar() as progress:
        task = progress.add_task("collecting", total=len(work.work))
        for collector, path in work.work:
            progress.update(task, description=f"collecting {escape(path.name)}")
            if collector.name == "sql" and "sql" not in options:
                options["sql"] = _sql_options(store, sql or {})
            # a large event log comes in chunks (flat memory), stored through one write session;
            # --strict needs the whole file first
            unchanged = True
            within = _file_task(progress, path)
            with store.writer(max_hold_s=5.0) as session:
                for batch in collect_file_batches(collector, path, max_bytes=settings.max_source_bytes,
                                                  options=options, stream=not strict):
                    if within is not None and batch.raw:
                        progress.advance(within, len(batch.raw.content) + 1)
                    problems.extend(batch.problems)
                    if strict and batch.problems:
                        refused += 1
                        unchanged = False
                    else:
                        result = session.ingest(batch)
                        stored += result.facts
                        unchanged = unchanged and result.skipped
            skipped += unchanged
            if within is not None:
                progress.remove_task(within)
            progress.advance(task)
    run.finished_at = datetime.now(UTC)
    run.sources, run.facts, run.problems = len(work.work), stored, len(problems)
    run.status = "failed" if any(p.severity == "error" for p in problems) else "ok"
    run.detail = {"paths": [str(p) for p in paths], "skipped_unchanged": skipped, "refused": refused}
    store.record_run(run)
    return {"sources": len(work.work), "facts": stored, "unchanged": skipped, "refused": refused,
            "problems": problems, "ignored_files": work.skipped,
            "path_problems": sum(p.severity == "error" for p in work.problems)}


def _file_task(progress: Progress, path: Path) -> TaskID | None:
    """A second bar for a file large enough to be read in chunks: its bytes (indeterminate when
    gzipped, since what it expands to is not known)."""
    from collectors.discover import STREAM_OVER_BYTES

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            gzipped = fh.read(2) == b"\x1f\x8b"
    except OSError:
        return None
    if size <= STREAM_OVER_BYTES:
        return None
    return progress.add_task(f"  {escape(path.name)}", total=None if gzipped else size)


def _report_collect(result: dict[str, Any]) -> int:
    for problem in result["problems"]:
        err_console.print(escape(str(problem)), style="red" if problem.severity == "error" else "yellow")
    errors = sum(1 for p in result["problems"] if p.severity == "error")
    console.print(
        f"Collected {result['sources']} source(s): {result['facts']} new fact(s), "
        f"{result['unchanged']} unchanged, {errors} error(s), {len(result['problems']) - errors} warning(s)"
        + (f", {result['refused']} refused (--strict)" if result["refused"] else "")
        + (f"; {result['ignored_files']} other file(s) ignored" if result["ignored_files"] else "")
    )
    if result["path_problems"]:
        return EXIT_USAGE
    return EXIT_FINDINGS if errors else EXIT_OK


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--kind", metavar="KIND", help="Read every file as this kind instead of detecting it (e.g. spec).")
@click.option("--strict", is_flag=True, help="Store nothing from a source that has any problem; exit 1.")
@click.option("--dialect", metavar="NAME", help="SQL dialect of .sql files and query logs (default: generic).")
@click.option("--namespace", metavar="NS", help="Namespace of the tables SQL names (default: the dialect's).")
@click.option("--schema", "schema_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="JSON of table columns for SQL (expands SELECT *).")
@click.pass_context
def collect(ctx: click.Context, paths: tuple[str, ...], db: str | None, kind: str | None, strict: bool,
            dialect: str | None, namespace: str | None, schema_file: str | None) -> int:
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
    return _report_collect(run_collect(_settings(ctx, db), paths, kind=kind, strict=strict, sql=sql))


# -- graph queries ----------------------------------------------------------------------------------


def _graph(settings: Settings, as_of: datetime | None = None) -> Any:
    from lineage.graph import load_graph

    return load_graph(_store(settings), as_of)


@cli.group()
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
        g = _graph(_settings(ctx, db), _as_of(as_of))
        node_id = g.resolve(node)
        walk = g.upstream if direction == "upstream" else g.downstream
        print_walk(g, node_id, direction, walk(node_id, depth=depth, kinds=kinds or None), fmt)
        return EXIT_OK

    command.__doc__ = (
        f"List the nodes {direction} of NODE, nearest first.\n\n"
        "NODE is a full id (dataset:NAMESPACE:NAME), a name, or any unique part of an id.\n\n"
        f"\b\nExample:\n  lineage graph {direction} vectors --depth 2 --kind dataset"
    )
    return command


graph.command("upstream")(_walk_command("upstream"))
graph.command("downstream")(_walk_command("downstream"))


@cli.command()
@click.argument("node")
@db_option
@as_of_option
@click.pass_context
def explain(ctx: click.Context, node: str, db: str | None, as_of: str | None) -> int:
    """Show every fact about NODE with the evidence behind it: which collector saw it, in which
    file and line (or endpoint and run), when, and whether a newer source replaced it."""
    settings = _settings(ctx, db)
    g = _graph(settings, _as_of(as_of))
    node_id = g.resolve(node)
    print_node(g, _store(settings), node_id)
    from lineage.policy.show import explain_node

    explain_node(console, g, _store(settings), node_id, ctx.obj.get("project") if ctx.obj else None)
    return EXIT_OK


# -- export -----------------------------------------------------------------------------------------


def _policy_evaluate() -> Any:
    """`lineage.policy.evaluate` when the policy engine is installed, else None."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("lineage.policy") is None:
        return None
    return importlib.import_module("lineage.policy").evaluate


def _export_formats() -> list[str]:
    from lineage.exports import FORMATS

    return list(FORMATS)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(_export_formats()), default="json", show_default=True,
              help="json: the interchange format (README); graphml, gexf: every attribute; dot, mermaid: pictures; "
                   "html: one offline page; csv: one table (edges with node names; --table for another), or "
                   "every table with -o FILE.zip or -o DIR/; markdown: a PR report; cyclonedx: "
                   "CycloneDX 1.6; openlineage: events (docs/exports.md).")
@click.option("-o", "--output", type=click.Path(writable=True),
              help="Write here instead of stdout. csv: FILE.zip gets every table in one zip, DIR/ (or an existing "
                   "folder) one CSV per table, any other FILE one CSV table.")
@click.option("--focus", metavar="NODE",
              help="Export only this node's neighbourhood (an id, a name, or a unique part of one).")
@click.option("--depth", type=click.IntRange(min=0), help="With --focus: keep nodes within N edges (default: all).")
@click.option("--upstream", is_flag=True, help="With --focus: only what the node depends on.")
@click.option("--downstream", is_flag=True, help="With --focus: only what depends on the node.")
@click.option("--table", type=click.Choice(["nodes", "edges", "impact"]),
              help="csv: the one table to write (default: edges); with -o DIR/ only this table's file.")
@click.option("--baseline", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="markdown: a json export to compare with; the report lists new findings and new flows.")
@db_option
@as_of_option
@click.pass_context
def export(ctx: click.Context, fmt: str, output: str | None, focus: str | None, depth: int | None, upstream: bool,
           downstream: bool, table: str | None, baseline: str | None, db: str | None, as_of: str | None) -> int:
    """Export the graph (or one node's neighbourhood) with its findings.

    \b
    Examples:
      lineage export --format html -o lineage.html
      lineage export --format dot --focus vectors --depth 2 | dot -Tsvg > vectors.svg
      lineage export --format csv -o edges.csv
      lineage export --format csv -o lineage.zip
      lineage export --format csv --table impact --focus app.public.users
      lineage export --format markdown --baseline main.json > report.md
    """
    from lineage.exports import interchange, tables
    from lineage.exports.request import render

    when = _as_of(as_of)
    layout = None
    if fmt == "csv":
        try:
            layout = tables.layout(output, table)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    elif output and (output.endswith(("/", os.sep)) or Path(output).is_dir()):
        raise click.UsageError(f"{output} is a folder; {fmt} is one file: give -o FILE")
    base = interchange.read(Path(baseline).read_bytes()) if baseline else None
    graph = _graph(_settings(ctx, db), when)

    def rendered(one: str | None) -> str | bytes:
        return render(graph, fmt, focus=focus, depth=depth, upstream=upstream, downstream=downstream, as_of=when,
                      table=one, baseline=base, evaluate=_policy_evaluate())

    if layout == "folder" and output:
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        names = [table] if table else list(tables.TABLES)
        for name in names:
            text = rendered(name)
            (folder / f"{name}.csv").write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        err_console.print(f"wrote {', '.join(f'{n}.csv' for n in names)} in {escape(output)}")
        return EXIT_OK
    one_table = (table or tables.DEFAULT_TABLE) if layout == "table" else table
    result = rendered(one_table)
    data = result.encode("utf-8") if isinstance(result, str) else result
    what = ""
    if layout == "zip":
        what = f" (a zip of {', '.join(f'{n}.csv' for n in tables.TABLES)})"
    elif layout == "table":
        what = f" (the {one_table} table as CSV" + ("" if table else "; --table nodes|edges|impact for another, "
                                                    "-o FILE.zip or -o DIR/ for all three") + ")"
    if output:
        Path(output).write_bytes(data)
        err_console.print(f"wrote {escape(output)}{escape(what)}")
    elif isinstance(result, bytes) and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is a binary file; write it with -o FILE")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return EXIT_OK


# -- demo -------------------------------------------------------------------------------------------


@cli.command()
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
    settings = _settings(ctx, db)
    folder = Path(path) if path else sample_pipelines_dir()
    started = time.monotonic()
    result = run_collect(settings, [folder], command="demo")
    code = _report_collect(result)
    print_summary(_graph(settings))
    from lineage.policy.show import demo_findings

    demo_findings(console, _store(settings), ctx.obj.get("project") if ctx.obj else None)
    from lineage.store import display_location

    console.print(f"Store: {escape(display_location(settings.db))}  ({time.monotonic() - started:.1f} s)")
    if not no_serve:
        from lineage.app_command import serve_app

        return serve_app(settings.db) or code
    return code


from lineage.app_command import app_command  # noqa: E402
from lineage.jobs.command import jobs  # noqa: E402 - the jobs commands live with them
from lineage.policy.command import check  # noqa: E402 - the CI gate lives with the policy engine
from lineage.server.command import serve  # noqa: E402 - the endpoint's command lives with it

cli.add_command(store)
cli.add_command(serve)
cli.add_command(check)
cli.add_command(jobs)
cli.add_command(app_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (default: sys.argv[1:]) and return the exit code."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="lineage",
                          standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        err_console.print("aborted")
        return EXIT_USAGE
    except LineageError as exc:
        err_console.print(f"error: {escape(str(exc))}", style="red")
        return EXIT_USAGE
    return int(result) if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
