"""Literal secrets written in code, found with the MCP collector's detector (`collectors.mcp.secrets`):
by their shape anywhere in a string, or as a high-entropy value assigned to or passed as a name
that holds a credential (`api_key=...`, `OPENAI_API_KEY = ...`, `os.environ["TOKEN"] = ...`,
`{"Authorization": "Bearer ..."}`). Only the kind and the line are kept, never the value.

Example:
    >>> import ast
    >>> code = "k = 1\\nOpenAI(api_key='sk-' + 'x')\\nOpenAI(api_key='sk-proj-a1B2c3D4e5F6g7H8i9J0kLmN')"
    >>> [(f.kind, line) for f, line in literal_secrets(ast.parse(code))]
    [('openai_key', 3)]
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from collectors.mcp.secrets import Found, find_secrets

MAX_STRING = 64 * 1024
# Names that hold a credential in configs but mostly something else in code (an S3 object key, a dict key).
_AMBIGUOUS = frozenset({"key", "keys", "cache_key", "object_key", "s3_key", "sort_key", "partition_key", "session"})


def _token_like(text: str) -> bool:
    """A value held under a credential's name that reads as a token, not a path, URL or sentence."""
    return (len(text) >= 12 and not any(c in text for c in "/ \\") and any(c.isdigit() for c in text)
            and any(c.isalpha() for c in text))


def _key(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _named(tree: ast.AST) -> Iterator[tuple[str, ast.Constant]]:
    """Every string literal long enough to be a secret, with the name it is held under ('' when none)."""
    held: dict[int, str] = {}
    strings: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and len(node.value) >= 8:
                strings.append(node)
            continue
        pairs: list[tuple[str, ast.expr]] = []
        if isinstance(node, ast.Assign):
            pairs = [(_key(t), node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(_key(node.target), node.value)]
        elif isinstance(node, ast.keyword) and node.arg:
            pairs = [(node.arg, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [(_key(k), v) for k, v in zip(node.keys, node.values, strict=False) if k is not None]
        elif isinstance(node, ast.Call) and _key(node.func) in ("setdefault", "putenv") and len(node.args) == 2:
            pairs = [(_key(node.args[0]), node.args[1])]
        for key, value in pairs:
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and id(value) not in held:
                held[id(value)] = key
    for node in strings:
        yield held.get(id(node), ""), node


_MAYBE = re.compile(r"(?i)token|secret|passw|pwd|api[_-]?key|apikey|access[_-]?key|auth|credential|private|session|"
                    r"cookie|signature|bearer|basic|://[^\s/:@]+:[^\s/@]+@|sk-|gh[pousr]_|github_pat|xox|AKIA|ASIA|"
                    r"AIza|eyJ|_live_|-----BEGIN")


def may_hold_secrets(text: str) -> bool:
    """A cheap first look at a file's text: False when no literal secret can be in it."""
    return bool(_MAYBE.search(text))


def literal_secrets(tree: ast.AST) -> list[tuple[Found, int]]:
    """Each literal secret of the module and its line, once per line and text."""
    seen: set[tuple[int, str]] = set()
    out: list[tuple[Found, int]] = []
    for key, node in _named(tree):
        value = node.value
        if not isinstance(value, str) or len(value) > MAX_STRING or len(value) < 8:
            continue
        for found in find_secrets("" if key.lower() in _AMBIGUOUS else key, value):
            if found.kind == "generic_secret" and not _token_like(found.text):
                continue
            line = getattr(node, "lineno", 0)
            if (line, found.text) not in seen and not found.redacted:
                seen.add((line, found.text))
                out.append((found, line))
    return out
