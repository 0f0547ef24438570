"""The real `lineage serve` process, fed by the real openlineage-python client and by raw requests."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    error_message_run,
    schema_dataset,
    tags_dataset,
)

from lineage.cli import main
from lineage.graph import load_graph
from lineage.store import open_store
from tests.openlineage.support import (
    TOKEN,
    Server,
    load,
    start_server,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python"
NOW = "2026-03-01T10:00:00.000Z"


def client(server: Server, *, token: str | None = TOKEN, gzip_on: bool = False) -> OpenLineageClient:
    transport: dict[str, Any] = {
        "type": "http",
        "url": server.url,
        "timeout": 10,
        "retry": {"total": 2, "backoff_factor": 0.1},
    }
    if token:
        transport["auth"] = {"type": "api_key", "apiKey": token}
    if gzip_on:
        transport["compression"] = "gzip"
    return OpenLineageClient(config={"transport": transport})


def graph_of(server: Server, namespace_part: str) -> tuple[set[str], set[str], set[tuple[str, str, str]], Any]:
    server.settled()
    g = load_graph(open_store(server.db, lock_timeout=30))
    nodes = {n["id"] for n in g.nodes() if namespace_part in n["id"]}
    datasets = {n for n in nodes if n.startswith("dataset:")}
    processes = {n for n in nodes if n.startswith("process:")}
    edges = {(u, v, k) for u, v, k, _ in g.edges() if namespace_part in u or namespace_part in v}
    return datasets, processes, edges, g


def counts(server: Server) -> dict[str, int]:
    server.settled()
    return dict(open_store(server.db, lock_timeout=30).counts())


@pytest.mark.parametrize("gzip_on", [False, True], ids=["plain", "gzip"])
def test_python_client_events_build_exactly_the_expected_graph(server: Server, gzip_on: bool) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    ns = f"airflow-{tag}"
    pg = f"postgres://db-{tag}:5432"
    ol = client(server, gzip_on=gzip_on)
    run = Run(runId=str(uuid.uuid4()))
    job = Job(namespace=ns, name="etl.load_orders")
    orders = InputDataset(
        namespace=pg,
        name="shop.public.orders",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(name="id", type="int"),
                    schema_dataset.SchemaDatasetFacetFields(name="email", type="text"),
                ]
            ),
            "tags": tags_dataset.TagsDatasetFacet(
                tags=[tags_dataset.TagsDatasetFacetFields(key="classification", value="pii.email", field="email")]
            ),
        },
    )
    lineage = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "customer_id": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=pg,
                        name="shop.public.orders",
                        field="id",
                        transformations=[column_lineage_dataset.Transformation(type="DIRECT", subtype="IDENTITY")],
                    )
                ]
            ),
            "email_hash": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=pg,
                        name="shop.public.orders",
                        field="email",
                        transformations=[
                            column_lineage_dataset.Transformation(type="DIRECT", subtype="TRANSFORMATION", masking=True)
                        ],
                    )
                ]
            ),
        }
    )
    summary = OutputDataset(namespace=pg, name="shop.public.customer_summary", facets={"columnLineage": lineage})
    ol.emit(RunEvent(eventType=RunState.START, eventTime=NOW, run=run, job=job, producer=PRODUCER, inputs=[orders]))
    ol.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime="2026-03-01T10:05:00.000Z",
            run=run,
            job=job,
            producer=PRODUCER,
            inputs=[orders],
            outputs=[summary],
        )
    )
    failed = Run(
        runId=str(uuid.uuid4()),
        facets={
            "errorMessage": error_message_run.ErrorMessageRunFacet(
                message="division by zero", programmingLanguage="python"
            )
        },
    )
    ol.emit(
        RunEvent(
            eventType=RunState.FAIL,
            eventTime="2026-03-01T11:00:00.000Z",
            run=failed,
            job=Job(namespace=ns, name="etl.score"),
            producer=PRODUCER,
        )
    )
    ol.emit(
        DatasetEvent(eventTime=NOW, producer=PRODUCER, dataset=StaticDataset(namespace=pg, name="shop.public.refunds"))
    )
    ol.emit(
        JobEvent(
            eventTime=NOW,
            producer=PRODUCER,
            job=Job(namespace=ns, name="etl.export"),
            inputs=[InputDataset(namespace=pg, name="shop.public.customer_summary")],
            outputs=[OutputDataset(namespace="s3://exports-" + tag, name="summary.csv")],
        )
    )
    ol.close()

    datasets, processes, edges, g = graph_of(server, tag)
    assert datasets == {
        f"dataset:{pg}:shop.public.orders",
        f"dataset:{pg}:shop.public.customer_summary",
        f"dataset:{pg}:shop.public.refunds",
        f"dataset:s3://exports-{tag}:summary.csv",
    }
    assert processes == {
        f"process:{ns}:etl.load_orders",
        f"process:{ns}:etl.score",
        f"process:{ns}:etl.export",
    }
    assert edges == {
        (f"dataset:{pg}:shop.public.orders", f"process:{ns}:etl.load_orders", "read"),
        (f"process:{ns}:etl.load_orders", f"dataset:{pg}:shop.public.customer_summary", "write"),
        (f"dataset:{pg}:shop.public.customer_summary", f"process:{ns}:etl.export", "read"),
        (f"process:{ns}:etl.export", f"dataset:s3://exports-{tag}:summary.csv", "write"),
    }
    lineage_rows = {
        (c["column"], c["transformation"], tuple(map(tuple, c["sources"])))
        for c in g.column_lineage
        if tag in c["target"]
    }
    assert lineage_rows == {
        ("customer_id", "identity", ((f"dataset:{pg}:shop.public.orders", "id"),)),
        ("email_hash", "masking", ((f"dataset:{pg}:shop.public.orders", "email"),)),
    }
    assert g.node(f"process:{ns}:etl.load_orders")["run_state"] == "COMPLETE"
    score = g.node(f"process:{ns}:etl.score")
    assert (score["run_state"], score["error_message"]) == ("FAIL", "division by zero")
    email = next(c for c in g.node(f"dataset:{pg}:shop.public.orders")["columns"] if c["name"] == "email")
    assert email["classifications"] == ["pii.email"]


@pytest.mark.parametrize("token", ["wrong-token-0000000000000000", None], ids=["wrong", "missing"])
def test_request_without_a_valid_token_gets_401_and_stores_nothing(server: Server, token: str | None) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    ol = client(server, token=token)
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=NOW,
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace=f"ns-{tag}", name="job"),
        producer=PRODUCER,
    )
    with pytest.raises(requests.HTTPError) as raised:
        ol.emit(event)
    assert raised.value.response.status_code == 401
    assert graph_of(server, tag)[1] == set()


def test_several_clients_at_once_lose_nothing(server: Server) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    errors: list[BaseException] = []

    def send(sender: int) -> None:
        ol = client(server, gzip_on=sender % 2 == 0)
        try:
            for i in range(12):
                ol.emit(
                    RunEvent(
                        eventType=RunState.COMPLETE,
                        eventTime=NOW,
                        run=Run(runId=str(uuid.uuid4())),
                        job=Job(namespace=f"ns-{tag}", name=f"job-{sender}-{i}"),
                        producer=PRODUCER,
                        outputs=[OutputDataset(namespace=f"s3://b-{tag}", name=f"out/{sender}/{i}")],
                    )
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    datasets, processes, edges, _ = graph_of(server, tag)
    assert (len(processes), len(datasets), len(edges)) == (96, 96, 96)


def test_an_event_delivered_twice_is_stored_once(server: Server) -> None:
    event = load("marquez/event_full.json")
    event["run"]["runId"] = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {TOKEN}"}
    first = requests.post(server.url + "/api/v1/lineage", json=event, headers=headers, timeout=60)
    before = counts(server)
    again = requests.post(
        server.url + "/api/v1/lineage",
        data=gzip.compress(json.dumps(event).encode()),
        headers=headers,
        timeout=60,
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert (first.json()["stored"], again.json()["duplicates"]) == (1, 1)
    assert counts(server) == before
    server.settled()
    stored = [r for r in open_store(server.db).raw_inputs() if event["run"]["runId"].encode() in r.content]
    assert len(stored) == 1


def _bomb() -> bytes:
    return gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]", compresslevel=9)


MALFORMED: dict[str, tuple[bytes, dict[str, str], int]] = {
    "truncated": (json.dumps(load("marquez/event_full.json")).encode()[:500], {}, 400),
    "wrong_types": (b'{"eventTime": 5, "run": {"runId": 7}, "job": {"namespace": [], "name": {}}}', {}, 422),
    "not_an_object": (b"[1, 2, 3]", {}, 422),
    "empty": (b"", {}, 400),
    "nested_10000_deep": (b"[" * 10_000 + b"]" * 10_000, {}, 400),
    "invalid_utf8": (
        b'{"eventTime": "2026-01-01T00:00:00Z", "job": {"namespace": "a\xff", "name": "b"}}',
        {},
        400,
    ),
    "gzip_bomb": (b"", {"Content-Encoding": "gzip"}, 413),
    "bad_gzip": (b"\x1f\x8b\x08\x00garbage", {}, 400),
    "fifty_megabytes": (b"", {}, 413),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_body_gets_4xx_stores_nothing_and_server_stays_up(server: Server, case: str) -> None:
    body, headers, status = MALFORMED[case]
    if case == "gzip_bomb":
        body = _bomb()
    elif case == "fifty_megabytes":
        body = b'{"eventTime": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    before = counts(server)
    response = requests.post(
        server.url + "/api/v1/lineage",
        data=body,
        timeout=30,
        headers={"Authorization": f"Bearer {TOKEN}", **headers},
    )
    assert response.status_code == status
    assert response.json()["error"]
    assert server.alive()
    assert requests.get(server.url + "/api/v1/health", timeout=60).ok
    assert counts(server) == before


def test_invalid_event_answer_names_the_field(server: Server) -> None:
    response = requests.post(
        server.url + "/api/v1/lineage",
        timeout=60,
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"eventTime": NOW, "run": {"runId": "r"}, "job": {"namespace": "n"}},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "job.name"


def test_batch_stores_valid_events_and_lists_invalid_ones(server: Server) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    good = {
        "eventType": "COMPLETE",
        "eventTime": NOW,
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": f"ns-{tag}", "name": "ok"},
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    response = requests.post(
        server.url + "/api/v1/lineage/batch",
        timeout=60,
        headers={"Authorization": f"Bearer {TOKEN}"},
        json=[good, {"eventTime": NOW}],
    )
    assert response.status_code == 422
    assert response.json()["stored"] == 1
    assert [r["index"] for r in response.json()["refused"]] == [1]
    assert graph_of(server, tag)[1] == {f"process:ns-{tag}:ok"}


def test_health_and_openapi_document_are_served(server: Server) -> None:
    health = requests.get(server.url + "/api/v1/health", timeout=60).json()
    spec = requests.get(server.url + "/openapi.json", timeout=60).json()
    assert health["status"] == "ok" and health["auth"] is True
    assert {"/api/v1/lineage", "/api/v1/lineage/batch", "/api/v1/health"} <= set(spec["paths"])


def test_request_log_has_requests_but_never_the_token(server: Server) -> None:
    requests.post(server.url + "/api/v1/lineage", data=b"{}", timeout=60, headers={"Authorization": f"Bearer {TOKEN}"})
    time.sleep(0.2)
    text = server.log.read_text()
    assert "POST /api/v1/lineage 422" in text
    assert TOKEN not in text


def test_events_acknowledged_before_sigkill_are_all_stored_by_the_next_start(tmp_path: Path) -> None:
    s = start_server(tmp_path)
    ol = client(s)
    run_ids = [str(uuid.uuid4()) for _ in range(12)]
    for i, run_id in enumerate(run_ids):
        ol.emit(
            RunEvent(
                eventType=RunState.COMPLETE,
                eventTime=NOW,
                run=Run(runId=run_id),
                job=Job(namespace="durable", name=f"job-{i}"),
                producer=PRODUCER,
            )
        )
    s.stop(signal.SIGKILL)
    assert s.process.returncode == -signal.SIGKILL
    journal = s.db.with_name(s.db.name + ".journal")
    again = start_server(tmp_path)  # stores what the journal holds before it takes requests
    again.settled()
    again.stop()
    g = load_graph(open_store(s.db))
    assert {n["name"] for n in g.nodes("process")} == {f"job-{i}" for i in range(12)}
    assert not list(journal.glob("*.jsonl"))


def test_the_journal_left_by_a_crash_is_stored_on_start_and_its_torn_tail_left_out(tmp_path: Path) -> None:
    journal = tmp_path / "served.duckdb.journal"
    journal.mkdir()
    lines = [
        b"http:10.0.0.7\t" + json.dumps({
            "eventType": "COMPLETE", "eventTime": NOW, "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "crashed", "name": f"job-{i}"}, "producer": PRODUCER,
        }).encode() + b"\n"
        for i in range(3)
    ]
    (journal / "000000000007.jsonl").write_bytes(lines[0] + b"garbage without a tab\n" + lines[1])
    (journal / "000000000008.jsonl").write_bytes(lines[2] + lines[2][:40])  # torn: the process died here
    s = start_server(tmp_path)
    try:
        s.settled()
        log = s.log.read_text()
    finally:
        s.stop()
    g = load_graph(open_store(s.db))
    assert {n["name"] for n in g.nodes("process") if n["namespace"] == "crashed"} == {"job-0", "job-1", "job-2"}
    assert "stored 3 event(s) left in the journal" in log
    assert "000000000007.jsonl line 2: not an event line" in log
    assert "000000000008.jsonl line 2: incomplete" in log
    assert not list(journal.glob("*.jsonl"))


def test_events_waiting_for_a_locked_store_are_bounded_by_503_with_retry_after(tmp_path: Path) -> None:
    """With the store locked by another process, acknowledged events wait in the journal; beyond
    --queue-size of them, requests get 503 and the client retries later."""
    s = start_server(tmp_path, "--queue-size", "1")
    locker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)",
            str(s.db),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == b"locked"
        results: list[int] = []
        retry_after: list[str | None] = []

        def post(i: int) -> None:
            event = {
                "eventType": "COMPLETE",
                "eventTime": NOW,
                "run": {"runId": str(uuid.uuid4())},
                "job": {"namespace": "busy", "name": f"job-{i}"},
                "producer": PRODUCER,
            }
            r = requests.post(
                s.url + "/api/v1/lineage",
                json=event,
                timeout=60,
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            results.append(r.status_code)
            if r.status_code == 503:
                retry_after.append(r.headers.get("Retry-After"))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
            time.sleep(0.1)
        deadline = time.monotonic() + 120
        while results.count(503) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(results) == [201, 503, 503, 503, 503, 503]
        assert retry_after == ["1"] * 5
    finally:
        locker.kill()
        locker.wait()
    for t in threads:
        t.join(60)
    s.settled()
    s.stop()
    g = load_graph(open_store(s.db))
    assert len([n for n in g.nodes("process") if n["namespace"] == "busy"]) == 1


def test_no_auth_is_refused_on_a_non_loopback_address() -> None:
    assert main(["serve", "--no-auth", "--host", "0.0.0.0", "--port", "1"]) == 2


def test_no_auth_on_loopback_accepts_requests_without_a_token(tmp_path: Path) -> None:
    s = start_server(tmp_path, "--no-auth", token=None)
    try:
        response = requests.post(
            s.url + "/api/v1/lineage",
            timeout=60,
            json={
                "eventType": "START",
                "eventTime": NOW,
                "run": {"runId": str(uuid.uuid4())},
                "job": {"namespace": "open", "name": "job"},
                "producer": PRODUCER,
            },
        )
        assert response.status_code == 201
    finally:
        s.stop()


def test_serve_without_any_token_configured_refuses_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINEAGE_API_TOKENS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--db", str(tmp_path / "x.duckdb"), "--port", "1"]) == 2


def test_a_reader_process_gets_in_while_the_endpoint_is_under_steady_load(tmp_path: Path) -> None:
    """The writer keeps the store open while events keep coming, yet another process gets in (within
    its lock timeout, a generous minute here: how long depends on the machine's load)."""
    s = start_server(tmp_path)
    stop = threading.Event()
    sent: list[int] = []

    def send(worker: int) -> None:
        ol = client(s)
        i = 0
        while not stop.is_set():
            ol.emit(
                RunEvent(
                    eventType=RunState.COMPLETE,
                    eventTime=NOW,
                    run=Run(runId=str(uuid.uuid4())),
                    job=Job(namespace="steady", name=f"job-{worker}-{i}"),
                    producer=PRODUCER,
                )
            )
            i += 1
        sent.append(i)

    senders = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for t in senders:
        t.start()
    try:
        time.sleep(1.0)  # steady load: the writer is holding the store
        for _ in range(3):
            reader = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sys; sys.path.insert(0, sys.argv[2]); from lineage.store import open_store; "
                    "print(open_store(sys.argv[1], lock_timeout=60).counts()['inputs'])",
                    str(s.db),
                    str(Path(__file__).resolve().parents[2]),
                ],
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert reader.returncode == 0, reader.stderr
            assert int(reader.stdout.strip()) > 0
    finally:
        stop.set()
        for t in senders:
            t.join(30)
    assert sum(sent) > 0
    s.stop()


def test_a_journal_place_that_cannot_be_a_folder_is_a_clear_error_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINEAGE_API_TOKENS", TOKEN)
    (tmp_path / "s.duckdb.journal").write_text("not a folder")
    assert main(["serve", "--db", str(tmp_path / "s.duckdb"), "--port", "1"]) == 2
    assert "cannot keep the endpoint's journal there" in capsys.readouterr().err


def test_a_second_endpoint_on_the_same_store_is_refused_while_the_first_keeps_its_journal(
    server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINEAGE_API_TOKENS", TOKEN)
    assert main(["serve", "--db", str(server.db), "--port", "1"]) == 2
    assert "another `lineage serve` already ingests into this store" in capsys.readouterr().err
    assert server.alive()
