"""OTLP JSON trace files read a line at a time: the OpenTelemetry Collector's file exporter writes
one export request (`{"resourceSpans": [...]}`) per line, gzip-compressed when configured to.

Each line is parsed on its own, so memory stays flat on large files and a malformed line is
reported with its number and skipped while the rest is read. A gzip file that is truncated or
corrupt gives every whole line before the fault, then a problem saying so.

Example:
    >>> import io
    >>> [(i.line, i.error) for i in iter_requests(io.BytesIO(b'{"resourceSpans": []}\\n\\n{"resourceSpans": [\\n'))]
    [(1, None), (3, 'not valid JSON: unexpected end of data: line 1 column 20 (char 19)')]
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from collectors.base import MAX_LINE_BYTES
from collectors.openlineage.files import gunzip_head, open_binary


@dataclass(frozen=True)
class Request:
    """One line of a trace file: its number, its parsed value (None if it could not be parsed) and why not."""

    line: int
    value: Any
    error: str | None


def looks_like_traces(head: bytes) -> bool:
    """Whether the first bytes of a file look like OTLP JSON traces, gzipped or not.

    Example:
        >>> looks_like_traces(b'{"resourceSpans":[{"resource":{}}]}'), looks_like_traces(b'{"eventTime": 1}')
        (True, False)
    """
    text = gunzip_head(head).lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and b'"resourceSpans"' in text[:4096]


def iter_requests(stream: IO[bytes], *, max_bytes: int = 1 << 40, first_line: int = 1) -> Iterator[Request]:
    """The export requests of a trace file (see the module), at most `max_bytes` of it read."""
    reader, gunzip = open_binary(stream)
    read = 0
    number = first_line - 1
    while read < max_bytes:
        raw = reader.readline(MAX_LINE_BYTES + 1)
        if not raw:
            break
        read += len(raw)
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            yield Request(number, None, f"line longer than {MAX_LINE_BYTES:,} bytes; skipped")
            while raw and not raw.endswith(b"\n"):
                raw = reader.readline(MAX_LINE_BYTES + 1)
            continue
        text = raw.strip()
        if not text:
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield Request(number, None, f"not valid JSON: {exc}")
            continue
        if not isinstance(value, dict) or "resourceSpans" not in value:
            yield Request(number, None, "not an OTLP trace export (no resourceSpans)")
            continue
        yield Request(number, value, None)
    if gunzip is not None and gunzip.error:
        yield Request(number + 1, None, gunzip.error)


def iter_bytes(data: bytes, *, first_line: int = 1) -> Iterator[Request]:
    """The export requests in `data` (a whole file, or whole lines of one)."""
    return iter_requests(io.BytesIO(data), first_line=first_line)
