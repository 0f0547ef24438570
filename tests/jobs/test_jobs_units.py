"""Fast unit tests: the job lock, the monitor's pure functions, and the alert payload."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from lineage.diff import Flow, diff_graphs
from lineage.graph import LineageGraph
from lineage.monitor import ALERT_TYPE, Alert, describe_flows, new_findings
from lineage.services.jobs.lock import JobBusy, JobLock, lock_path
from lineage.services.jobs.sources import classify, expand, redact

AGENT, CRM, PASTE, SA = "process:agents:bot", "dataset:pg:crm", "dataset:https://paste.example.com:p", "identity:k8s:sa"


def _graph(*writes: str) -> LineageGraph:
    nodes = [{"id": AGENT, "kind": "process", "name": "bot"}, {"id": SA, "kind": "identity", "name": "sa"},
             {"id": CRM, "kind": "dataset", "name": "crm", "role": "store", "classifications": ["pii.email"]},
             {"id": PASTE, "kind": "dataset", "name": "p", "role": "store"}]
    return LineageGraph.from_records(nodes, [(CRM, AGENT, "read"), (SA, AGENT, "runs"),
                                             *((AGENT, w, "write") for w in writes)])


def test_a_held_lock_refuses_a_second_holder_and_names_the_first(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with JobLock(db, "events").acquire():
        with pytest.raises(JobBusy, match=r"job 'events' is already running \(pid \d+ since "):
            JobLock(db, "events").acquire()
        JobLock(db, "other").acquire().release()  # other jobs are free
    JobLock(db, "events").acquire().release()  # released on exit
    assert lock_path(db, "events") == tmp_path / "s.duckdb.locks" / "job-events.lock"


def test_waiting_for_a_lock_ends_when_it_is_released_or_when_stopped(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    held = JobLock(db, "events").acquire()
    threading.Timer(0.3, held.release).start()
    JobLock(db, "events").acquire(wait=10, poll=0.05).release()

    held = JobLock(db, "events").acquire()
    stop = threading.Event()
    outcome: list[BaseException] = []

    def wait_for_it() -> None:
        try:
            JobLock(db, "events").acquire(wait=3600, poll=0.05, stop=stop)
        except JobBusy as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait_for_it, daemon=True)
    waiter.start()
    stop.set()
    waiter.join(120)  # an hour's wait, ended by the stop
    assert not waiter.is_alive() and len(outcome) == 1
    held.release()


def test_a_new_destination_is_one_new_flow_described_for_a_reviewer() -> None:
    before, after = _graph(CRM), _graph(CRM, PASTE)
    diff = diff_graphs(before, after)
    assert diff.flows_added == [Flow(AGENT, PASTE, "write")] and diff.flows_removed == []
    [flow] = describe_flows(after, diff.flows_added)
    assert flow == {"kind": "write", "source": AGENT, "target": PASTE, "source_name": "bot", "target_name": "p",
                    "target_role": "store", "run_by": [SA], "summary": "bot writes p"}
    [gone] = describe_flows(before, diff_graphs(after, before).flows_removed)
    assert gone["summary"] == "bot writes p"


def test_new_findings_are_those_whose_fingerprint_was_not_seen() -> None:
    found = [SimpleNamespace(rule_id="LM014", fingerprint="a"), SimpleNamespace(rule_id="LM001", fingerprint="b")]
    assert new_findings(found, []) == found
    assert [f.rule_id for f in new_findings(found, ["a"])] == ["LM001"]
    assert new_findings(found, {"a", "b"}) == []


def test_the_alert_payload_has_every_documented_key() -> None:
    t = datetime(2026, 3, 2, 9, tzinfo=UTC)
    alert = Alert("events", "r2", "ok", t, t, new_flows=describe_flows(_graph(PASTE), [Flow(AGENT, PASTE, "write")]),
                  new_findings=[{"rule_id": "LM014", "fingerprint": "f"}], previous_run="r1", baseline=t,
                  findings_evaluated=True, counts={"facts": 3}, store="s.duckdb")
    payload = alert.to_json()
    assert sorted(payload) == sorted([
        "type", "version", "job", "run_id", "status", "started_at", "finished_at", "store", "previous_run",
        "baseline", "summary", "counts", "new_flows", "removed_flows", "new_findings", "failed_runs", "slow_runs",
        "findings_evaluated"])
    assert (payload["type"], payload["baseline"]) == (ALERT_TYPE, "2026-03-02T09:00:00+00:00")
    assert payload["summary"] == "job events: 1 new flow (bot writes p), 1 new finding"
    assert alert.has_news and not Alert("e", "r", "ok", t, t).has_news


def test_sources_are_classified_and_secrets_redacted(tmp_path: Path) -> None:
    assert classify("postgresql://u:pw@h/db") == "catalog" and classify("./a.sql") == "file"
    assert redact("https://user:tok@h/x") == "https://user:***@h/x" and redact("/a/b") == "/a/b"
    out = expand(("postgresql://u:pw@h/db", "duckdb://w.duckdb", "postgresql://u:pw@h/db"), tmp_path, None)
    assert [(s.kind, s.name) for s in out.sources] == [("catalog", "postgresql://u:***@h/db"),
                                                       ("catalog", f"duckdb://{tmp_path}/w.duckdb")]
    assert out.sources[0].location == "postgresql://u:pw@h/db"


def test_the_scheduler_runs_on_time_and_skips_busy_jobs(tmp_path: Path) -> None:
    from lineage.project import load_project
    from lineage.scheduler import Scheduler
    from lineage.services.jobs.runner import RunOutcome

    (tmp_path / "lineage.yaml").write_text("jobs:\n  - {name: tick, sources: [x], schedule: 1s}\n"
                                           "  - {name: busy, sources: [x], schedule: 1s}\n")
    project = load_project(tmp_path / "lineage.yaml", db=str(tmp_path / "s.duckdb"))
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]  # a clock the test moves: load cannot make it late
    calls: list[tuple[str, float]] = []

    def runner(job: object, *args: object, **kwargs: object) -> RunOutcome:
        name = getattr(job, "name", "")
        calls.append((name, (clock[0] - datetime(2026, 1, 1, tzinfo=UTC)).total_seconds()))
        clock[0] += timedelta(seconds=0.25)  # a run takes a quarter of a second
        if name == "busy":
            raise JobBusy("job 'busy' is already running")
        return RunOutcome(job=name, run_id="r", status="ok")

    def sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)

    scheduler = Scheduler(project, runner=runner, now=lambda: clock[0],
                          sleep=sleep)
    assert scheduler.run(max_runs=6) == 6
    assert calls == [("tick", 0.0), ("busy", 0.25), ("tick", 1.0), ("busy", 1.25), ("tick", 2.0), ("busy", 2.25)], \
        "each job runs every interval after its previous run began; a busy job is skipped, then tried at its next time"
