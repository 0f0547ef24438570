"""The endpoint's Starlette application: OpenLineage's `POST /api/v1/lineage` and friends.

Status codes (the OpenLineage Python client retries 500, 502, 503 and 504 and never a 4xx, so
only conditions that retrying can fix are 5xx):

- 201: every event is durable (in the journal or committed to the store, see
  `lineage.server.writer`); an event seen before counts as stored;
- 400: the body is not JSON we can keep (empty, truncated, not UTF-8, nested deeper than 512
  levels, an integer of more than 4,300 digits, an unpaired surrogate escape, corrupt gzip);
- 401: no valid bearer token;
- 408: the body did not arrive within the read timeout (the connection is closed);
- 413: the body, compressed or decompressed, is over the limit, or its events took longer than
  the mapping budget (resending the same events would take as long);
- 415: a Content-Encoding other than gzip, deflate or identity;
- 422: JSON that is not a valid event (the body names the field); in a batch, the valid events
  are stored and the invalid ones listed;
- 503 with Retry-After: too many requests or request bytes at once, no mapping worker free in
  time, the writer's queue is full or the store could not be written.

Hostile or careless clients: bodies are decoded and mapped in worker processes within a time
budget (`lineage.server.workers`), so the event loop keeps serving other clients and the health
check; requests being read or mapped are limited in number and in bytes, and a body must arrive
within the read timeout. An answer given before the whole body was read closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage.server.auth import TokenCheck
from lineage.server.decode import BadRequest, Decoded, Job, Refusal, Settings
from lineage.server.openapi import openapi_document
from lineage.server.otlp import DecodedTraces, TraceJob
from lineage.server.otlp_answers import otlp_error, otlp_protobuf, otlp_success
from lineage.server.workers import MapperPool, OverBudget, PoolBusy, WorkerLost
from lineage.server.writer import GroupWriter, Submission

log = logging.getLogger("lineage.server")

COMMIT_TIMEOUT = 60.0
RETRY_AFTER = "1"
SUPPORTED_ENCODINGS = ("", "identity", "gzip", "x-gzip", "deflate")
Admitted = Callable[[Request, str, Callable[[int], bool]], Awaitable[Response]]
"""Reads, maps and stores an admitted request's body: (request, Content-Encoding, reserve bytes)."""
ErrorAnswer = Callable[..., Response]
"""An error answer: (status, message, field=None, *, close=False)."""


@dataclass(frozen=True)
class ServerConfig:
    """How the endpoint behaves: its token check (empty means no auth), limits and strictness."""

    tokens: TokenCheck
    max_body_bytes: int = 16 * 1024 * 1024
    strict: bool = False
    max_requests: int = 64
    """Ingest requests being read or mapped at once; beyond it, 503 with Retry-After."""
    max_inflight_bytes: int = 128 * 1024 * 1024
    """Request body bytes held at once by the requests being read or mapped; beyond it, 503."""
    read_timeout: float = 30.0
    """Seconds a request's whole body may take to arrive; then 408 and the connection is closed."""
    map_budget: float = 10.0
    """Seconds a request's events may take to decode and map; then 413 (the worker is replaced)."""
    workers: int = 2
    """Worker processes mapping requests."""


def _error(
    status: int, message: str, field: str | None = None, *, close: bool = False, **extra: Any
) -> JSONResponse:
    """An error answer; `close` for one given before the body was read (the connection is closed,
    so what the client still sends is not read)."""
    body: dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    body.update(extra)
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = RETRY_AFTER
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lineage"'
    if close:
        headers["Connection"] = "close"
    return JSONResponse(body, status_code=status, headers=headers or None)


async def _read_body(request: Request, limit: int, reserve: Callable[[int], bool]) -> bytes:
    """The request's body, at most `limit` bytes, holding its bytes with `reserve` (the server's
    bound on bytes in flight) before reading them: the declared Content-Length at once, the rest
    of a chunked body as it comes.

    Raises:
        BadRequest: 413 over the limit, 400 for a bad Content-Length, 503 over the bytes in flight.
    """
    busy = "the server holds too many request bytes at once; retry shortly"
    declared = request.headers.get("content-length")
    held = 0
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise BadRequest(400, "Content-Length is not a number", "Content-Length") from None
        if length > limit:
            raise BadRequest(413, f"body of {length:,} bytes is over the {limit:,}-byte limit")
        if not reserve(max(length, 0)):
            raise BadRequest(503, busy)
        held = max(length, 0)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"body is over the {limit:,}-byte limit")
        if size > held:
            if not reserve(size - held):
                raise BadRequest(503, busy)
            held = size
        chunks.append(chunk)
    return b"".join(chunks)


class _Endpoint:
    def __init__(self, config: ServerConfig, writer: GroupWriter) -> None:
        self.config = config
        self.writer = writer
        self.pool = MapperPool(
            Settings(max_body_bytes=config.max_body_bytes, strict=config.strict),
            size=config.workers,
            budget=config.map_budget,
        )
        self.active = 0
        """Ingest requests being read or mapped."""
        self.inflight = 0
        """Body bytes those requests hold."""

    def _authorised(self, request: Request) -> bool:
        return not self.config.tokens or self.config.tokens.allows(request.headers.get("authorization"))

    async def lineage(self, request: Request) -> Response:
        return await self._ingest(request, functools.partial(self._admitted, batch=False), _error)

    async def batch(self, request: Request) -> Response:
        return await self._ingest(request, functools.partial(self._admitted, batch=True), _error)

    async def traces(self, request: Request) -> Response:
        """OTLP/HTTP `POST /v1/traces` (see `lineage.server.otlp`)."""
        protobuf = otlp_protobuf(request.headers.get("content-type", ""))
        error = functools.partial(otlp_error, protobuf=bool(protobuf))
        if protobuf is None:
            if not self._authorised(request):
                return error(401, "a valid bearer token is required (Authorization: Bearer <token>)", close=True)
            return error(415, "Content-Type must be application/x-protobuf or application/json", close=True)
        return await self._ingest(request, functools.partial(self._traces_admitted, protobuf=protobuf), error)

    async def _ingest(self, request: Request, admitted: Admitted, error: ErrorAnswer) -> Response:
        # Every answer before the body is read closes the connection: the client is not left
        # sending a body nobody reads, and a slow one does not keep its connection.
        if not self._authorised(request):
            return error(
                401,
                "a valid bearer token is required (Authorization: Bearer <token>)",
                "Authorization",
                close=True,
            )
        encoding = request.headers.get("content-encoding", "")
        if encoding.strip().lower() not in SUPPORTED_ENCODINGS:
            return error(
                415, f"Content-Encoding {encoding!r} is not supported; use gzip", "Content-Encoding", close=True
            )
        config = self.config
        if self.active >= config.max_requests:
            return error(503, f"the server is busy with {self.active} requests; retry shortly", close=True)
        self.active += 1
        held = 0

        def reserve(size: int) -> bool:
            nonlocal held
            if self.inflight + size > config.max_inflight_bytes:
                return False
            self.inflight += size
            held += size
            return True

        try:
            return await admitted(request, encoding, reserve)
        finally:
            self.active -= 1
            self.inflight -= held

    async def _decoded(self, request: Request, reserve: Callable[[int], bool], job: Callable[[bytes, str], Any],
                       error: Callable[..., Response], what: str, advice: str) -> tuple[Any, str] | Response:
        """The request's body, read within the limits and decoded by a mapping worker (`job(body,
        source)` the work), with the source it came from; or the answer (`error`) when it cannot be."""
        config = self.config
        try:
            async with asyncio.timeout(config.read_timeout):
                body = await _read_body(request, config.max_body_bytes, reserve)
        except TimeoutError:
            return error(408, f"the body did not arrive within {config.read_timeout:g} s", close=True)
        except BadRequest as exc:
            return error(exc.status, str(exc), exc.field, close=True)
        except ClientDisconnect:
            return Response(status_code=400, headers={"Connection": "close"})  # nobody to tell
        remote = request.client.host if request.client else "unknown"
        source = f"http:{remote}"
        try:
            return await self.pool.decode(job(body, source), wait=config.map_budget), source
        except PoolBusy:
            return error(503, f"no mapping worker was free within {config.map_budget:g} s; retry shortly")
        except OverBudget:
            return error(413, f"mapping the {what} took longer than the {config.map_budget:g}-second budget; {advice}")
        except WorkerLost:
            return error(503, f"the {what} could not be mapped; retry shortly")

    async def _admitted(
        self, request: Request, encoding: str, reserve: Callable[[int], bool], *, batch: bool
    ) -> Response:
        read = await self._decoded(request, reserve, lambda body, source: Job(body, encoding, batch, source), _error,
                                   "events", "send fewer events per request, or smaller facets (sql, schema)")
        if isinstance(read, Response):
            return read
        decoded, source = read
        if isinstance(decoded, Refusal):
            return _error(decoded.status, decoded.message, decoded.field)
        assert isinstance(decoded, Decoded)
        accepted, refused, warnings = decoded.accepted, decoded.refused, decoded.warnings
        stored = duplicates = 0
        if accepted:
            outcome = await self._commit(accepted, source)
            if isinstance(outcome, Response):
                return outcome
            stored, duplicates = len(accepted) - outcome, outcome
        if refused:
            issues = refused[0]["problems"] or [
                {"field": "(event)", "message": "invalid", "severity": "error"}
            ]
            first = next((p for p in issues if p["severity"] == "error"), issues[0])
            return _error(
                422,
                f"invalid event: {first['message']}",
                first["field"],
                refused=refused,
                stored=stored,
                duplicates=duplicates,
            )
        return JSONResponse(
            {"stored": stored, "duplicates": duplicates, "warnings": warnings[:50]}, status_code=201
        )

    async def _traces_admitted(self, request: Request, encoding: str, reserve: Callable[[int], bool], *,
                               protobuf: bool) -> Response:
        error = functools.partial(otlp_error, protobuf=protobuf)
        read = await self._decoded(request, reserve, lambda body, source: TraceJob(body, encoding, protobuf, source),
                                   error, "spans", "send fewer spans per request")
        if isinstance(read, Response):
            return read
        decoded, source = read
        if isinstance(decoded, Refusal):
            return error(decoded.status, decoded.message, decoded.field)
        assert isinstance(decoded, DecodedTraces)
        if decoded.accepted:
            outcome = await self._commit(decoded.accepted, source)
            if isinstance(outcome, Response):
                return error(outcome.status_code, "the spans could not be made durable; retry shortly")
        return otlp_success(decoded.rejected, decoded.message, protobuf=protobuf)

    async def _commit(self, events: list[tuple[bytes, list[Any], list[Any]]], source: str) -> int | Response:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[BaseException | None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if not future.done():
                future.set_result(error)

        def done(error: BaseException | None) -> None:
            loop.call_soon_threadsafe(settle, error)

        submission = Submission(events=events, done=done, source=source)
        if not self.writer.submit(submission):
            return _error(503, "the server is busy; retry shortly")
        try:
            error = await asyncio.wait_for(asyncio.shield(future), COMMIT_TIMEOUT)
        except TimeoutError:
            return _error(503, "the store did not commit in time; retry shortly")
        if error is not None:
            return _error(503, "the store could not be written; retry shortly")
        return submission.duplicates

    async def health(self, request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "queued": self.writer.backlog,
                "commits": self.writer.commits,
                "events": self.writer.events,
                "auth": bool(self.config.tokens),
                "requests": self.active,
                "mappers_idle": self.pool.idle,
                "mappers_replaced": self.pool.replaced,
            }
        )

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document())


class RequestLog:
    """ASGI middleware: one log line per request (remote, method, path, status, bytes in, ms).
    Headers are never logged, so tokens are not either."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return message

        async def capturing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, counting_receive, capturing_send)
        finally:
            client = scope.get("client")
            log.info(
                "%s %s %s %d %dB %.1fms",
                client[0] if client else "-",
                scope.get("method"),
                scope.get("path"),
                status,
                received,
                (time.perf_counter() - started) * 1000,
            )


def create_app(config: ServerConfig, writer: GroupWriter) -> Starlette:
    """The application; the writer is started and stopped with it."""
    endpoint = _Endpoint(config, writer)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await endpoint.pool.start()
        try:
            writer.start()
            try:
                yield
            finally:
                await asyncio.to_thread(writer.stop)
        finally:
            await endpoint.pool.stop()

    app = Starlette(
        routes=[
            Route("/api/v1/lineage", endpoint.lineage, methods=["POST"]),
            Route("/api/v1/lineage/batch", endpoint.batch, methods=["POST"]),
            Route("/v1/traces", endpoint.traces, methods=["POST"]),
            Route("/api/v1/health", endpoint.health, methods=["GET"]),
            Route("/openapi.json", endpoint.openapi, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(RequestLog)
    return app
