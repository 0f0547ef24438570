"""One run of a job at a time, across processes: an OS file lock beside the store.

The lock is `fcntl.flock` on `<store>.locks/job-<name>.lock`. The kernel drops it when the holding
process ends however it ends (SIGKILL included), so a killed run never leaves the job locked, and
whoever takes the lock next knows that a run still marked `running` in the store is dead. The
holder writes its pid and start time into the file, so a refused caller can say who holds it.
The lock is per machine, as the DuckDB store is; with a server store (PostgreSQL) the lock file
is in the user's cache folder and still guards one machine only.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from lineage.errors import LineageError
from lineage.services.jobs.sources import redact


class JobBusy(LineageError):
    """The job is already running in another process (or thread)."""


def lock_path(store: str | Path, job: str) -> Path:
    """Where the lock file of `job` lives for the store at `store`: beside a store file, or for a
    server store (a URL) in the user's cache folder, one folder per store.

    Example:
        >>> lock_path("/srv/lineage.duckdb", "events").as_posix()
        '/srv/lineage.duckdb.locks/job-events.lock'
        >>> lock_path("postgresql://u:pw@db/lineage", "events").parent.parent.name
        'locks'
    """
    text = str(store)
    if "://" in text:
        key = hashlib.sha256(redact(text).encode()).hexdigest()[:16]
        return Path.home() / ".cache" / "lineage-mapper" / "locks" / key / f"job-{job}.lock"
    base = Path(store)
    return base.with_name(base.name + ".locks") / f"job-{job}.lock"


class JobLock:
    """An exclusive lock on one job; use as a context manager after `acquire`.

    Args:
        store: the store file the job writes to (the lock lives beside it).
        job: the job's name (a safe file name: config validation sees to that).
    """

    def __init__(self, store: str | Path, job: str) -> None:
        self.job = job
        self.path = lock_path(store, job)
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds the lock, as written by the holder ("pid 123 since ..."), or "unknown"."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def acquire(self, wait: float = 0.0, poll: float = 0.2, stop: threading.Event | None = None) -> JobLock:
        """Take the lock, waiting up to `wait` seconds (sleeping between tries, never spinning);
        setting `stop` ends the wait early.

        Raises:
            JobBusy: another process holds the lock after `wait` seconds (or when stopped).
        """
        pause = stop.wait if stop is not None else time.sleep
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or (stop is not None and stop.is_set()):
                    os.close(fd)
                    waited = f" after waiting {wait:.0f} s" if wait else ""
                    raise JobBusy(
                        f"job {self.job!r} is already running ({self.holder()}){waited}; "
                        "wait for it to finish, or pass --wait SECONDS"
                    ) from None
                pause(min(poll, left))
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> JobLock:
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
