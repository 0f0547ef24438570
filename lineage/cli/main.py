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
from rich.markup import escape

from lineage.cli.options import EXIT_OK, EXIT_USAGE
from lineage.cli.show import err_console
from lineage.errors import LineageError

COMMANDS = {"collect": "collect:collect", "graph": "graph:graph", "explain": "graph:explain",
            "export": "export:export", "demo": "collect:demo", "store": "store:store", "serve": "serve:serve",
            "check": "check:check", "jobs": "jobs:jobs", "app": "app:app_command"}
"""Each command and where it is defined (`module:name` in this package), imported only when run
(or listed by --help), so a command pays for its own imports alone."""


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(f"lineage.cli.{module}"), name)
        return command


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

