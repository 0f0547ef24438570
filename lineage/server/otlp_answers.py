"""The answers of OTLP/HTTP `POST /v1/traces`, in the request's encoding.

Success is 200 with an `ExportTraceServiceResponse` (its `partial_success` set when spans were
rejected); an error is the status with a `google.rpc.Status` (code and message). A protobuf
request gets protobuf answers, a JSON request JSON ones. The standard exporters retry 429, 502,
503 and 504 (with Retry-After) and drop the data on any other status, so only a busy server
answers 5xx.

Example:
    >>> otlp_protobuf("application/x-protobuf"), otlp_protobuf("application/json; charset=utf-8")
    (True, False)
    >>> otlp_protobuf("text/plain") is None
    True
    >>> otlp_success(2, "2 span(s) rejected", protobuf=False).body
    b'{"partialSuccess":{"rejectedSpans":"2","errorMessage":"2 span(s) rejected"}}'
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
RETRY_AFTER = "1"
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 413: 8, 415: 3, 422: 3, 429: 8, 503: 14}
"""HTTP status -> the google.rpc code a Status body carries."""


def otlp_protobuf(content_type: str) -> bool | None:
    """Whether a Content-Type is OTLP protobuf (True), OTLP JSON (False), or neither (None)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in (PROTOBUF, "application/protobuf"):
        return True
    if kind == JSON:
        return False
    return None


def otlp_error(status: int, message: str, field: str | None = None, *, close: bool = False,
               protobuf: bool) -> Response:
    """An error answer with a `google.rpc.Status` body; `close` for one given before the body was read."""
    headers: dict[str, str] = {}
    if status in (429, 503):
        headers["Retry-After"] = RETRY_AFTER
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lineage"'
    if close:
        headers["Connection"] = "close"
    text = f"{message} (field {field})" if field else message
    code = _GRPC_CODES.get(status, 2)
    if protobuf:
        from collectors.otel.protobuf import status as status_body

        return Response(status_body(code, text), status_code=status, media_type=PROTOBUF, headers=headers)
    return JSONResponse({"code": code, "message": text}, status_code=status, headers=headers)


def otlp_success(rejected: int, message: str, *, protobuf: bool) -> Response:
    """200 with an `ExportTraceServiceResponse`, its `partial_success` set when spans were rejected."""
    if protobuf:
        from collectors.otel.protobuf import export_response

        return Response(export_response(rejected, message), status_code=200, media_type=PROTOBUF)
    body: dict[str, Any] = {}
    if rejected or message:
        body["partialSuccess"] = {"rejectedSpans": str(rejected), "errorMessage": message}
    return Response(_compact(body), status_code=200, media_type=JSON)


def _compact(value: Any) -> bytes:
    import json

    return json.dumps(value, separators=(",", ":")).encode()
