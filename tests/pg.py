"""A throwaway PostgreSQL server for tests: a fresh cluster in a temporary directory on a free port.

`initdb` refuses to run as root, so as root the cluster is made and run as the `postgres` user
(`runuser -u postgres --`) in a directory chowned to it. The server listens on 127.0.0.1 only,
with its Unix socket in the same directory, trusts local connections, and is stopped (and the
directory removed) afterwards. Use the `pg_server` fixture (from `tests/conftest.py` plugins or by
importing it into a conftest) or `PgServer` directly.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    def start(cls, bindir: Path) -> PgServer:
        root = Path(tempfile.mkdtemp(prefix="lineage-pg-", dir="/tmp"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        server = cls(bindir, root, _free_port())
        server._run(str(bindir / "initdb"), "-D", str(root / "data"), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--no-sync")
        options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        server._run(str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", options, "-l", str(root / "log"),
                    "-w", "-t", "60", "start")
        return server

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole session (skipped when no server is installed)."""
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (scripts/system-deps.sh installs them)")
    server = PgServer.start(bindir)
    try:
        yield server
    finally:
        server.stop()
