"""Request bodies turned into mapped events in worker processes, each request within a time budget.

Decompressing, parsing and mapping a request is CPU work that depends on what the client sent: a
batch of events with 100 kB `sql` facets (each parsed by the SQL collector) or one event with
100,000 schema fields takes seconds. Done on the event loop, it stalls every other client and the
health check; done in a thread, it still holds the GIL for up to most of a second at a time (the
SQL parser is compiled code) and a thread that overruns its budget cannot be stopped. So each
request is mapped in one of a few worker processes: the event loop stays free, and a worker that
overruns the budget is killed and replaced, so what an expensive request costs is bounded by the
budget and never blocks other requests.

`decode_request` is the pure part (body bytes in, accepted and refused events out); it runs in the
workers, and in-process in tests. `MapperPool` runs it in the workers from the event loop.

Example:
    >>> out = decode_request(Job(b'{"eventTime": "2026-01-01T00:00:00Z", "run": {"runId": "r"}, '
    ...     b'"job": {"namespace": "n", "name": "j"}, "producer": "p"}', "", False, "doc"), Settings())
    >>> len(out.accepted), out.refused, [w["field"] for w in out.warnings]
    (1, [], ['schemaURL'])
    >>> deep = b'{"eventTime": "2026-01-01T00:00:00Z", "run": {"runId": "r"}, "job": {"namespace": "n", '
    >>> deep += b'"name": "j", "facets": {"x": ' + b"[" * 600 + b"]" * 600 + b'}}, "producer": "p"}'
    >>> decode_request(Job(deep, "", False, "doc"), Settings())
    Refusal(status=400, message='the JSON is nested deeper than 512 levels', field=None)
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import pickle
import signal
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import orjson

from lineage.perf import paused_gc

log = logging.getLogger("lineage.server")

GZIP_MAGIC = b"\x1f\x8b"
MAX_BATCH_EVENTS = 10_000
MAX_DEPTH = 512
"""Deepest JSON nesting accepted. orjson parses up to 1,024 levels and writes up to 254; deeper
values go through the standard library, whose recursion limit is about 1,000 levels."""
MAX_INT_DIGITS = 4300
"""Python's limit on converting a decimal string to an integer (`sys.get_int_max_str_digits`)."""
READY = b"ready"
_PRELOAD = ["lineage.server.workers", "collectors.openlineage", "collectors.sql"]


class BadRequest(Exception):
    """The request cannot be taken as sent: `status` is the 4xx to answer, `field` the place."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Settings:
    """What decoding a request depends on besides the request."""

    max_body_bytes: int = 16 * 1024 * 1024
    strict: bool = False


@dataclass(frozen=True)
class Job:
    """One request to decode: its body as received, its Content-Encoding, whether it is a batch,
    and where it came from (`http:<client address>`, kept as evidence)."""

    body: bytes
    encoding: str
    batch: bool
    source: str


@dataclass
class Decoded:
    """A request's events: accepted ones as (content, facts, problems), refused ones with their
    problems, and the warnings of the accepted ones."""

    accepted: list[tuple[bytes, list[Any], list[Any]]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Refusal:
    """The whole request is refused with a 4xx: nothing of it is stored."""

    status: int
    message: str
    field: str | None = None


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    """The body decompressed as its Content-Encoding (or its gzip magic bytes) says, at most `limit` bytes.

    Raises:
        BadRequest: 415 for an unknown encoding, 413 over the limit, 400 for corrupt data.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity") and not body.startswith(GZIP_MAGIC):
        return body
    if encoding in ("gzip", "x-gzip") or (encoding in ("", "identity") and body.startswith(GZIP_MAGIC)):
        wbits = 31
    elif encoding == "deflate":
        wbits = 15
    else:
        raise BadRequest(415, f"Content-Encoding {encoding!r} is not supported; use gzip", "Content-Encoding")
    inflate = zlib.decompressobj(wbits=wbits)
    try:
        out = inflate.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BadRequest(400, f"the body is not valid {'gzip' if wbits == 31 else 'deflate'} data: {exc}") from None
    if len(out) > limit or inflate.unconsumed_tail:
        raise BadRequest(413, f"decompressed body is over the {limit:,}-byte limit")
    if not inflate.eof:
        raise BadRequest(400, "the compressed body is truncated")
    return out


class _IntegerTooLong(Exception):
    def __init__(self, digits: str) -> None:
        super().__init__(digits)
        self.digits = digits


def _checked_int(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        raise _IntegerTooLong(text)
    return int(text)


def _place(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    return f"line {line} column {index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def parse(body: bytes) -> Any:
    """The body's JSON value.

    Raises:
        BadRequest: 400 naming the problem: empty, not UTF-8, not JSON (with its place), an integer
            of more than 4,300 digits, nesting deeper than `MAX_DEPTH`.

    Example:
        >>> parse(b'{"a": [1, 2.5]}')
        {'a': [1, 2.5]}
        >>> parse(b'{"n": ' + b"7" * 5000 + b"}")
        Traceback (most recent call last):
        ...
        lineage.server.workers.BadRequest: integer too long at line 1 column 7: 5,000 digits, at most 4,300
    """
    if not body.strip():
        raise BadRequest(400, "empty body: send one OpenLineage event as JSON")
    try:
        return orjson.loads(body)  # the common case, fast; the standard library explains the rest
    except orjson.JSONDecodeError:
        pass
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(400, f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, parse_int=_checked_int)
    except json.JSONDecodeError as exc:
        raise BadRequest(400, f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise BadRequest(400, f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except _IntegerTooLong as exc:
        digits = len(exc.digits) - exc.digits.startswith("-")
        at = text.find(exc.digits)
        raise BadRequest(
            400,
            f"integer too long at {_place(text, at) if at >= 0 else 'an unknown place'}: "
            f"{digits:,} digits, at most {MAX_INT_DIGITS:,}",
        ) from None
    except ValueError as exc:  # any other value Python will not make from JSON text
        raise BadRequest(400, f"the JSON holds a value that cannot be read: {str(exc)[:200]}") from None


def depth(value: Any) -> int:
    """How deeply `value` nests lists and objects, without recursion (a scalar is 0, `[]` is 1).

    Example:
        >>> depth(1), depth([]), depth({"a": [{"b": 1}]})
        (0, 1, 3)
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def canonical(event: Any) -> bytes:
    """The event as compact JSON with sorted keys (`collectors.openlineage.canonical_bytes`), or a
    400 for what cannot be written back as JSON text.

    Raises:
        BadRequest: nested deeper than `MAX_DEPTH`, or a string with an unpaired surrogate escape.
    """
    from collectors.openlineage import canonical_bytes

    try:
        return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # nested deeper than orjson writes, a big integer, a lone surrogate
        pass
    if depth(event) > MAX_DEPTH:
        raise BadRequest(400, f"the JSON is nested deeper than {MAX_DEPTH} levels")
    try:
        return canonical_bytes(event)
    except RecursionError:
        raise BadRequest(400, f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except UnicodeEncodeError as exc:
        raise BadRequest(
            400, f"a string holds an unpaired surrogate escape (\\u{ord(exc.object[exc.start]):04x})"
        ) from None
    except ValueError as exc:  # an integer Python will not write as text
        raise BadRequest(400, f"the JSON holds a value that cannot be written back: {str(exc)[:200]}") from None


class _Context:
    """What mapping shares across the requests one process maps: symlink aliases and the SQL hook."""

    def __init__(self) -> None:
        from collectors.openlineage import AliasMap, sql_hook

        self.aliases = AliasMap()
        self.sql_hook = sql_hook()


_CONTEXT: _Context | None = None


def decode_request(job: Job, settings: Settings) -> Decoded | Refusal:
    """Decompress, parse and map one request's body (see `lineage.server.app` for the answers)."""
    from collectors.openlineage import map_event

    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = _Context()
    context = _CONTEXT
    try:
        value = parse(decompress(job.body, job.encoding, settings.max_body_bytes))
        if job.batch:
            if not isinstance(value, list):
                return Refusal(422, "a batch must be a JSON array of events", "(body)")
            if len(value) > MAX_BATCH_EVENTS:
                return Refusal(413, f"a batch may hold at most {MAX_BATCH_EVENTS:,} events")
            events = value
        else:
            events = [value]
    except BadRequest as exc:
        return Refusal(exc.status, str(exc), exc.field)
    out = Decoded()
    for i, event in enumerate(events):
        mapped = map_event(event, source=job.source, aliases=context.aliases, sql_hook=context.sql_hook)
        prefix = f"{i}." if job.batch else ""
        issues = [
            {"field": prefix + (p.field or "(event)"), "message": p.message, "severity": p.severity}
            for p in mapped.problems
        ]
        if mapped.refused or (settings.strict and mapped.problems):
            out.refused.append({"index": i, "problems": issues} if job.batch else {"problems": issues})
            continue
        try:
            content = canonical(event)
        except BadRequest as exc:  # JSON that cannot be kept as sent: the whole body is refused
            return Refusal(exc.status, f"event {i}: {exc}" if job.batch else str(exc), exc.field)
        out.warnings.extend(issues)
        out.accepted.append((content, list(mapped.facts), list(mapped.problems)))
    return out


def _worker_main(conn: Connection, settings: Settings) -> None:
    """A worker process: decode the jobs that come down `conn`, one at a time, until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group; the server stops us
    global _CONTEXT
    _CONTEXT = _Context()
    conn.send_bytes(READY)
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())  # noqa: S301 - our own server, over a private pipe
        except (EOFError, OSError):
            return
        try:
            with paused_gc():  # parsing builds many objects that all stay alive: no cycles to find
                result: Decoded | Refusal = decode_request(job, settings)
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

    def call(self, job: Job) -> Decoded | Refusal:
        try:
            self.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            answer = self.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise WorkerLost(str(exc)) from None
        result: Decoded | Refusal = pickle.loads(answer)  # noqa: S301 - our own worker, over a private pipe
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

    async def decode(self, job: Job, wait: float) -> Decoded | Refusal:
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
