"""Reading SQL text safely: decoding, splitting into statements with their lines, and limits.

Nothing here parses SQL. The splitter is a single regular-expression scan that knows quotes,
comments, dollar-quoted bodies and T-SQL `GO` batch lines, so one bad statement (an unterminated
string, a megabyte of SQL, ten thousand nested parentheses) is cut out and reported on its own line
while the statements around it are still read.

Example:
    >>> [(s.line, s.text) for s in split_statements("SELECT 1;\\n\\n-- c\\nSELECT ';';")]
    [(1, 'SELECT 1'), (4, "SELECT ';'")]
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lineage.perf import paused_gc

_TOKEN = re.compile(
    r"""'(?:[^'\\]|\\.|'')*'?
      | "(?:[^"]|"")*"?
      | `[^`]*`?
      | \$(?P<tag>[A-Za-z_]*)\$.*?(?:\$(?P=tag)\$|\Z)
      | --[^\n]*
      | /\*.*?(?:\*/|\Z)
      | (?P<semi>;)
      | ^[ \t]*(?P<go>GO)[ \t]*$
      | \b(?P<block>BEGIN|CASE|END)\b(?P<after>[ \t]+\w+)?""",
    re.S | re.X | re.M | re.I,
)
# A routine whose body is a BEGIN ... END block: its semicolons do not end the statement.
_ROUTINE = re.compile(
    r"CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:PROCEDURE|PROC|FUNCTION|TRIGGER)\b", re.I
)
_NOT_A_BLOCK = frozenset({"TRAN", "TRANSACTION", "WORK", "DISTRIBUTED"})  # BEGIN TRANSACTION is a statement
_ENDS_OTHER = frozenset({"IF", "LOOP", "WHILE", "REPEAT", "FOR"})  # END IF closes no BEGIN or CASE
_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?(?:\*/|\Z))*", re.S)
_PARENS = re.compile(r"[()]")


@dataclass(frozen=True, slots=True)
class RawStatement:
    index: int
    line: int
    text: str


@dataclass(frozen=True)
class Limits:
    """Per-statement guards. A statement over a limit is reported, not parsed."""

    max_statement_bytes: int = 512 * 1024
    max_nesting: int = 256
    timeout_seconds: float = 5.0


def decode(data: bytes) -> tuple[str | None, list[tuple[str, int | None]]]:
    """Text of a SQL source plus (message, line) problems; None when it is not text at all.

    Example:
        >>> decode(b"select 1")
        ('select 1', [])
        >>> decode(b"\\x00\\x01\\x02garbage")[0] is None
        True
    """
    head = data[:8192]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in head or (head and sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20):
        return None, [("not SQL text: the file looks binary", None)]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        text = data.decode("utf-8", errors="replace")
        return text, [
            (
                f"not valid UTF-8 at byte {exc.start} (mixed encodings?); undecodable bytes were replaced with U+FFFD",
                line,
            )
        ]


def split_statements(text: str) -> list[RawStatement]:
    """Statements of a script, each with its index and first line (1-based); empty ones dropped."""
    out: list[RawStatement] = []
    start = 0
    line = 1
    counted = 0

    def emit(end: int) -> None:
        nonlocal line, counted
        chunk = text[start:end]
        lead = _LEADING.match(chunk)
        skip = lead.end() if lead else 0
        body = chunk[skip:].rstrip()
        if body:
            line += text.count("\n", counted, start + skip)
            counted = start + skip
            out.append(RawStatement(len(out), line, body))

    depth = 0
    routine: bool | None = None  # whether the current statement creates a routine (None: not checked yet)
    for m in _TOKEN.finditer(text):
        word = m.group("block")
        if word:
            if routine is None:
                lead = _LEADING.match(text, start)
                routine = bool(_ROUTINE.match(text, lead.end() if lead else start))
            if routine:
                depth += _block_step(word.upper(), (m.group("after") or "").strip().upper(), depth)
        elif (m.group("semi") and depth <= 0) or m.group("go"):
            emit(m.start())
            start = m.end()
            depth, routine = 0, None
    emit(len(text))
    return out


def _block_step(word: str, after: str, depth: int) -> int:
    """How a BEGIN, CASE or END word changes the block depth inside a routine's body."""
    if word == "BEGIN":
        return 0 if after in _NOT_A_BLOCK else 1
    if word == "CASE":
        return 1 if depth > 0 else 0
    return -1 if depth > 0 and after not in _ENDS_OTHER else 0


def check_limits(text: str, limits: Limits) -> str | None:
    """Why a statement must not be parsed, or None.

    Example:
        >>> check_limits("SELECT " + "(" * 300 + "1" + ")" * 300, Limits())
        'nested 300 levels deep, over the limit of 256; not parsed'
    """
    size = len(text.encode("utf-8", errors="replace")) if len(text) * 4 > limits.max_statement_bytes else 0
    if size > limits.max_statement_bytes:
        return f"statement is {size:,} bytes, over the limit of {limits.max_statement_bytes:,}; not parsed"
    if text.count("(") > limits.max_nesting:
        depth = deepest = 0
        for m in _PARENS.finditer(text):
            depth += 1 if m.group() == "(" else -1
            deepest = max(deepest, depth)
        if deepest > limits.max_nesting:
            return f"nested {deepest} levels deep, over the limit of {limits.max_nesting}; not parsed"
    return None


class StatementTimeout(BaseException):  # like KeyboardInterrupt: not an error to catch broadly
    """Raised inside a statement's analysis when it runs past its time limit. It derives from
    BaseException so that no `except Exception` inside a library swallows it."""


def _expire(signum: int, frame: object) -> None:
    # An exception raised while a finalizer runs is swallowed by the interpreter, so fire again
    # shortly until it lands in the statement's own code; `time_limit` disarms the timer on exit.
    signal.setitimer(signal.ITIMER_REAL, 0.005)
    raise StatementTimeout


def _usable(seconds: float) -> bool:
    return seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def alarm_handler() -> Iterator[None]:
    """Install the timeout handler once around many `time_limit` blocks (each then only sets a timer)."""
    if not _usable(1.0) or signal.getsignal(signal.SIGALRM) is _expire:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `StatementTimeout` in the block after `seconds` (main thread on POSIX; elsewhere no limit).

    Inside another `time_limit` block (a procedure body analysed within its statement) the outer
    limit keeps running and governs.
    """
    if not _usable(seconds) or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return
    if signal.getsignal(signal.SIGALRM) is _expire:
        # no cyclic garbage collection inside the block: its finalizers would swallow the timeout
        with paused_gc():
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        return
    with alarm_handler(), time_limit(seconds):
        yield
