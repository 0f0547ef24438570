"""JSON with comments (JSONC, as VS Code, Zed and Cursor write it) parsed with the line of every value.

A small recursive-descent reader: `//` and `/* */` comments and trailing commas are accepted, as
the editors accept them; everything else is strict JSON. Alongside the data it returns a map from
each key path (a tuple of keys and indexes) to the 1-based line where that value starts, so a
problem or a secret can name its place.

Example:
    >>> data, lines = parse_jsonc('{\\n  // a comment\\n  "a": [1, 2,],\\n}')
    >>> data, lines[("a", 1)]
    ({'a': [1, 2]}, 3)
"""

from __future__ import annotations

import json
from typing import Any

Path = tuple[str | int, ...]
MAX_DEPTH = 100


class JsoncError(ValueError):
    """Not JSON (with comments): `line` and `reason` say where and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.lines: dict[Path, int] = {}

    def fail(self, reason: str) -> JsoncError:
        return JsoncError(self.line, reason)

    def skip(self) -> None:
        text, n = self.text, len(self.text)
        while self.i < n:
            c = text[self.i]
            if c == "\n":
                self.line += 1
                self.i += 1
            elif c in " \t\r\ufeff":
                self.i += 1
            elif text.startswith("//", self.i):
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end
            elif text.startswith("/*", self.i):
                end = text.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("a /* comment is never closed")
                self.line += text.count("\n", self.i, end)
                self.i = end + 2
            else:
                return

    def peek(self) -> str:
        self.skip()
        return self.text[self.i] if self.i < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.text[self.i : self.i + 1] or "the end of the file"
            raise self.fail(f"expected {char!r}, found {found!r}")
        self.i += 1

    def value(self, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting is deeper than {MAX_DEPTH} levels")
        c = self.peek()
        self.lines[path] = self.line
        if c == "{":
            return self.obj(path, depth)
        if c == "[":
            return self.arr(path, depth)
        if c == '"':
            return self.string()
        return self.scalar()

    def obj(self, path: Path, depth: int) -> dict[str, Any]:
        self.i += 1
        out: dict[str, Any] = {}
        while True:
            c = self.peek()
            if c == "}":
                self.i += 1
                return out
            if c != '"':
                raise self.fail("expected a quoted key or '}'")
            key = self.string()
            if key in out:
                raise self.fail(f"duplicate key {key!r}")
            self.expect(":")
            out[key] = self.value((*path, key), depth + 1)
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != "}":
                raise self.fail("expected ',' or '}' after a value")

    def arr(self, path: Path, depth: int) -> list[Any]:
        self.i += 1
        out: list[Any] = []
        while True:
            if self.peek() == "]":
                self.i += 1
                return out
            out.append(self.value((*path, len(out)), depth + 1))
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != "]":
                raise self.fail("expected ',' or ']' after a value")

    def string(self) -> str:
        start = self.i
        self.i += 1
        text = self.text
        while True:
            end = text.find('"', self.i)
            if end < 0 or "\n" in text[self.i : end]:
                raise self.fail("a string is never closed")
            backslashes = len(text[self.i : end]) - len(text[self.i : end].rstrip("\\"))
            self.i = end + 1
            if backslashes % 2 == 0:
                break
        try:
            value: str = json.loads(text[start : self.i])
        except json.JSONDecodeError as exc:
            raise self.fail(f"invalid string: {exc.msg}") from None
        return value

    def scalar(self) -> Any:
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in ",]}/ \t\r\n":
            self.i += 1
        token = self.text[start : self.i]
        if token in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token]
        try:
            return json.loads(token)
        except json.JSONDecodeError:
            raise self.fail(f"unexpected {token[:20]!r}" if token else "expected a value") from None


def parse_jsonc(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse JSON or JSONC text.

    Args:
        text: the document.

    Returns:
        The data and the line of each value by its key path (`()` is the root).

    Raises:
        JsoncError: the text is not JSON (with comments and trailing commas allowed).
    """
    reader = _Reader(text)
    if not reader.peek():
        raise JsoncError(1, "the file is empty")
    data = reader.value((), 0)
    if reader.peek():
        raise reader.fail("unexpected text after the end of the document")
    return data, reader.lines
