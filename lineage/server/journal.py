"""The endpoint's journal: accepted events made durable on disk before the store has them.

A DuckDB commit costs about 15 ms whatever its size, so committing every few events while their
producers wait holds the endpoint to a few hundred events a second. With a journal, the endpoint
appends each group of accepted events to it, syncs it to disk (well under a millisecond), answers
201, and moves what has gathered into the store in large transactions from another thread,
deleting the journal segments it has stored. Whatever the journal still holds when the process
dies is stored by the next `lineage serve` before it takes requests.

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


class Journal:
    """Appends groups of events to the newest segment of a journal folder, synced to disk. One
    process at a time keeps a journal: it holds an OS lock on the folder's `.lock` file, which the
    kernel drops however the process ends.

    Raises:
        StoreError: the folder cannot be made or used.
        JournalBusy: another process keeps this journal.
    """

    def __init__(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"{directory}: cannot keep the endpoint's journal there: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise JournalBusy(f"{directory}: another `lineage serve` already ingests into this store") from None
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
        if not segments(self.directory):
            (self.directory / ".lock").unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.directory.rmdir()
        os.close(self._lock)  # the lock goes with the descriptor


def _clean(source: str) -> bytes:
    """A source name as it may stand before the tab: no tab or line break in it."""
    return source.replace("\t", " ").replace("\n", " ").replace("\r", " ").encode("utf-8", errors="replace")
