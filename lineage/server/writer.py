"""The single writer: a bounded queue of mapped events, made durable in groups.

Requests never open the store. They put their events on a bounded queue and wait; one intake
thread takes what has queued up (up to `max_group` events, waiting at most `max_delay` seconds for
more after the first) and makes the group durable at once, then tells each waiting request. A full
queue is refused at once (the endpoint answers 503 with Retry-After) rather than buffered without
bound.

How a group is made durable depends on the store:

- with a journal (`lineage serve` on a DuckDB file): the group is appended to the journal and
  synced to disk (see `lineage.services.journal`), and the requests are answered; a store thread
  moves what has gathered into the store every `commit_interval` seconds in one transaction and
  then deletes the journal segments it stored. Events wait for the store in memory and in the
  journal; while more than `max_queue` of them wait, new requests get 503. On start, what an
  earlier process left in the journal is stored first.
- without (PostgreSQL, whose commits are cheap and concurrent): the group is committed to the
  store in one transaction (group commit) before the requests are answered.

Each event's raw JSON is kept once: the writer remembers the content hashes of recently accepted
events and leaves out an event it has already accepted (a client retry); the store's append-only
rule keeps its facts from being stored twice even across restarts.

The writer stores through one write session (`Store.writer`): while events keep coming it keeps
the store open across commits (DuckDB: one connection, no open, version check and checkpoint per
commit), and gives the file back to other processes (the dashboard, `lineage collect`) when it has
been idle for `idle_release` seconds, after `max_hold` seconds of holding it, and at the next
commit when another process is waiting for it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from lineage.services.fold import Event, batches_of, digest, store_segments
from lineage.services.journal import Journal
from lineage.store import Store
from lineage.store.base import StoreWriter

log = logging.getLogger("lineage.server")


@dataclass
class Submission:
    """The events of one request, where they came from, and whom to tell when they are durable.

    `done` is called from the writer thread with None on success or the exception that stopped it.
    """

    events: list[Event]
    done: Callable[[BaseException | None], None]
    source: str = "http"
    duplicates: int = field(default=0)


class GroupWriter:
    """Makes submissions durable in groups from one thread (see the module's description).

    Args:
        store: where to write.
        journal: the journal (opened, so this process keeps it); None commits every group to the
            store before answering.
        max_queue: submissions that may wait, and with a journal events that may wait for the
            store; more are refused.
        max_group: events per group at most.
        max_delay: seconds to wait for more events after the first of a group.
        remember: content hashes of accepted events kept to skip client retries.
        max_hold: seconds the store is held open at most before other processes get a turn.
        idle_release: seconds without events after which the store is given back.
        commit_interval: with a journal, seconds between store commits while events keep coming.
    """

    def __init__(
        self,
        store: Store,
        *,
        journal: Journal | None = None,
        max_queue: int = 4096,
        max_group: int = 2000,
        max_delay: float = 0.001,
        remember: int = 200_000,
        max_hold: float = 0.5,
        idle_release: float = 0.05,
        commit_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.max_queue = max_queue
        self.max_hold = max_hold
        self.idle_release = idle_release
        self.max_group = max_group
        self.max_delay = max_delay
        self.remember = remember
        self.commit_interval = commit_interval
        self._queue: queue.Queue[Submission | None] = queue.Queue(maxsize=max_queue)
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._threads: list[threading.Thread] = []
        self._journal = journal
        self._waiting = threading.Condition()
        self._pending: list[tuple[str, Event]] = []  # durable in the journal, not yet in the store
        self._in_flight = 0
        self._taking = 0  # events of accepted submissions not yet journaled (queued, or being written)
        self._stopping = False
        self.commits = 0
        self.events = 0

    @property
    def backlog(self) -> int:
        """Requests queued, plus (with a journal) events not yet in the store."""
        return self._queue.qsize() + len(self._pending) + self._in_flight

    def start(self) -> None:
        """Store what an earlier process left in the journal, then start taking submissions."""
        if self._threads:
            return
        if self._journal is not None:
            self._recover(self._journal)
            self._threads.append(threading.Thread(target=self._store_run, name="lineage-store", daemon=True))
        self._threads.append(threading.Thread(target=self._intake_run, name="lineage-writer", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Make what is queued durable and store it, then stop the threads."""
        if not self._threads:
            return
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if self._journal is not None:
            self._journal.close()

    def submit(self, submission: Submission) -> bool:
        """Queue a submission; False when the queue is full (the caller should answer 503)."""
        with self._waiting:
            if self._journal is not None and self._taking + len(self._pending) + self._in_flight >= self.max_queue:
                return False
            self._taking += len(submission.events)  # counted until journaled: the intake thread may hold it
        try:
            self._queue.put_nowait(submission)
        except queue.Full:
            with self._waiting:
                self._taking -= len(submission.events)
            return False
        return True

    # -- the intake thread ---------------------------------------------------------------------

    def _intake_run(self) -> None:
        if self._journal is not None:
            self._intake_loop(None)
        else:
            with self.store.writer(max_hold_s=self.max_hold) as session:
                self._intake_loop(session)

    def _intake_loop(self, session: StoreWriter | None) -> None:
        stopping = False
        while not stopping:
            try:
                first = self._queue.get(timeout=self.idle_release)
            except queue.Empty:
                if session is not None:
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
            self._accept(group, session)
        with self._waiting:
            self._stopping = True
            self._waiting.notify()

    def _accept(self, group: list[Submission], session: StoreWriter | None) -> None:
        fresh: list[tuple[str, Event]] = []
        hashes: list[bytes] = []
        in_group: set[bytes] = set()
        for sub in group:
            for event in sub.events:
                key = digest(event[0])
                if key in self._seen or key in in_group:
                    sub.duplicates += 1
                    continue
                in_group.add(key)
                hashes.append(key)
                fresh.append((sub.source, event))
        error: BaseException | None = None
        if fresh:
            started = time.perf_counter()
            try:
                if self._journal is not None:
                    with self._waiting:
                        self._journal.append([(source, event[0]) for source, event in fresh])
                        self._pending.extend(fresh)
                        self._waiting.notify()
                else:
                    assert session is not None
                    self._store(session, [event for _, event in fresh])
            except Exception as exc:  # every waiting request must hear about it
                log.error("%d event(s) could not be made durable: %s", len(fresh), exc)
                error = exc
            else:
                self.events += len(fresh)
                for key in hashes:
                    self._seen[key] = None
                while len(self._seen) > self.remember:
                    self._seen.popitem(last=False)
                log.debug("%d event(s) durable in %.1f ms", len(fresh), (time.perf_counter() - started) * 1000)
        with self._waiting:  # after they joined the pending events (counted twice a moment: never too few)
            self._taking -= sum(len(sub.events) for sub in group)
        for sub in group:
            try:
                sub.done(error)
            except Exception:  # a closed request must not stop the writer
                log.exception("could not complete a request")

    # -- the store thread (with a journal) -----------------------------------------------------

    def _store_run(self) -> None:
        with self.store.writer(max_hold_s=self.max_hold) as session:
            self._store_loop(session)

    def _store_loop(self, session: StoreWriter) -> None:
        assert self._journal is not None
        last = 0.0
        while True:
            with self._waiting:
                ready = self._waiting.wait_for(lambda: self._pending or self._stopping, self.idle_release)
            if not ready:
                session.release()  # idle: let the dashboard and other processes in
                with self._waiting:
                    self._waiting.wait_for(lambda: self._pending or self._stopping)
            with self._waiting:
                if not self._pending:
                    return  # stopping, and everything is stored
            if not self._stopping:  # let a group gather while events keep coming
                time.sleep(max(0.0, last + self.commit_interval - time.monotonic()))
            with self._waiting:
                taken, self._pending = self._pending, []
                self._in_flight = len(taken)
                closed = self._journal.rotate()
            last = time.monotonic()
            try:
                for start in range(0, len(taken), self.max_group):
                    self._store(session, [event for _, event in taken[start : start + self.max_group]])
            except Exception as exc:  # the events are safe in the journal: try again shortly
                log.error("storing %d journaled event(s) failed, retrying: %s", len(taken), exc)
                with self._waiting:
                    self._pending[:0] = taken
                time.sleep(1.0)
            else:
                self._journal.discard_through(closed)
            finally:
                self._in_flight = 0

    def _store(self, session: StoreWriter, events: list[Event]) -> None:
        """Commit events to the store in one transaction."""
        started = time.perf_counter()
        for batch in batches_of(events):
            session.ingest(batch)
        self.commits += 1
        log.debug("committed %d event(s) in %.1f ms", len(events), (time.perf_counter() - started) * 1000)

    def _recover(self, journal: Journal) -> None:
        """Store the events an earlier process journaled but did not store, then delete them."""
        if not journal.leftover:
            return
        with self.store.writer(max_hold_s=self.max_hold) as session:
            recovered = store_segments(session, (path for _, path in journal.leftover), max_group=self.max_group,
                                       seen=lambda key: self._seen.__setitem__(key, None))
        journal.discard_through(journal.leftover[-1][0])
        log.info("stored %d event(s) left in the journal by an earlier run", recovered)
