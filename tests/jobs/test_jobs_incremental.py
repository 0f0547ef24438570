"""Incremental reads: a rerun reads only what is new, and what was read is remembered in the store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.openlineage import OpenLineageCollector
from lineage.graph import load_graph
from lineage.services.ahead import ahead
from lineage.services.jobs.runner import run_job
from lineage.store import open_store
from tests.jobs.support import FIXTURES, Project, Web, fixture_bytes

EVENTS_JOB = """\
jobs:
  - name: agent-events
    collector: openlineage
    sources: [logs/*.jsonl]
    schedule: 1m
"""


@pytest.fixture(params=["one process", "worker process"])
def read_by(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Logs read in the job's own process, then by a worker process (as large logs are)."""
    from lineage.services import logs

    started: list[object] = []
    monkeypatch.setattr(logs, "AHEAD_OVER_BYTES", 1 << 62 if request.param == "one process" else 0)
    monkeypatch.setattr(logs, "ahead", lambda *args: started.append(args) or ahead(*args))
    yield str(request.param)
    assert bool(started) == (request.param == "worker process")


def _inputs(db: Path) -> list[tuple[str, bytes]]:
    return [(r.source, r.content) for r in open_store(db).raw_inputs()]


def test_appended_events_are_read_alone_on_the_next_run(project: Project, read_by: str) -> None:
    log = project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    loaded = project.write(EVENTS_JOB).config()
    first = run_job(loaded.jobs.jobs[0], loaded)
    assert (first.status, first.changed) == ("ok", 1) and first.facts > 0
    day2 = fixture_bytes("agent_day2.jsonl")
    project.append("logs/agent.jsonl", day2)

    second = run_job(loaded.jobs.jobs[0], loaded)

    assert second.status == "ok" and second.changed == 1
    inputs = _inputs(project.db)
    assert [content for _, content in inputs] == [fixture_bytes("agent_day1.jsonl"), day2], \
        "the second run stored only the appended lines, as an append-only input"
    state = open_store(project.db).source_states("agent-events")[str(log)]
    assert (state.offset, state.line) == (log.stat().st_size, 5)
    # the appended events' evidence points at their real lines in the file
    lines = {f["line"] for f in open_store(project.db).facts_about(
        ["dataset:https://paste.example.com:api/v1/pastes"])}
    assert lines == {4}


def _event(job: str, dataset: dict[str, object]) -> bytes:
    return json.dumps({
        "eventType": "COMPLETE", "eventTime": "2026-02-01T00:00:00Z", "producer": "p", "schemaURL": "u",
        "run": {"runId": "3f1d6c1e-0000-4000-8000-000000000001"}, "job": {"namespace": "etl", "name": job},
        "inputs": [dataset], "outputs": [],
    }).encode() + b"\n"


def test_an_alias_taught_before_the_last_run_holds_for_lines_appended_after_it(
        project: Project, read_by: str) -> None:
    table = {"namespace": "s3://lake", "name": "orders", "facets": {"symlinks": {
        "_producer": "p", "_schemaURL": "u",
        "identifiers": [{"namespace": "hive://metastore", "name": "sales.orders", "type": "TABLE"}]}}}
    project.append("logs/agent.jsonl", _event("load", table))
    loaded = project.write(EVENTS_JOB).config()
    run_job(loaded.jobs.jobs[0], loaded)
    project.append("logs/agent.jsonl", _event("report", {"namespace": "hive://metastore", "name": "sales.orders"}))

    second = run_job(loaded.jobs.jobs[0], loaded)

    assert second.status == "ok" and second.changed == 1
    graph = load_graph(open_store(project.db))
    assert "dataset:hive://metastore:sales.orders" not in graph, "the alias is not a node of its own"
    assert graph.edge("dataset:s3://lake:orders", "process:etl:report", "read") is not None
    # the appended event's own facts name the table by its canonical name, as a whole read would
    facts = open_store(project.db).facts_about(["process:etl:report"])
    assert {f["subject"] for f in facts if f["fact"] == "edge"} == {"dataset:s3://lake:orders"}


def test_an_unchanged_log_is_not_read_again(project: Project) -> None:
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    loaded = project.write(EVENTS_JOB).config()
    run_job(loaded.jobs.jobs[0], loaded)
    again = run_job(loaded.jobs.jobs[0], loaded)
    assert (again.changed, again.facts) == (0, 0)
    assert len(_inputs(project.db)) == 1


def test_a_half_written_last_line_waits_for_the_next_run(project: Project) -> None:
    day2 = fixture_bytes("agent_day2.jsonl")
    first_line, rest = day2.split(b"\n", 1)
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl") + first_line[:40])
    loaded = project.write(EVENTS_JOB).config()
    partial = run_job(loaded.jobs.jobs[0], loaded)
    assert partial.status == "ok" and not partial.problems, "a line still being written is no problem"
    project.append("logs/agent.jsonl", first_line[40:] + b"\n" + rest)
    run_job(loaded.jobs.jobs[0], loaded)
    assert [c for _, c in _inputs(project.db)] == [fixture_bytes("agent_day1.jsonl"), day2]


def test_a_rotated_log_is_read_from_the_start_without_duplicating_facts(project: Project) -> None:
    log = project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl"))
    loaded = project.write(EVENTS_JOB).config()
    run_job(loaded.jobs.jobs[0], loaded)
    facts_before = open_store(project.db).counts()["edge_facts"]
    log.unlink()  # rotation: a new file of the same name, starting with an event already stored
    project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl").split(b"\n")[1] + b"\n"
                   + fixture_bytes("agent_day2.jsonl"))
    rotated = run_job(loaded.jobs.jobs[0], loaded)
    assert rotated.status == "ok"
    counts = open_store(project.db).counts()
    new_edges = counts["edge_facts"] - facts_before
    assert new_edges > 0, "the day-2 events are stored"
    # the day-1 event read a second time adds no fact: reading it again alone stores nothing new
    day1 = OpenLineageCollector().collect_lines(str(log), fixture_bytes("agent_day1.jsonl"))
    again = open_store(project.db).ingest(day1)
    assert again.facts == 0


def test_a_spec_file_is_read_whole_only_when_its_bytes_change(project: Project) -> None:
    spec = project.root / "pipeline.yaml"
    spec.write_bytes((Path(__file__).parents[2] / "sample_pipelines/rag_ingestion/pipeline.yaml").read_bytes())
    loaded = project.write(
        "jobs:\n  - {name: specs, sources: [pipeline.yaml], schedule: 1h}\n").config()
    assert run_job(loaded.jobs.jobs[0], loaded).changed == 1
    spec.touch()  # a new mtime, the same bytes
    touched = run_job(loaded.jobs.jobs[0], loaded)
    assert (touched.changed, touched.facts) == (0, 0)
    spec.write_bytes(spec.read_bytes() + b"\n# reviewed\n")
    assert run_job(loaded.jobs.jobs[0], loaded).changed == 1
    assert len(list(open_store(project.db).raw_inputs())) == 1, "the new version supersedes the old"


def test_sources_that_do_not_exist_yet_are_warnings(project: Project) -> None:
    loaded = project.write(
        "jobs:\n  - {name: later, sources: [logs/*.jsonl, missing.yaml], schedule: 1h}\n").config()
    outcome = run_job(loaded.jobs.jobs[0], loaded)
    assert outcome.status == "ok"
    assert sorted(p.message for p in outcome.problems) == ["no such file or directory (yet)",
                                                           "the pattern matches no files yet"]
    assert all(p.severity == "warning" for p in outcome.problems)


def test_a_url_source_is_fetched_again_only_when_it_changed(project: Project, web: Web) -> None:
    web.pages["/events.json"] = (FIXTURES / "event_simple.json").read_bytes()
    loaded = project.write(
        f"jobs:\n  - {{name: remote, sources: ['{web.url}/events.json'], schedule: 1h}}\n").config()
    first = run_job(loaded.jobs.jobs[0], loaded)
    assert (first.status, first.changed) == ("ok", 1) and first.facts > 0
    assert run_job(loaded.jobs.jobs[0], loaded).changed == 0


def test_a_catalog_connection_string_collects_only_changes(project: Project) -> None:
    import duckdb

    warehouse = project.root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE orders (id INTEGER, email VARCHAR)")
    loaded = project.write(
        "jobs:\n  - {name: warehouse, sources: ['duckdb://warehouse.duckdb'], schedule: 1h}\n").config()
    first = run_job(loaded.jobs.jobs[0], loaded)
    assert (first.status, first.changed) == ("ok", 1), first.problems
    assert run_job(loaded.jobs.jobs[0], loaded).changed == 0, "an unchanged catalog stores nothing"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE VIEW customers AS SELECT DISTINCT email FROM orders")
    changed = run_job(loaded.jobs.jobs[0], loaded)
    assert changed.changed == 1
    assert changed.alert is not None
    assert [f["summary"] for f in changed.alert.new_flows] == [
        "view:warehouse.main.customers reads warehouse.main.orders",
        "view:warehouse.main.customers writes warehouse.main.customers"]
    inputs = list(open_store(project.db).raw_inputs())
    assert [r.source for r in inputs] == [f"duckdb://{warehouse}"], "the new snapshot supersedes the old"


def test_a_stop_request_ends_a_long_read_after_a_stored_batch_and_the_next_run_goes_on(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from lineage.services import logs
    from lineage.services.jobs import reading, runner

    log = project.append("logs/agent.jsonl", fixture_bytes("agent_day1.jsonl") + fixture_bytes("agent_day2.jsonl"))
    loaded = project.write(EVENTS_JOB).config()
    monkeypatch.setattr(logs, "CHUNK_LINES", 1)  # one event per batch
    stop = threading.Event()

    def stop_after_first_batch(*args: object, **kwargs: object) -> Iterator[reading.Step]:
        for step in reading.read_source(*args, **kwargs):  # type: ignore[arg-type]
            stop.set()  # as SIGTERM would, while the first batch is being stored
            yield step

    monkeypatch.setattr(runner, "read_source", stop_after_first_batch)
    stopped = run_job(loaded.jobs.jobs[0], loaded, stop=stop)
    assert stopped.status == "aborted"
    first_line = len(fixture_bytes("agent_day1.jsonl").split(b"\n")[0]) + 1
    store = open_store(project.db)
    assert store.source_states("agent-events")[str(log)].offset == first_line
    assert store.job_runs("agent-events")[0].detail["error"].startswith("stopped part-way through a source")

    monkeypatch.undo()
    monkeypatch.setattr(logs, "CHUNK_LINES", 1)
    resumed = run_job(loaded.jobs.jobs[0], loaded)
    assert resumed.status == "ok"
    assert store.source_states("agent-events")[str(log)].offset == log.stat().st_size
    assert len(list(store.raw_inputs())) == 4, "each event once, in its own append-only batch"


@pytest.mark.parametrize(("job_options", "namespace"), [("", "dbt-team"), ("    options: {job_namespace: dbt-job}\n",
                                                                             "dbt-job")])
def test_a_dbt_job_names_processes_in_the_projects_job_namespace_unless_the_job_says(
        project: Project, monkeypatch: pytest.MonkeyPatch, job_options: str, namespace: str) -> None:
    import shutil

    from lineage.graph import load_graph
    from tests.conftest import REPO_ROOT

    monkeypatch.delenv("OPENLINEAGE_NAMESPACE", raising=False)
    shutil.copytree(REPO_ROOT / "tests" / "dbt" / "project", project.root / "dbt")
    loaded = project.write(f"""\
dbt: {{job_namespace: dbt-team}}
jobs:
  - name: dbt-manifest
    collector: dbt
    sources: [dbt/target/manifest.json]
    schedule: 1h
{job_options}""").config()
    assert run_job(loaded.jobs.jobs[0], loaded).status == "ok"
    processes = {n["namespace"] for n in load_graph(open_store(project.db)).nodes("process")}
    assert processes == {namespace}
