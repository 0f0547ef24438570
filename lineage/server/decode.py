"""A request body turned into mapped events: decompressed, parsed, checked and mapped (the pure
part of the endpoint's work, run in its worker processes, `lineage.server.workers`, and in-process
in tests).

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

import json
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collectors.openlineage import EventMapper

GZIP_MAGIC = b"\x1f\x8b"
MAX_BATCH_EVENTS = 10_000
MAX_DEPTH = 512
"""Deepest JSON nesting accepted. orjson parses up to 1,024 levels and writes up to 254; deeper
values go through the standard library, whose recursion limit is about 1,000 levels."""
MAX_INT_DIGITS = 4300
"""Python's limit on converting a decimal string to an integer (`sys.get_int_max_str_digits`)."""


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
        lineage.server.decode.BadRequest: integer too long at line 1 column 7: 5,000 digits, at most 4,300
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


_MAPPER: list[EventMapper] = []
"""The mapper the requests this process maps share (the symlink aliases seen, the SQL hook)."""


def start_mapping() -> EventMapper:
    """Set up this process's mapper (a worker does it before it says it is ready)."""
    from collectors.openlineage import EventMapper

    _MAPPER[:] = [EventMapper()]
    return _MAPPER[0]


def decode_request(job: Job, settings: Settings) -> Decoded | Refusal:
    """Decompress, parse and map one request's body (see `lineage.server.app` for the answers)."""
    mapper = _MAPPER[0] if _MAPPER else start_mapping()
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
        mapped = mapper.map(event, source=job.source)
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
