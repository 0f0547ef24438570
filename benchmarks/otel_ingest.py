"""Measure OpenTelemetry GenAI trace ingest: from an OTLP JSON file, and over OTLP/HTTP.

    python benchmarks/otel_ingest.py [--spans 200000] [--http-spans 100000] [--senders 2]

File ingest: a JSON-lines file of export requests as the OpenTelemetry Collector's file exporter
writes them (RAG agent turns of 5 spans: agent, retrieval, embeddings, chat with a captured prompt,
tool call; 100 traces per line) is read two ways: mapped only (the `otel` collector's streamed
batches, no store), and collected into a fresh DuckDB store by `lineage collect`'s own code.

HTTP ingest: `lineage serve` runs as its own process, and three kinds of client post to
`/v1/traces`: `--senders` processes each running the real OpenTelemetry SDK with the OTLP/HTTP
protobuf exporter behind its BatchSpanProcessor (512 spans per request, configured by the standard
`OTEL_EXPORTER_OTLP_*` variables); `wrk` (when installed) posting pre-built protobuf bodies of 512
spans, each distinct so none is a duplicate, for `--wrk-seconds`; and Python threads posting the
same kind of bodies. Spans per second count until every span is acknowledged (journaled) and then
until it is in the store (wrk: acknowledged only). The CPU seconds the server (its process and
its mapping workers) and the clients spend are printed too, and the spans per CPU-second they
give: on a machine whose cores are shared with other work, that is what the wall-clock rate
would be with a core to spare. The server's peak memory (VmHWM) is printed before and after.
Numbers are printed side by side; nothing is asserted.
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
from benchmarks.openlineage_ingest import TOKEN, _start_server  # noqa: E402 - the same server, started alike
from tests.otel.traces import rag_trace, request  # noqa: E402

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

    cpu = time.process_time()
    started = time.perf_counter()
    facts = sum(len(b.facts) for b in OtelCollector().collect_path(path))
    seconds = time.perf_counter() - started
    return {"spans": spans, "facts": facts, "seconds": seconds, "spans_per_s": spans / seconds,
            "cpu": time.process_time() - cpu, "peak_rss_mb": peak_mb()}


def collect_into_store(path: Path, spans: int, db: str) -> dict[str, float]:
    from lineage.project import load_project
    from lineage.services.collect import collect
    from lineage.store import open_store

    project = load_project(None, db=db)
    collect(project, [])  # the store made and the collectors imported: what every command pays once
    cpu = time.process_time() + _children_cpu()
    started = time.perf_counter()
    collect(project, [path])
    seconds = time.perf_counter() - started
    cpu = time.process_time() + _children_cpu() - cpu
    counts = open_store(db).counts()
    return {"spans": spans, "fact_rows": sum(counts[t] for t in ("node_facts", "edge_facts")), "seconds": seconds,
            "spans_per_s": spans / seconds, "cpu": cpu, "events": counts["events"], "peak_rss_mb": peak_mb(),
            "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


# -- HTTP ------------------------------------------------------------------------------------------


def _hwm_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM"))


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


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) a process and its live descendants have used."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / tick
        todo.extend(children.get(current, ()))
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def http_sdk(url: str, spans: int, senders: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{url}/v1/traces",
               OTEL_EXPORTER_OTLP_HEADERS=f"Authorization=Bearer%20{TOKEN}")
    each = spans // senders
    client_before = _children_cpu()
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", SDK_SENDER, str(each), str(i)], env=env) for i in range(senders)]
    codes = [p.wait() for p in procs]
    acknowledged = time.perf_counter() - started
    _settle(url)
    stored = time.perf_counter() - started
    sent = each // 5 * 5 * senders
    return {"spans": sent, "failed_senders": sum(1 for c in codes if c), "ack_seconds": acknowledged,
            "spans_per_s": sent / acknowledged, "stored_spans_per_s": sent / stored,
            "client_cpu": _children_cpu() - client_before}


def _bodies(spans: int, per_request: int = 512, first_trace: int = 1 << 40) -> list[bytes]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    bodies = []
    made = 0
    trace = first_trace
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


WRK_SCRIPT = r"""
local bodies, threads, sent = {}, {}, 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  local dir, count, nthreads = args[1], tonumber(args[2]), tonumber(args[3])
  for k = id, count - 1, nthreads do
    local f = io.open(dir .. "/" .. k .. ".pb", "rb")
    table.insert(bodies, f:read("*all"))
    f:close()
  end
  wrk.headers["Content-Type"] = "application/x-protobuf"
  wrk.headers["Authorization"] = "Bearer " .. args[4]
end
function request()
  sent = sent + 1
  return wrk.format("POST", "/v1/traces", nil, bodies[(sent - 1) % #bodies + 1])
end
function done(summary, latency, requests)
  io.write(string.format("WRK %d %d %d %d\n", summary.requests, summary.errors.status, summary.duration,
                         latency:percentile(99)))
end
"""


def http_wrk(url: str, spans: int, seconds: int, workdir: Path, threads: int = 2) -> dict[str, float] | None:
    """`wrk` posting distinct protobuf bodies for `seconds`; None when wrk is not installed."""
    import shutil

    if shutil.which("wrk") is None:
        return None
    folder = workdir / "wrk"
    folder.mkdir(exist_ok=True)
    bodies = _bodies(spans, first_trace=1 << 50)
    for n, body in enumerate(bodies):
        (folder / f"{n}.pb").write_bytes(body)
    (folder / "post.lua").write_text(WRK_SCRIPT)
    client_before = _children_cpu()
    done = subprocess.run(["wrk", "-t", str(threads), "-c", str(threads * 2), "-d", f"{seconds}s", "--timeout", "60s",
                           "-s", str(folder / "post.lua"), url, "--", str(folder), str(len(bodies)), str(threads),
                           TOKEN], capture_output=True, text=True, check=True)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("WRK "))
    requests_done, non_2xx, micros, p99 = (int(x) for x in line.split()[1:])
    _settle(url)
    sent = requests_done * 512
    return {"spans": sent, "repeats": max(0, requests_done - len(bodies)), "non_200": non_2xx,
            "ack_seconds": micros / 1e6, "spans_per_s": sent / (micros / 1e6), "p99_ms": p99 / 1000,
            "client_cpu": _children_cpu() - client_before}


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
    client_before = time.process_time()
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    acknowledged = time.perf_counter() - started
    client_cpu = time.process_time() - client_before
    _settle(url)
    stored = time.perf_counter() - started
    return {"spans": spans, "non_200": sum(1 for s in statuses if s != 200), "ack_seconds": acknowledged,
            "spans_per_s": spans / acknowledged, "stored_spans_per_s": spans / stored, "client_cpu": client_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=300_000)
    parser.add_argument("--http-spans", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    args = parser.parse_args()
    print(f"OpenTelemetry trace ingest on {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; "
          f"load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / "traces.jsonl"
        spans = write_file(path, args.spans)
        print(f"file: {spans:,} spans in {spans // 500:,} export requests, {path.stat().st_size / 1e6:.1f} MB")
        mapped = map_only(path, spans)
        stored = collect_into_store(path, spans, str(work / "file.duckdb"))
        server, url = _start_server(str(work / "http.duckdb"), work)
        try:
            idle = _hwm_mb(server.pid)
            results: list[tuple[str, dict[str, Any] | None, float]] = []
            for title, run in ((f"HTTP, SDK exporter x{args.senders} processes",
                                lambda: http_sdk(url, args.http_spans, args.senders)),
                               ("HTTP, wrk, protobuf bodies", lambda: http_wrk(url, 2_000_000, args.wrk_seconds, work)),
                               (f"HTTP, Python x{args.threads} threads", lambda: http_raw(url, args.http_spans,
                                                                                           args.threads))):
                before = _tree_cpu(server.pid)
                result = run()
                results.append((title, result, _tree_cpu(server.pid) - before))
            after = _hwm_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
    print(f"\n{'':<36}{'spans':>11}{'seconds':>9}{'spans/s':>10}{'stored/s':>10}{'CPU s':>8}{'spans/CPU-s':>13}")
    for title, r in (("file, mapped only", mapped), ("file, lineage collect into DuckDB", stored)):
        print(f"{title:<36}{r['spans']:>11,}{r['seconds']:>9.2f}{r['spans_per_s']:>10,.0f}{r['spans_per_s']:>10,.0f}"
              f"{r['cpu']:>8.1f}{r['spans'] / r['cpu']:>13,.0f}")
    for title, result, server_cpu in results:
        if result is None:
            print(f"{title:<36}  (not installed)")
            continue
        stored_rate = result.get("stored_spans_per_s")
        print(f"{title:<36}{result['spans']:>11,}{result['ack_seconds']:>9.2f}{result['spans_per_s']:>10,.0f}"
              f"{(f'{stored_rate:,.0f}' if stored_rate else '-'):>10}{server_cpu:>8.1f}"
              f"{result['spans'] / server_cpu:>13,.0f}   (server; clients {result['client_cpu']:.1f} CPU s)")
    wrk = results[1][1]
    if wrk is not None:
        print(f"\nwrk: p99 {wrk['p99_ms']:.0f} ms, {wrk['non_200']:.0f} non-2xx, "
              f"{wrk['repeats']:.0f} bodies sent twice")
    print(f"memory: mapping peak {mapped['peak_rss_mb']:.0f} MB, collect peak {stored['peak_rss_mb']:.0f} MB "
          f"(its worker {stored['worker_peak_rss_mb']:.0f} MB); server {idle:.0f} MB idle, {after:.0f} MB peak after "
          f"the HTTP runs; the file's {spans:,} spans stored as {stored['fact_rows']:,.0f} claims and "
          f"{stored['events']:,.0f} events")
    print("\nTargets: file >= 20,000 spans/s; HTTP >= 5,000 spans/s; memory flat. spans/CPU-s is the rate a free "
          "core would give (this machine's load average at the end: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs).")


if __name__ == "__main__":
    main()
