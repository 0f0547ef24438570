"""From bytes to syntax trees: a Python file, or a notebook's code cells, with the place of each line.

A notebook's code cells are read in order as one module (a later cell sees what an earlier one
assigned); IPython magics and shell lines (`%pip`, `!ls`) become blank lines. Every line keeps its
place: `file.py` and its line, or `file.ipynb#cell-N` and the line in that cell.

A file that does not parse is not lost: its top-level statements are parsed one block at a time,
the blocks that fail are reported with their lines and the rest is read. In a notebook, a cell that
does not parse is reported by its number and the other cells are read.

Example:
    >>> units, problems = parse_source(b"import os\\nx = (\\ny = 1\\n", "a.py")
    >>> [p.line for p in problems], len(units[0].tree.body)
    ([2], 2)
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

_MAGIC = re.compile(r"^\s*[%!]")
_CONTINUES = re.compile(r"^(else|elif|except|finally|case)\b|^[)\]}]")


@dataclass(frozen=True)
class Trouble:
    message: str
    line: int | None = None
    where: str | None = None


@dataclass
class Unit:
    """One module to read: its tree and where each of its lines is."""

    tree: ast.Module
    text: str
    place: Callable[[int | None], tuple[str, int | None]]


def _parse(text: str, name: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=name)


def _blocks(text: str) -> list[tuple[int, str]]:
    """Top-level statements as (first line, text): a block starts at an unindented line that does
    not continue the one before (`else:`, a closing bracket, the definition after a decorator)."""
    out: list[tuple[int, list[str]]] = []
    last = ""
    for i, line in enumerate(text.splitlines(), 1):
        starts = (line[:1] not in ("", " ", "\t", "#") and not _CONTINUES.match(line)
                  and not last.rstrip().endswith("\\") and not last.startswith("@"))
        if starts or not out:
            out.append((i, [line]))
        else:
            out[-1][1].append(line)
        if line.strip() and not line.lstrip().startswith("#"):
            last = line
    return [(start, "\n".join(lines)) for start, lines in out]


def _salvage(text: str, name: str, error: SyntaxError | ValueError) -> tuple[ast.Module, list[Trouble]]:
    """The blocks of `text` that parse, with a problem for each that does not."""
    troubles: list[Trouble] = []
    body: list[ast.stmt] = []
    for start, block in _blocks(text):
        try:
            tree = _parse("\n" * (start - 1) + block, name)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = getattr(exc, "lineno", None) or start
            troubles.append(Trouble(f"not valid Python ({_why(exc)}); lines {start}-"
                                    f"{start + block.count(chr(10))} skipped", line))
            continue
        body.extend(tree.body)
    if not troubles:
        troubles.append(Trouble(f"not valid Python ({_why(error)})", getattr(error, "lineno", None)))
    return ast.Module(body=body, type_ignores=[]), troubles


def _why(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return exc.msg
    if isinstance(exc, RecursionError | MemoryError):
        return "nested too deeply to parse"
    return str(exc).split("\n")[0][:200]


def parse_python(text: str, name: str) -> tuple[ast.Module, list[Trouble]]:
    try:
        return _parse(text, name), []
    except (SyntaxError, ValueError) as exc:
        return _salvage(text, name, exc)
    except (RecursionError, MemoryError) as exc:
        return ast.Module(body=[], type_ignores=[]), [Trouble(f"not read: {_why(exc)}", None)]


def _cells(data: bytes, name: str) -> tuple[list[tuple[int, str]], list[Trouble]]:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        return [], [Trouble(f"not a notebook: not valid JSON ({type(exc).__name__})", line)]
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        worksheets = doc.get("worksheets") if isinstance(doc, dict) else None  # nbformat 3
        if isinstance(worksheets, list) and worksheets and isinstance(worksheets[0], dict):
            cells = worksheets[0].get("cells")
    if not isinstance(cells, list):
        return [], [Trouble("not a notebook: no list of cells")]
    out, troubles = [], []
    for n, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            troubles.append(Trouble("a code cell's source is not text; cell skipped", where=f"cell-{n}"))
            continue
        out.append((n, source))
    return out, troubles


def parse_notebook(data: bytes, name: str) -> tuple[list[Unit], list[Trouble]]:
    """One unit holding every code cell that parses, in order."""
    cells, troubles = _cells(data, name)
    if not cells and any(t.where is None for t in troubles):  # not a notebook at all
        return [], troubles
    body: list[ast.stmt] = []
    starts: list[tuple[int, int]] = []  # (first line in the joined text, cell number)
    texts: list[str] = []
    line = 1
    for n, source in cells:
        code = "\n".join("" if _MAGIC.match(s) else s for s in source.splitlines())
        try:
            tree = _parse("\n" * (line - 1) + code, name)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            at = getattr(exc, "lineno", None)
            troubles.append(Trouble(f"not valid Python ({_why(exc)}); cell skipped",
                                    at - line + 1 if at and at >= line else None, f"cell-{n}"))
            tree = None
        if tree is not None:
            body.extend(tree.body)
        starts.append((line, n))
        texts.append(code)
        line += code.count("\n") + 1

    def place(at: int | None) -> tuple[str, int | None]:
        if at is None:
            return name, None
        first, n = next(((s, c) for s, c in reversed(starts) if s <= at), (1, 0))
        return f"{name}#cell-{n}", at - first + 1

    return [Unit(ast.Module(body=body, type_ignores=[]), "\n".join(texts), place)], troubles


def parse_source(data: bytes, name: str) -> tuple[list[Unit], list[Trouble]]:
    """The units of a `.py` file or a notebook, and what could not be read."""
    if name.lower().endswith(".ipynb"):
        return parse_notebook(data, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Trouble(f"not UTF-8 text (byte {exc.start}); not read")]
    if "\x00" in text:
        return [], [Trouble("binary content (a NUL byte); not read", text.count("\n", 0, text.index("\x00")) + 1)]
    tree, troubles = parse_python(text, name)
    return [Unit(tree, text, lambda at: (name, at))], troubles
