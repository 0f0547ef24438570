"""Snowflake: `@stage` locations are caches; `PUT`/`GET` move local files to and from stages."""

from __future__ import annotations

import re

from collectors.sql.dialects import CommandRewrite, DialectHooks
from collectors.sql.dialects._naming import as_written
from collectors.sql.dialects._uri import location_ref

_TWO = re.compile(r"^\s*('[^']*'|\S+)\s+('[^']*'|\S+)")


def put_get(keyword: str, rest: str) -> CommandRewrite | None:
    """`PUT file://local @stage` uploads (local file -> stage); `GET @stage file://local` downloads."""
    if keyword not in ("PUT", "GET"):
        return None
    m = _TWO.match(rest)
    if not m:
        return None
    src, dst = (location_ref(x.strip("'")) for x in m.groups())
    return CommandRewrite(kind=keyword.lower(), inputs=(src,), outputs=(dst,))


HOOKS = DialectHooks(
    name="snowflake",
    sqlglot="snowflake",
    platform="snowflake",
    default_namespace="snowflake://default-account",
    commands=(put_get,),
    lateral_column_aliases=True,
    unnamed_column=as_written("snowflake", upper=True),
)
