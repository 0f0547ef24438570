"""Measure OpenTelemetry GenAI trace ingest: from an OTLP JSON file, and over OTLP/HTTP.

    python benchmarks/otel_ingest.py [--spans 200000] [--http-spans 100000] [--senders 2]

File ingest: a JSON-lines file of export requests as the OpenTelemetry Collector's file exporter
writes them (RAG agent turns of 5 spans: agent, retrieval, embeddings, chat with a captured prompt,
tool call; 100 traces per line) is read two ways: mapped only (the `otel` collector's streamed
batches, no store), and collected into a fresh DuckDB store by `lineage collect`'s own code.

HTTP ingest: `lineage serve` runs as its own process, and two kinds of client post to
`/v1/traces`: `--senders` processes each running the real OpenTelemetry SDK with the OTLP/HTTP
protobuf exporter behind its BatchSpanProcessor (512 spans per request, configured by the standard
`OTEL_EXPORTER_OTLP_*` variables), and, to see the endpoint without the SDK's own cost, threads
posting pre-built protobuf bodies of 512 spans (what `wrk` would send, each body distinct so none
is a duplicate). Spans per second count until every span is acknowledged (journaled) and then
until it is in the store. The server's peak memory (VmHWM of the server process) is printed
before and after. Numbers are printed side by side; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.graph_scale import peak_mb  # noqa: E402 - after the path is set
from tests.otel.traces import rag_trace, request  # noqa: E402

TOKEN = "benchmark-token-0d4c6a2f8e1b7395"
SPANS_PER_TRACE = 5
PROMPT = "Customer jane.doe@corp.example asks about order 1182"


def write_file(path: Path, spans: int, traces_per_line: int = 100) -> int:
    import orjson

    traces = spans // SPANS_PER_TRACE
    with path.open("wb") as fh:
        for first in range(0, traces, traces_per_line):
            batch = [s for n in range(first, min(first + traces_per_line, traces))
                     for s in rag_trace(n, prompt=PROMPT if n % 10 == 0 else None, start=1_780_000_000 + n)]
            fh.write(orjson.dumps(request("support-bot", batch)) + b"\n")
    return traces * SPANS_PER_TRACE


def map_only(path: Path, spans: int) -> dict[str, float]:
    from collectors.otel import OtelCollector

    started = time.perf_counter()
    facts = sum(len(b.facts) for b in OtelCollector().collect_path(path))
    seconds = time.perf_counter() - started
    return {"spans": spans, "facts": facts, "seconds": seconds, "spans_per_s": spans / seconds,
            "peak_rss_mb": peak_mb()}


def collect_into_store(path: Path, spans: int, db: str) -> dict[str, float]:
    from lineage.project import load_project
    from lineage.services.collect import collect
    from lineage.store import open_store

    project = load_project(None, db=db)
    started = time.perf_counter()
    collect(project, [path])
    seconds = time.perf_counter() - started
    counts = open_store(db).counts()
    return {"spans": spans, "fact_rows": sum(counts[t] for t in ("node_facts", "edge_facts")), "seconds": seconds,
            "spans_per_s": spans / seconds, "peak_rss_mb": peak_mb(),
            "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


# -- HTTP ------------------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hwm_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM"))


def _start_server(db: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import requests

    port = _free_port()
    env = {**os.environ, "LINEAGE_API_TOKENS": TOKEN, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "lineage.cli", "serve", "--port", str(port), "--db", db, "--log-level", "warning"],
        cwd=workdir, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            if requests.get(url + "/api/v1/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    return server, url


def _settle(url: str) -> None:
    import requests

    while requests.get(url + "/api/v1/health", timeout=5).json()["queued"]:
        time.sleep(0.01)


SDK_SENDER = r"""
import os, sys, time
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
count, me = int(sys.argv[1]), sys.argv[2]
provider = TracerProvider(resource=Resource.create({"service.name": "bench-" + me}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(), max_queue_size=count + 1,
                                               max_export_batch_size=512, schedule_delay_millis=50))
tracer = provider.get_tracer("bench")
chat = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini"}
tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup_order"}
for n in range(count // 5):
    with tracer.start_as_current_span("invoke_agent", attributes={"gen_ai.operation.name": "invoke_agent",
                                                                  "gen_ai.agent.name": "triage"}):
        for attributes in (chat, chat, tool, tool):
            tracer.start_span("op", attributes=attributes).end()
ok = provider.force_flush(600_000)
provider.shutdown()
sys.exit(0 if ok else 1)
"""


def http_sdk(url: str, spans: int, senders: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{url}/v1/traces",
               OTEL_EXPORTER_OTLP_HEADERS=f"Authorization=Bearer%20{TOKEN}")
    each = spans // senders
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", SDK_SENDER, str(each), str(i)], env=env) for i in range(senders)]
    codes = [p.wait() for p in procs]
    acknowledged = time.perf_counter() - started
    _settle(url)
    stored = time.perf_counter() - started
    sent = each // 5 * 5 * senders
    return {"spans": sent, "failed_senders": sum(1 for c in codes if c), "ack_seconds": acknowledged,
            "spans_per_s": sent / acknowledged, "stored_spans_per_s": sent / stored}


def _bodies(spans: int, per_request: int = 512) -> list[bytes]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    bodies = []
    made = 0
    trace = 1 << 40
    while made < spans:
        message = ExportTraceServiceRequest()
        rs = message.resource_spans.add()
        rs.resource.attributes.add(key="service.name").value.string_value = "bench-raw"
        scope = rs.scope_spans.add()
        for i in range(min(per_request, spans - made)):
            if i % 4 == 0:
                trace += 1
            sp = scope.spans.add(trace_id=trace.to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                                 name="chat", start_time_unix_nano=1_780_000_000_000_000_000 + trace)
            for key, value in (("gen_ai.operation.name", "chat" if i % 4 else "execute_tool"),
                               ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "gpt-4o-mini"),
                               ("gen_ai.tool.name", "lookup_order"), ("gen_ai.agent.name", "triage")):
                sp.attributes.add(key=key).value.string_value = value
        made += len(scope.spans)
        bodies.append(message.SerializeToString())
    return bodies


def http_raw(url: str, spans: int, threads: int) -> dict[str, float]:
    import http.client
    from urllib.parse import urlsplit

    bodies = _bodies(spans)
    parts = urlsplit(url)
    statuses: list[int] = []
    lock = threading.Lock()

    def send(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
        for body in mine:
            while True:
                conn.request("POST", "/v1/traces", body=body, headers={
                    "Content-Type": "application/x-protobuf", "Authorization": f"Bearer {TOKEN}"})
                answer = conn.getresponse()
                answer.read()
                if answer.status != 503:
                    break
                if answer.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
                time.sleep(0.05)
            with lock:
                statuses.append(answer.status)
        conn.close()

    workers = [threading.Thread(target=send, args=(bodies[i::threads],)) for i in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    acknowledged = time.perf_counter() - started
    _settle(url)
    stored = time.perf_counter() - started
    return {"spans": spans, "non_200": sum(1 for s in statuses if s != 200), "ack_seconds": acknowledged,
            "spans_per_s": spans / acknowledged, "stored_spans_per_s": spans / stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--http-spans", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"OpenTelemetry trace ingest on {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; "
          f"load average {load:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / "traces.jsonl"
        spans = write_file(path, args.spans)
        print(f"file: {spans:,} spans, {path.stat().st_size / 1e6:.1f} MB")
        mapped = map_only(path, spans)
        stored = collect_into_store(path, spans, str(work / "file.duckdb"))
        server, url = _start_server(str(work / "http.duckdb"), work)
        try:
            idle = _hwm_mb(server.pid)
            sdk = http_sdk(url, args.http_spans, args.senders)
            raw = http_raw(url, args.http_spans, args.threads)
            after = _hwm_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
    rows: list[tuple[str, dict[str, Any], str]] = [
        ("file, mapped only", mapped, "seconds"),
        ("file, lineage collect into DuckDB", stored, "seconds"),
        (f"HTTP, SDK exporter x{args.senders} processes", sdk, "ack_seconds"),
        (f"HTTP, raw protobuf x{args.threads} threads", raw, "ack_seconds"),
    ]
    print(f"\n{'':<40}{'spans':>10}{'seconds':>10}{'spans/s':>12}{'stored/s':>12}")
    for title, r, secs in rows:
        print(f"{title:<40}{r['spans']:>10,}{r[secs]:>10.2f}{r['spans_per_s']:>12,.0f}"
              f"{r.get('stored_spans_per_s', r['spans_per_s']):>12,.0f}")
    print(f"\nmemory: this process peak {peak_mb():.0f} MB (mapping {mapped['peak_rss_mb']:.0f} MB, collect "
          f"{stored['peak_rss_mb']:.0f} MB); server peak {idle:.0f} MB idle, {after:.0f} MB after "
          f"{args.http_spans * 2:,} spans; fact rows in the file store: {stored['fact_rows']:,.0f}")
    print(f"failed SDK senders: {sdk['failed_senders']:.0f}; non-200 raw answers: {raw['non_200']:.0f}")
    print("\nTargets: file >= 20,000 spans/s; HTTP >= 5,000 spans/s; memory flat.")


if __name__ == "__main__":
    main()
