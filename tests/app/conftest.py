"""Fixtures for the dashboard tests: stores filled from the sample pipelines (and a hostile one),
and a real `lineage app` process."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.models import Dataset, Edge, EdgeKind, Evidence, Identity, Layer, LineageBatch, Process, RawInput
from lineage.store import open_store
from tests.conftest import REPO_ROOT, SAMPLES

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "</script><script>window.__pwned=1</script>"
AGENT_CONTEXT = "dataset:redis://agent-memory.internal:6379:triage-agent.sessions"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "app"


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with every sample pipeline collected, as `lineage collect` does it."""
    db = tmp_path_factory.mktemp("samples") / "samples.duckdb"
    # 1: some sample sources have problems (kept as data); the valid rest is stored
    assert main(["collect", str(SAMPLES), "--db", str(db)]) in (0, 1)
    return str(db)


@pytest.fixture
def samples_copy(samples_db: str, tmp_path: Path) -> str:
    """A private copy of the samples store, for tests that write (reviews)."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(samples_db, copy)
    return str(copy)


def hostile_batch() -> LineageBatch:
    ev = Evidence(collector="test", source="hostile.yaml", line=1, layer=Layer.DECLARED, observed_at=datetime.now(UTC))
    src = Dataset(namespace="postgres://db:5432", name=HOSTILE, role="origin", origin="real",
                  classifications=(HOSTILE,), description=HOSTILE, evidence=ev)
    dst = Dataset(namespace="s3://bucket", name=HOSTILE_SCRIPT, role="store", evidence=ev)
    job = Process(namespace="airflow", name="<b onmouseover=alert(2)>job</b>", third_party=True, vendor=HOSTILE,
                  evidence=ev)
    agent = Identity(namespace="agents", name="<svg onload=alert(3)>", evidence=ev)
    batch = LineageBatch(collector="test", source="hostile.yaml")
    batch.add(src, dst, job, agent,
              Edge(source=src.ref, target=job.ref, kind=EdgeKind.READ, evidence=ev),
              Edge(source=job.ref, target=dst.ref, kind=EdgeKind.WRITE, evidence=ev),
              Edge(source=agent.ref, target=job.ref, kind=EdgeKind.RUNS, evidence=ev))
    batch.raw = RawInput(collector="test", source="hostile.yaml", content=b"hostile")
    return batch


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store whose names are HTML and script."""
    db = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    store = open_store(db)
    store.migrate()
    store.ingest(hostile_batch())
    return str(db)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_app(db: str, log: Path) -> RunningApp:
    """`lineage app` on a free port, waited for until healthy."""
    port = free_port()
    out = log.open("wb")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "lineage.cli", "app", "--db", db, "--port", str(port)],
                               cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lineage app exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            import urllib.request

            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return RunningApp(url, process, log)
        except OSError:
            time.sleep(0.3)
    stop_app(process)
    raise RuntimeError(f"lineage app did not come up: {log.read_text(errors='replace')}")


def stop_app(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def running_app(samples_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    app = start_app(samples_db, tmp_path_factory.mktemp("app") / "app.log")
    yield app
    stop_app(app.process)
