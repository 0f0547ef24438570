"""`lineage check`: the CI gate. Evaluates the policy on the store and fails on open findings.

Exit codes: 0 no open finding at or above `--fail-on` (outside the baseline); 1 there is one;
2 usage or input errors (a bad option, an invalid lineage.yaml, an unreadable baseline or store).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lineage.cli.options import EXIT_FINDINGS, EXIT_OK, db_option, project_of, store_of
from lineage.cli.show import err_console
from lineage.severity import SEVERITIES, at_least

if TYPE_CHECKING:
    from lineage.policy.finding import Finding
    from lineage.policy.project import PolicyConfig

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def _version() -> str:
    try:
        return version("lineage-mapper")
    except PackageNotFoundError:
        return "0.0.0"


def print_table(console: Console, findings: Sequence[Finding], *, title: str = "Findings") -> None:
    """The findings as a readable table, open ones first."""
    table = Table("severity", "rule", "status", "finding", "fingerprint", title=title, title_justify="left")
    for f in sorted(findings, key=lambda f: not f.is_open):
        table.add_row(f"[{_STYLE[f.severity]}]{f.severity}[/]", escape(f.rule_id), escape(f.status),
                      escape(f.message), f.fingerprint[:12])
    console.print(table)


def _report(fmt: str, findings: list[Finding], config: PolicyConfig, *, now: datetime, threshold: str) -> str:
    """The findings as a json, sarif or markdown report."""
    from lineage.policy.report import json_report, markdown, sarif
    from lineage.policy.rules import RULES

    if fmt == "json":
        return json_report.dumps(findings, generated_at=now)
    if fmt == "sarif":
        ran = [*(r for r in RULES if r.id not in config.disabled), *config.rules]
        return json.dumps(sarif.to_sarif(findings, ran, root=Path.cwd(), version=_version(),
                                         fallback=config.source or "lineage.yaml"), indent=2) + "\n"
    return markdown.render(findings, fail_on=threshold)


def _write_table(findings: list[Finding], output: str | None, console: Console, err: Console, limit: int) -> None:
    shown = findings[:limit] if limit else findings  # most severe first
    if not output:
        print_table(console, shown)
    else:
        with Path(output).open("w", encoding="utf-8") as handle:
            print_table(Console(file=handle, width=160, highlight=False, emoji=False, soft_wrap=True), shown)
        err.print(f"wrote {escape(output)}")
    if len(shown) < len(findings):
        err.print(f"the {len(shown)} most severe of {len(findings)} findings shown; --limit 0 shows all, "
                  "--format json, sarif or markdown writes all")


def _write_report(text: str, output: str | None, err: Console) -> None:
    if not output:
        sys.stdout.write(text)
        return
    Path(output).write_text(text, encoding="utf-8")
    err.print(f"wrote {escape(output)}")


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "markdown"]), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES[::-1]),
              help="Exit 1 when an open finding at or above this severity exists (default: policy.fail_on, "
                   "else high).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="A previous report (--format json or sarif): fail only on findings not in it.")
@click.option("--limit", type=click.IntRange(min=0), default=200, show_default=True,
              help="Show at most this many findings in the text table, most severe first (0: all).")
@click.pass_context
def check(ctx: click.Context, db: str | None, fmt: str, output: str | None, fail_on: str | None,
          baseline: str | None, limit: int) -> int:
    """Evaluate the policy on the lineage map and fail the build on open risky findings.

    Runs every built-in rule and the custom rules of lineage.yaml, applies the reviews kept in the
    store and in lineage.yaml (expired reviews reopen their finding), and prints the findings.

    \b
    Exit codes:
      0  no open finding at or above --fail-on (outside the baseline)
      1  at least one such finding
      2  usage or input error (bad option, invalid lineage.yaml, unreadable baseline)

    \b
    Examples:
      lineage check
      lineage check --format sarif -o lineage.sarif --fail-on high
      lineage check --format json -o baseline.json     # accept today's findings ...
      lineage check --baseline baseline.json           # ... and fail only on new ones
    """
    from lineage.policy.report import json_report
    from lineage.services.check import run_check

    project = project_of(ctx, db)
    settings, config = project.settings, project.policy
    threshold = fail_on or config.fail_on or "high"
    known: frozenset[str] = frozenset()
    baseline_at = None
    if baseline:
        known, baseline_at = json_report.baseline_fingerprints(Path(baseline).read_text(encoding="utf-8"), baseline)
    store = store_of(settings)
    now = datetime.now(UTC)
    findings = run_check(store, config, now=now, baseline_at=baseline_at)
    failing = [f for f in findings if f.is_open and at_least(f.severity, threshold) and f.fingerprint not in known]
    console = Console(highlight=False, emoji=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    err = err_console
    if fmt == "text":
        _write_table(findings, output, console, err, limit)
    else:
        _write_report(_report(fmt, findings, config, now=now, threshold=threshold), output, err)
    new = f" not in the baseline {escape(baseline)}" if baseline else ""
    (err if fmt != "text" or output else console).print(
        f"{len(findings)} finding(s), {sum(f.is_open for f in findings)} open; "
        f"{len(failing)} open at or above {threshold}{new}: " + ("FAIL" if failing else "pass"))
    return EXIT_FINDINGS if failing else EXIT_OK
