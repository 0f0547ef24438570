"""Helpers for the OpenLineage tests: copied producer events, and a real `lineage serve` process.

Not named conftest.py: several test folders have one, and without packages their names collide.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.shared import SHARED as SHARED_CORPUS
from tests.shared import needs

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "openlineage"
SHARED = SHARED_CORPUS / "fixtures" / "openlineage"
needs_shared = needs(SHARED / "spec" / "OpenLineage.json")
TOKEN = "test-token-3f9a1c7e5b2d4f60a8c1"
START_DEADLINE = 180.0
"""Seconds a server may take to start: generous, so that a loaded machine slows the tests down
without failing them."""


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    db: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def alive(self) -> bool:
        return self.process.poll() is None

    def settled(self, timeout: float = 120) -> None:
        """Wait until every acknowledged event is in the store (journaled events are stored within
        within about half a second)."""
        deadline = time.monotonic() + timeout
        while requests.get(self.url + "/api/v1/health", timeout=5).json()["queued"]:
            if time.monotonic() > deadline:
                raise TimeoutError("the endpoint did not store its journaled events in time")
            time.sleep(0.02)


def start_server(tmp: Path, *args: str, token: str | None = TOKEN, host: str = "127.0.0.1") -> Server:
    port = free_port()
    db = tmp / "served.duckdb"
    log = tmp / f"server-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINEAGE_", "OPENLINEAGE"))}
    env["PYTHONPATH"] = str(REPO_ROOT)
    if token:
        env["LINEAGE_API_TOKENS"] = token
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lineage.cli",
                "serve",
                "--host",
                host,
                "--port",
                str(port),
                "--db",
                str(db),
                *args,
            ],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://{host}:{port}", db, process, log)
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if requests.get(server.url + "/api/v1/health", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"server did not start: {log.read_text()}")
