"""SQL Server (T-SQL): SELECT ... INTO #temp creates a temp table; compound assignments in UPDATE
(`SET x += 1`), which sqlglot does not parse, are rewritten to `SET x = x + 1`."""

from __future__ import annotations

import re

from collectors.sql.dialects import DialectHooks

_COMPOUND = re.compile(
    r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|\[[^\]]*\])"""  # quoted text and names: kept as they are
    r"|((?:(?:\[[^\]]+\]|[@#\w$]+)\.)*(?:\[[^\]]+\]|[@#\w$]+))\s*([-+*/%&|^])=(?!=)"
)


def compound_assignment(text: str) -> str | None:
    """`SET a.x += expr` -> `SET a.x = a.x + expr` (same columns read and written), or None.

    Example:
        >>> compound_assignment("UPDATE t SET t.n += ' x' WHERE s = '+='")
        "UPDATE t SET t.n = t.n + ' x' WHERE s = '+='"
    """
    changed = False

    def sub(m: re.Match[str]) -> str:
        nonlocal changed
        if m.group(1):
            return m.group(1)
        changed = True
        return f"{m.group(2)} = {m.group(2)} {m.group(3)}"

    out = _COMPOUND.sub(sub, text)
    return out if changed else None


HOOKS = DialectHooks(
    name="tsql",
    sqlglot="tsql",
    platform="sqlserver",
    default_namespace="sqlserver://localhost:1433",
    text_rewrites=(compound_assignment,),
)
