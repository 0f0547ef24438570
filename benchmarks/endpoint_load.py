"""`lineage serve` under a light load generator: wrk posting real events with the bearer token.

    python benchmarks/endpoint_load.py [--seconds 20] [--connections 8] [--batch 50] [--client-events 2000]
    python benchmarks/endpoint_load.py --backend postgresql [--pg-url postgresql://...]

The openlineage-python client spends about a millisecond of CPU per event itself, so with it the
machine runs out of CPU before the server does. wrk (Debian's package) costs next to nothing per
request: it posts events shaped like the Spark column-lineage fixture (schema, symlinks,
dataSource and columnLineage facets; 500 jobs), each with its own run id, as single events
(`/api/v1/lineage`) and in batches of `--batch` (`/api/v1/lineage/batch`), from `--connections`
connections. Printed side by side, per route and backend: events/s acknowledged, latency
percentiles of a request, the CPU the server's processes (the endpoint and its mapping workers)
spent per event, and the events in the store once the journal drained. `--client-events` adds the
real client's figure (openlineage-python, 8 senders) in the same run, as in openlineage_ingest.py.
PostgreSQL runs two `lineage serve` replicas on one database, wrk's connections spread over them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.openlineage_ingest import (  # noqa: E402 - after the path is set
    TOKEN,
    _cpu_seconds,
    _start_server,
    http_phase,
    make_events,
    postgres_schemas,
)

PLACEHOLDER = "00000000-0000-4000-8000-00000000RUN0"

# Each request takes the next template and gives every event in it a run id of its own
# (thread number and a counter), so the server stores every event rather than finding duplicates.
LUA = r"""
local templates, batch, counter, threads = {}, %(batch)d, 0, 0
thread_no = 0  -- a global: setup() sets it in each thread's own state
function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end
function init(args)
  for line in io.lines("%(templates)s") do templates[#templates + 1] = line end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer %(token)s"
end
local function event()
  counter = counter + 1
  local id = string.format("%%08x-%%04x-4000-8000-%%012x", thread_no, counter %% 65536, counter)
  return (templates[(counter %% #templates) + 1]:gsub("%(placeholder)s", id, 1))
end
function request()
  if batch == 0 then return wrk.format(nil, nil, nil, event()) end
  local parts = {}
  for i = 1, batch do parts[i] = event() end
  return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
end
"""


def _server_cpu(pid: int) -> float:
    """CPU seconds of a server and its child processes (the mapping workers), alive or not."""
    total = _cpu_seconds(pid)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # children that ended
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(parts[1]) == pid:
            total += _cpu_seconds(int(stat.parent.name))
    return total


def _health(url: str) -> dict[str, Any]:
    import requests

    return dict(requests.get(url + "/api/v1/health", timeout=10).json())


def wrk_phase(db: str, workdir: Path, *, route: str, batch: int, seconds: int, connections: int,
              replicas: int) -> dict[str, float]:
    """One wrk run against fresh server(s) on `db`: what wrk and the servers say."""
    templates = workdir / "templates.jsonl"
    events = make_events(500)
    for e in events:
        e["run"]["runId"] = PLACEHOLDER
    templates.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))
    script = workdir / f"post-{route.strip('/').replace('/', '-')}.lua"
    script.write_text(LUA % {"batch": batch, "templates": templates, "token": TOKEN, "placeholder":
                             re.escape(PLACEHOLDER).replace("\\", "%")})
    servers = [_start_server(db, workdir) for _ in range(replicas)]
    cpu_before = sum(_server_cpu(s.pid) for s, _ in servers)
    runs = []
    for i, (_, url) in enumerate(servers):  # wrk's connections spread over the replicas
        share = connections // replicas + (i < connections % replicas)
        runs.append(subprocess.Popen(
            ["wrk", "-t", str(min(2, share)), "-c", str(share), "-d", f"{seconds}s", "--latency", "--timeout", "30s",
             "-s", str(script), url + route], stdout=subprocess.PIPE, text=True))
    outputs = [run.communicate()[0] for run in runs]
    for _, url in servers:  # acknowledged events wait in the journal for a moment: until all are stored
        while _health(url)["queued"]:
            time.sleep(0.05)
    cpu = sum(_server_cpu(s.pid) for s, _ in servers) - cpu_before
    stored = sum(_health(url)["events"] for _, url in servers)
    for server, _ in servers:
        server.send_signal(signal.SIGTERM)
    for server, _ in servers:
        server.wait(60)
    requests_done = sum(_number(r"(\d+) requests in", out) for out in outputs)
    failed = sum(_number(r"Non-2xx or 3xx responses: (\d+)", out) for out in outputs)
    per_request = max(batch, 1)
    acknowledged = (requests_done - failed) * per_request
    return {
        "events_per_s": acknowledged / seconds,
        "requests_per_s": requests_done / seconds,
        "failed": failed,
        "p50_ms": max(_latency("50%", out) for out in outputs),
        "p99_ms": max(_latency("99%", out) for out in outputs),
        "server_cpu_us": cpu / max(acknowledged, 1) * 1e6,
        "stored": stored,
    }


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def _latency(percentile: str, text: str) -> float:
    found = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not found:
        return float("nan")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="how long wrk posts on each route")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--batch", type=int, default=50, help="events per request on the batch route")
    parser.add_argument("--client-events", type=int, default=2000,
                        help="events the real openlineage-python client sends (0: leave that row out)")
    parser.add_argument("--backend", choices=["duckdb", "postgresql"], default="duckdb")
    parser.add_argument("--pg-url", help="a PostgreSQL database to use (default: start a throwaway cluster)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    rows: dict[str, dict[str, float]] = {}
    with postgres_schemas(args.backend, args.pg_url) as fresh, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        replicas = 2 if fresh else 1

        def store(name: str) -> str:
            return fresh() if fresh else str(work / f"{name}.duckdb")

        where = f"{args.backend}, {replicas} replica(s)"
        rows[f"wrk, single events ({where})"] = wrk_phase(
            store("single"), work, route="/api/v1/lineage", batch=0, seconds=args.seconds,
            connections=args.connections, replicas=replicas)
        rows[f"wrk, batches of {args.batch} ({where})"] = wrk_phase(
            store("batch"), work, route="/api/v1/lineage/batch", batch=args.batch, seconds=args.seconds,
            connections=args.connections, replicas=replicas)
        if args.client_events:
            client = http_phase(make_events(args.client_events), 8, work, store("client"), replicas)
            rows[f"openlineage-python client, 8 senders ({where})"] = {
                "events_per_s": client["events_per_s"], "requests_per_s": client["events_per_s"],
                "failed": client["errors"], "p50_ms": client["p50_ms"], "p99_ms": client["p99_ms"],
                "server_cpu_us": client["server_cpu_us"], "stored": client["stored"]}
    print(f"{'load':<58} {'events/s':>9} {'req/s':>8} {'failed':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'server CPU us/event':>20} {'stored':>8}")
    for name, r in rows.items():
        print(f"{name:<58} {r['events_per_s']:9.0f} {r['requests_per_s']:8.0f} {r['failed']:7.0f} "
              f"{r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['server_cpu_us']:20.0f} {r['stored']:8.0f}")
    print("\nTargets: 5,000 events/s through the batch route, 2,000 events/s as single events with p99 "
          "under 100 ms; server CPU under 200 us per event.")


if __name__ == "__main__":
    main()
