"""Capture again what dbt-ol sends over HTTP, to check a version bump of the producer.

    python -m venv /tmp/dbtol
    /tmp/dbtol/bin/pip install "dbt-core~=1.11.0" "dbt-duckdb~=1.11.0" "openlineage-dbt==1.54.0"
    python scripts/make_real_events.py --bin /tmp/dbtol/bin \\
        --project ../shared/fixtures/openlineage/real/jaffle-dbt-project --out /tmp/real \\
        --compare ../shared/fixtures/openlineage/real/dbt-ol-1.54

dbt and dbt-ol live in their own virtual environment (dbt-core pins packages the test extra cannot
use). The project is copied to a temporary folder and built there against DuckDB. A capture server
on 127.0.0.1 (standard library; it requires the API key, as `lineage serve` does) receives what
dbt-ol's HTTP transport posts and keeps each body as received, one per line:

- `dbt-ol-build.jsonl`: `dbt-ol build`;
- `dbt-ol-run-then-test.jsonl`: `dbt-ol run`, then `dbt-ol test`.

The temporary folder's path is then written as `/srv/dbt/jaffle`, as in the shared fixtures, so
the events do not depend on the machine. `--compare DIR` prints what differs from an earlier
capture: the number of events, and the job names, dataset names and facet names each file uses.
Airflow's events (`airflow-3.3.2/`) are not made by this script.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROJECT_PATH = "/srv/dbt/jaffle"
NAMESPACE = "dbt-dev"
RUNS = {"dbt-ol-build.jsonl": [["build"]], "dbt-ol-run-then-test.jsonl": [["run"], ["test"]]}


class _Capture(ThreadingHTTPServer):
    """Keeps the body of every authorised POST, in the order received."""

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Capture

    def do_POST(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.send_response(401)
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.bodies.append(body)
        self.send_response(201)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def capture() -> Iterator[_Capture]:
    server = _Capture(secrets.token_hex(16))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run_dbt_ol(bin_dir: Path, project: Path, out: Path) -> None:
    """Copy `project`, run each file's commands with dbt-ol into the capture server, and write the
    captured events into `out`, the copy's path written as `PROJECT_PATH`."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, capture() as server:
        work = Path(tmp) / "jaffle"
        shutil.copytree(project, work, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.wal"))
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               "OPENLINEAGE_URL": f"http://127.0.0.1:{server.server_address[1]}",
               "OPENLINEAGE_API_KEY": server.token, "OPENLINEAGE_NAMESPACE": NAMESPACE,
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        env.pop("OPENLINEAGE_CONFIG", None)
        for name, commands in RUNS.items():
            server.bodies.clear()
            for command in commands:
                subprocess.run([str(bin_dir / "dbt-ol"), *command, "--profiles-dir", ".", "--no-use-colors"],
                               cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
            lines = [body.decode("utf-8").replace(str(work), PROJECT_PATH) for body in server.bodies]
            (out / name).write_text("".join(line.strip() + "\n" for line in lines), encoding="utf-8")
            print(f"{name}: {len(lines)} events")


def summary(path: Path) -> dict[str, Any]:
    """What a capture file is made of: its events, and the job, dataset and facet names it uses."""
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    datasets = {f"{d.get('namespace')}:{d.get('name')}" for e in events
                for d in [*(e.get("inputs") or ()), *(e.get("outputs") or ())]}
    facets = {f"{part}.{name}" for e in events for part in ("job", "run")
              for name in ((e.get(part) or {}).get("facets") or {})}
    return {"events": len(events), "jobs": {e["job"]["name"] for e in events}, "datasets": datasets,
            "facets": facets}


def compare(new: Path, old: Path) -> None:
    for name in RUNS:
        if not (old / name).exists():
            print(f"{name}: no earlier capture in {old}")
            continue
        was, now = summary(old / name), summary(new / name)
        print(f"{name}: {was['events']} events before, {now['events']} now")
        for key in ("jobs", "datasets", "facets"):
            for mark, names in (("-", was[key] - now[key]), ("+", now[key] - was[key])):
                for item in sorted(names):
                    print(f"  {mark} {key[:-1]} {item}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, required=True, help="the bin folder of the environment with dbt-ol")
    parser.add_argument("--project", type=Path, required=True, help="the dbt project (jaffle-dbt-project)")
    parser.add_argument("--out", type=Path, required=True, help="where to write the captured events")
    parser.add_argument("--compare", type=Path, help="an earlier capture to compare with")
    args = parser.parse_args()
    run_dbt_ol(args.bin.resolve(), args.project.resolve(), args.out)
    if args.compare:
        compare(args.out, args.compare)


if __name__ == "__main__":
    main()
