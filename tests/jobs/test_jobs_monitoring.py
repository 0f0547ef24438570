"""Monitoring: an agent that starts writing to a new destination is reported within one run, to a
real webhook on 127.0.0.1, a JSON-lines file and stdout; passing failures are retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from lineage.services.jobs.runner import run_job
from lineage.store import open_store
from tests.jobs.support import Project, Web, fixture_bytes

PASTE = "dataset:https://paste.example.com:api/v1/pastes"
AGENT = "process:agents-prod:support_agent"


def _project(project: Project, web: Web, extra_sinks: str = "") -> Project:
    return project.write(f"""\
policy: {{baseline_at: "2026-03-01T12:00:00Z"}}
jobs:
  - name: agent-events
    collector: openlineage
    sources: [logs/*.jsonl]
    schedule: 1s
monitor:
  sinks:
    - type: webhook
      url: {web.url}/hooks/lineage
      timeout: 5s
      retries: 2
      backoff: 10ms
      headers_env: {{Authorization: JOBS_TEST_HOOK_TOKEN}}
{extra_sinks}""")


def test_a_new_destination_reaches_the_webhook_within_one_run(
        project: Project, web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBS_TEST_HOOK_TOKEN", "Bearer t0ken")
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    loaded = _project(project, web).config()
    first = run_job(loaded.jobs.jobs[0], loaded)
    assert first.alert_sent and len(web.posts) == 1, "the first run reports the flows it found"
    assert PASTE not in {f["target"] for f in web.posts[0]["json"]["new_flows"]}

    project.append("logs/agent.jsonl", fixture_bytes("agent_day2.jsonl"))
    run_job(loaded.jobs.jobs[0], loaded)

    assert len(web.posts) == 2
    post = web.posts[1]
    assert post["path"] == "/hooks/lineage"
    assert post["headers"]["Authorization"] == "Bearer t0ken"
    assert post["headers"]["Content-Type"] == "application/json"
    alert = post["json"]
    assert (alert["type"], alert["version"], alert["job"], alert["status"]) == (
        "lineage.monitor.alert", 1, "agent-events", "ok")
    assert alert["previous_run"] == first.run_id
    assert [(f["source"], f["target"], f["kind"]) for f in alert["new_flows"]] == [(AGENT, PASTE, "write")]
    assert alert["new_flows"][0]["summary"] == "support_agent writes api/v1/pastes"
    assert alert["summary"] == "job agent-events: 1 new flow (support_agent writes api/v1/pastes), 1 new finding"
    assert alert["counts"]["facts"] > 0
    # the policy's monitoring rule: a flow first seen after the accepted baseline is a finding
    assert alert["findings_evaluated"] and alert["baseline"] == "2026-03-01T12:00:00+00:00"
    [finding] = alert["new_findings"]
    assert (finding["rule_id"], finding["status"]) == ("LM014", "open")
    assert finding["path"][1:3] == [AGENT, PASTE]
    assert finding["fingerprint"] not in {f["fingerprint"] for f in web.posts[0]["json"]["new_findings"]}


def test_a_run_with_nothing_new_sends_nothing_and_history_says_so(project: Project, web: Web,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBS_TEST_HOOK_TOKEN", "x")
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    loaded = _project(project, web).config()
    run_job(loaded.jobs.jobs[0], loaded)
    quiet = run_job(loaded.jobs.jobs[0], loaded)
    assert not quiet.alert_sent and len(web.posts) == 1
    runs = open_store(project.db).job_runs("agent-events")
    assert [r.status for r in runs] == ["ok", "ok"]
    assert [r.detail["new_flows"] for r in runs] == [0, 2]
    assert runs[0].job == "agent-events" and runs[0].command == "jobs run agent-events"
    assert runs[0].detail["paths"] == ["logs/*.jsonl"]


def test_the_webhook_is_retried_then_delivered_and_other_sinks_get_the_same_alert(
        project: Project, web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JOBS_TEST_HOOK_TOKEN", "x")
    web.post_status.extend([503, 500])  # two failures, then 200
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    loaded = _project(project, web, "    - {type: jsonl, path: out/alerts.jsonl}\n"
                                           "    - {type: stdout}\n").config()
    outcome = run_job(loaded.jobs.jobs[0], loaded)
    assert outcome.delivery_failures == []
    assert len(web.posts) == 1
    written = [json.loads(line) for line in (project.root / "out/alerts.jsonl").read_text().splitlines()]
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert written == printed == [web.posts[0]["json"]]


def test_an_unreachable_webhook_is_recorded_not_fatal(project: Project, web: Web,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBS_TEST_HOOK_TOKEN", "x")
    web.post_status.extend([404])
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    loaded = _project(project, web).config()
    outcome = run_job(loaded.jobs.jobs[0], loaded)
    assert outcome.status == "ok"
    assert outcome.delivery_failures == [f"webhook {web.url}/hooks/lineage: HTTP 404 Not Found"]
    assert open_store(project.db).job_runs("agent-events")[0].detail["alert_failures"] == outcome.delivery_failures


def test_a_source_failing_for_a_passing_reason_is_retried_with_backoff(project: Project, web: Web) -> None:
    answers = [(503, b"busy"), (502, b"bad gateway"), (200, fixture_bytes("event_simple.json"))]
    web.pages["/events.json"] = lambda: answers.pop(0)
    loaded = project.write(f"""\
jobs:
  - name: remote
    sources: ["{web.url}/events.json"]
    schedule: 1h
    retry: {{attempts: 3, backoff: 10ms}}
""").config()
    outcome = run_job(loaded.jobs.jobs[0], loaded)
    assert (outcome.status, outcome.changed, answers) == ("ok", 1, [])


def test_a_source_that_keeps_failing_gives_up_with_a_problem(project: Project, web: Web) -> None:
    web.pages["/events.json"] = lambda: (503, b"down")
    loaded = project.write(f"""\
jobs:
  - name: remote
    sources: ["{web.url}/events.json"]
    schedule: 1h
    retry: {{attempts: 2, backoff: 10ms}}
""").config()
    outcome = run_job(loaded.jobs.jobs[0], loaded)
    assert outcome.status == "failed"
    assert [p.message for p in outcome.problems] == [
        f"gave up after 2 attempt(s): {web.url}/events.json: HTTP 503 Service Unavailable"]
    run = open_store(project.db).job_runs("remote")[0]
    assert (run.status, run.problems) == ("failed", 1)


def test_run_all_reports_on_stderr_keeps_stdout_for_alerts_and_list_shows_the_last_run(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    from lineage.cli import main

    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    project.write("""\
jobs:
  - {name: agent-events, collector: openlineage, sources: [logs/*.jsonl], schedule: 1m}
  - {name: nothing-yet, sources: [later/*.yaml], schedule: "0 3 * * *"}
monitor:
  sinks: [{type: stdout}]
""")
    assert main(["--project", str(project.file), "jobs", "run", "--all"]) == 0
    out, err = capsys.readouterr()
    alerts = [json.loads(line) for line in out.splitlines()]
    assert [a["job"] for a in alerts] == ["agent-events"], "one alert: the second job found nothing new"
    assert "job agent-events: ok; 1 source(s), 1 changed" in err
    assert "later/*.yaml: warning: the pattern matches no files yet" in err

    assert main(["--project", str(project.file), "jobs", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(j["name"], j["schedule"], j["last_run"]["status"]) for j in listed["jobs"]] == [
        ("agent-events", "every 1m", "ok"), ("nothing-yet", "cron 0 3 * * *", "ok")]
    assert listed["jobs"][0]["last_run"]["new_flows"] == 2


def _run_events(run: int, minutes: int, end: str = "COMPLETE", error: str | None = None) -> bytes:
    """A START and an end event of one run of `nightly`, `minutes` long, a day after the one before."""
    started = datetime(2026, 3, 1, 2, tzinfo=UTC) + timedelta(days=run)
    facets = {"errorMessage": {"_producer": "p", "_schemaURL": "u", "message": error,
                               "programmingLanguage": "python"}} if error else {}
    return b"".join(json.dumps({
        "eventType": state, "eventTime": at.isoformat(), "producer": "p", "schemaURL": "u",
        "run": {"runId": f"3f1d6c1e-0000-4000-8000-{run:012}", "facets": facets if state != "START" else {}},
        "job": {"namespace": "etl", "name": "nightly"},
        "inputs": [{"namespace": "s3://raw", "name": "orders.csv"}], "outputs": []}).encode() + b"\n"
        for state, at in (("START", started), (end, started + timedelta(minutes=minutes))))


def test_failed_runs_and_runs_over_three_times_their_median_are_reported(
        project: Project, web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBS_TEST_HOOK_TOKEN", "x")
    project.append("logs/etl.jsonl", b"".join(_run_events(i, 10) for i in range(4)))
    loaded = _project(project, web).config()
    first = run_job(loaded.jobs.jobs[0], loaded)
    assert first.alert_sent and not web.posts[0]["json"]["failed_runs"] and not web.posts[0]["json"]["slow_runs"]
    project.append("logs/etl.jsonl", _run_events(4, 45) + _run_events(5, 2, "FAIL", "disk full"))
    run_job(loaded.jobs.jobs[0], loaded)
    alert = web.posts[-1]["json"]
    assert [(r["process"], r["state"], r["error"]) for r in alert["failed_runs"]] == [
        ("process:etl:nightly", "FAIL", "disk full")]
    [slow] = alert["slow_runs"]
    assert (slow["run_id"][-1], slow["duration_s"], slow["median_s"]) == ("4", 2700.0, 600.0)
    assert "1 failed run (nightly failed: disk full), 1 slow run (nightly took 2700 s" in alert["summary"]
    quiet = run_job(loaded.jobs.jobs[0], loaded)
    assert not quiet.alert_sent  # each run is reported once: when its end arrives

