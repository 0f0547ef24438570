"""Reading an event log incrementally: the whole lines appended since the last read, with what
the lines before taught the collector. `lineage collect` and scheduled jobs both read logs this way.

The position read up to is kept with a hash of the bytes just before it (a log rotated or rewritten
is read from the start; the store drops the events it already has), and with the collector's
`memory` of the lines read (`TailsLogs`). Only complete lines are read, so a line still being written
is read next time. A file untouched since (same size, modification time and inode) is not opened.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from collectors.base import MAX_LINE_BYTES, TailsLogs, get_collector
from lineage.errors import LineageError
from lineage.models import LineageBatch, Problem
from lineage.perf import paused_gc
from lineage.services.ahead import ahead
from lineage.store.base import SourceState
from lineage.store.facts import Prepared, Stage, prepare

CHUNK_LINES = 2000
CHUNK_BYTES = 16 << 20
ANCHOR_BYTES = 4096
AHEAD_OVER_BYTES = 8 << 20
"""A log with more than this to read is read and mapped by a worker process (`read_log`)."""


class TransientError(LineageError):
    """A failure that may pass (a network error, HTTP 5xx, a store locked for too long)."""


@dataclass
class Step:
    """One thing a read produced: a batch to store (or None when nothing changed), the source's
    state once it is stored (None: keep the old one), and problems that stop the source."""

    batch: LineageBatch | Prepared | None = None
    state: SourceState | None = None
    problems: list[Problem] = field(default_factory=list)
    note: str = ""


def untouched(prev: SourceState | None, st: os.stat_result) -> bool:
    """Whether a file is as it was when `prev` was saved: same size, modification time and inode."""
    return (prev is not None and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns
            and prev.detail.get("inode") == st.st_ino)


def read_log(collector: TailsLogs, name: str, path: Path, st: os.stat_result, prev: SourceState | None, *,
             job: str, max_bytes: int, stage: Stage | None = None) -> Iterator[Step]:
    """The lines of the log at `path` (named `name`, `st` its status) appended since `prev` was
    saved, in batches, each with the state to save once it is stored: the position, a hash of the
    bytes just before it and what the lines read so far taught the collector (`memory`).

    With `stage` (the store's `stage_facts`), a log with more than `AHEAD_OVER_BYTES` to read is read
    by a worker process that also turns each batch into rows (`prepare`), while the caller stores
    the ones before: both cores work, and the batches still come in order.

    Raises:
        TransientError: the file cannot be read now.
    """
    resume = prev.offset if prev is not None and prev.offset is not None else 0
    if stage is not None and st.st_size - resume > AHEAD_OVER_BYTES and (os.cpu_count() or 1) > 1:
        return ahead(_prepared_steps, collector.name, name, path, st, prev, job, max_bytes, stage)
    return _read_lines(collector, name, path, st, prev, job=job, max_bytes=max_bytes)


def _read_lines(collector: TailsLogs, name: str, path: Path, st: os.stat_result, prev: SourceState | None, *,
                job: str, max_bytes: int) -> Iterator[Step]:
    start, line, note, memory = 0, 1, "read from the start", None
    if prev is not None and prev.offset is not None:
        try:
            same = (prev.detail.get("inode") == st.st_ino and st.st_size >= prev.offset
                    and _anchor(path, prev.offset) == prev.detail.get("anchor"))
        except OSError as exc:
            raise TransientError(f"{name}: cannot read: {exc.strerror or exc}") from exc
        if same:
            start, line, note = prev.offset, prev.line or 1, "read the appended lines"
            memory = prev.detail.get("memory")
        else:
            note = "rotated or rewritten: read from the start"
    limit = start + max_bytes
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise TransientError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    read = collector.line_reader(name, memory if isinstance(memory, dict) else None)

    def state(pos: int) -> SourceState:
        return SourceState(job=job, source=name, size=pos, mtime_ns=st.st_mtime_ns, offset=pos, line=line,
                           detail={"inode": st.st_ino, "anchor": _anchor(path, pos), "memory": read.memory()})

    with fh:
        fh.seek(start)
        pos, produced = start, False
        while pos < limit:
            lines: list[bytes] = []
            size = 0
            while len(lines) < CHUNK_LINES and size < CHUNK_BYTES and pos + size < limit:
                text = fh.readline(MAX_LINE_BYTES)
                if not text.endswith(b"\n"):
                    break  # the end of the file, or a line still being written: next run
                lines.append(text)
                size += len(text)
            if not lines:
                break
            batch = read(b"".join(lines), line)
            pos += size
            line += len(lines)
            produced = True
            yield Step(batch=batch, state=state(pos), note=f"{note}: {len(lines)} line(s)")
        if not produced:  # nothing complete to read: remember the position so the next run starts here
            yield Step(state=state(start), note="no new complete lines")


def _prepared_steps(kind: str, name: str, path: Path, st: os.stat_result, prev: SourceState | None, job: str,
                    max_bytes: int, stage: Stage) -> Iterator[Step]:
    collector = get_collector(kind)
    assert isinstance(collector, TailsLogs)
    with paused_gc():  # the chunks' objects live until handed over: no cycles to look for (as `collect` does)
        for step in _read_lines(collector, name, path, st, prev, job=job, max_bytes=max_bytes):
            if step.batch is not None:
                step.batch = prepare(step.batch, stage)
            yield step


def _anchor(path: Path, offset: int) -> str:
    with path.open("rb") as fh:
        fh.seek(max(0, offset - ANCHOR_BYTES))
        return hashlib.sha256(fh.read(min(offset, ANCHOR_BYTES))).hexdigest()
