"""A throwaway PostgreSQL server for tests: a fresh cluster in a temporary directory on a free port.

`initdb` refuses to run as root, so as root the cluster is made and run as the `postgres` user
(`runuser -u postgres --`) in a directory chowned to it. The server listens on 127.0.0.1 only,
with its Unix socket in the same directory, trusts local connections, and is stopped (and the
directory removed) afterwards. Use the `pg_server` fixture (import it into a conftest or test
module) or `PgServer` directly.

The server is shared: every module that imports `pg_server` gets the same one, started on first
use and stopped when the test process exits (one per pytest-xdist worker). Tests that need a store
of their own use `pg_schema_url`, which makes a fresh schema and returns a URL whose search path
points at it; creating a schema is far cheaper than creating a database.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest


def pg_bindir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running server: `url` connects as the superuser `postgres` to the database `postgres`."""

    bindir: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    @classmethod
    def start(cls, bindir: Path, *, durable: bool = False) -> PgServer:
        """A new cluster, started; `durable` keeps fsync on (for benchmarks), tests turn it off."""
        root = Path(tempfile.mkdtemp(prefix="lineage-pg-", dir="/tmp"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        server = cls(bindir, root, _free_port())
        server._run(str(bindir / "initdb"), "-D", str(root / "data"), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--no-sync")
        options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1" + ("" if durable else " -c fsync=off")
        server._run(str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", options, "-l", str(root / "log"),
                    "-w", "-t", "60", "start")
        return server

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


_SHARED: dict[str, PgServer] = {}
_SHARED_LOCK = threading.Lock()


def shared_server() -> PgServer | None:
    """The test process's one server, started on first use; None when no server is installed."""
    with _SHARED_LOCK:
        if "server" not in _SHARED:
            bindir = pg_bindir()
            if bindir is None:
                return None
            server = PgServer.start(bindir)
            _SHARED["server"] = server
            atexit.register(server.stop)
        return _SHARED["server"]


def schema_url(server: PgServer, prefix: str = "t") -> str:
    """A fresh, empty schema on `server`, as a URL whose search path is that schema."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    return f"{server.url}?options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole session (skipped when no server is installed)."""
    server = shared_server()
    if server is None:
        pytest.skip("PostgreSQL server binaries not installed (scripts/system-deps.sh installs them)")
    yield server


@pytest.fixture
def pg_schema_url(pg_server: PgServer) -> str:
    """A URL to a fresh, empty schema on the shared server."""
    return schema_url(pg_server)


BACKENDS = ["duckdb", "postgresql"]


def open_backend(backend: str, tmp_path: Path) -> Any:
    """A fresh, migrated store of `backend` (skips the test when PostgreSQL is not installed)."""
    from lineage.store import open_store

    if backend == "postgresql":
        server = shared_server()
        if server is None:
            pytest.skip("PostgreSQL server binaries not installed (scripts/system-deps.sh installs them)")
        location = schema_url(server)
    else:
        location = str(tmp_path / "lineage.duckdb")
    s = open_store(location, lock_timeout=30)
    s.migrate()
    return s


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh store of each backend in turn: a DuckDB file, then a schema on the shared server."""
    s = open_backend(request.param, tmp_path)
    yield s
    close = getattr(s, "close", None)
    if close is not None:
        close()
