"""The endpoint's journal: accepted events made durable on disk before the store has them.

A DuckDB commit costs about 15 ms whatever its size, so committing every few events while their
producers wait holds the endpoint to a few hundred events a second. With a journal, the endpoint
appends each group of accepted events to it, syncs it to disk (well under a millisecond), answers
201, and moves what has gathered into the store in large transactions from another thread,
deleting the journal segments it has stored. Whatever the journal still holds when the process
dies is stored by the next command that opens the store (`lineage.services.fold`), or by the next
`lineage serve` before it takes requests.

Layout: a folder (`<store file>.journal/`) of numbered segments, each a file of lines
`<source>\\t<event as compact JSON>\\n`. Compact JSON has no raw tab or newline, so a line splits
unambiguously. A last line without its newline was being written when the process died, before
its request was answered: it is left out.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "s.duckdb.journal"
    >>> journal = Journal(folder)
    >>> journal.append([("http:127.0.0.1", b'{"a":1}')])
    >>> closed = journal.rotate()
    >>> [(e.line, e.source, e.content) for e in read_segment(folder / segment_name(closed))]
    [(1, 'http:127.0.0.1', b'{"a":1}')]
    >>> journal.discard_through(closed); journal.close(); folder.exists()
    False
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lineage.errors import StoreError

log = logging.getLogger("lineage.server")

_SEGMENT = re.compile(r"^(\d{12})\.jsonl$")


@dataclass(frozen=True)
class Entry:
    """One journaled event: where it came from and its JSON text."""

    line: int
    source: str
    content: bytes


def segment_name(number: int) -> str:
    return f"{number:012d}.jsonl"


def segments(directory: Path) -> list[tuple[int, Path]]:
    """The journal's segments, oldest first (other files in the folder are not touched)."""
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _SEGMENT.match(p.name))]
    return sorted(found)


def read_segment(path: Path) -> Iterator[Entry]:
    """The complete lines of a segment; malformed ones are logged with their line and left out."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                log.warning("journal %s line %d: incomplete (written as the process died); left out", path, number)
                break
            source, tab, content = raw[:-1].partition(b"\t")
            if not tab or not content.startswith(b"{"):
                log.warning("journal %s line %d: not an event line; left out", path, number)
                continue
            yield Entry(number, source.decode("utf-8", errors="replace"), content)


class JournalBusy(StoreError):
    """Another process already keeps this journal (a second endpoint on the same store file)."""


SERVE = "serve"
FOLD = "fold"


@dataclass(frozen=True)
class Holder:
    """Who keeps a journal folder now: an endpoint (`serve`) or a command folding it (`fold`)."""

    role: str
    pid: int


def journal_folder(db: str) -> Path | None:
    """Where the endpoint journals events for a DuckDB store (`<file>.journal/`); None for
    PostgreSQL, whose commits are cheap and concurrent enough to wait for.

    Example:
        >>> journal_folder("data/lineage.duckdb"), journal_folder("postgresql://db/lineage")
        (PosixPath('data/lineage.duckdb.journal'), None)
        >>> journal_folder("host=db dbname=lineage") is None
        True
    """
    from lineage.store import postgres_location
    from lineage.store.locations import is_postgres_url

    if is_postgres_url(postgres_location(db)):
        return None
    path = Path(db)
    return path.with_name(path.name + ".journal")


class JournalLock:
    """The OS lock on a journal folder's `.lock` file, which says that one process keeps the
    journal; the kernel drops it however the process ends. The holder writes its role and process
    id to `.owner` so that others can tell a live endpoint from a short fold.

    A fold that finds the journal empty deletes the folder, `.lock` included; a process that was
    waiting on the deleted file would hold a lock nobody else sees, so a lock counts only when the
    file it was taken on is still the folder's `.lock`.

    Args:
        directory: the journal folder (made when missing).
        role: `serve` or `fold`.
        wait: seconds to wait while another process folds the journal (an endpoint is never waited
            for).

    Raises:
        StoreError: the folder cannot be made or used.
        JournalBusy: another process keeps this journal (after `wait`, when it was a fold).
    """

    def __init__(self, directory: Path, role: str, *, wait: float = 0.0) -> None:
        deadline = time.monotonic() + wait
        while True:
            fd = self._try(directory)
            if fd is not None:
                break
            holder = journal_holder(directory)
            if (holder is not None and holder.role == SERVE) or time.monotonic() >= deadline:
                who = "another `lineage serve`" if holder is None or holder.role == SERVE else "another command"
                raise JournalBusy(f"{directory}: {who} already ingests into this store"
                                  + (f" (process {holder.pid})" if holder else ""))
            time.sleep(0.02)
        self.directory = directory
        self._fd = fd
        (directory / ".owner").write_text(f"{role} {os.getpid()}\n")

    @staticmethod
    def _try(directory: Path) -> int | None:
        """The lock's descriptor when this process got it, None when another process has it."""
        for _ in range(100):
            try:
                directory.mkdir(parents=True, exist_ok=True)
                fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:
                continue  # a fold deleted the folder just now: make it again
            except FileExistsError as exc:
                if not directory.exists():
                    continue  # a fold deleted it while it was made: make it again
                raise StoreError(f"{directory}: cannot keep the endpoint's journal there: {exc.strerror}") from exc
            except OSError as exc:
                reason = exc.strerror or exc
                raise StoreError(f"{directory}: cannot keep the endpoint's journal there: {reason}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            try:
                current = os.stat(directory / ".lock")
            except FileNotFoundError:
                current = None
            held = os.fstat(fd)
            if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                return fd
            os.close(fd)  # the file was deleted while this process waited for it: take the new one
        raise StoreError(f"{directory}: the journal folder keeps disappearing; is another program deleting it?")

    def release(self, *, remove_if_empty: bool) -> None:
        """Let go of the journal, first deleting the folder when it holds no segment."""
        if remove_if_empty and not segments(self.directory):
            for name in (".owner", ".lock"):
                (self.directory / name).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.directory.rmdir()
        os.close(self._fd)  # the lock goes with the descriptor


def journal_holder(directory: Path) -> Holder | None:
    """The process keeping the journal at `directory`, None when no live process does. A holder
    that has not yet written `.owner` (it took the lock a moment ago) reads as None too.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp()) / "s.duckdb.journal"
        >>> journal_holder(folder) is None
        True
        >>> lock = JournalLock(folder, SERVE)
        >>> journal_holder(folder) == Holder(SERVE, os.getpid())
        True
        >>> lock.release(remove_if_empty=True); folder.exists()
        False
    """
    try:
        role, _, pid = (directory / ".owner").read_text().partition(" ")
        holder = Holder(role, int(pid))
    except (OSError, ValueError):
        return None
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return holder if _locked(directory) else None


def _locked(directory: Path) -> bool:
    """Whether some process holds the folder's lock now."""
    try:
        fd = os.open(directory / ".lock", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def pending_events(directory: Path) -> int:
    """Complete event lines in the journal's segments: events acknowledged and not yet stored
    (at most; a segment is deleted a moment after its events are committed)."""
    count = 0
    for _, path in segments(directory):
        with contextlib.suppress(OSError), path.open("rb") as fh:
            count += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return count


class Journal:
    """Appends groups of events to the newest segment of a journal folder, synced to disk. One
    process at a time keeps a journal, through its `JournalLock`; an endpoint opening the journal
    while a command folds it waits for the fold.

    Raises:
        StoreError: the folder cannot be made or used.
        JournalBusy: another process keeps this journal.
    """

    def __init__(self, directory: Path, *, wait: float = 60.0) -> None:
        self._lock = JournalLock(directory, SERVE, wait=wait)
        self.directory = directory
        existing = segments(directory)
        self.leftover = existing
        """Segments already there when the journal was opened: events not yet in the store."""
        self._number = (existing[-1][0] if existing else 0) + 1
        self._file: IO[bytes] = self._open()

    def _open(self) -> IO[bytes]:
        return (self.directory / segment_name(self._number)).open("ab")

    def append(self, entries: Sequence[tuple[str, bytes]]) -> None:
        """Write events to the journal and sync them to disk; when this returns they are durable."""
        data = b"".join(_clean(source) + b"\t" + content + b"\n" for source, content in entries)
        self._file.write(data)
        self._file.flush()
        os.fsync(self._file.fileno())

    def rotate(self) -> int:
        """Close the current segment and start the next; returns the closed segment's number."""
        closed = self._number
        self._file.close()
        self._number += 1
        self._file = self._open()
        return closed

    def discard_through(self, number: int) -> None:
        """Delete the segments up to `number`: their events are in the store."""
        for n, path in segments(self.directory):
            if n <= number:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the current segment, deleting it (and then the folder) when it holds nothing, and
        let go of the journal."""
        self._file.close()
        current = self.directory / segment_name(self._number)
        if current.exists() and current.stat().st_size == 0:
            current.unlink()
        self._lock.release(remove_if_empty=True)


def _clean(source: str) -> bytes:
    """A source name as it may stand before the tab: no tab or line break in it."""
    return source.replace("\t", " ").replace("\n", " ").replace("\r", " ").encode("utf-8", errors="replace")
