"""`POST /v1/traces` on the real `lineage serve`, fed by the real OpenTelemetry SDK and exporter
(configured only by the standard `OTEL_EXPORTER_OTLP_*` variables), by the openai SDK under the
OpenLLMetry and OpenInference instrumentations, and by raw hostile requests."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from lineage.graph import load_graph
from lineage.store import open_store
from tests.openlineage.support import REPO_ROOT, TOKEN, Server, start_server
from tests.otel.emit import PROMPT
from tests.otel.stub_openai import StubOpenAI
from tests.otel.traces import request as json_request
from tests.otel.traces import span, trace_id

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROTOBUF = {**AUTH, "Content-Type": "application/x-protobuf"}
JSON = {**AUTH, "Content-Type": "application/json"}
ANTHROPIC = "process:https://api.anthropic.com:apps/support-agent/v1/messages"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("otlp"))
    yield s
    s.stop()


def emit(server: Server, kind: str, *extra: str, **env: str) -> None:
    """Run `tests.otel.emit` with the standard exporter variables pointed at the server."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environment.update(
        PYTHONPATH=str(REPO_ROOT),
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{server.url}/v1/traces",
        OTEL_EXPORTER_OTLP_HEADERS=f"Authorization=Bearer%20{TOKEN}",
        **env,
    )
    done = subprocess.run([sys.executable, "-m", "tests.otel.emit", kind, *extra], env=environment, cwd=REPO_ROOT,
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert b"Failed to export" not in done.stderr, done.stderr.decode()[-3000:]


def graph(server: Server) -> Any:
    server.settled()
    return load_graph(open_store(server.db, lock_timeout=30))


def raw_texts(server: Server) -> list[bytes]:
    server.settled()
    return [r.content for r in open_store(server.db, lock_timeout=30).raw_inputs() if r.collector == "otel"]


def protobuf_body(traces: int, spans_per_trace: int = 1, *, first: int = 0, service: str = "flood") -> bytes:
    message = ExportTraceServiceRequest()
    rs = message.resource_spans.add()
    rs.resource.attributes.add(key="service.name").value.string_value = service
    scope = rs.scope_spans.add()
    for t in range(first, first + traces):
        for s in range(spans_per_trace):
            sp = scope.spans.add(trace_id=(t + 1).to_bytes(16, "big"), span_id=(s + 1).to_bytes(8, "big"),
                                 name="chat", start_time_unix_nano=1_780_000_000_000_000_000 + t)
            sp.attributes.add(key="gen_ai.operation.name").value.string_value = "chat"
            sp.attributes.add(key="gen_ai.provider.name").value.string_value = "openai"
            sp.attributes.add(key="gen_ai.request.model").value.string_value = "gpt-4o-mini"
    return message.SerializeToString()


# -- real clients ----------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_sdk_exporter_spans_become_agent_processor_tool_and_dataset(server: Server, compression: str) -> None:
    emit(server, "sdk", OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=compression)
    g = graph(server)
    chat = g.node(ANTHROPIC)
    assert (chat["processor_type"], chat["vendor"], chat["version"]) == ("llm_api", "Anthropic", "claude-sonnet-4")
    assert g.edge("identity:support-agent:refunds", ANTHROPIC, "runs")
    assert g.edge("identity:support-agent:refunds", "process:support-agent:tools/issue_refund", "runs")
    orders = "dataset:postgres://orders-db:5432:shop.public.orders"
    assert g.edge(orders, ANTHROPIC, "read")
    prompts = next(n for n in g.nodes("dataset") if "/prompts/" in n["name"] and "support-agent" in n["namespace"])
    assert set(prompts["classifications"]) == {"financial.payment_card", "pii.email"}
    assert all(b"4111 1111" not in raw and b"jane.doe" not in raw for raw in raw_texts(server))


@pytest.mark.parametrize("instrumentation", ["openllmetry", "openinference"])
def test_instrumented_openai_calls_arrive_as_processors_run_by_the_service(server: Server,
                                                                           instrumentation: str) -> None:
    stub = StubOpenAI()
    try:
        emit(server, instrumentation, stub.base_url)
    finally:
        stub.stop()
    assert sorted(stub.calls) == ["/v1/chat/completions", "/v1/embeddings"]
    g = graph(server)
    # OpenLLMetry records the base URL it called; OpenInference only the provider, so its vendor endpoint
    where = f"http://127.0.0.1:{stub.server_port}" if instrumentation == "openllmetry" else "https://api.openai.com"
    app = f"apps/{instrumentation}-app"
    chat, embed = g.node(f"process:{where}:{app}/v1/chat/completions"), g.node(f"process:{where}:{app}/v1/embeddings")
    assert (chat["processor_type"], chat["version"]) == ("llm_api", "gpt-4o-mini")
    assert (embed["processor_type"], embed["version"]) == ("embedding_api", "text-embedding-3-small")
    service = f"identity:services:{instrumentation}-app"
    assert g.edge(service, chat["id"], "runs") and g.edge(service, embed["id"], "runs")
    prompts = [n for n in g.nodes("dataset") if n["namespace"] == f"otel://{instrumentation}-app"
               and "/prompts/" in n["name"] and n["name"].endswith("chat/completions")]
    assert prompts and "pii.email" in prompts[0]["classifications"]
    assert all(PROMPT.encode() not in raw and b"jane.doe" not in raw for raw in raw_texts(server))


# -- answers per the OTLP specification ------------------------------------------------------------


def test_protobuf_request_gets_a_protobuf_export_response(server: Server) -> None:
    answer = requests.post(server.url + "/v1/traces", data=protobuf_body(3, first=10_000), headers=PROTOBUF,
                           timeout=60)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/x-protobuf"
    response = ExportTraceServiceResponse()
    response.ParseFromString(answer.content)
    assert not response.HasField("partial_success")


def test_json_request_with_some_invalid_spans_is_a_partial_success(server: Server) -> None:
    good = span(trace_id(20_001), "chat", {"gen_ai.operation.name": "chat", "gen_ai.system": "cohere"})
    body = json_request("partial", [good, {"traceId": "xyz", "spanId": "1"}, "not a span"])
    answer = requests.post(server.url + "/v1/traces", data=orjson.dumps(body), headers=JSON, timeout=60)
    assert answer.status_code == 200
    partial = answer.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "2" and "traceId" in partial["errorMessage"]
    assert graph(server).node("process:https://api.cohere.com:apps/partial/v2/chat")["vendor"] == "Cohere"


def test_gzip_json_request_is_stored(server: Server) -> None:
    s = span(trace_id(20_002), "embeddings", {"gen_ai.operation.name": "embeddings", "gen_ai.system": "mistral_ai"})
    answer = requests.post(server.url + "/v1/traces", data=gzip.compress(orjson.dumps(json_request("gz", [s]))),
                           headers={**JSON, "Content-Encoding": "gzip"}, timeout=60)
    assert answer.status_code == 200 and answer.json() == {}
    mistral = graph(server).node("process:https://api.mistral.ai:apps/gz/v1/embeddings")
    assert mistral["processor_type"] == "embedding_api"


# -- bad input -------------------------------------------------------------------------------------


def _status(answer: requests.Response) -> status_pb2.Status:
    status = status_pb2.Status()
    status.ParseFromString(answer.content)
    return status


@pytest.mark.parametrize(("headers", "body", "code", "says"), [
    ({"Content-Type": "application/x-protobuf"}, b"", 401, "bearer token"),
    ({"Content-Type": "application/x-protobuf", "Authorization": "Bearer wrong-token-0000000000"}, b"", 401,
     "bearer token"),
    ({**PROTOBUF}, b"\x0a\xff\xff\xff\xff\x0f", 400, "not an OTLP ExportTraceServiceRequest"),
    ({**AUTH, "Content-Type": "text/plain"}, b"hello", 415, "Content-Type"),
    ({**PROTOBUF, "Content-Encoding": "br"}, b"x", 415, "Content-Encoding"),
    ({**PROTOBUF, "Content-Encoding": "gzip"}, gzip.compress(b"\x0a\x00" * 1000)[:30], 400, "truncated"),
    ({**JSON}, b'{"resourceSpans": [', 400, "not valid JSON"),
    ({**JSON}, b'{"resourceSpans": {}}', 400, "resourceSpans must be a list"),
    ({**JSON}, orjson.dumps(json_request("x", [{"traceId": "1"}])), 400, "every span"),
], ids=["no-token", "wrong-token", "malformed-protobuf", "wrong-content-type", "unknown-encoding", "truncated-gzip",
        "truncated-json", "not-otlp-json", "only-invalid-spans"])
def test_bad_requests_get_a_clear_4xx_in_the_request_encoding(server: Server, headers: dict[str, str], body: bytes,
                                                               code: int, says: str) -> None:
    before = len(raw_texts(server))
    answer = requests.post(server.url + "/v1/traces", data=body, headers=headers, timeout=60)
    assert answer.status_code == code
    if answer.headers["content-type"].startswith("application/x-protobuf"):
        message = _status(answer).message
    else:
        message = answer.json()["message"]
    assert says in message
    assert len(raw_texts(server)) == before


def test_huge_batches_are_refused_with_413(server: Server) -> None:
    over_spans = protobuf_body(100_001, first=30_000)
    answer = requests.post(server.url + "/v1/traces", data=over_spans, headers=PROTOBUF, timeout=120)
    assert answer.status_code == 413 and "span limit" in _status(answer).message
    over_bytes = b"\x0a" + b"\xff" * (17 * 1024 * 1024)
    answer = requests.post(server.url + "/v1/traces", data=over_bytes, headers=PROTOBUF, timeout=120)
    assert answer.status_code == 413
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024))
    answer = requests.post(server.url + "/v1/traces", data=bomb, headers={**PROTOBUF, "Content-Encoding": "gzip"},
                           timeout=120)
    assert answer.status_code == 413 and "decompressed" in _status(answer).message


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM"))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak memory from /proc")
def test_a_span_flood_loses_nothing_and_memory_stays_flat(tmp_path: Path) -> None:
    s = start_server(tmp_path)
    try:
        idle = _peak_rss_mb(s.process.pid)
        senders, requests_each, traces_each = 6, 20, 500
        statuses: list[int] = []

        def send(sender: int) -> None:
            for r in range(requests_each):
                body = protobuf_body(traces_each, first=(sender * requests_each + r) * traces_each)
                while True:  # what the exporters do: retry 503 after Retry-After
                    answer = requests.post(s.url + "/v1/traces", data=body, headers=PROTOBUF, timeout=120)
                    if answer.status_code != 503:
                        statuses.append(answer.status_code)
                        break

        threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        assert statuses == [200] * (senders * requests_each)
        s.settled()
        store = open_store(s.db, lock_timeout=30)
        sent = senders * requests_each  # 120 requests of 500 spans, one trace each: 60,000 spans
        counts = store.counts()
        assert counts["events"] == sent  # every request stored, once
        assert counts["observations"] == 3 * sent  # the service, the processor, the runs edge: in every request
        assert counts["node_facts"] + counts["edge_facts"] <= 10  # as a few claims
        assert _peak_rss_mb(s.process.pid) - idle < 300
    finally:
        s.stop()


@contextlib.contextmanager
def _store_held_elsewhere(db: Path) -> Iterator[None]:
    """Another process holds the store, so the endpoint can only journal what it acknowledges."""
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(120)", str(db)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_spans_acknowledged_before_sigkill_are_stored_by_the_next_command_and_no_prompt_text_is_journaled(
        tmp_path: Path) -> None:
    s = start_server(tmp_path)
    secret = "ssn 123-45-6789 for bob@corp.example"
    chat = span(trace_id(40_001), "chat", {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "deepseek",
                                           "gen_ai.request.model": "deepseek-chat", "gen_ai.input.messages": secret})
    with _store_held_elsewhere(s.db):
        answer = requests.post(s.url + "/v1/traces", data=orjson.dumps(json_request("crashy", [chat])),
                               headers=JSON, timeout=60)
        assert answer.status_code == 200
        answer = requests.post(s.url + "/v1/traces", data=protobuf_body(5, first=40_100, service="crashy"),
                               headers=PROTOBUF, timeout=60)
        assert answer.status_code == 200
        s.stop(signal.SIGKILL)
    journal = s.db.with_name(s.db.name + ".journal")
    journaled = b"".join(p.read_bytes() for p in journal.glob("*.jsonl"))
    assert b"deepseek" in journaled, "the endpoint stored before the kill; the test proves nothing"
    assert b"123-45-6789" not in journaled and b"bob@corp" not in journaled
    done = subprocess.run([sys.executable, "-m", "lineage.cli", "explain", "apps/crashy/v1/chat/completions",
                           "--db", str(s.db)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert "stored 2 event(s) an endpoint had acknowledged" in done.stderr
    g = load_graph(open_store(s.db))
    assert g.node("process:https://api.deepseek.com:apps/crashy/v1/chat/completions")["version"] == "deepseek-chat"
    assert g.node("process:https://api.openai.com:apps/crashy/v1/chat/completions")["processor_type"] == "llm_api"
    prompts = next(n for n in g.nodes("dataset") if n["namespace"] == "otel://crashy")
    assert set(prompts["classifications"]) == {"pii.email", "pii.national_id"}


def test_lone_surrogates_and_deep_unknown_fields_are_kept_without_them_breaking_the_request(server: Server) -> None:
    s = span(trace_id(50_001), "chat \ud800", {"gen_ai.operation.name": "chat", "gen_ai.system": "x_ai",
                                               "gen_ai.input.messages": "hi \udfff there"})
    body = json.dumps(json_request("odd", [s])).encode()  # \ud800 escapes: valid JSON, not valid Unicode
    deep = b'{"resourceSpans": [{"junk": ' + b"[" * 600 + b"]" * 600 + b', "scopeSpans": [{"spans": [' + \
        orjson.dumps(span(trace_id(50_002), "embeddings", {"gen_ai.operation.name": "embeddings",
                                                          "gen_ai.system": "x_ai"})) + b"]}]}]}"
    for payload in (body, deep):
        answer = requests.post(server.url + "/v1/traces", data=payload, headers=JSON, timeout=60)
        assert answer.status_code == 200, answer.text
    g = graph(server)
    assert g.node("process:https://api.x.ai:apps/odd/v1/chat/completions")["vendor"] == "xAI"
    assert g.node("process:https://api.x.ai:apps/unknown_service/v1/embeddings")["processor_type"] == "embedding_api"


def test_a_request_delivered_twice_is_stored_once_and_the_route_is_in_the_openapi_document(server: Server) -> None:
    body = protobuf_body(4, first=60_000, service="twice")
    for _ in range(2):  # an exporter's retry after a lost answer
        assert requests.post(server.url + "/v1/traces", data=body, headers=PROTOBUF, timeout=60).status_code == 200
    server.settled()
    stored = [r.content for r in open_store(server.db, lock_timeout=30).raw_inputs()
              if r.collector == "otel" and b'"twice"' in r.content]
    assert sum(content.count(b'"twice"') for content in stored) == 1
    document = requests.get(server.url + "/openapi.json", timeout=30).json()
    assert set(document["paths"]["/v1/traces"]["post"]["requestBody"]["content"]) == {"application/x-protobuf",
                                                                                     "application/json"}
