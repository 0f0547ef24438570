"""The jobs: and monitor: sections: valid files load, bad ones fail with FILE:LINE and what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.errors import ConfigError
from lineage.jobs.config import WebhookSink
from lineage.jobs.schedule import parse_duration, parse_schedule
from lineage.project import load_project
from lineage.scheduler import first_due, next_due

GOOD = """\
store: lineage.duckdb
rules: {anything: [the policy engine owns this key]}
jobs:
  - name: airflow-events
    collector: openlineage
    sources: [logs/*.jsonl, "https://lineage.example.com/events.json"]
    schedule: 30s
    retry: {attempts: 5, backoff: 500ms, max_backoff: 1m}
  - name: warehouse-sql
    collector: sql
    sources: [sql/]
    schedule: "0 */6 * * *"
    timezone: Europe/Paris
    options: {dialect: snowflake}
monitor:
  send: always
  sinks:
    - {type: webhook, url: "http://127.0.0.1:9/hook", timeout: 2s, headers_env: {Authorization: HOOK_TOKEN}}
    - {type: jsonl, path: alerts/alerts.jsonl}
    - {type: stdout}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lineage.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_every_job_and_sink_and_leaves_other_keys_alone(tmp_path: Path) -> None:
    cfg = load_project(_write(tmp_path, GOOD)).jobs
    events, sql = cfg.jobs
    assert (events.name, events.schedule_rule.interval, events.retry.delays()) == ("airflow-events", 30.0,
                                                                                   [0.5, 1.0, 2.0, 4.0])
    assert sql.schedule_rule.describe() == "cron 0 */6 * * * (Europe/Paris)"
    assert sql.options == {"dialect": "snowflake"}
    assert [s.type for s in cfg.monitor.sinks] == ["webhook", "jsonl", "stdout"]
    assert isinstance(cfg.monitor.sinks[0], WebhookSink) and cfg.monitor.sinks[0].timeout == 2.0
    assert cfg.base_dir == tmp_path.resolve()


def test_no_project_file_means_no_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_project().jobs.jobs == ()


@pytest.mark.parametrize(("yaml_text", "line", "expected"), [
    ("jobs:\n  - name: a\n    sources: [x]\n    schedule: every tuesday\n", 4,
     "jobs[0].schedule: 'every tuesday' is neither an interval"),
    ("jobs:\n  - name: a\n    sources: [x]\n    schedule: '61 * * * *'\n", 4, "jobs[0].schedule"),
    ("jobs:\n  - name: a\n    sources: [x]\n    schedule: 200ms\n", 4, "under one second"),
    ("jobs:\n  - name: a b\n    sources: [x]\n    schedule: 5m\n", 2, "jobs[0].name: 'a b' is not a job name"),
    ("jobs:\n  - name: a\n    sources: []\n    schedule: 5m\n", 3, "jobs[0].sources"),
    ("jobs:\n  - name: a\n    schedule: 5m\n", 2, "jobs[0]: Field required"),
    ("jobs:\n  - name: a\n    sources: [x]\n    schedule: 5m\n    schedul: 6m\n", 5,
     "jobs[0].schedul: Extra inputs are not permitted"),
    ("jobs:\n  - name: a\n    sources: [x]\n    schedule: 5m\n    retry:\n      attempts: 0\n", 6,
     "jobs[0].retry.attempts"),
    ("jobs:\n  - name: a\n    sources: [x]\n    schedule: 5m\n    retry: {backoff: soon}\n", 5,
     "'soon' is not a duration"),
    ("jobs:\n  - name: a\n    sources: [x]\n    schedule: '0 3 * * *'\n    timezone: Mars/Olympus\n", 5,
     "jobs[0].timezone: unknown timezone 'Mars/Olympus'"),
    ("jobs:\n  - {name: a, sources: [x], schedule: 5m}\n  - {name: a, sources: [y], schedule: 5m}\n", 3,
     "duplicate job name 'a' (first at line 2)"),
    ("monitor:\n  sinks:\n    - type: webhook\n      url: ftp://example.com/x\n", 4,
     "monitor.sinks[0].url: 'ftp://example.com/x' is not an http:// or https:// URL"),
    ("monitor:\n  sinks:\n    - type: pigeon\n", 3, "monitor.sinks[0]: Input tag 'pigeon'"),
    ("jobs: {name: a}\n", 1, "jobs: Input should be a valid"),
])
def test_bad_job_configs_fail_with_file_and_line(tmp_path: Path, yaml_text: str, line: int, expected: str) -> None:
    path = _write(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as caught:
        _ = load_project(path).jobs
    message = str(caught.value)
    assert f"{path}:{line}: " in message, message
    assert expected in message, message


def test_the_cli_reports_a_bad_job_with_its_line_and_exits_2(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "store: s.duckdb\njobs:\n  - name: a\n    sources: [x]\n    schedule: sometimes\n")
    assert main(["--project", str(path), "jobs", "list"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:5: jobs[0].schedule: 'sometimes' is neither" in " ".join(err.split())


def test_run_needs_a_name_or_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "store: s.duckdb\njobs:\n  - {name: a, sources: [x], schedule: 5m}\n")
    assert main(["--project", str(path), "jobs", "run"]) == 2
    assert "name the job(s) to run, or pass --all" in capsys.readouterr().err
    assert main(["--project", str(path), "jobs", "run", "nope"]) == 2
    assert "no job named 'nope'" in capsys.readouterr().err


def test_durations_and_cron_schedules() -> None:
    assert parse_duration("1h30m") == 5400.0
    assert parse_schedule(" */15  *  * * * ").cron == "*/15 * * * *"
    assert parse_schedule("@hourly").next_after(datetime(2026, 1, 1, 9, 59, tzinfo=UTC)) == datetime(
        2026, 1, 1, 10, tzinfo=UTC)
    paris = parse_schedule("0 3 * * *", "Europe/Paris")
    assert paris.next_after(datetime(2026, 7, 1, 0, 0, tzinfo=UTC)) == datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


def test_an_interval_job_runs_at_start_then_never_bursts_to_catch_up(tmp_path: Path) -> None:
    cfg = load_project(_write(tmp_path, "jobs:\n  - {name: a, sources: [x], schedule: 10s}\n")).jobs
    job = cfg.jobs[0]
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert first_due(job, t) == t
    assert next_due(job, t, t + timedelta(seconds=2)) == t + timedelta(seconds=10)
    assert next_due(job, t, t + timedelta(minutes=5)) == t + timedelta(minutes=5)


def test_the_documented_project_file_is_valid(tmp_path: Path) -> None:

    doc = (Path(__file__).parents[2] / "docs" / "jobs.md").read_text(encoding="utf-8")
    yaml_text = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = _write(tmp_path, yaml_text)
    cfg = load_project(path).jobs
    assert [j.name for j in cfg.jobs] == ["airflow-events", "warehouse"]
    assert [s.type for s in cfg.monitor.sinks] == ["webhook", "jsonl", "stdout"]
    assert load_project(path).policy.baseline_at == datetime(2026, 3, 1, tzinfo=UTC)
