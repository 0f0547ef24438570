"""Measure OpenLineage ingest: from a file, and over HTTP through the real openlineage-python client.

    python benchmarks/openlineage_ingest.py [--events 100000] [--http-events 4000] [--senders 8]
    python benchmarks/openlineage_ingest.py --backend postgresql [--pg-url postgresql://...]

File ingest: a JSON-lines file of `--events` events shaped like the Spark column-lineage fixture
(schema, symlinks, dataSource and columnLineage facets; 500 jobs, each run many times) is streamed
into a fresh DuckDB store by `lineage collect`'s own code (streamed chunk by chunk), as the command
runs it (a worker process reads and maps while the command stores) and side by side in one process.
HTTP ingest: `lineage serve` runs as its own process; `--senders` threads, each with its own client
(HTTP transport, api_key), send `--http-events` events in all. The CPU both sides spend per event is
printed too, and the ceiling it sets: the events per second this machine's cores could carry if they did nothing else
(the client's own work per event is a large part of it). Numbers are printed side by side; nothing
is asserted.

`--backend postgresql` adds the server store, side by side with DuckDB in the same run: file
ingest into PostgreSQL, and HTTP ingest with one replica and with two (`lineage serve` processes
on one database; the senders are spread over the replicas, as a load balancer would). It starts a
throwaway PostgreSQL cluster (tests/pg.py: Debian's server in a temp dir) unless `--pg-url` names
a database, in which case each measurement gets a fresh schema there, dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
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
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.graph_scale import peak_mb  # noqa: E402 - after the path is set

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


def file_phase(path: Path, db: str, *, one_process: bool = False) -> dict[str, float]:
    """`lineage collect FILE` (what the command runs), then the same again; `one_process`: without the
    worker process that reads and maps a large log while the command stores."""
    from lineage.project import load_project
    from lineage.services import logs
    from lineage.services.collect import collect

    if one_process:
        logs.AHEAD_OVER_BYTES = 1 << 62

    project = load_project(None, db=db)
    with path.open("rb") as fh:
        events = sum(1 for _ in fh)
    rss_before = peak_mb()
    started = time.perf_counter()
    first = collect(project, [path])
    seconds = time.perf_counter() - started
    again = time.perf_counter()
    second = collect(project, [path])
    from lineage.store import open_store

    counts = open_store(db).counts()
    return {
        "events": events,
        "facts": first.facts,
        "fact_rows": sum(counts[t] for t in ("node_facts", "edge_facts", "column_facts")),
        "store_mb_per_100k": _store_mb(db) * 100_000 / events,
        "seconds": seconds,
        "events_per_s": events / seconds,
        "peak_rss_mb": peak_mb(),
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "rss_before_mb": rss_before,
        "reingest_seconds": time.perf_counter() - again,
        "reingest_all_skipped": float(second.facts == 0 and second.unchanged == 1),
    }


def _store_mb(db: str) -> float:
    """The store's size on disk: the DuckDB file, or the PostgreSQL schema's tables with their indexes
    and TOAST."""
    if "://" not in db:
        return Path(db).stat().st_size / 1e6
    import psycopg

    with psycopg.connect(db) as con:
        row = con.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname = current_schema() AND c.relkind = 'r'").fetchone()
    return float(row[0] or 0) / 1e6 if row else 0.0


def _start_server(db: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import requests

    port = _free_port()
    env = {**os.environ, "LINEAGE_API_TOKENS": TOKEN, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "lineage.cli", "serve", "--port", str(port), "--db", db, "--log-level", "warning"],
        cwd=workdir,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(url + "/api/v1/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    return server, url


def http_phase(
    events: list[dict[str, Any]], senders: int, workdir: Path, db: str | None = None, replicas: int = 1
) -> dict[str, float]:
    import requests
    from openlineage.client import OpenLineageClient

    started_servers = [_start_server(db or str(workdir / "http.duckdb"), workdir) for _ in range(replicas)]
    urls = [u for _, u in started_servers]
    parsed = [_to_client_event(e) for e in events]
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def send(part: list[Any], url: str) -> None:
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

    threads = [
        threading.Thread(target=send, args=(parsed[i::senders], urls[i % replicas])) for i in range(senders)
    ]
    server_cpu_before = sum(_cpu_seconds(server.pid) for server, _ in started_servers)
    client_cpu_before = time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu_before
    for url in urls:  # acknowledged events wait in the journal for a moment: until all are stored
        while requests.get(url + "/api/v1/health", timeout=5).json()["queued"]:
            time.sleep(0.01)
    in_store = time.perf_counter() - started
    server_cpu = sum(_cpu_seconds(server.pid) for server, _ in started_servers) - server_cpu_before
    hwm = 0.0
    health = {"commits": 0, "events": 0}
    for server, url in started_servers:
        status_file = Path(f"/proc/{server.pid}/status")
        status = status_file.read_text() if status_file.exists() else ""
        hwm = max(hwm, next((int(ln.split()[1]) / 1024 for ln in status.splitlines() if ln.startswith("VmHWM")), 0.0))
        one = requests.get(url + "/api/v1/health", timeout=5).json()
        health = {k: health[k] + one[k] for k in health}
    for server, _ in started_servers:
        server.send_signal(signal.SIGTERM)
    for server, _ in started_servers:
        server.wait(30)
    latencies.sort()
    return {
        "events": len(latencies),
        "errors": len(errors),
        "seconds": seconds,
        "events_per_s": len(latencies) / seconds,
        "in_store_s": in_store,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "server_peak_rss_mb": hwm,
        "server_cpu_us": server_cpu / max(len(latencies), 1) * 1e6,
        "client_cpu_us": client_cpu / max(len(latencies), 1) * 1e6,
        "commits": health["commits"],
        "stored": health["events"],
    }


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    parser.add_argument("--one-process", action="store_true", help="file phase: no worker process")
    parser.add_argument("--path")
    parser.add_argument("--db")
    parser.add_argument("--backend", choices=["duckdb", "postgresql"], default="duckdb",
                        help="postgresql: also measure the server store, side by side with DuckDB")
    parser.add_argument("--pg-url", help="a PostgreSQL database to use (default: start a throwaway cluster)")
    args = parser.parse_args()
    if args.phase == "file":  # run in a child process so its peak memory is its own
        print(json.dumps(file_phase(Path(args.path), args.db, one_process=args.one_process)))
        return
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, postgres_schemas(args.backend, args.pg_url) as fresh_pg:
        work = Path(tmp)
        path = work / "events.jsonl"
        events = make_events(args.events, spark_plan=args.spark_plan)
        with path.open("w") as fh:
            for e in events:
                fh.write(json.dumps(e, separators=(",", ":")) + "\n")
        size_mb = path.stat().st_size / 1e6
        tenth = work / "tenth.jsonl"  # the same events, a tenth as many: memory must not grow with the file
        with tenth.open("w") as fh:
            for e in events[: len(events) // 10]:
                fh.write(json.dumps(e, separators=(",", ":")) + "\n")
        del events
        http_events = make_events(args.http_events, spark_plan=args.spark_plan)
        files: dict[str, dict[str, float]] = {}
        https: dict[str, dict[str, float]] = {}
        files["DuckDB, one process"] = _file_child(path, str(work / "alone.duckdb"), "--one-process")
        files["DuckDB, one process"]["tenth_peak_rss_mb"] = _file_child(
            tenth, str(work / "alone-tenth.duckdb"), "--one-process")["peak_rss_mb"]
        files["DuckDB"] = _file_child(path, str(work / "file.duckdb"))
        files["DuckDB"]["tenth_peak_rss_mb"] = _file_child(tenth, str(work / "tenth.duckdb"))["peak_rss_mb"]
        https["DuckDB"] = http_phase(http_events, args.senders, work)
        if fresh_pg is not None:
            files["PostgreSQL"] = _file_child(path, fresh_pg())
            files["PostgreSQL"]["tenth_peak_rss_mb"] = _file_child(tenth, fresh_pg())["peak_rss_mb"]
            https["PG 1 replica"] = http_phase(http_events, args.senders, work, fresh_pg(), replicas=1)
            https["PG 2 replicas"] = http_phase(http_events, args.senders, work, fresh_pg(), replicas=2)
    load_after = os.getloadavg()
    print(f"OpenLineage ingest on {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; load average "
          f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} before, "
          f"{load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} after")
    for result in files.values():
        result["size_mb"] = size_mb
    _print_side_by_side("file ingest", files, FILE_ROWS)
    print()
    _print_side_by_side(f"HTTP ingest, {args.senders} senders", https, HTTP_ROWS)
    print("\nTargets: file ingest >= 20,000 events/s; HTTP >= 2,000 events/s with p99 < 100 ms. Marquez, the "
          "reference backend, is not measured side by side: it is a Java service with its own PostgreSQL, "
          "not installable from the Python package registries this machine reaches.")


def _file_child(path: Path, db: str, *flags: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", "file", "--path", str(path), "--db", db, *flags],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@contextlib.contextmanager
def postgres_schemas(backend: str, pg_url: str | None) -> Iterator[Callable[[], str] | None]:
    """For the postgresql backend: a function giving a fresh, empty schema's URL per measurement, on
    the database at `pg_url` or on a throwaway cluster (stopped, or the schemas dropped, at the end)."""
    if backend != "postgresql":
        yield None
        return
    import psycopg

    from tests.pg import PgServer, pg_bindir

    server = None
    base = pg_url
    if base is None:
        bindir = pg_bindir()
        if bindir is None:
            raise SystemExit("no PostgreSQL server installed: give --pg-url or run scripts/system-deps.sh")
        server = PgServer.start(bindir, durable=True)  # fsync on, as in production
        base = server.url
    schemas: list[str] = []

    def fresh() -> str:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(psycopg.sql.SQL("CREATE SCHEMA {}").format(psycopg.sql.Identifier(schema)))
        schemas.append(schema)
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"

    try:
        yield fresh
    finally:
        if server is not None:
            server.stop()
        else:
            with psycopg.connect(base, autocommit=True) as con:
                for schema in schemas:
                    con.execute(psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(psycopg.sql.Identifier(schema)))


def _ceiling(h: dict[str, float]) -> float:
    """The events per second this machine could reach if every core only sent and stored events."""
    return (os.cpu_count() or 1) * 1e6 / (h["server_cpu_us"] + h["client_cpu_us"])


FILE_ROWS: list[tuple[str, Callable[[dict[str, float]], str]]] = [
    ("events", lambda f: f"{f['events']:,.0f}"),
    ("input", lambda f: f"{f['size_mb']:.0f} MB JSONL"),
    ("events/s", lambda f: f"{f['events_per_s']:,.0f}"),
    ("peak memory (RSS, MB)", lambda f: f"{f['peak_rss_mb']:.0f}"),
    ("worker process's peak memory (RSS, MB)", lambda f: f"{f['worker_peak_rss_mb']:.0f}"),
    ("same, a tenth of the file (MB)", lambda f: f"{f['tenth_peak_rss_mb']:.0f}"),
    ("facts stored", lambda f: f"{f['facts']:,.0f}"),
    ("fact rows", lambda f: f"{f['fact_rows']:,.0f}"),
    ("store size per 100,000 events (MB)", lambda f: f"{f['store_mb_per_100k']:.1f}"),
    ("re-ingest of the same file (s)", lambda f: f"{f['reingest_seconds']:.1f}"),
    ("re-ingest all skipped", lambda f: str(bool(f["reingest_all_skipped"]))),
]
HTTP_ROWS: list[tuple[str, Callable[[dict[str, float]], str]]] = [
    ("events", lambda h: f"{h['events']:,.0f}"),
    ("events/s", lambda h: f"{h['events_per_s']:,.0f}"),
    ("all in the store after (s)", lambda h: f"{h['in_store_s']:.1f}"),
    ("p50 latency per event (ms)", lambda h: f"{h['p50_ms']:.1f}"),
    ("p99 latency per event (ms)", lambda h: f"{h['p99_ms']:.1f}"),
    ("server peak memory (RSS, MB)", lambda h: f"{h['server_peak_rss_mb']:.0f}"),
    ("server CPU per event (µs)", lambda h: f"{h['server_cpu_us']:,.0f}"),
    ("senders' CPU per event (µs)", lambda h: f"{h['client_cpu_us']:,.0f}"),
    ("ceiling: cores / CPU per event", lambda h: f"{_ceiling(h):,.0f}/s"),
    ("events stored / commits", lambda h: f"{h['stored']:,.0f} / {h['commits']:,.0f}"),
    ("errors", lambda h: f"{h['errors']:.0f}"),
]


def _print_side_by_side(title: str, results: dict[str, dict[str, float]],
                        rows: list[tuple[str, Callable[[dict[str, float]], str]]]) -> None:
    """One column per backend (or replica set), one line per measure."""
    print(f"{title:<34}" + "".join(f"{n:>16}" for n in results))
    for label, cell in rows:
        print(f"{label:<34}" + "".join(f"{cell(r):>16}" for r in results.values()))


if __name__ == "__main__":
    main()
