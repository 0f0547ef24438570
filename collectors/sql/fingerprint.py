"""Query fingerprints: statements that differ only in literal values, spacing or comments share one.

A query log repeats a few thousand shapes a hundred thousand times; parsing each shape once is what
makes it fast. Literals that name a location (`'s3://...'`, `'/data/x.csv'`, `'@stage'`) are kept,
since they change the lineage; other strings and numbers become `?`, and `IN (?, ?, ?)` lists collapse.

Example:
    >>> fingerprint("SELECT * FROM t WHERE id = 42 -- hi") == fingerprint("select *  FROM t WHERE id = 7")
    True
    >>> fingerprint('SELECT * FROM "T"') == fingerprint('SELECT * FROM "t"')
    False
    >>> fingerprint("SELECT * FROM t WHERE id = 42") == fingerprint("SELECT * FROM t\\nWHERE id = 7")
    True
"""

from __future__ import annotations

import hashlib
import re

from collectors.sql.dialects._uri import is_location

_TOKENS = re.compile(
    r"""(?P<str>'(?:[^'\\]|\\.|'')*')
      | (?P<qid>"(?:[^"]|"")*"|`[^`]*`)
      | (?P<comment>--[^\n]*|/\*.*?\*/)
      | (?P<num>(?<![\w$.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w$]))
      | (?P<ws>\s+)
      | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)""",
    re.S | re.X,
)
_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)+\s*\)")


def normalise(sql: str) -> str:
    """The statement with comments dropped, whitespace collapsed, unquoted words lower-cased and
    plain literals masked."""

    def sub(m: re.Match[str]) -> str:
        kind = m.lastgroup
        if kind == "str":
            return m.group() if is_location(m.group()[1:-1]) else "?"
        if kind == "num":
            return "?"
        if kind in ("comment", "ws"):
            return " "
        if kind == "word":
            return m.group().lower()
        return m.group()

    return _LIST.sub("(?)", _TOKENS.sub(sub, sql)).strip()


def fingerprint(sql: str) -> str:
    """A short stable hash of `normalise(sql)`."""
    return digest(normalise(sql))


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", errors="replace"), digest_size=12).hexdigest()
