"""OTLP JSON trace files read a line at a time: the OpenTelemetry Collector's file exporter writes
one export request (`{"resourceSpans": [...]}`) per line, gzip-compressed when configured to.

Each line is parsed on its own, so memory stays flat on large files and a malformed line is
reported with its number and skipped while the rest is read. Gzip is recognised by its magic
bytes (concatenated members are read in turn); a gzip file that is truncated or corrupt gives
every whole line before the fault, then a problem saying so. A line longer than
`MAX_LINE_BYTES` is skipped with a problem, without being held whole.

Example:
    >>> import io
    >>> [(i.line, i.error) for i in iter_requests(io.BytesIO(b'{"resourceSpans": []}\\n\\n{"resourceSpans": [\\n'))]
    [(1, None), (3, 'not valid JSON: unexpected end of data: line 1 column 20 (char 19)')]
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from collectors.base import GZIP_MAGIC, MAX_LINE_BYTES, gunzip_head

READ_BYTES = 1 << 20


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


def _chunks(stream: IO[bytes], max_bytes: int, faults: list[str]) -> Iterator[bytes]:
    """The file's bytes, gunzipped when it starts with the gzip magic, at most `max_bytes` read; a
    gzip fault is appended to `faults` after the bytes before it."""
    first = stream.read(READ_BYTES)
    read = len(first)
    if not first.startswith(GZIP_MAGIC):
        data = first
        while data:
            yield data
            if read >= max_bytes:
                return
            data = stream.read(READ_BYTES)
            read += len(data)
        return
    inflate = zlib.decompressobj(wbits=31)
    fed = False  # whether the current member has begun
    data = first
    while data:
        try:
            while data:
                fed = True
                out = inflate.decompress(data, READ_BYTES)
                data = inflate.unconsumed_tail
                if out:
                    yield out
                if inflate.eof:  # the next member, if any (zero padding is not one)
                    data = inflate.unused_data.lstrip(b"\0") + data
                    inflate, fed = zlib.decompressobj(wbits=31), False
        except zlib.error as exc:
            faults.append(f"the gzip data is corrupt ({exc})")
            return
        if read >= max_bytes:
            return
        data = stream.read(READ_BYTES)
        read += len(data)
    if fed and not inflate.eof:
        faults.append("the gzip data is truncated")


def _lines(stream: IO[bytes], max_bytes: int, faults: list[str]) -> Iterator[bytes | None]:
    """The file's lines (without their ends); None for a line over `MAX_LINE_BYTES`, which is skipped."""
    carry = b""
    skipping = False
    for chunk in _chunks(stream, max_bytes, faults):
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if skipping:
                skipping = False
            else:
                yield carry + chunk[start:end]
            carry = b""
            start = end + 1
        if not skipping:
            carry += chunk[start:]
            if len(carry) > MAX_LINE_BYTES:
                yield None
                carry, skipping = b"", True
    if carry and not skipping:
        yield carry


def iter_requests(stream: IO[bytes], *, max_bytes: int = 1 << 40, first_line: int = 1) -> Iterator[Request]:
    """The export requests of a trace file (see the module), at most `max_bytes` of it read."""
    faults: list[str] = []
    number = first_line - 1
    for raw in _lines(stream, max_bytes, faults):
        number += 1
        if raw is None:
            yield Request(number, None, f"line longer than {MAX_LINE_BYTES:,} bytes; skipped")
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
    for fault in faults:
        yield Request(number + 1, None, fault)


def iter_bytes(data: bytes, *, first_line: int = 1) -> Iterator[Request]:
    """The export requests in `data` (a whole file, or whole lines of one)."""
    return iter_requests(io.BytesIO(data), first_line=first_line)
