"""Reading OpenLineage events out of files, streamed so memory stays flat on large files.

Accepted layouts: one JSON document, a JSON array of events, JSON lines (what the file transport
writes; also concatenated documents), each optionally gzip-compressed (recognised by its magic
bytes, not its name). JSON lines are read a line at a time and parsed with orjson; from the first
line that is not one whole JSON object on its own (a pretty-printed document, an array, a malformed
event), text is decoded and parsed a chunk at a time with `json.JSONDecoder.raw_decode`. Either way
only the event being parsed is held whole.

A malformed event is reported with its line and skipped: parsing resumes at the next line that
starts with `{` in the first column (JSON lines) or at the next array element, so the valid rest of
the file is kept. Bytes that are not UTF-8 refuse only the event they are in.

Marquez's seed file (`metadata.template.json`) uses `{{...}}` placeholders for times. They are
filled deterministically: `{{RUN_START_TIME}}` is the first `nominalStartTime` in the file (else
1970-01-01T00:00:00Z) and `{{RUN_END_TIME_AFTER_<n>_MINUTES}}` is that time plus n minutes, so
collecting the file twice gives the same facts. Any other placeholder refuses the file with a
message naming it and its line.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import re
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any, cast

import orjson

from collectors.base import GZIP_MAGIC, gunzip_head
from lineage.errors import CollectorError

CHUNK_CHARS = 1 << 20
MAX_EVENT_CHARS = 64 << 20
TEMPLATE_MAX_BYTES = 64 << 20

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\r\n]*")
_BAD_UTF8 = re.compile("[\udc80-\udcff]")
# A placeholder is a whole JSON string value, so `{{ ref('x') }}` inside a dbt query is left alone.
_PLACEHOLDER = re.compile(r'"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}"')
_TEMPLATE_HINT = re.compile(rb'"\{\{\s*[A-Za-z][A-Za-z0-9_]*\s*\}\}"')
_END_AFTER = re.compile(r"RUN_END_TIME_AFTER_(\d{1,6})_MINUTES")
_NOMINAL = re.compile(r'"nominalStartTime"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class Item:
    """One event read from a file: where it starts, its parsed value (None if it could not be
    parsed), why not, and its text (kept as the raw input)."""

    line: int
    value: Any
    error: str | None
    text: str


# -- detection ---------------------------------------------------------------------------------


def looks_like_events(head: bytes) -> bool:
    """Whether the first bytes of a file look like OpenLineage events (not another JSON kind).

    Example:
        >>> looks_like_events(b'{"eventTime": "2026-01-01T00:00:00Z", "job": {}, "run": {}}')
        True
        >>> looks_like_events(b'{"format": "lineage-mapper", "eventTime": 1, "job": {}}')
        False
    """
    text = gunzip_head(head).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"{", b"[")):
        return False
    if b'"format": "lineage-mapper"' in text or b'"format":"lineage-mapper"' in text:
        return False
    if b'"mcpServers"' in text or b'"dbt_schema_version"' in text:
        return False
    keys = sum(
        k in text for k in (b'"job"', b'"run"', b'"dataset"', b'"producer"', b'"schemaURL"', b'"eventType"', b'"runId"')
    )
    return b'"eventTime"' in text and keys >= 2


# -- opening -----------------------------------------------------------------------------------


class _Gunzip(io.RawIOBase):
    """Gzip data decompressed as it is read; concatenated members are read in turn. Unlike
    `gzip.GzipFile`, everything decompressed before a truncation or corruption is still returned,
    then `error` says what went wrong."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.inflate = zlib.decompressobj(wbits=31)
        self.started = False
        self.carry = b""
        self.pending = b""
        self.done = False
        self.error: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        while not self.pending and not self.done:
            if self.inflate.unconsumed_tail:
                data = self.inflate.unconsumed_tail
            elif self.carry:
                data, self.carry = self.carry, b""
            else:
                data = self.raw.read(1 << 16)
            if not data:
                self.done = True
                if self.started and not self.inflate.eof:
                    self.error = "the gzip data is truncated"
                break
            self.started = True
            try:
                self.pending = self.inflate.decompress(data, 1 << 20)
            except zlib.error as exc:
                self.done, self.error = True, f"the gzip data is corrupt ({exc})"
                break
            if self.inflate.eof:  # the next member, if any (zero padding is not one)
                self.carry = self.inflate.unused_data.lstrip(b"\0")
                self.inflate = zlib.decompressobj(wbits=31)
                self.started = False
        size = min(len(view), len(self.pending))
        view[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def gzip_expands_beyond(data: bytes, limit: int) -> bool:
    """Whether gzip `data` decompresses to more than `limit` bytes, found by decompressing at most
    about `limit` bytes of it (whitespace counts like anything else); False for data that is not
    gzip. Truncated or corrupt data counts what it gives before the fault.

    Example:
        >>> import gzip
        >>> gzip_expands_beyond(gzip.compress(b" " * 5000), 4096), gzip_expands_beyond(b" " * 5000, 1)
        (True, False)
    """
    if not data.startswith(GZIP_MAGIC):
        return False
    gunzip = _Gunzip(io.BytesIO(data))
    chunk = bytearray(1 << 20)
    total = 0
    while size := gunzip.readinto(chunk):
        total += size
        if total > limit:
            return True
    return False


def open_binary(stream: IO[bytes]) -> tuple[io.BufferedReader, _Gunzip | None]:
    """`stream` as a buffered reader, transparently gunzipped when it starts with the gzip magic
    bytes; the second value reports gzip errors once the stream is read."""
    buffered: io.BufferedReader = (
        stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
    )
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        gunzip = _Gunzip(buffered)
        return io.BufferedReader(gunzip, 1 << 16), gunzip
    return buffered, None


def _fill_template(text: str) -> str:
    nominal = _NOMINAL.search(text)
    base = datetime(1970, 1, 1, tzinfo=UTC)
    if nominal:
        try:
            parsed = datetime.fromisoformat(nominal.group(1))
            base = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "RUN_START_TIME":
            when = base
        elif end := _END_AFTER.fullmatch(name):
            when = base + timedelta(minutes=int(end.group(1)))
        else:
            line = text.count("\n", 0, match.start()) + 1
            raise CollectorError(
                f"line {line}: unknown placeholder {{{{{name}}}}}; only {{{{RUN_START_TIME}}}} and "
                "{{RUN_END_TIME_AFTER_<n>_MINUTES}} can be filled"
            )
        return '"' + when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z") + '"'

    return _PLACEHOLDER.sub(fill, text)


# -- streaming parse ---------------------------------------------------------------------------


class _Reader:
    """Characters from a binary stream (after `prefix`, bytes already read from it), decoded as UTF-8
    a chunk at a time."""

    def __init__(self, stream: IO[bytes], max_bytes: int, prefix: bytes = b"", read_bytes: int = 0) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.read_bytes = read_bytes
        self.eof = False
        self.error: str | None = None

    def more(self) -> str:
        if self.eof:
            return ""
        try:
            data, self.prefix = self.prefix or self.stream.read(CHUNK_CHARS), b""
        except (EOFError, OSError, zlib.error) as exc:
            self.eof = True
            self.error = f"the compressed data is truncated or corrupt ({exc})"
            return self.decoder.decode(b"", final=True)
        self.read_bytes += len(data)
        if self.read_bytes > self.max_bytes:
            self.eof = True
            self.error = f"more than {self.max_bytes:,} bytes (decompressed); the rest is not read"
            return ""
        if not data:
            self.eof = True
            return self.decoder.decode(b"", final=True)
        return self.decoder.decode(data)


def iter_events(stream: IO[bytes], *, max_bytes: int = 1 << 40, first_line: int = 1) -> Iterator[Item]:
    """Every event in a file of any accepted layout, in order, with its line (the stream's first
    line being `first_line` of the file: a log read from where the last read stopped).

    Items whose `error` is set could not be parsed; a final item with `value` None and an error
    reports a problem with the file as a whole (truncated gzip, size limit, bad placeholder).

    Raises:
        CollectorError: the file is a template with a placeholder that cannot be filled.
    """
    raw, gunzip = open_binary(stream)
    head = raw.peek(4096)[:4096]
    if _TEMPLATE_HINT.search(head):
        data = raw.read(TEMPLATE_MAX_BYTES + 1)
        if len(data) > TEMPLATE_MAX_BYTES:
            raise CollectorError(f"a template file over {TEMPLATE_MAX_BYTES:,} bytes is not read")
        text = _fill_template(data.decode("utf-8", errors="surrogateescape"))
        reader = _Reader(io.BytesIO(text.encode("utf-8", errors="surrogateescape")), max_bytes)
        yield from _parse(reader, first_line)
    else:
        reader = yield from _parse_lines(raw, max_bytes, first_line)
    error = reader.error or (gunzip.error if gunzip else None)
    if error:
        yield Item(line=0, value=None, error=error, text="")


def _parse_lines(raw: IO[bytes], max_bytes: int, first_line: int) -> Generator[Item, None, _Reader]:
    """JSON lines, one event per line, parsed with orjson (about twice as fast as the standard
    library). The first line that is not a whole JSON object on its own, and everything after it, is
    handed to `_parse`, which reads every layout and reports what is malformed. Returns the reader
    that read the end of the stream (its `error` says why reading stopped early)."""
    line, read = first_line - 1, 0
    data = b""
    while True:
        try:
            # never more than one byte past the limit: a line of nothing but spaces counts too
            data = raw.readline(max(1, min(MAX_EVENT_CHARS, max_bytes - read + 1)))
        except (EOFError, OSError, zlib.error):
            data = b""  # the reader below reads again and reports the error
            break
        if not data or read + len(data) > max_bytes:
            break
        read += len(data)
        line += 1
        text = data.strip()
        if not text:
            continue
        value = None
        if data.endswith(b"\n") or len(data) < MAX_EVENT_CHARS:
            with contextlib.suppress(orjson.JSONDecodeError):
                value = orjson.loads(text)
        if type(value) is not dict:
            read -= len(data)
            line -= 1
            break
        yield Item(line=line, value=value, error=None, text=text.decode("utf-8"))
    reader = _Reader(raw, max_bytes, prefix=data, read_bytes=read)
    yield from _parse(reader, line + 1)
    return reader


class _Cursor:
    """A place in the text being read: the buffer, the position in it and the line it is on."""

    def __init__(self, reader: _Reader, line: int) -> None:
        self.reader = reader
        self.buf = reader.more()
        self.pos = 1 if self.buf.startswith("\ufeff") else 0
        self.line = line

    def skip_space(self) -> bool:
        """Skip whitespace, reading on as needed; whether anything but whitespace is left."""
        while True:
            skipped = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            self.line += self.buf.count("\n", self.pos, skipped)
            self.pos = skipped
            if self.pos < len(self.buf) or self.reader.eof:
                return self.pos < len(self.buf)
            self.buf, self.pos = self.reader.more(), 0

    def decode(self, in_array: bool) -> tuple[Any, int, str | None]:
        """The JSON value here, where it ends (after a malformed one: where the next event starts)
        and an error; a value the buffer cuts off is read on."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
                return value, end, None
            except json.JSONDecodeError as exc:
                near_end = exc.pos >= len(self.buf) - 8 or exc.msg.startswith("Unterminated string")
                if near_end and not self.reader.eof and len(self.buf) - self.pos < MAX_EVENT_CHARS:
                    self.buf, self.pos = self.buf[self.pos:] + self.reader.more(), 0
                    continue
                where = self.line + self.buf.count("\n", self.pos, exc.pos)
                error = f"line {where}: not valid JSON: {exc.msg}"
                if len(self.buf) - self.pos >= MAX_EVENT_CHARS and near_end:
                    error = f"an event longer than {MAX_EVENT_CHARS:,} characters is not read"
                return None, _resync(self.buf, self.pos, exc.pos, in_array), error
            except RecursionError:
                error = "the event is nested too deeply to parse"
                return None, _resync(self.buf, self.pos, self.pos + 1, in_array), error

    def advance(self, end: int, text: str) -> None:
        """Move past an event's `text`, ending at `end`, reading on when the buffer is used up."""
        self.line += text.count("\n")
        self.pos = end
        if self.pos >= len(self.buf) and not self.reader.eof:
            self.buf, self.pos = self.reader.more(), 0


def _utf8_error(text: str, line: int) -> str | None:
    bad = _BAD_UTF8.search(text)
    if bad is None:
        return None
    where = line + text.count("\n", 0, bad.start())
    return f"line {where}: bytes that are not UTF-8 (0x{ord(bad.group()) - 0xDC00:02x})"


def _parse(reader: _Reader, first_line: int = 1) -> Iterator[Item]:
    """Each event of a document, an array or JSON lines with its line; a malformed one has an error."""
    cur = _Cursor(reader, first_line)
    in_array = array_started = False
    while cur.skip_space():
        char = cur.buf[cur.pos]
        if not array_started and char == "[":
            in_array = array_started = True
            cur.pos += 1
            continue
        if in_array and char in ",]":  # the commas between elements, and the end of the array
            cur.pos += 1
            in_array = char == ","
            continue
        if cur.pos > CHUNK_CHARS:  # drop what has been read, now and then (not per event)
            cur.buf, cur.pos = cur.buf[cur.pos:], 0
        value, end, error = cur.decode(in_array)
        text = cur.buf[cur.pos:end]
        error = error or _utf8_error(text, cur.line)
        yield Item(line=cur.line, value=value if error is None else None, error=error, text=text)
        cur.advance(end, text)
    if in_array:
        yield Item(line=cur.line, value=None, error="the array is not closed (truncated file?)", text="")


def _resync(buf: str, start: int, pos: int, in_array: bool) -> int:
    """Where to resume after a malformed event that starts at `start`: the next line starting with
    `{` (for arrays, indented no deeper than this element), else the end of the buffer."""
    line_start = buf.rfind("\n", 0, start) + 1
    indent = start - line_start
    pattern = re.compile(rf"\n[ \t]{{0,{indent}}}\{{") if in_array else re.compile(r"\n\{")
    found = pattern.search(buf, max(pos, start + 1) - 1)
    return found.start() + 1 if found else len(buf)


def iter_bytes(data: bytes, *, max_bytes: int = 1 << 40, first_line: int = 1) -> Iterator[Item]:
    """`iter_events` over bytes in memory."""
    return iter_events(io.BytesIO(data), max_bytes=max_bytes, first_line=first_line)
