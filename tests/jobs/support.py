"""Helpers for the scheduled-jobs tests: a project folder, a real HTTP server on 127.0.0.1, and
the `lineage` command in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lineage.project import Project as LoadedProject
from lineage.project import load_project

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "jobs"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Project:
    """A folder with a lineage.yaml, a store and a logs/ folder."""

    root: Path

    @property
    def file(self) -> Path:
        return self.root / "lineage.yaml"

    @property
    def db(self) -> Path:
        return self.root / "store.duckdb"

    def write(self, yaml_text: str) -> Project:
        self.file.write_text(f"store: {self.db}\n" + yaml_text, encoding="utf-8")
        return self

    def config(self) -> LoadedProject:
        return load_project(self.file, lock_timeout=120)

    def append(self, relative: str, data: bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as fh:
            fh.write(data)
        return path


@dataclass
class Web:
    """A real HTTP server: GET serves `pages` (bytes, or a callable answering (status, body)),
    POST bodies are kept in `posts`; a GET of a page in `hold` blocks until `release` is set."""

    url: str
    pages: dict[str, Any] = field(default_factory=dict)
    posts: list[dict[str, Any]] = field(default_factory=list)
    post_status: list[int] = field(default_factory=list)
    requested: dict[str, threading.Event] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    hold: set[str] = field(default_factory=set)

    def seen(self, path: str) -> threading.Event:
        return self.requested.setdefault(path, threading.Event())


@contextmanager
def serve_web() -> Iterator[Web]:
    """A `Web` server on 127.0.0.1 in a thread, shut down on exit."""
    state = Web(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            state.seen(self.path).set()
            if self.path in state.hold:
                state.release.wait(60)
            page = state.pages.get(self.path)
            status, body = page() if callable(page) else ((200, page) if page is not None else (404, b"no"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.post_status.pop(0) if state.post_status else 200
            if status == 200:
                state.posts.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def lineage_process(project: Project, *args: str) -> subprocess.Popen[str]:
    """`lineage --project FILE ARGS...` in a real subprocess, in the project folder."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("LINEAGE_DB", None)
    return subprocess.Popen([sys.executable, "-m", "lineage.cli", "--project", str(project.file), *args],
                            cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
