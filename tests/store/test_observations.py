"""A claim repeated by many events is stored once, with its observations: a job that runs a
thousand times with the same inputs, outputs and schema makes one row per claim, not a thousand;
its evidence keeps the first and last observation and how many there were."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors.openlineage import OpenLineageCollector
from lineage.graph import LineageGraph

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
"""Events from a clock ahead of ours: received before all of them, so `--as-of` between them sees
what was observed by then."""
RUNS = 1000


def _event(run: int, *, output: str = "marts.orders") -> dict[str, Any]:
    at = START + timedelta(minutes=run)
    return {
        "eventType": "COMPLETE", "eventTime": at.isoformat().replace("+00:00", "Z"),
        "producer": "https://example.com/etl", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
        "run": {"runId": str(uuid.UUID(int=run + 1))},
        "job": {"namespace": "etl", "name": "build_orders"},
        "inputs": [{"namespace": "postgres://db:5432", "name": "raw.orders",
                    "facets": {"schema": {"_producer": "x", "_schemaURL": "x",
                                          "fields": [{"name": "id", "type": "int"},
                                                     {"name": "email", "type": "text"}]}}}],
        "outputs": [{"namespace": "postgres://db:5432", "name": output}],
    }


def _lines(runs: range, **kwargs: Any) -> bytes:
    return b"".join(json.dumps(_event(r, **kwargs)).encode() + b"\n" for r in runs)


def _ingest(store: Any, source: str, runs: range, **kwargs: Any) -> Any:
    return store.ingest(OpenLineageCollector().collect_lines(source, _lines(runs, **kwargs), first_line=1))


def test_a_job_run_a_thousand_times_makes_one_row_per_claim(store: Any) -> None:
    one = _ingest(store, "run-0.jsonl", range(1))
    rows_of_one = store.counts()
    many = _ingest(store, "runs.jsonl", range(1, RUNS))
    counts = store.counts()
    assert many.facts == one.facts * (RUNS - 1)  # every event's facts are counted as stated...
    assert counts["observations"] == one.facts * RUNS
    for table in ("node_facts", "edge_facts"):  # ...but stored as one row per claim and source
        assert counts[table] <= 2 * rows_of_one[table]
    assert counts["events"] == RUNS


def test_explain_shows_first_and_last_observation_and_how_many(store: Any) -> None:
    _ingest(store, "runs.jsonl", range(RUNS))
    facts = [f for f in store.facts_about(["dataset:postgres://db:5432:raw.orders"]) if f["fact"] == "node"]
    schema = next(f for f in facts if "email" in f["body"])
    assert schema["times"] == RUNS
    assert schema["first_observed_at"] == START
    assert schema["observed_at"] == START + timedelta(minutes=RUNS - 1)
    assert schema["line"] == 1  # the evidence of the first observation
    assert (schema["run_id"], schema["last_run_id"]) == (str(uuid.UUID(int=1)), str(uuid.UUID(int=RUNS)))
    late = _event(10)  # a run of long ago, reported late: not the last observation
    late["run"]["runId"] = str(uuid.UUID(int=RUNS + 7))
    store.ingest(OpenLineageCollector().collect_lines("runs.jsonl", json.dumps(late).encode() + b"\n", RUNS + 1))
    again = next(f for f in store.facts_about(["dataset:postgres://db:5432:raw.orders"])
                 if f["fact"] == "node" and "email" in f["body"])
    assert (again["times"], again["last_run_id"]) == (RUNS + 1, str(uuid.UUID(int=RUNS)))
    graph = LineageGraph.from_current(store.current_graph())
    node = graph.node("dataset:postgres://db:5432:raw.orders")
    assert (node["first_seen"], node["last_seen"]) == (START, START + timedelta(minutes=RUNS - 1))


def test_events_delivered_again_by_another_route_add_nothing(store: Any) -> None:
    _ingest(store, "events.jsonl", range(100))
    before = store.counts()
    again = _ingest(store, "http", range(50, 150))  # half of them seen already
    after = store.counts()
    assert after["events"] == before["events"] + 50
    assert again.facts == after["observations"] - before["observations"] > 0
    assert _ingest(store, "other.jsonl", range(150)).facts == 0


def test_a_different_event_of_the_same_run_and_time_is_its_own_observation(store: Any) -> None:
    _ingest(store, "events.jsonl", range(1))
    other = _ingest(store, "events.jsonl", range(1), output="marts.orders_v2")
    assert other.facts > 0
    graph = LineageGraph.from_current(store.current_graph())
    assert graph.node("dataset:postgres://db:5432:marts.orders_v2") is not None


def test_as_of_sees_a_repeated_claim_from_its_first_observation(store: Any) -> None:
    _ingest(store, "events.jsonl", range(10))
    _ingest(store, "events.jsonl", range(500, 510), output="marts.late")
    at = START + timedelta(minutes=100)
    between = LineageGraph.from_data(store.graph_data(at))
    ids = {n["id"] for n in between.nodes()}
    assert "dataset:postgres://db:5432:marts.orders" in ids
    assert "dataset:postgres://db:5432:marts.late" not in ids
    raw = between.node("dataset:postgres://db:5432:raw.orders")  # said until minute 509
    assert START < raw["last_seen"] <= at  # never after the time asked about
    before = LineageGraph.from_data(store.graph_data(START - timedelta(minutes=1)))
    assert not list(before.nodes())
