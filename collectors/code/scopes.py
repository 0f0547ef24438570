"""The module a file defines, read once: its imports, functions, classes and module constants.

Imports map local names to qualified ones (`import pandas as pd` -> `pd` is `pandas`; `from openai
import OpenAI as C` -> `C` is `openai.OpenAI`), so the tables match whatever the code calls them.
A `Scope` is one function being read: its variables, what it returns, and the flows that start at
its parameters (`Pending`), which a caller completes with its arguments.

Example:
    >>> import ast
    >>> imports_of(ast.parse("import pandas as pd\\nfrom openai import OpenAI as C"))
    {'pd': 'pandas', 'C': 'openai.OpenAI'}
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from collectors.code.values import Value

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a body and of the bodies nested in it (not the expressions)."""
    for stmt in body:
        yield stmt
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(stmt, "handlers", None) or ():
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", None) or ():
            yield from _statements(case.body)


def imports_of(tree: ast.Module) -> dict[str, str]:
    """Every import of the module (at any depth: imports inside functions count too)."""
    out: dict[str, str] = {}
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    out.setdefault(head, head)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def definitions(tree: ast.Module) -> tuple[dict[str, FunctionNode], dict[str, str]]:
    """Module-level functions by name and methods by `Class.method`, with each method's class."""
    functions: dict[str, FunctionNode] = {}
    owners: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, FunctionNode):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, FunctionNode):
                    key = f"{node.name}.{item.name}"
                    functions[key] = item
                    owners[key] = node.name
    return functions, owners


@dataclass(frozen=True)
class Pending:
    """A flow from a function's parameter: `read` (its data reaches `node`, a process) or `write`
    (its data, from a processor, is written to `node`, a dataset)."""

    kind: str
    param: int
    node: str
    source: str
    line: int | None
    confidence: float


@dataclass
class Summary:
    """What calling a function gives: its return value and the flows its parameters start."""

    value: Value
    pending: tuple[Pending, ...]


@dataclass
class Scope:
    name: str
    env: dict[str, Value]
    owner: str | None = None
    returns: list[Value] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
