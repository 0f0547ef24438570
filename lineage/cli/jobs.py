"""`lineage jobs`: list the scheduled collector jobs, run them once, or run the scheduler.

Exit codes of `jobs run`: 0 every run ok; 1 a run failed or its sources had errors (the valid
rest is stored); 2 usage or configuration errors; 3 a job was already running elsewhere and was
not run (`--wait` to wait for it). `jobs run` and `jobs schedule` write their reports and logs to
standard error, so standard output carries only alerts (a `stdout` sink) as JSON lines.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from lineage.cli.options import EXIT_OK, db_option, project_of, store_of
from lineage.cli.show import console as out
from lineage.cli.show import err_console as err
from lineage.jobs.config import JobConfig, JobsConfig

EXIT_FAILED, EXIT_BUSY = 1, 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log_option = click.option("--log-level", default=None, type=click.Choice(["debug", "info", "warning", "error"]),
                          help="Log detail on standard error.")


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, stream=sys.stderr, force=True)


def _chosen(cfg: JobsConfig, names: tuple[str, ...], run_all: bool) -> list[JobConfig]:
    if not cfg.jobs:
        where = cfg.source or "lineage.yaml (none found)"
        raise click.UsageError(f"no jobs are defined in {where}; see docs/jobs.md")
    if run_all and names:
        raise click.UsageError("give job names or --all, not both")
    if not run_all and not names:
        raise click.UsageError("name the job(s) to run, or pass --all")
    return list(cfg.jobs) if run_all else [cfg.job(n) for n in names]


@click.group()
def jobs() -> None:
    """Scheduled collector jobs (the `jobs:` section of lineage.yaml) and production monitoring.

    \b
    Examples:
      lineage jobs list
      lineage jobs run airflow-events           once, e.g. from cron or a systemd timer
      lineage jobs run --all                    every job once (a Kubernetes CronJob)
      lineage jobs schedule                     run every job on its schedule until SIGTERM
    """


@jobs.command("list")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def list_jobs(ctx: click.Context, db: str | None, fmt: str) -> int:
    """List the jobs with their schedule, next time and last run."""
    project = project_of(ctx, db)
    cfg, store = project.jobs, store_of(project.settings)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for job in cfg.jobs:
        last = next(iter(store.job_runs(job.name, limit=1)), None)
        rule = job.schedule_rule
        rows.append({
            "name": job.name, "collector": job.collector or "detect", "schedule": rule.describe(),
            "next": (now if rule.interval is not None else rule.next_after(now)).isoformat(timespec="seconds"),
            "sources": list(job.sources),
            "last_run": None if last is None else {
                "run_id": last.run_id, "status": last.status, "started_at": last.started_at.isoformat(),
                "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                "facts": last.facts, "problems": last.problems, "new_flows": last.detail.get("new_flows")},
        })
    if fmt == "json":
        sys.stdout.write(json.dumps({"source": cfg.source, "jobs": rows}, indent=2) + "\n")
        return EXIT_OK
    if not rows:
        out.print(f"No jobs in {escape(cfg.source or 'lineage.yaml (none found)')}; see docs/jobs.md.")
        return EXIT_OK
    table = Table("job", "collector", "schedule", "sources", "last run", title=f"Jobs in {cfg.source}",
                  title_justify="left")
    for r in rows:
        last = r["last_run"]
        when = "never" if last is None else (
            f"{last['status']} {last['started_at'][:19]}, {last['facts']} fact(s), {last['problems']} problem(s)")
        table.add_row(escape(r["name"]), escape(r["collector"]), escape(r["schedule"]),
                      escape(", ".join(r["sources"])), escape(when))
    out.print(table)
    return EXIT_OK


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` (in the main thread) until the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        err.print(f"{signal.Signals(signum).name}: stopping after the batch in hand")
        stop.set()

    saved = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, previous in saved.items():
            signal.signal(s, previous)


@jobs.command("run")
@click.argument("names", nargs=-1)
@click.option("--all", "run_all", is_flag=True, help="Run every job once.")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
              help="When a job is already running elsewhere, wait this long for it instead of exiting 3.")
@db_option
@log_option
@click.pass_context
def run(ctx: click.Context, names: tuple[str, ...], run_all: bool, wait: float, db: str | None,
        log_level: str | None) -> int:
    """Run jobs once: read what changed in their sources, store it, and alert on what is new."""
    from lineage.services.jobs.lock import JobBusy
    from lineage.services.jobs.runner import run_job

    _logging(log_level or "warning")
    project = project_of(ctx, db)
    chosen = _chosen(project.jobs, names, run_all)
    stop = threading.Event()
    failed = busy = False
    for job in chosen:
        if stop.is_set():
            break
        try:
            with _stop_on_signals(stop):
                outcome = run_job(job, project, wait=wait, stop=stop)
        except JobBusy as exc:
            err.print(f"error: {escape(str(exc))}", style="red")
            busy = True
            continue
        for problem in outcome.problems:
            err.print(escape(str(problem)), style="red" if problem.severity == "error" else "yellow")
        for failure in outcome.delivery_failures:
            err.print(f"alert not delivered: {escape(failure)}", style="yellow")
        if outcome.error:
            err.print(f"error: {escape(outcome.error)}", style="red")
        err.print(escape(outcome.summary()))
        failed = failed or outcome.status != "ok"
    return EXIT_FAILED if failed else (EXIT_BUSY if busy else EXIT_OK)


@jobs.command("schedule")
@click.argument("names", nargs=-1)
@db_option
@log_option
@click.pass_context
def schedule(ctx: click.Context, names: tuple[str, ...], db: str | None, log_level: str | None) -> int:
    """Run every job (or the NAMES given) on its schedule until SIGTERM or SIGINT.

    A run in progress finishes storing the batch in hand and records itself before the scheduler
    exits 0. Run it as a service (docs/jobs.md has a systemd unit and a Kubernetes Deployment).
    """
    from lineage.scheduler import Scheduler

    _logging(log_level or "info")
    project = project_of(ctx, db)
    chosen = _chosen(project.jobs, names, run_all=not names)
    scheduler = Scheduler(project, chosen)
    scheduler.install_signals()
    logging.getLogger("lineage.jobs").info("scheduler: started with %d job(s), store %s, pid %d", len(chosen),
                                           project.settings.db, os.getpid())
    scheduler.run()
    return EXIT_OK
