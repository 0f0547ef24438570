"""Measure OpenLineage ingest: from a file, and over HTTP through the real openlineage-python client.

    python benchmarks/openlineage_ingest.py [--events 100000] [--http-events 4000] [--senders 8]

File ingest: a JSON-lines file of `--events` events shaped like the Spark column-lineage fixture
(schema, symlinks, dataSource and columnLineage facets; 500 jobs, each run many times) is streamed
into a fresh DuckDB store (`collect_path` + `ingest`, chunk by chunk). HTTP ingest: `lineage serve`
runs as its own process; `--senders` threads, each with its own client (HTTP transport, api_key),
send `--http-events` events in all. Numbers are printed side by side; nothing is asserted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURE = ROOT / "tests" / "fixtures" / "openlineage" / "compat" / "CLL" / "8.json"
TOKEN = "benchmark-token-5c1e0f9a7d3b2e61"


def make_events(count: int, jobs: int = 500, *, spark_plan: bool = False) -> list[dict[str, Any]]:
    """Events like the Spark column-lineage fixture; without `spark_plan`, the Spark-only run facets
    (logical plan, properties: 17 of its 21 kB) are left out, as Airflow, dbt and Flink events have none."""
    base = json.loads(FIXTURE.read_text())
    if not spark_plan:
        facets = base["run"]["facets"]
        base["run"]["facets"] = {k: facets[k] for k in ("parent", "processing_engine") if k in facets}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    templates = []
    for j in range(jobs):
        event = copy.deepcopy(base)
        event["job"]["name"] = f"etl_{j}.execute_insert.tbl_{j}"
        for side in ("inputs", "outputs"):
            for d in event[side]:
                d["name"] = d["name"].replace("/tmp/cll_test/", f"/warehouse/db{j % 50}/")
        cll = event["outputs"][0]["facets"]["columnLineage"]["fields"]
        for spec in cll.values():
            for f in spec["inputFields"]:
                f["name"] = f["name"].replace("/tmp/cll_test/", f"/warehouse/db{j % 50}/")
        templates.append(event)
    out = []
    for i in range(count):
        event = copy.copy(templates[i % jobs])
        event["run"] = {**event["run"], "runId": str(uuid.UUID(int=i + 1))}
        event["eventTime"] = (start + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
        out.append(event)
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def file_phase(path: Path, db: Path) -> dict[str, float]:
    from collectors.openlineage import OpenLineageCollector
    from lineage.store import open_store

    store = open_store(db)
    store.migrate()
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    events = facts = 0
    for batch in OpenLineageCollector().collect_path(path, chunk_events=5000):
        events += len(batch.raw.content.splitlines()) if batch.raw else 0
        facts += store.ingest(batch).facts
    seconds = time.perf_counter() - started
    again = time.perf_counter()
    skipped = all(store.ingest(b).skipped for b in OpenLineageCollector().collect_path(path, chunk_events=5000))
    return {
        "events": events,
        "facts": facts,
        "seconds": seconds,
        "events_per_s": events / seconds,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "reingest_seconds": time.perf_counter() - again,
        "reingest_all_skipped": float(skipped),
    }


def http_phase(events: list[dict[str, Any]], senders: int, workdir: Path) -> dict[str, float]:
    import requests
    from openlineage.client import OpenLineageClient

    port = _free_port()
    env = {**os.environ, "LINEAGE_API_TOKENS": TOKEN, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lineage.cli",
            "serve",
            "--port",
            str(port),
            "--db",
            str(workdir / "http.duckdb"),
            "--log-level",
            "warning",
        ],
        cwd=workdir,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/api/v1/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    parsed = [_to_client_event(e) for e in events]
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def send(part: list[Any]) -> None:
        client = OpenLineageClient(
            config={
                "transport": {"type": "http", "url": url, "timeout": 30, "auth": {"type": "api_key", "apiKey": TOKEN}}
            }
        )
        mine = []
        try:
            for event in part:
                t = time.perf_counter()
                client.emit(event)
                mine.append(time.perf_counter() - t)
        except BaseException as exc:
            errors.append(exc)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=send, args=(parsed[i::senders],)) for i in range(senders)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    status = Path(f"/proc/{server.pid}/status").read_text() if Path(f"/proc/{server.pid}/status").exists() else ""
    hwm = next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")), 0.0)
    health = requests.get(url + "/api/v1/health", timeout=5).json()
    server.send_signal(signal.SIGTERM)
    server.wait(30)
    latencies.sort()
    return {
        "events": len(latencies),
        "errors": len(errors),
        "seconds": seconds,
        "events_per_s": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "server_peak_rss_mb": hwm,
        "commits": health["commits"],
        "stored": health["events"],
    }


def _to_client_event(event: dict[str, Any]) -> Any:
    """The fixture-shaped event as the client's own classes (schema and column lineage facets)."""
    from openlineage.client import event_v2

    return event_v2.RunEvent(
        eventType=event_v2.RunState(event["eventType"]),
        eventTime=event["eventTime"],
        producer=event["producer"],
        run=event_v2.Run(runId=event["run"]["runId"], facets={}),
        job=event_v2.Job(namespace=event["job"]["namespace"], name=event["job"]["name"]),
        inputs=[
            event_v2.InputDataset(namespace=d["namespace"], name=d["name"], facets=_facets(d)) for d in event["inputs"]
        ],
        outputs=[
            event_v2.OutputDataset(namespace=d["namespace"], name=d["name"], facets=_facets(d))
            for d in event["outputs"]
        ],
    )


def _facets(dataset: dict[str, Any]) -> dict[str, Any]:
    from openlineage.client.facet_v2 import column_lineage_dataset as cl
    from openlineage.client.facet_v2 import schema_dataset

    facets: dict[str, Any] = {}
    schema = dataset.get("facets", {}).get("schema")
    if schema:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(name=f["name"], type=f.get("type")) for f in schema["fields"]
            ]
        )
    lineage = dataset.get("facets", {}).get("columnLineage")
    if lineage:
        facets["columnLineage"] = cl.ColumnLineageDatasetFacet(
            fields={
                name: cl.Fields(
                    inputFields=[
                        cl.InputField(
                            namespace=f["namespace"],
                            name=f["name"],
                            field=f["field"],
                            transformations=[
                                cl.Transformation(type=t["type"], subtype=t.get("subtype"), masking=t.get("masking"))
                                for t in f.get("transformations", [])
                            ],
                        )
                        for f in spec["inputFields"]
                    ]
                )
                for name, spec in lineage["fields"].items()
            }
        )
    return facets


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--http-events", type=int, default=4000)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--spark-plan", action="store_true", help="keep Spark's logical-plan run facets (21 kB events)")
    parser.add_argument("--phase", choices=["all", "file"], default="all")
    parser.add_argument("--path")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.phase == "file":  # run in a child process so its peak memory is its own
        print(json.dumps(file_phase(Path(args.path), Path(args.db))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / "events.jsonl"
        events = make_events(args.events, spark_plan=args.spark_plan)
        with path.open("w") as fh:
            for e in events:
                fh.write(json.dumps(e, separators=(",", ":")) + "\n")
        size_mb = path.stat().st_size / 1e6
        del events
        out = subprocess.run(
            [sys.executable, __file__, "--phase", "file", "--path", str(path), "--db", str(work / "file.duckdb")],
            capture_output=True,
            text=True,
            check=True,
        )
        f = json.loads(out.stdout.strip().splitlines()[-1])
        h = http_phase(make_events(args.http_events, spark_plan=args.spark_plan), args.senders, work)
    print(f"OpenLineage ingest on {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    print(f"{'measure':<34}{'file ingest':>16}{'HTTP ingest':>16}")
    print(f"{'events':<34}{f['events']:>16,.0f}{h['events']:>16,.0f}")
    print(f"{'input':<34}{f'{size_mb:.0f} MB JSONL':>16}{f'{args.senders} senders':>16}")
    print(f"{'events/s':<34}{f['events_per_s']:>16,.0f}{h['events_per_s']:>16,.0f}")
    print(f"{'p50 latency per event (ms)':<34}{'-':>16}{h['p50_ms']:>16.1f}")
    print(f"{'p99 latency per event (ms)':<34}{'-':>16}{h['p99_ms']:>16.1f}")
    print(f"{'peak memory (RSS, MB)':<34}{f['peak_rss_mb']:>16.0f}{h['server_peak_rss_mb']:>16.0f}")
    print(f"{'facts stored / commits':<34}{f['facts']:>16,.0f}{h['commits']:>16,.0f}")
    print(f"{'errors':<34}{0:>16}{h['errors']:>16.0f}")
    print(
        f"{'re-ingest of the same file (s)':<34}{f['reingest_seconds']:>16.1f}{'':>16}"
        f"  (all skipped: {bool(f['reingest_all_skipped'])})"
    )


if __name__ == "__main__":
    main()
