"""Request bodies turned into mapped events in worker processes, each request within a time budget.

Decompressing, parsing and mapping a request is CPU work that depends on what the client sent: a
batch of events with 100 kB `sql` facets (each parsed by the SQL collector) or one event with
100,000 schema fields takes seconds. Done on the event loop, it stalls every other client and the
health check; done in a thread, it still holds the GIL for up to most of a second at a time (the
SQL parser is compiled code) and a thread that overruns its budget cannot be stopped. So each
request is mapped in one of a few worker processes: the event loop stays free, and a worker that
overruns the budget is killed and replaced, so what an expensive request costs is bounded by the
budget and never blocks other requests.

`decode_request` (`lineage.server.decode`) is the pure part (body bytes in, accepted and refused
events out); `MapperPool` runs it in the workers from the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from lineage.perf import paused_gc
from lineage.server import decode
from lineage.server.decode import Decoded, Job, Refusal, Settings, decode_request
from lineage.server.otlp import DecodedTraces, TraceJob, decode_traces

log = logging.getLogger("lineage.server")

READY = b"ready"
_PRELOAD = ["lineage.server.workers", "lineage.server.decode", "collectors.openlineage", "collectors.sql",
            "collectors.otel", "collectors.otel.protobuf", "opentelemetry.proto.collector.trace.v1.trace_service_pb2"]
Result = Decoded | DecodedTraces | Refusal


def _worker_main(conn: Connection, settings: Settings) -> None:
    """A worker process: decode the jobs that come down `conn`, one at a time, until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group; the server stops us
    decode.start_mapping()
    conn.send_bytes(READY)
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())  # noqa: S301 - our own server, over a private pipe
        except (EOFError, OSError):
            return
        try:
            with paused_gc():  # parsing builds many objects that all stay alive: no cycles to find
                result: Result = (decode_traces(job, settings) if isinstance(job, TraceJob)
                                  else decode_request(job, settings))
        except MemoryError:
            result = Refusal(413, "the body takes too much memory to map; send fewer or smaller events")
        except Exception as exc:  # a bug, not the client's fault; the client must not retry it forever
            log.exception("mapping a request from %s failed", job.source)
            result = Refusal(422, f"the events could not be mapped: {type(exc).__name__}: {str(exc)[:200]}")
        del job
        try:
            conn.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except (EOFError, OSError):
            return


class PoolBusy(Exception):
    """No worker became free in time."""


class OverBudget(Exception):
    """The request took longer than the budget to map; its worker was replaced."""


class WorkerLost(Exception):
    """The worker mapping the request died."""


class _Worker:
    def __init__(self, context: Any, settings: Settings) -> None:
        parent, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child, settings), name="lineage-map", daemon=True)
        self.process.start()
        child.close()
        self.conn: Connection = parent

    def wait_ready(self, timeout: float) -> bool:
        try:
            return bool(self.conn.poll(timeout)) and self.conn.recv_bytes() == READY
        except (EOFError, OSError):
            return False

    def call(self, job: Job | TraceJob) -> Result:
        try:
            self.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            answer = self.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise WorkerLost(str(exc)) from None
        result: Result = pickle.loads(answer)  # noqa: S301 - our own worker, over a private pipe
        return result

    def close(self, kill: bool = False) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        self.conn.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.process.close()


class MapperPool:
    """`size` worker processes running `decode_request`, each request within `budget` seconds.

    `decode` waits for a free worker (at most `wait` seconds, else `PoolBusy`), hands it the job
    and waits for the answer from a thread, so the event loop never blocks on it. A worker that
    overruns the budget is killed and a new one started (`OverBudget`); one that dies is replaced
    as well (`WorkerLost`). Workers are forked from a server process that has already imported the
    mapping code, so a replacement is ready in a fraction of a second.
    """

    def __init__(self, settings: Settings, *, size: int = 2, budget: float = 10.0) -> None:
        self.settings = settings
        self.size = size
        self.budget = budget
        self.replaced = 0
        self._context: Any = None
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._threads = ThreadPoolExecutor(max_workers=2 * size + 1, thread_name_prefix="lineage-map")
        self._closing = False

    @property
    def idle(self) -> int:
        return self._idle.qsize() if self._idle is not None else 0

    async def start(self) -> None:
        """Start the workers and wait until they are ready (the first start imports the mapping code)."""
        if "forkserver" in multiprocessing.get_all_start_methods():
            self._context = multiprocessing.get_context("forkserver")
            self._context.set_forkserver_preload(_PRELOAD)
        else:  # pragma: no cover - not Linux
            self._context = multiprocessing.get_context("spawn")
        self._idle = asyncio.Queue()
        await asyncio.gather(*(self._add() for _ in range(self.size)))
        if self._idle.empty():
            raise RuntimeError("no mapping worker process could be started")

    async def _add(self) -> None:
        loop = asyncio.get_running_loop()

        def spawn() -> _Worker | None:
            worker = _Worker(self._context, self.settings)
            if worker.wait_ready(120):
                return worker
            worker.close(kill=True)
            return None

        worker = await loop.run_in_executor(self._threads, spawn)
        if worker is None:
            log.error("a mapping worker process did not start")
            return
        if self._closing or self._idle is None:
            await loop.run_in_executor(self._threads, worker.close)
            return
        self._all.add(worker)
        self._idle.put_nowait(worker)

    def _replace(self, worker: _Worker, running: asyncio.Future[Any] | None) -> None:
        async def replace() -> None:
            if running is not None:
                await asyncio.gather(running, return_exceptions=True)  # returns once the pipe breaks
            self._all.discard(worker)
            try:
                await asyncio.get_running_loop().run_in_executor(self._threads, lambda: worker.close(kill=True))
                self.replaced += 1
                if not self._closing:
                    await self._add()
            except Exception:
                log.exception("could not replace a mapping worker")

        task = asyncio.get_running_loop().create_task(replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def decode(self, job: Job | TraceJob, wait: float) -> Result:
        """Decode `job` in a worker.

        Raises:
            PoolBusy: no worker was free within `wait` seconds.
            OverBudget: mapping took longer than the budget.
            WorkerLost: the worker died mapping it.
        """
        assert self._idle is not None, "the pool is not started"
        try:
            worker = await asyncio.wait_for(self._idle.get(), wait)
        except TimeoutError:
            raise PoolBusy from None
        loop = asyncio.get_running_loop()
        running = loop.run_in_executor(self._threads, worker.call, job)
        started = time.monotonic()
        try:
            result = await asyncio.wait_for(asyncio.shield(running), self.budget)
        except TimeoutError:
            log.warning(
                "mapping a request from %s took over the %.1f s budget: worker %s stopped",
                job.source,
                self.budget,
                worker.process.pid,
            )
            worker.process.kill()
            self._replace(worker, running)
            raise OverBudget from None
        except WorkerLost:
            log.error("the mapping worker died on a request from %s; starting another", job.source)
            self._replace(worker, None)
            raise
        except BaseException:  # cancelled (the server is stopping): the worker may still be busy
            worker.process.kill()
            self._replace(worker, running)
            raise
        self._idle.put_nowait(worker)
        log.debug("mapped a request from %s in %.1f ms", job.source, (time.monotonic() - started) * 1000)
        return result

    async def stop(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        idle: set[_Worker] = set()
        while self._idle is not None and not self._idle.empty():
            idle.add(self._idle.get_nowait())
        workers = list(self._all)
        self._all.clear()
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._threads, w.close, w not in idle) for w in workers),
            return_exceptions=True,
        )
        self._threads.shutdown(wait=False, cancel_futures=True)
