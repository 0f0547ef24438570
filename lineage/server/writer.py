"""The single writer: a bounded queue of mapped events, committed to the store in groups.

Requests never open the store. They put their events on a bounded queue and wait; one writer
thread takes what has queued up (up to `max_group` events, waiting at most `max_delay` seconds for
more after the first), stores the group in one transaction (group commit), and only then tells
each waiting request that its events are durable. A full queue is refused at once (the endpoint
answers 503 with Retry-After) rather than buffered without bound.

Each event's raw JSON is kept once: the writer remembers the content hashes of recently committed
events and leaves out an event it has already committed (a client retry); the store's append-only
rule keeps its facts from being stored twice even across restarts.

The writer stores through one write session (`Store.writer`): while requests keep coming it keeps
the store open across commits (DuckDB: one connection, no open, version check and checkpoint per
commit), and gives the file back to other processes (the dashboard, `lineage collect`) when its
queue has been idle for `idle_release` seconds, after `max_hold` seconds of holding it, and at the
next commit when another process is waiting for it.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lineage.models import LineageBatch, Problem, RawInput
from lineage.store import Store
from lineage.store.base import StoreWriter

log = logging.getLogger("lineage.server")

COLLECTOR = "openlineage"
Fact = Any


@dataclass
class Submission:
    """The events of one request: (content, facts, problems) per event, and whom to tell when done.

    `done` is called from the writer thread with None on success or the exception that stopped it.
    """

    events: list[tuple[bytes, list[Fact], list[Problem]]]
    done: Callable[[BaseException | None], None]
    duplicates: int = field(default=0)


class GroupWriter:
    """Commits submissions in groups from one thread.

    Args:
        store: where to write.
        max_queue: submissions that may wait; more are refused.
        max_group: events per transaction at most.
        max_delay: seconds to wait for more events after the first of a group.
        remember: content hashes of committed events kept to skip client retries.
        max_hold: seconds the store is held open at most before other processes get a turn.
        idle_release: seconds without events after which the store is given back.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_queue: int = 4096,
        max_group: int = 2000,
        max_delay: float = 0.005,
        remember: int = 200_000,
        max_hold: float = 0.5,
        idle_release: float = 0.05,
    ) -> None:
        self.store = store
        self.max_hold = max_hold
        self.idle_release = idle_release
        self.max_group = max_group
        self.max_delay = max_delay
        self.remember = remember
        self._queue: queue.Queue[Submission | None] = queue.Queue(maxsize=max_queue)
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.events = 0

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lineage-writer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Commit what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def submit(self, submission: Submission) -> bool:
        """Queue a submission; False when the queue is full (the caller should answer 503)."""
        try:
            self._queue.put_nowait(submission)
        except queue.Full:
            return False
        return True

    # -- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        with self.store.writer(max_hold_s=self.max_hold) as session:
            self._loop(session)

    def _loop(self, session: StoreWriter) -> None:
        stopping = False
        while not stopping:
            try:
                first = self._queue.get(timeout=self.idle_release)
            except queue.Empty:
                session.release()  # idle: let the dashboard and other processes in
                first = self._queue.get()
            if first is None:
                break
            group = [first]
            count = len(first.events)
            deadline = time.monotonic() + self.max_delay
            while count < self.max_group:
                remaining = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                group.append(item)
                count += len(item.events)
            self._commit(group, session)

    def _commit(self, group: list[Submission], session: StoreWriter) -> None:
        batch = LineageBatch(collector=COLLECTOR, source="http")
        lines: list[bytes] = []
        hashes: list[bytes] = []
        in_group: set[bytes] = set()
        for sub in group:
            for content, facts, problems in sub.events:
                digest = hashlib.blake2b(content, digest_size=16).digest()
                if digest in self._seen or digest in in_group:
                    sub.duplicates += 1
                    continue
                in_group.add(digest)
                hashes.append(digest)
                lines.append(content)
                batch.facts.extend(facts)
                batch.problems.extend(problems)
        error: BaseException | None = None
        if lines:
            batch.raw = RawInput(
                collector=COLLECTOR, source="http", content=b"\n".join(lines), append_only=True
            )
            started = time.perf_counter()
            try:
                session.ingest(batch)
            except Exception as exc:  # every waiting request must hear about it
                log.error("commit of %d event(s) failed: %s", len(lines), exc)
                error = exc
            else:
                self.commits += 1
                self.events += len(lines)
                for digest in hashes:
                    self._seen[digest] = None
                while len(self._seen) > self.remember:
                    self._seen.popitem(last=False)
                log.debug(
                    "committed %d event(s) in %.1f ms", len(lines), (time.perf_counter() - started) * 1000
                )
        for sub in group:
            try:
                sub.done(error)
            except Exception:  # a closed request must not stop the writer
                log.exception("could not complete a request")
