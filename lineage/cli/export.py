"""`lineage export`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.markup import escape

from lineage.cli.options import EXIT_OK, as_of_option, db_option, graph_of, parse_as_of, settings_of, store_of
from lineage.cli.show import err_console


def _export_formats() -> list[str]:
    from lineage.exports import FORMATS

    return list(FORMATS)


@click.command()
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
@click.option("--runs", type=click.IntRange(min=1), metavar="N",
              help="json: add each process's latest N runs (its run history, a report: not read back).")
@db_option
@as_of_option
@click.pass_context
def export(ctx: click.Context, fmt: str, output: str | None, focus: str | None, depth: int | None, upstream: bool,
           downstream: bool, table: str | None, baseline: str | None, runs: int | None, db: str | None,
           as_of: str | None) -> int:
    """Export the graph (or one node's neighbourhood) with its findings.

    \b
    Examples:
      lineage export --format html -o lineage.html
      lineage export --format dot --focus vectors --depth 2 | dot -Tsvg > vectors.svg
      lineage export --format csv -o edges.csv
      lineage export --format csv -o lineage.zip
      lineage export --format csv --table impact --focus app.public.users
      lineage export --format markdown --baseline main.json > report.md
      lineage export --format json --runs 20 -o lineage.json
    """
    from lineage.exports import interchange, tables
    from lineage.exports.request import render
    from lineage.policy import evaluate

    when = parse_as_of(as_of)
    layout = None
    if fmt == "csv":
        try:
            layout = tables.layout(output, table)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    elif output and (output.endswith(("/", os.sep)) or Path(output).is_dir()):
        raise click.UsageError(f"{output} is a folder; {fmt} is one file: give -o FILE")
    base = interchange.read(Path(baseline).read_bytes()) if baseline else None
    settings = settings_of(ctx, db)
    graph = graph_of(settings, when)
    history = None
    if runs is not None:
        history = store_of(settings).recent_runs(runs)
        if when is not None:  # the runs that had started by then
            history = {p: [r for r in found if r.started_at <= when] for p, found in history.items()}

    def rendered(one: str | None) -> str | bytes:
        return render(graph, fmt, focus=focus, depth=depth, upstream=upstream, downstream=downstream, as_of=when,
                      table=one, baseline=base, evaluate=evaluate, runs=history)

    if layout == "folder" and output:
        _write_folder(Path(output), [table] if table else list(tables.TABLES), rendered)
        return EXIT_OK
    one_table = (table or tables.DEFAULT_TABLE) if layout == "table" else table
    _write_one(fmt, rendered(one_table), output, _what(layout, one_table, table))
    return EXIT_OK


def _bytes(result: str | bytes) -> bytes:
    return result.encode("utf-8") if isinstance(result, str) else result


def _write_folder(folder: Path, names: list[str], rendered: Callable[[str | None], str | bytes]) -> None:
    """One CSV file per table in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.csv").write_bytes(_bytes(rendered(name)))
    err_console.print(f"wrote {', '.join(f'{n}.csv' for n in names)} in {escape(str(folder))}")


def _what(layout: str | None, one_table: str | None, asked: str | None) -> str:
    """What a CSV export's one file holds, said after its name."""
    from lineage.exports import tables

    if layout == "zip":
        return f" (a zip of {', '.join(f'{n}.csv' for n in tables.TABLES)})"
    if layout == "table":
        return f" (the {one_table} table as CSV" + ("" if asked else "; --table nodes|edges|impact for another, "
                                                    "-o FILE.zip or -o DIR/ for all three") + ")"
    return ""


def _write_one(fmt: str, result: str | bytes, output: str | None, what: str) -> None:
    """The export to `output`, else to standard output (never binary data to a terminal)."""
    if output:
        Path(output).write_bytes(_bytes(result))
        err_console.print(f"wrote {escape(output)}{escape(what)}")
    elif isinstance(result, bytes) and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is a binary file; write it with -o FILE")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(_bytes(result))
        sys.stdout.buffer.flush()
