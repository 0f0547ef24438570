"""Acknowledged means visible: every command folds an orphaned journal into its store first.

The endpoint answers 201 once an event is synced to its journal (`<store>.journal/`) and moves
journaled events into the store a moment later. When the endpoint dies in between (SIGKILL, OOM,
a lost node) and is not started again, its journal holds acknowledged events the store does not
have. So every command that opens a DuckDB store (`open_current`) first looks at the journal:

- no journal folder, or no segment in it: nothing to do (one `stat`);
- nobody holds its lock (the endpoint is gone): the command takes the lock, stores the journaled
  events through the same mapping the endpoint uses, deletes the segments, and lets go;
- another command is folding it: wait for that fold to finish (its events are then stored);
- a live endpoint holds it: leave it (the endpoint stores them within a second) and say how many
  acknowledged events are still journaled, so an answer is not taken for complete.

An endpoint starting while a command folds waits for the fold (`Journal`), and a command arriving
while an endpoint starts sees a live endpoint: the lock admits one of them at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lineage.models import LineageBatch, Problem, RawInput
from lineage.services.journal import (
    FOLD,
    SERVE,
    JournalBusy,
    JournalLock,
    journal_folder,
    journal_holder,
    pending_events,
    read_segment,
    segments,
)
from lineage.store import Store, open_store
from lineage.store.base import StoreWriter

log = logging.getLogger("lineage.server")

COLLECTOR = "openlineage"
TRACES_COLLECTOR = "otel"
TRACES = b'{"resourceSpans":'
"""How a journaled OTLP trace export (compact JSON, sorted keys, only `resourceSpans`) begins; every
other journaled event is an OpenLineage event."""
Event = tuple[bytes, list[Any], list[Problem]]
"""An accepted event: its content (compact JSON), its facts and its problems."""


def collector_of(content: bytes) -> str:
    """The collector that maps a journaled event's content.

    Example:
        >>> collector_of(b'{"resourceSpans":[]}'), collector_of(b'{"eventTime":"x"}')
        ('otel', 'openlineage')
    """
    return TRACES_COLLECTOR if content.startswith(TRACES) else COLLECTOR


@dataclass(frozen=True)
class JournalState:
    """What opening a store found in its journal."""

    folded: int = 0
    """Events this process moved from an orphaned journal into the store."""
    pending: int = 0
    """Acknowledged events a live endpoint has journaled and not yet stored."""
    endpoint: int | None = None
    """The live endpoint's process id, when there is one."""

    def message(self) -> str | None:
        """What a reader should be told, if anything.

        Example:
            >>> print(JournalState(pending=3, endpoint=42).message())
            note: 3 event(s) acknowledged by the endpoint (process 42) are not in the store yet (within a second)
            >>> JournalState(folded=2).message()
            'stored 2 event(s) an endpoint had acknowledged before it stopped'
        """
        if self.pending:
            return (f"note: {self.pending} event(s) acknowledged by the endpoint (process {self.endpoint}) "
                    "are not in the store yet (within a second)")
        if self.folded:
            return f"stored {self.folded} event(s) an endpoint had acknowledged before it stopped"
        return None


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def open_current(location: str | Path, *, lock_timeout: float = 60.0,
                 say: Callable[[str], None] | None = _say) -> Store:
    """The store at `location`, holding every event an endpoint acknowledged (see the module).

    Args:
        location: a DuckDB file or a `postgresql://` URL (PostgreSQL has no journal).
        lock_timeout: seconds to wait for the store, and for another command's fold.
        say: told `JournalState.message()` when there is something to say; None to stay quiet.
    """
    store = open_store(location, lock_timeout=lock_timeout)
    state = fold(store, journal_folder(str(location)), wait=lock_timeout)
    if say is not None and (message := state.message()):
        say(message)
    return store


def fold(store: Store, folder: Path | None, *, wait: float = 60.0) -> JournalState:
    """Store what an orphaned journal at `folder` holds (see the module).

    Raises:
        StoreError: the journal cannot be read or its events cannot be stored; the journal is
            kept, so nothing acknowledged is lost.
    """
    if folder is None or not segments(folder):
        return JournalState()
    try:
        lock = JournalLock(folder, FOLD, wait=wait)
    except JournalBusy:
        holder = journal_holder(folder)
        if holder is None or holder.role != SERVE:
            raise
        return JournalState(pending=pending_events(folder), endpoint=holder.pid)
    try:
        leftover = segments(folder)  # another fold may have stored them while this one waited
        if not leftover:
            return JournalState()
        store.migrate()
        with store.writer() as session:
            folded = store_segments(session, (path for _, path in leftover))
        for _, path in leftover:
            path.unlink(missing_ok=True)
    finally:
        lock.release(remove_if_empty=True)
    log.info("stored %d event(s) an endpoint had journaled before it stopped", folded)
    return JournalState(folded=folded)


def store_segments(session: StoreWriter, paths: Iterable[Path], *, max_group: int = 2000,
                   seen: Callable[[bytes], None] | None = None) -> int:
    """Map the events of journal segments, in order, and store them in groups of `max_group`;
    `seen` is told each stored event's digest. Returns how many events were stored."""
    stored = 0
    group: list[Event] = []
    for event in _events(paths):
        group.append(event)
        if seen is not None:
            seen(digest(event[0]))
        if len(group) >= max_group:
            for batch in batches_of(group):
                session.ingest(batch)
            stored, group = stored + len(group), []
    if group:
        for batch in batches_of(group):
            session.ingest(batch)
        stored += len(group)
    return stored


def _events(paths: Iterable[Path]) -> Iterator[Event]:
    from collectors.openlineage import EventMapper

    mapper = EventMapper()
    for path in paths:
        for entry in read_segment(path):
            try:
                value = json.loads(entry.content)
            except ValueError:
                log.warning("journal %s line %d: not JSON; left out", path, entry.line)
                continue
            if collector_of(entry.content) == TRACES_COLLECTOR:
                from collectors.otel import map_request

                traces = map_request(value, source=entry.source)
                yield entry.content, list(traces.facts), list(traces.problems)
                continue
            mapped = mapper.map(value, source=entry.source)
            if not mapped.refused:
                yield entry.content, list(mapped.facts), list(mapped.problems)


def digest(content: bytes) -> bytes:
    """The key by which an event delivered twice is recognised."""
    return hashlib.blake2b(content, digest_size=16).digest()


def batch_of(events: list[Event], collector: str = COLLECTOR) -> LineageBatch:
    """One batch of accepted events of one collector, their raw JSON kept as one append-only input."""
    batch = LineageBatch(collector=collector, source="http")
    for _, facts, problems in events:
        batch.facts.extend(facts)
        batch.problems.extend(problems)
    batch.raw = RawInput(
        collector=collector, source="http", content=b"\n".join(e[0] for e in events), append_only=True
    )
    return batch


def batches_of(events: list[Event]) -> list[LineageBatch]:
    """The accepted events as one batch per collector (OpenLineage events, OTLP trace exports)."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(collector_of(event[0]), []).append(event)
    return [batch_of(group, collector) for collector, group in groups.items()]
