"""The `lineage` command: a thin layer that parses arguments, loads settings and calls the API.

Exit codes: 0 success; 1 findings, or problems in the sources read (the valid rest is still
stored); 2 usage or input errors (a missing file, an unknown node, a bad option).

Each command (or group) lives in its own module of this package and calls the services
(`lineage.services`); what they print is built in `lineage.cli.show`, the options they share in
`lineage.cli.options`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import click
from click.utils import make_default_short_help
from rich.markup import escape

from lineage.cli.options import EXIT_OK, EXIT_USAGE
from lineage.cli.show import err_console
from lineage.errors import LineageError
from lineage.perf import freeze_after_pauses

COMMANDS = {
    "app": ("app:app_command",
            "Serve the dashboard: overview, explore, node detail, third parties, paths, findings, identities, "
            "history, collectors."),
    "check": ("check:check", "Evaluate the policy on the lineage map and fail the build on open risky findings."),
    "collect": ("collect:collect", "Collect sources into the store."),
    "demo": ("collect:demo", "Collect every sample AI pipeline into the store and summarise the map."),
    "explain": ("graph:explain", "Show every fact about NODE with the evidence behind it: which collector saw it, "
                                 "in which file and line (or endpoint and run), when, and whether a newer source "
                                 "replaced it."),
    "export": ("export:export", "Export the graph (or one node's neighbourhood) with its findings."),
    "graph": ("graph:graph", "Walk the lineage: what a node depends on, or what depends on it."),
    "jobs": ("jobs:jobs", "Scheduled collector jobs (the `jobs:` section of lineage.yaml) and production monitoring."),
    "runs": ("runs:runs", "Show process NODE's runs, newest first: state, start, end, duration, error and parent."),
    "serve": ("serve:serve", "Run the OpenLineage endpoint: POST /api/v1/lineage (and /api/v1/lineage/batch)."),
    "store": ("store:store", "Look after the store."),
}
"""Each command: where it is defined (`module:name` in this package), imported only when run, and
the first sentence of its help, which `--help` lists without importing it (a test checks they
agree), so a command pays for its own imports alone."""


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name][0].split(":")
        command: click.Command = getattr(importlib.import_module(f"lineage.cli.{module}"), name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [(name, make_default_short_help(summary, limit)) for name, (_, summary) in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    if ctx.obj.get("own_process") and ctx.invoked_subcommand not in _LONG_RUNNING:
        freeze_after_pauses()  # the command ends soon: no collector pass over the graphs it builds


_LONG_RUNNING = frozenset({"serve", "app", "jobs"})
"""Commands that may run for days: objects they build must stay collectable (`freeze_after_pauses`)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (default: sys.argv[1:], the command line of this process) and return
    the exit code."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="lineage",
                          standalone_mode=False, obj={"own_process": argv is None})
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

