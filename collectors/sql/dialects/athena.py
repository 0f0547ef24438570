"""Amazon Athena: DML is Trino's, DDL is Hive's. Statements sqlglot's Athena parser rejects (a
SELECT with Hive-style backtick names, which Athena accepts) are parsed again by Hive's rules."""

from __future__ import annotations

from collectors.sql.dialects import DialectHooks
from collectors.sql.dialects._naming import positional

HOOKS = DialectHooks(
    name="athena",
    sqlglot="athena",
    platform="awsathena",
    default_namespace="awsathena://athena.us-east-1.amazonaws.com",
    fallback_dialects=("hive",),
    unnamed_column=positional("_col"),
)
