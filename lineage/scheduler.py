"""The long-running scheduler behind `lineage jobs schedule`.

One thread runs due jobs one after another and otherwise sleeps on an event until the next job
is due, so it never spins. SIGTERM and SIGINT set that event: a run in progress finishes the
batch it is storing, records itself (`aborted` when something was left), and the scheduler exits
0. An interval job runs at start and then every interval after its previous run began (a run
longer than its interval is followed at once by the next, never by a burst of catch-up runs); a
cron job runs at the cron's next time. A job that another process is running is skipped until
its next time.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from lineage.errors import LineageError
from lineage.jobs.config import JobConfig
from lineage.project import Project
from lineage.services.jobs.lock import JobBusy
from lineage.services.jobs.runner import RunOutcome, run_job

log = logging.getLogger("lineage.jobs")

MAX_SLEEP = 60.0  # re-read the clock at least this often (clock changes, suspend)


@dataclass
class _Entry:
    job: JobConfig
    due: datetime


def first_due(job: JobConfig, now: datetime) -> datetime:
    """When a job first runs after the scheduler starts: now for intervals, else the cron's next time.

    Example:
        >>> from datetime import datetime, UTC
        >>> job = JobConfig(name="j", sources=("x",), schedule="0 3 * * *")
        >>> first_due(job, datetime(2026, 1, 1, 9, tzinfo=UTC)).isoformat()
        '2026-01-02T03:00:00+00:00'
    """
    rule = job.schedule_rule
    return now if rule.interval is not None else rule.next_after(now)


def next_due(job: JobConfig, started: datetime, now: datetime) -> datetime:
    """When a job runs next, given when its last run started: never in the past.

    Example:
        >>> from datetime import datetime, UTC, timedelta
        >>> job = JobConfig(name="j", sources=("x",), schedule="10s")
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> next_due(job, t, t + timedelta(seconds=3)) - t, next_due(job, t, t + timedelta(seconds=30)) - t
        (datetime.timedelta(seconds=10), datetime.timedelta(seconds=30))
    """
    rule = job.schedule_rule
    return max(rule.next_after(started), now) if rule.interval is not None else rule.next_after(now)


class Scheduler:
    """Runs `jobs` on their schedules until `stop()` (or SIGTERM/SIGINT once `install_signals`).

    `now` and `sleep` are the clock (the real one by default): `sleep(seconds)` waits, returning
    early when the scheduler is stopped.
    """

    def __init__(self, project: Project, jobs: Sequence[JobConfig] | None = None,
                 runner: Callable[..., RunOutcome] = run_job, *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 sleep: Callable[[float], object] | None = None) -> None:
        self.project = project
        self.jobs = list(jobs if jobs is not None else project.jobs.jobs)
        self.runner = runner
        self.stopping = threading.Event()
        self._now = now
        self._sleep = sleep or self.stopping.wait
        self.runs = 0
        self.signal_name: str | None = None

    def stop(self, reason: str = "stop requested") -> None:
        if not self.stopping.is_set():
            self.signal_name = reason
            log.info("scheduler: %s; stopping after the current step", reason)
        self.stopping.set()

    def install_signals(self) -> None:
        """Stop gracefully on SIGTERM and SIGINT (call from the main thread)."""
        def handle(signum: int, frame: FrameType | None) -> None:
            self.stop(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def run(self, max_runs: int | None = None) -> int:
        """Schedule until stopped (or `max_runs` runs); returns the number of runs made."""
        now = self._now()
        entries = [_Entry(job, first_due(job, now)) for job in self.jobs]
        for e in entries:
            log.info("scheduler: job %s, %s, first run at %s", e.job.name, e.job.schedule_rule.describe(),
                     e.due.isoformat(timespec="seconds"))
        while entries and not self.stopping.is_set() and (max_runs is None or self.runs < max_runs):
            entry = min(entries, key=lambda e: e.due)
            delay = (entry.due - self._now()).total_seconds()
            if delay > 0:
                self._sleep(min(delay, MAX_SLEEP))
                continue
            started = self._now()
            self._run_one(entry.job)
            entry.due = next_due(entry.job, started, self._now())
            log.info("scheduler: job %s next at %s", entry.job.name, entry.due.isoformat(timespec="seconds"))
        log.info("scheduler: stopped after %d run(s)", self.runs)
        return self.runs

    def _run_one(self, job: JobConfig) -> None:
        self.runs += 1
        try:
            self._run_job(job)
        finally:
            gc.collect()  # a run's graphs are garbage now: give the memory back before sleeping

    def _run_job(self, job: JobConfig) -> None:
        try:
            outcome = self.runner(job, self.project, wait=0.0, stop=self.stopping,
                                  command="jobs schedule")
        except JobBusy as exc:
            log.warning("scheduler: skipped: %s", exc)
            return
        except LineageError as exc:
            log.error("scheduler: job %s could not run: %s", job.name, exc)
            return
        except Exception:  # a bug in one run must not end the service; the run is recorded as failed
            log.exception("scheduler: job %s crashed", job.name)
            return
        for problem in outcome.problems:
            (log.error if problem.severity == "error" else log.warning)("job %s: %s", job.name, problem)
        if outcome.alert is not None and outcome.alert.has_news:
            log.info("%s", outcome.alert.summary())
