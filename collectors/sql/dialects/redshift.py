"""Amazon Redshift: `UNLOAD ('query') TO 's3://...'` is opaque to sqlglot, so it is rewritten here."""

from __future__ import annotations

import re

from collectors.sql.dialects import CommandRewrite, DialectHooks
from collectors.sql.dialects._naming import postgres_name
from collectors.sql.dialects._uri import location_ref

_UNLOAD = re.compile(r"^\s*\(\s*'((?:[^']|'')*)'\s*\)\s*TO\s+'([^']+)'", re.IGNORECASE | re.DOTALL)


def unload(keyword: str, rest: str) -> CommandRewrite | None:
    """`UNLOAD ('select ...') TO 's3://bucket/prefix' ...`: the query's tables flow to the location."""
    if keyword != "UNLOAD":
        return None
    m = _UNLOAD.match(rest)
    if not m:
        return None
    return CommandRewrite(kind="unload", query=m.group(1).replace("''", "'"), outputs=(location_ref(m.group(2)),))


HOOKS = DialectHooks(
    name="redshift",
    sqlglot="redshift",
    platform="redshift",
    default_namespace="redshift://localhost:5439",
    commands=(unload,),
    lateral_column_aliases=True,
    unnamed_column=postgres_name,
)
