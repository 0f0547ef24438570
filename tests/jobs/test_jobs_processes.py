"""Real processes: the scheduler stops cleanly on SIGTERM, a job never runs twice at once, and a run
killed with SIGKILL leaves the store consistent for the next run to complete."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from lineage.cli import main
from lineage.services.jobs.runner import STALE_MESSAGE, run_job
from lineage.store import open_store
from tests.jobs.support import Project, Web, fixture_bytes, lineage_process, wait_for

PROCESS_TIMEOUT = 90


def _runs(project: Project, job: str) -> list[str]:
    if not project.db.exists():
        return []
    return [r.status for r in open_store(project.db, lock_timeout=120).job_runs(job)]


def test_the_scheduler_runs_a_job_every_second_and_stops_on_sigterm(project: Project) -> None:
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    project.write("jobs:\n  - {name: tick, collector: openlineage, sources: [logs/*.jsonl], schedule: 1s}\n")
    scheduler = lineage_process(project, "jobs", "schedule")
    try:
        wait_for(lambda: _runs(project, "tick").count("ok") >= 2, PROCESS_TIMEOUT, "two scheduled runs")
        scheduler.send_signal(signal.SIGTERM)
        out, err = scheduler.communicate(timeout=PROCESS_TIMEOUT)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()
    assert scheduler.returncode == 0, err
    assert "scheduler: SIGTERM; stopping after the current step" in err
    assert "scheduler: stopped after" in err
    assert err.count("job tick: run ") >= 2, err
    statuses = _runs(project, "tick")
    assert len(statuses) >= 2 and "running" not in statuses, statuses
    assert out == "", "standard output is kept for alerts"


def _slow_job(project: Project, web: Web) -> None:
    """A job whose second source (a URL) hangs until the test releases it: a run stopped mid-way."""
    web.pages["/slow.json"] = fixture_bytes("event_simple.json")
    web.hold.add("/slow.json")
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    project.write(f"""\
jobs:
  - name: slow
    sources: [logs/agent.jsonl, "{web.url}/slow.json"]
    schedule: 5m
    timeout: 60s
""")


def test_a_second_run_of_a_running_job_exits_with_a_clear_message_or_waits(
        project: Project, web: Web, capsys: pytest.CaptureFixture[str]) -> None:
    _slow_job(project, web)
    first = lineage_process(project, "jobs", "run", "slow")
    try:
        assert web.seen("/slow.json").wait(PROCESS_TIMEOUT), "the first run should reach its second source"
        assert main(["--project", str(project.file), "jobs", "run", "slow"]) == 3
        message = " ".join(capsys.readouterr().err.split())
        assert f"job 'slow' is already running (pid {first.pid} since" in message
        assert "wait for it to finish, or pass --wait SECONDS" in message

        threading.Timer(0.5, web.release.set).start()
        assert main(["--project", str(project.file), "jobs", "run", "slow", "--wait", "60"]) == 0
        _, err = first.communicate(timeout=PROCESS_TIMEOUT)
    finally:
        web.release.set()
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err
    assert _runs(project, "slow") == ["ok", "ok"]


def test_a_run_killed_mid_way_leaves_the_store_whole_and_the_next_run_completes_it(
        project: Project, web: Web) -> None:
    _slow_job(project, web)
    victim = lineage_process(project, "jobs", "run", "slow")
    try:
        assert web.seen("/slow.json").wait(PROCESS_TIMEOUT), "the run should reach its second source"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(PROCESS_TIMEOUT)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    store = open_store(project.db, lock_timeout=120)
    log = project.root / "logs/agent.jsonl"
    assert [r.source for r in store.raw_inputs()] == [str(log)], "the first source is stored whole"
    assert store.source_states("slow")[str(log)].offset == log.stat().st_size
    assert _runs(project, "slow") == ["running"]

    web.release.set()
    loaded = project.config()
    outcome = run_job(loaded.jobs.jobs[0], loaded)

    assert (outcome.status, outcome.stale_runs, outcome.changed) == ("ok", 1, 1), outcome.problems
    assert sorted(r.source for r in store.raw_inputs()) == sorted([str(log), f"{web.url}/slow.json"])
    runs = store.job_runs("slow")
    assert [r.status for r in runs] == ["ok", "aborted"]
    assert runs[1].detail["error"] == STALE_MESSAGE
    assert runs[1].detail["pid"] == victim.pid
