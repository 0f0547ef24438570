"""Two real `lineage serve` replicas on one PostgreSQL database, fed by the real openlineage-python
client (HTTP transport, api key) at once, the same events to both: every fact is stored once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from collectors.openlineage import OpenLineageCollector
from lineage.graph import load_graph
from lineage.store import open_store
from tests.pg import PgServer, schema_url

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "replica-test-token-7f3a9c1e5b2d"
EVENTS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _events() -> list[Any]:
    """Runs of 12 jobs, each reading two tables and writing a third with column lineage."""
    from openlineage.client import event_v2
    from openlineage.client.facet_v2 import column_lineage_dataset as cl
    from openlineage.client.facet_v2 import schema_dataset

    start = datetime(2026, 2, 1, tzinfo=UTC)
    out = []
    for i in range(EVENTS):
        j = i % 12
        schema = schema_dataset.SchemaDatasetFacet(fields=[
            schema_dataset.SchemaDatasetFacetFields(name="id", type="BIGINT"),
            schema_dataset.SchemaDatasetFacetFields(name="email", type="VARCHAR")])
        lineage = cl.ColumnLineageDatasetFacet(fields={"email": cl.Fields(inputFields=[
            cl.InputField(namespace="postgres://db:5432", name=f"shop.public.users{j}", field="email")])})
        out.append(event_v2.RunEvent(
            eventType=event_v2.RunState.COMPLETE,
            eventTime=(start + timedelta(minutes=i)).isoformat(),
            producer="https://github.com/OpenLineage/OpenLineage/tree/1.20.0/client/python",
            run=event_v2.Run(runId=str(uuid.UUID(int=i + 1))),
            job=event_v2.Job(namespace="airflow", name=f"etl.job{j}"),
            inputs=[event_v2.InputDataset(namespace="postgres://db:5432", name=f"shop.public.users{j}",
                                          facets={"schema": schema}),
                    event_v2.InputDataset(namespace="postgres://db:5432", name=f"shop.public.orders{j}")],
            outputs=[event_v2.OutputDataset(namespace="s3://lake", name=f"features/f{j}",
                                            facets={"schema": schema, "columnLineage": lineage})],
        ))
    return out


def _serve(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "LINEAGE_API_TOKENS": TOKEN, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "lineage.cli", "serve", "--port", str(port), "--db", url, "--log-level", "warning"],
        cwd=log.parent, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"replica did not come up: {log.read_text(errors='replace')}")


@pytest.fixture
def replicas(pg_server: PgServer, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    url = schema_url(pg_server, "replicas")
    started = [_serve(url, tmp_path / f"replica{n}.log") for n in range(2)]
    try:
        for n, (process, base) in enumerate(started):
            _wait_healthy(process, base, tmp_path / f"replica{n}.log")
        yield url, [base for _, base in started]
    finally:
        for process, _ in started:
            os.killpg(process.pid, signal.SIGTERM)
        for process, _ in started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _send(base: str, events: list[Any], errors: list[BaseException]) -> None:
    from openlineage.client import OpenLineageClient

    client = OpenLineageClient(config={"transport": {
        "type": "http", "url": base, "timeout": 30, "auth": {"type": "api_key", "apiKey": TOKEN}}})
    try:
        for event in events:
            client.emit(event)
    except BaseException as exc:
        errors.append(exc)


def test_two_replicas_receiving_the_same_events_at_once_store_each_fact_once(
        replicas: tuple[str, list[str]], pg_server: PgServer, tmp_path: Path) -> None:
    from openlineage.client.serde import Serde

    url, (first, second) = replicas
    events = _events()
    # both replicas get every event, from two senders each, in different orders, all at once;
    # then a slice is resent to the other replica (a client retrying through the load balancer)
    plan = [(first, events[0::2]), (first, events[1::2]), (second, events[::-1][0::2]), (second, events[::-1][1::2])]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_send, args=(base, part, errors)) for base, part in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    _send(second, events[:10], errors)
    _send(first, events[50:], errors)
    assert not errors, errors

    reference = open_store(schema_url(pg_server, "reference"))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(Serde.to_json(e) for e in events) + "\n")
    for batch in OpenLineageCollector().collect_path(path):
        reference.ingest(batch)
    with psycopg.connect(url) as con:
        for table in ("node_facts", "edge_facts", "column_facts"):
            dupes = con.execute(f"SELECT count(*) - count(DISTINCT fact_key) FROM {table}").fetchone()
            assert dupes == (0,), f"{table}: a fact was stored more than once"
    stored, expected = open_store(url), reference
    for table in ("node_facts", "edge_facts", "column_facts"):
        assert stored.counts()[table] == expected.counts()[table], table
    graph, want = load_graph(stored), load_graph(expected)
    assert sorted(n["id"] for n in graph.nodes()) == sorted(n["id"] for n in want.nodes())
    assert graph.number_of_edges() == want.number_of_edges() > 0
    assert len(stored.graph_data().column_lineage) == len(expected.graph_data().column_lineage) > 0
