"""One run of one job: lock, read what changed, store it, record the run, alert on what is new.

The order matters for safety:

1. take the job's lock (`JobLock`; a second caller waits or gets `JobBusy`);
2. mark runs of this job still `running` in the store as `aborted`: the lock proves that their
   process is gone (killed or crashed);
3. record this run as `running`, then read and store source by source. Each batch is one short
   store transaction, and each source's position is saved after its batch, so a killed run leaves
   every stored batch whole and the next run resumes where it stopped. Passing failures are
   retried with backoff; a stop request (SIGTERM) is honoured between sources;
4. diff the graph as of the end of the previous check (the last monitored run of any job) with
   the graph now, so flows that arrived by any route in between (other jobs, `lineage collect`,
   the endpoint) are reported once; evaluate the policy as `lineage check` does (with rule LM014,
   flows first seen after the accepted `policy.baseline_at`) and keep the open findings whose
   fingerprints the previous check had not seen; send the alert to the sinks;
5. record the run's end, status, counts, problems and what was new.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lineage.diff import diff_graphs
from lineage.errors import LineageError, StoreError
from lineage.graph import LineageGraph, load_graph
from lineage.jobs.config import JobConfig, JobsConfig
from lineage.models import Problem
from lineage.monitor import Alert, describe_flows, finding_to_dict, new_findings, run_alerts
from lineage.project import Project
from lineage.services.check import run_check
from lineage.services.fold import open_current
from lineage.services.jobs.lock import JobLock
from lineage.services.jobs.reading import read_source
from lineage.services.jobs.sinks import deliver
from lineage.services.jobs.sources import SourceRef, expand, redact
from lineage.services.logs import TransientError
from lineage.settings import Settings
from lineage.store import RunRecord, SourceState, Store

log = logging.getLogger("lineage.jobs")

MAX_LISTED = 200  # flows, findings and problems listed in a run's history or an alert
HISTORY_RUNS = 50  # earlier runs of a process whose median duration tells a slow run
STALE_MESSAGE = "the run ended without finishing: its process was killed or crashed"


@dataclass
class RunOutcome:
    """What a run did, for the CLI and the scheduler's log."""

    job: str
    run_id: str
    status: str = "running"
    sources: int = 0
    changed: int = 0
    facts: int = 0
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    alert: Alert | None = None
    alert_sent: bool = False
    delivery_failures: list[str] = field(default_factory=list)
    stale_runs: int = 0
    interrupted: bool = False  # stopped part-way through a source

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    def summary(self) -> str:
        new = self.alert.summary().split(": ", 1)[1] if self.alert else "not monitored"
        return (f"job {self.job}: {self.status}; {self.sources} source(s), {self.changed} changed, "
                f"{self.facts} new fact(s), {self.errors} error(s), "
                f"{len(self.problems) - self.errors} warning(s); {new}")


def close_stale_runs(store: Store, runs: list[RunRecord], now: datetime) -> int:
    """Mark those of a job's `runs` still `running` as `aborted` (only while holding the job's lock)."""
    closed = 0
    for run in runs:
        if run.status == "running":
            run.status = "aborted"
            run.detail = {**run.detail, "error": STALE_MESSAGE, "aborted_detected_at": now.isoformat()}
            store.record_run(run)
            closed += 1
    return closed


def last_monitored_run(store: Store, cfg: JobsConfig, known: Mapping[str, list[RunRecord]]) -> RunRecord | None:
    """The latest run of any configured job that checked for news: its end is where this run's
    check starts, so each new flow is reported once, by the first check after it arrived.
    `known` holds runs already read, by job."""
    found: RunRecord | None = None
    for job in cfg.jobs:
        runs = known[job.name] if job.name in known else store.job_runs(job.name, limit=50)
        run = next((r for r in runs if "monitor_until" in r.detail), None)
        if run is not None and (found is None or run.detail["monitor_until"] > found.detail["monitor_until"]):
            found = run
    return found


def _collector_options(job: JobConfig, project: Project, store: Store,
                       sources: list[SourceRef]) -> dict[str, dict[str, Any]]:
    """The options of each collector the job's sources need: the project's (as `lineage collect`
    gives them, e.g. dbt's job namespace), the job's own `options` over them."""
    names = {ref.collector for ref in sources if ref.collector}
    given = project.collector_options()
    options: dict[str, dict[str, Any]] = {name: {**given.get(name, {}), **job.options} for name in names
                                          if job.options or name in given}
    if "sql" in names:
        from lineage.services.collect import sql_options  # the parse cache and known schemas, as `collect` uses

        options["sql"] = sql_options(store, dict(job.options))
    return options


def _read_one(ref: SourceRef, job: JobConfig, store: Store, states: dict[str, SourceState],
              options: Mapping[str, Mapping[str, Any]], settings: Settings, out: RunOutcome,
              halt: threading.Event) -> None:
    """Read and store one source, retrying passing failures with backoff; a stop request ends
    the read after the batch being stored (its position is saved, so the next run goes on)."""
    delays = job.retry.delays()
    for attempt in range(job.retry.attempts):
        try:
            changed = False
            for step in read_source(ref, states.get(ref.name), job=job.name, options=options,
                                    max_bytes=settings.max_source_bytes, timeout=job.timeout,
                                    stage=store.stage_facts):
                out.problems.extend(step.problems)
                if step.batch is not None:
                    result = store.ingest(step.batch)
                    out.facts += result.facts
                    out.problems.extend(step.batch.problems)
                    changed = True
                if step.state is not None:
                    store.save_source_states([step.state])
                    states[ref.name] = step.state
                log.debug("job %s: %s: %s", job.name, ref.name, step.note)
                if halt.is_set():
                    out.interrupted = True
                    break
            out.changed += changed
            return
        except (TransientError, StoreError) as exc:
            if attempt + 1 >= job.retry.attempts:
                out.problems.append(Problem(message=f"gave up after {job.retry.attempts} attempt(s): {exc}",
                                            source=ref.name))
                return
            delay = delays[attempt]
            log.warning("job %s: %s: %s; trying again in %.1f s", job.name, ref.name, exc, delay)
            if halt.wait(delay):
                out.problems.append(Problem(severity="warning", message=f"stopped while retrying: {exc}",
                                            source=ref.name))
                return


def _monitor(job: JobConfig, project: Project, store: Store, run: RunRecord, previous: RunRecord | None,
             out: RunOutcome, store_name: str) -> tuple[Alert, dict[str, Any]]:
    """Diff the graph since the previous check, pick the new open findings, build the alert."""
    since = datetime.fromisoformat(previous.detail["monitor_until"]) if previous else run.started_at
    until = datetime.now(UTC)
    after = load_graph(store)  # the current graph the store keeps
    before = LineageGraph.from_data(store.graph_data(since))
    diff = diff_graphs(before, after)
    alert = Alert(job=job.name, run_id=run.run_id, status=out.status, started_at=run.started_at, finished_at=until,
                  new_flows=describe_flows(after, diff.flows_added[:MAX_LISTED]),
                  removed_flows=describe_flows(before, diff.flows_removed[:MAX_LISTED]),
                  previous_run=previous.run_id if previous else None, store=store_name)
    ended = store.runs_ended(since, until)
    failed, slow = run_alerts(ended, {process: store.runs_of(process, HISTORY_RUNS) for process in ended})
    alert.failed_runs, alert.slow_runs = failed[:MAX_LISTED], slow[:MAX_LISTED]
    detail: dict[str, Any] = {"monitor_since": since.isoformat(), "monitor_until": until.isoformat(),
                              "new_flows": len(diff.flows_added), "removed_flows": len(diff.flows_removed),
                              "failed_runs": len(alert.failed_runs), "slow_runs": len(alert.slow_runs)}
    try:
        findings, alert.baseline = run_check(store, project.policy), project.policy.baseline_at
    except LineageError as exc:  # an invalid policy section must not lose the run's record
        out.problems.append(Problem(severity="warning", message=f"findings not evaluated: {exc}",
                                    source=project.source))
        return alert, detail
    seen = previous.detail.get("findings", []) if previous else []
    fresh = [f for f in new_findings(findings, seen) if f.is_open]
    alert.findings_evaluated = True
    alert.new_findings = [finding_to_dict(f) for f in fresh[:MAX_LISTED]]
    detail["findings"] = sorted({f.fingerprint for f in findings})
    detail["open_findings"] = sum(1 for f in findings if f.is_open)
    detail["new_findings"] = len(fresh)
    return alert, detail


def run_job(job: JobConfig, project: Project, *, wait: float = 0.0,
            stop: threading.Event | None = None, command: str = "jobs run") -> RunOutcome:
    """Run `job` (one of `project.jobs`) once, with the project's settings and policy.

    Raises:
        JobBusy: the job is running in another process, still after `wait` seconds.
        StoreError: the store cannot be opened or recorded to.
        CollectorError: the job names an unknown collector.
    """
    halt = stop or threading.Event()
    cfg, settings = project.jobs, project.settings
    lock = JobLock(settings.db, job.name).acquire(wait, stop=halt)
    with lock:
        store = open_current(settings.db, lock_timeout=settings.lock_timeout)
        now = datetime.now(UTC)
        run = RunRecord(run_id=uuid.uuid4().hex, command=f"{command} {job.name}", started_at=now, job=job.name,
                        detail={"pid": os.getpid(), "host": socket.gethostname(),
                                "paths": [redact(s) for s in job.sources]})
        own = store.job_runs(job.name, limit=1000)
        out = RunOutcome(job=job.name, run_id=run.run_id, stale_runs=close_stale_runs(store, own, now))
        if out.stale_runs:
            log.warning("job %s: %d earlier run(s) had been killed; marked aborted", job.name, out.stale_runs)
        previous = last_monitored_run(store, cfg, {job.name: own})
        store.record_run(run)
        log.info("job %s: run %s started", job.name, run.run_id)
        try:
            _run(job, project, store, run, previous, out, halt)
        except BaseException as exc:
            out.status = "aborted" if isinstance(exc, KeyboardInterrupt | SystemExit) else "failed"
            out.error = f"{type(exc).__name__}: {exc}"
            run.status, run.finished_at = out.status, datetime.now(UTC)
            run.detail = {**run.detail, "error": out.error}
            try:
                store.record_run(run)
            except Exception:  # the store itself failed: the next run marks this one aborted
                log.exception("job %s: could not record the failed run", job.name)
            if not isinstance(exc, Exception):
                raise
            log.error("job %s: run %s failed: %s", job.name, run.run_id, out.error)
    return out


def _run(job: JobConfig, project: Project, store: Store, run: RunRecord,
         previous: RunRecord | None, out: RunOutcome, halt: threading.Event) -> None:
    cfg, settings = project.jobs, project.settings
    expansion = expand(job.sources, cfg.base_dir, job.collector)
    out.problems.extend(expansion.problems)
    out.sources = len(expansion.sources)
    states = store.source_states(job.name)
    options = _collector_options(job, project, store, expansion.sources)
    stopped = 0
    for i, ref in enumerate(expansion.sources):
        if halt.is_set():
            stopped = len(expansion.sources) - i
            break
        _read_one(ref, job, store, states, options, settings, out, halt)
    out.status = "aborted" if stopped or out.interrupted else ("failed" if out.errors else "ok")
    alert, monitored = _monitor(job, project, store, run, previous, out, settings.db)
    out.alert = alert
    alert.counts = {"sources": out.sources, "changed": out.changed, "facts": out.facts,
                    "problems": len(out.problems)}
    if job.alert and cfg.monitor.sinks and (cfg.monitor.send == "always" or alert.has_news):
        out.delivery_failures = deliver(cfg.monitor.sinks, alert.to_json(), base_dir=cfg.base_dir)
        out.alert_sent = True
    run.status, run.finished_at = out.status, datetime.now(UTC)
    run.sources, run.facts, run.problems = out.sources, out.facts, len(out.problems)
    run.detail = {
        **run.detail, **monitored,
        "sources": [s.name for s in expansion.sources][:MAX_LISTED], "changed": out.changed,
        "ignored_files": expansion.ignored, "stale_runs_closed": out.stale_runs,
        "problem_list": [str(p) for p in out.problems[:MAX_LISTED]],
        "alert_sent": out.alert_sent, "alert_failures": out.delivery_failures,
        **({"error": f"stopped before reading {stopped} source(s)"} if stopped else {}),
        **({"error": "stopped part-way through a source; the next run goes on from there"}
           if out.interrupted and not stopped else {}),
    }
    store.record_run(run)
    log.info("%s", out.summary())
