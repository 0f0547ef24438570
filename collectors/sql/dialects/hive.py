"""Hive: `ALTER TABLE t EXCHANGE PARTITION (spec) WITH TABLE s` (opaque to sqlglot) moves a
partition's data from `s` into `t`."""

from __future__ import annotations

import re

from collectors.sql.dialects import CommandRewrite, DialectHooks
from collectors.sql.dialects._naming import positional

_NAME = r"((?:`[^`]+`|[\w$]+)(?:\.(?:`[^`]+`|[\w$]+))*)"
_EXCHANGE = re.compile(
    rf"^\s*TABLE\s+{_NAME}\s+EXCHANGE\s+PARTITION\s*\(.*\)\s*WITH\s+TABLE\s+{_NAME}\s*$",
    re.IGNORECASE | re.DOTALL,
)


def exchange_partition(keyword: str, rest: str) -> CommandRewrite | None:
    """`ALTER TABLE target EXCHANGE PARTITION (...) WITH TABLE source`: source's partition moves to target.

    Example:
        >>> exchange_partition("ALTER", "TABLE db.t EXCHANGE PARTITION (pt='1') WITH TABLE s").output_tables
        ('db.t',)
    """
    if keyword != "ALTER":
        return None
    m = _EXCHANGE.match(rest)
    if not m:
        return None
    return CommandRewrite(kind="exchange_partition", input_tables=(m.group(2),), output_tables=(m.group(1),))


HOOKS = DialectHooks(
    name="hive",
    sqlglot="hive",
    platform="hive",
    default_namespace="hive://localhost:9083",
    commands=(exchange_partition,),
    unnamed_column=positional("_c"),
)
