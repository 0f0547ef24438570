"""The endpoint's Starlette application: OpenLineage's `POST /api/v1/lineage` and friends.

Status codes (the OpenLineage Python client retries 500, 502, 503 and 504 and never a 4xx, so
only conditions that retrying can fix are 5xx):

- 201: every event is durable (in the journal or committed to the store, see
  `lineage.server.writer`); an event seen before counts as stored;
- 400: the body is not JSON (empty, truncated, not UTF-8, nested too deeply, corrupt gzip);
- 401: no valid bearer token;
- 413: the body, compressed or decompressed, is over the limit;
- 415: a Content-Encoding other than gzip, deflate or identity;
- 422: JSON that is not a valid event (the body names the field); in a batch, the valid events
  are stored and the invalid ones listed;
- 503 with Retry-After: the writer's queue is full or the store could not be written.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from collectors.openlineage import AliasMap, canonical_bytes, map_event, sql_hook
from lineage.server.auth import TokenCheck
from lineage.server.writer import GroupWriter, Submission

log = logging.getLogger("lineage.server")

GZIP_MAGIC = b"\x1f\x8b"
MAX_BATCH_EVENTS = 10_000
COMMIT_TIMEOUT = 60.0
RETRY_AFTER = "1"


@dataclass(frozen=True)
class ServerConfig:
    """How the endpoint behaves: its token check (empty means no auth), limits and strictness."""

    tokens: TokenCheck
    max_body_bytes: int = 16 * 1024 * 1024
    strict: bool = False


class BadRequest(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def _error(status: int, message: str, field: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    body.update(extra)
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="lineage"'}
    return JSONResponse(body, status_code=status, headers=headers)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BadRequest(413, f"body of {int(declared):,} bytes is over the {limit:,}-byte limit")
        except ValueError:
            raise BadRequest(400, "Content-Length is not a number", "Content-Length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"body is over the {limit:,}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _decompress(body: bytes, encoding: str, limit: int) -> bytes:
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
        raise BadRequest(
            400, f"the body is not valid {'gzip' if wbits == 31 else 'deflate'} data: {exc}"
        ) from None
    if len(out) > limit or inflate.unconsumed_tail:
        raise BadRequest(413, f"decompressed body is over the {limit:,}-byte limit")
    if not inflate.eof:
        raise BadRequest(400, "the compressed body is truncated")
    return out


def _parse(body: bytes) -> Any:
    if not body.strip():
        raise BadRequest(400, "empty body: send one OpenLineage event as JSON")
    with contextlib.suppress(orjson.JSONDecodeError):
        return orjson.loads(body)  # the common case, fast; the standard library explains the rest
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(400, f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(400, f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise BadRequest(400, "the JSON is nested too deeply") from None


class _Endpoint:
    def __init__(self, config: ServerConfig, writer: GroupWriter) -> None:
        self.config = config
        self.writer = writer
        self.aliases = AliasMap()
        self.sql_hook = sql_hook()

    def _authorised(self, request: Request) -> bool:
        return not self.config.tokens or self.config.tokens.allows(request.headers.get("authorization"))

    async def lineage(self, request: Request) -> Response:
        return await self._ingest(request, batch=False)

    async def batch(self, request: Request) -> Response:
        return await self._ingest(request, batch=True)

    async def _ingest(self, request: Request, *, batch: bool) -> Response:
        if not self._authorised(request):
            return _error(
                401, "a valid bearer token is required (Authorization: Bearer <token>)", "Authorization"
            )
        limit = self.config.max_body_bytes
        try:
            body = await _read_body(request, limit)
            value = _parse(_decompress(body, request.headers.get("content-encoding", ""), limit))
        except BadRequest as exc:
            return _error(exc.status, str(exc), exc.field)
        if batch:
            if not isinstance(value, list):
                return _error(422, "a batch must be a JSON array of events", "(body)")
            if len(value) > MAX_BATCH_EVENTS:
                return _error(413, f"a batch may hold at most {MAX_BATCH_EVENTS:,} events")
            events = value
        else:
            events = [value]
        remote = request.client.host if request.client else "unknown"
        source = f"http:{remote}"
        accepted: list[tuple[bytes, list[Any], list[Any]]] = []
        refused: list[dict[str, Any]] = []
        warnings: list[dict[str, Any]] = []
        for i, event in enumerate(events):
            mapped = map_event(event, source=source, aliases=self.aliases, sql_hook=self.sql_hook)
            prefix = f"{i}." if batch else ""
            issues = [
                {"field": prefix + (p.field or "(event)"), "message": p.message, "severity": p.severity}
                for p in mapped.problems
            ]
            if mapped.refused or (self.config.strict and mapped.problems):
                refused.append({"index": i, "problems": issues} if batch else {"problems": issues})
                continue
            warnings.extend(issues)
            accepted.append((canonical_bytes(event), list(mapped.facts), list(mapped.problems)))
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
            }
        )

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document())


def openapi_document() -> dict[str, Any]:
    """The endpoint's OpenAPI 3.1 document (served at /openapi.json)."""
    error = {"$ref": "#/components/schemas/Error"}
    responses = {
        "201": {"description": "stored durably (or stored before)"},
        "400": {
            "description": "not JSON (empty, truncated, not UTF-8, too deep, bad gzip)",
            "content": {"application/json": {"schema": error}},
        },
        "401": {"description": "no valid bearer token", "content": {"application/json": {"schema": error}}},
        "413": {
            "description": "body over the size limit",
            "content": {"application/json": {"schema": error}},
        },
        "415": {"description": "unsupported Content-Encoding"},
        "422": {
            "description": "not a valid OpenLineage event; `field` names the place",
            "content": {"application/json": {"schema": error}},
        },
        "503": {
            "description": "busy or store unavailable; retry after Retry-After seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    }
    event = {"$ref": "https://openlineage.io/spec/2-0-2/OpenLineage.json"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "lineage-mapper OpenLineage endpoint", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
                }
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/lineage": {
                "post": {
                    "summary": "Send one OpenLineage event (run, dataset or job event); gzip allowed",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": event}}},
                    "responses": responses,
                }
            },
            "/api/v1/lineage/batch": {
                "post": {
                    "summary": "Send an array of OpenLineage events",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "array", "items": event}}},
                    },
                    "responses": responses,
                }
            },
            "/api/v1/health": {
                "get": {
                    "summary": "Liveness and writer queue",
                    "security": [],
                    "responses": {"200": {"description": "up"}},
                }
            },
        },
    }


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
        writer.start()
        try:
            yield
        finally:
            await asyncio.to_thread(writer.stop)

    app = Starlette(
        routes=[
            Route("/api/v1/lineage", endpoint.lineage, methods=["POST"]),
            Route("/api/v1/lineage/batch", endpoint.batch, methods=["POST"]),
            Route("/api/v1/health", endpoint.health, methods=["GET"]),
            Route("/openapi.json", endpoint.openapi, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(RequestLog)
    return app
