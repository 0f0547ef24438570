"""Teradata: data attribute phrases after a projected expression, which sqlglot does not parse, are
rewritten: `expr (TITLE 'heading')` and `expr (FORMAT 'x(10)')` only change how a client shows the
column, so they are dropped; `expr (NAMED n)` names the column, so it becomes `expr AS n`."""

from __future__ import annotations

import re
from dataclasses import replace

from collectors.sql.dialects import rewrite_unquoted
from collectors.sql.dialects.generic import hooks_for_platform

_PHRASE = re.compile(
    r"('(?:[^']|'')*')"  # quoted text: kept as it is
    r"|\s*\(\s*(?:TITLE|FORMAT)\s+'(?:[^']|'')*'\s*\)"
    r"|\s*\(\s*NAMED\s+(\"(?:[^\"]|\"\")*\"|\w+)\s*\)",
    re.IGNORECASE,
)


def attribute_phrases(text: str) -> str | None:
    """The statement without TITLE/FORMAT phrases and with NAMED phrases as aliases, or None.

    Example:
        >>> attribute_phrases("SELECT Name (NAMED n), DOB (TITLE 'Born (date)') FROM t WHERE x = '(TITLE ''a'')'")
        "SELECT Name AS n, DOB FROM t WHERE x = '(TITLE ''a'')'"
    """
    return rewrite_unquoted(_PHRASE, text, lambda m: f" AS {m.group(2)}" if m.group(2) else "")


HOOKS = replace(hooks_for_platform("teradata"), text_rewrites=(attribute_phrases,))
