"""Capture again what dbt-ol and Airflow send over HTTP, to check a version bump of a producer.

    python -m venv /tmp/dbtol
    /tmp/dbtol/bin/pip install "dbt-core~=1.11.0" "dbt-duckdb~=1.11.0" "openlineage-dbt==1.54.0"
    python -m venv /tmp/af
    /tmp/af/bin/pip install "apache-airflow==3.3.2" "apache-airflow-providers-openlineage==2.20.3" \
        "apache-airflow-providers-common-sql==2.4.0" apache-airflow-providers-sqlite
    REAL=../shared/fixtures/openlineage/real
    python scripts/make_real_events.py --out /tmp/real \
        --dbt-bin /tmp/dbtol/bin --project $REAL/jaffle-dbt-project --compare $REAL/dbt-ol-1.54 \
        --airflow-bin /tmp/af/bin --dag $REAL/airflow-3.3.2/shop_sql.py --compare-airflow $REAL/airflow-3.3.2

Each producer lives in its own virtual environment (they pin packages the test extra cannot use).
A capture server on 127.0.0.1 (standard library; it requires the API key, as `lineage serve` does)
receives what the producers' HTTP transports post and keeps each body as received, one per line:

- `dbt-ol-build.jsonl`: `dbt-ol build` on a copy of the dbt project, built against DuckDB;
- `dbt-ol-run-then-test.jsonl`: `dbt-ol run`, then `dbt-ol test`;
- `sql-dag-sqlite.jsonl`: `airflow dags test` of the DAG file, in a fresh Airflow home whose DAG's
  connection (`shop_sqlite`) is a SQLite file there.

Temporary paths are then written as `/srv/dbt/jaffle` and `/opt/airflow`, as in the shared
fixtures, so the events do not depend on the machine. `--compare DIR` (`--compare-airflow DIR`)
prints what differs from an earlier capture: the number of events, and the job names, dataset
names and facet names each file uses.
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
AIRFLOW_PATH = "/opt/airflow"
NAMESPACE = "dbt-dev"
AIRFLOW_NAMESPACE = "airflow-dev"
RUNS = {"dbt-ol-build.jsonl": [["build"]], "dbt-ol-run-then-test.jsonl": [["run"], ["test"]]}
AIRFLOW_FILE = "sql-dag-sqlite.jsonl"


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


def run_airflow(bin_dir: Path, dag: Path, out: Path) -> None:
    """`airflow dags test` of the DAG in `dag` (its file name without `.py` is its id), in a fresh
    Airflow home, into the capture server; the events written into `out` with that home's path
    written as `AIRFLOW_PATH`."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, capture() as server:
        home = Path(tmp) / "airflow"
        (home / "dags").mkdir(parents=True)
        shutil.copy(dag, home / "dags" / dag.name)
        transport = {"type": "http", "url": f"http://127.0.0.1:{server.server_address[1]}",
                     "auth": {"type": "api_key", "apiKey": server.token}}
        env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
               "AIRFLOW_CONN_SHOP_SQLITE": json.dumps({"conn_type": "sqlite", "host": str(home / "shop.db")}),
               "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
               "AIRFLOW__OPENLINEAGE__NAMESPACE": AIRFLOW_NAMESPACE}
        airflow = str(bin_dir / "airflow")
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run([airflow, "dags", "test", dag.stem], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        lines = [body.decode("utf-8").replace(str(home), AIRFLOW_PATH) for body in server.bodies]
        (out / AIRFLOW_FILE).write_text("".join(line.strip() + "\n" for line in lines), encoding="utf-8")
        print(f"{AIRFLOW_FILE}: {len(lines)} events")


def summary(path: Path) -> dict[str, Any]:
    """What a capture file is made of: its events, and the job, dataset and facet names it uses."""
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    datasets = {f"{d.get('namespace')}:{d.get('name')}" for e in events
                for d in [*(e.get("inputs") or ()), *(e.get("outputs") or ())]}
    facets = {f"{part}.{name}" for e in events for part in ("job", "run")
              for name in ((e.get(part) or {}).get("facets") or {})}
    return {"events": len(events), "jobs": {e["job"]["name"] for e in events}, "datasets": datasets,
            "facets": facets}


def compare(new: Path, old: Path, names: list[str]) -> None:
    for name in names:
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
    parser.add_argument("--out", type=Path, required=True, help="where to write the captured events")
    parser.add_argument("--dbt-bin", type=Path, help="the bin folder of the environment with dbt-ol")
    parser.add_argument("--project", type=Path, help="the dbt project (jaffle-dbt-project)")
    parser.add_argument("--compare", type=Path, help="an earlier capture of dbt-ol to compare with")
    parser.add_argument("--airflow-bin", type=Path, help="the bin folder of the environment with Airflow")
    parser.add_argument("--dag", type=Path, help="the DAG file (shop_sql.py)")
    parser.add_argument("--compare-airflow", type=Path, help="an earlier capture of Airflow to compare with")
    args = parser.parse_args()
    if bool(args.dbt_bin) != bool(args.project) or bool(args.airflow_bin) != bool(args.dag):
        parser.error("give --dbt-bin with --project, and --airflow-bin with --dag")
    if not (args.dbt_bin or args.airflow_bin):
        parser.error("nothing to capture: give --dbt-bin and --project, or --airflow-bin and --dag")
    if args.dbt_bin:
        run_dbt_ol(args.dbt_bin.resolve(), args.project.resolve(), args.out)
        if args.compare:
            compare(args.out, args.compare, list(RUNS))
    if args.airflow_bin:
        run_airflow(args.airflow_bin.resolve(), args.dag.resolve(), args.out)
        if args.compare_airflow:
            compare(args.out, args.compare_airflow, [AIRFLOW_FILE])


if __name__ == "__main__":
    main()
