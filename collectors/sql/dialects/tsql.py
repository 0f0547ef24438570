"""SQL Server (T-SQL): SELECT ... INTO #temp creates a temp table; compound assignments in UPDATE
(`SET x += 1`), which sqlglot does not parse, are rewritten to `SET x = x + 1`."""

from __future__ import annotations

import re

from collectors.sql.dialects import DialectHooks, rewrite_unquoted

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
    return rewrite_unquoted(_COMPOUND, text, lambda m: f"{m.group(2)} = {m.group(2)} {m.group(3)}")


HOOKS = DialectHooks(
    name="tsql",
    sqlglot="tsql",
    platform="sqlserver",
    default_namespace="sqlserver://localhost:1433",
    text_rewrites=(compound_assignment,),
)
