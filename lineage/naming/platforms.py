"""The naming table: how each platform names its datasets, scheme aliases, and the character rule.

Example:
    >>> PLATFORMS["postgres"].default_port, canonical("postgresql+psycopg2"), canonical("S3A")
    (5432, 'postgres', 's3')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["BY_SCHEME", "PLATFORMS", "Platform", "canonical", "check_characters", "clean", "platform_named"]

Case = Literal["lower", "upper", "keep"]
NameKind = Literal["table", "key", "path", "file", "opaque"]
AuthorityKind = Literal["hostport", "host", "optional", "none", "path", "arn"]


@dataclass(frozen=True, slots=True)
class Platform:
    """How one platform names its datasets.

    Attributes:
        scheme: The namespace scheme (``arn`` for Glue).
        template: The namespace `namespace_for` fills in.
        default_port: Added when a namespace omits the port; None where the convention has no port.
        levels: Parts of a full table name (``database.schema.table`` is 3); 0 for non-tables.
        case: How unquoted identifiers fold: ``lower``, ``upper`` or ``keep``.
        kind: ``table``, ``key`` (object key), ``path`` (absolute), ``file`` (local) or ``opaque``.
        authority: ``hostport``, ``host`` (port dropped), ``optional``, ``none``, ``path`` or ``arn``.
        separator: Between table-name parts.
        prefix: Before a table name (Glue's ``table/``).
    """

    scheme: str
    template: str
    default_port: int | None = None
    levels: int = 0
    case: Case = "keep"
    kind: NameKind = "table"
    authority: AuthorityKind = "hostport"
    separator: str = "."
    prefix: str = ""


def _db(scheme: str, port: int, levels: int, case: Case) -> Platform:
    return Platform(scheme, f"{scheme}://{{host}}:{{port}}", port, levels, case)


_AZURE = "{bucket}@{account}.{}.core.windows.net"
PLATFORMS: Mapping[str, Platform] = MappingProxyType(
    {
        "postgres": _db("postgres", 5432, 3, "lower"),
        "mysql": _db("mysql", 3306, 2, "keep"),
        "trino": _db("trino", 8080, 3, "lower"),
        "redshift": _db("redshift", 5439, 3, "lower"),
        "sqlserver": _db("sqlserver", 1433, 3, "lower"),
        "oracle": _db("oracle", 1521, 3, "upper"),
        "db2": _db("db2", 50000, 3, "upper"),
        "teradata": _db("teradata", 1025, 2, "lower"),
        "hive": _db("hive", 9083, 2, "lower"),
        "cassandra": _db("cassandra", 9042, 2, "lower"),
        "clickhouse": _db("clickhouse", 8123, 2, "keep"),
        "mongodb": _db("mongodb", 27017, 2, "keep"),
        "databricks": Platform("databricks", "databricks://{host}", None, 3, "lower", authority="host"),
        "snowflake": Platform("snowflake", "snowflake://{account}", None, 3, "upper", authority="host"),
        "bigquery": Platform("bigquery", "bigquery", None, 3, "keep", authority="none"),
        "awsathena": Platform("awsathena", "awsathena://athena.{region}.amazonaws.com", None, 3, "lower",
                              authority="host"),
        "glue": Platform("arn", "arn:aws:glue:{region}:{account}", None, 2, "lower", "table", "arn", "/",
                         "table/"),
        "duckdb": Platform("duckdb", "duckdb://{path}", None, 3, "lower", authority="path"),
        "kafka": Platform("kafka", "kafka://{host}:{port}", 9092, kind="opaque"),
        "redis": Platform("redis", "redis://{host}:{port}", 6379, kind="opaque"),
        "hdfs": Platform("hdfs", "hdfs://{host}:{port}", 8020, kind="path"),
        "dbfs": Platform("dbfs", "dbfs://{host}", kind="path", authority="optional"),
        "file": Platform("file", "file://{host}", kind="file", authority="optional"),
        "s3": Platform("s3", "s3://{bucket}", kind="key", authority="host"),
        "gs": Platform("gs", "gs://{bucket}", kind="key", authority="host"),
        "abfss": Platform("abfss", "abfss://" + _AZURE.replace("{}", "dfs"), kind="key", authority="host"),
        "wasbs": Platform("wasbs", "wasbs://" + _AZURE.replace("{}", "blob"), kind="key", authority="host"),
    }
)  # fmt: skip

_ALIASES = {
    **dict.fromkeys(("postgresql", "psql", "pg", "pgsql"), "postgres"),
    **dict.fromkeys(("mssql", "azuresql", "synapse"), "sqlserver"),
    **{"s3a": "s3", "s3n": "s3", "gcs": "gs", "mariadb": "mysql", "athena": "awsathena", "abfs": "abfss"},
    **{"wasb": "wasbs", "hive2": "hive", "rediss": "redis", "ibm_db_sa": "db2", "teradatasql": "teradata"},
}
BY_SCHEME = {p.scheme: p for p in PLATFORMS.values() if p.scheme != "arn"}
"""The platforms by namespace scheme (Glue, whose scheme is ``arn``, is recognised by its service)."""
# C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional formatting
# characters (marks, embeddings, overrides such as U+202E, isolates) that make a name read
# differently from what it is
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def check_characters(text: str, what: str, *, echo: bool = True) -> None:
    """Refuse a name holding a control character: C0 and C1 controls, DEL, U+2028/U+2029, and the
    bidirectional formatting characters (U+061C, U+200E/F, U+202A-E, U+2066-9). Dataset names
    (`normalize`) and job names (OpenLineage events, specs) follow this one rule.

    Raises:
        ValueError: naming `what`, the character and where it is (and `text` when `echo`).

    Example:
        >>> check_characters("etl.load", "job name")
        >>> check_characters("etl\\u202edaol", "job name")
        Traceback (most recent call last):
        ...
        ValueError: job name 'etl\\u202edaol' contains control character '\\u202e' at 3
    """
    if bad := _CONTROL.search(text):
        shown = f" {text!r}" if echo else ""  # a namespace may hold a password: never echo it
        raise ValueError(f"{what}{shown} contains control character {bad.group()!r} at {bad.start()}")


def clean(text: str, what: str, *, echo: bool = True) -> str:
    """`text` stripped; refused when empty or holding a control character."""
    text = text.strip()
    if not text:
        raise ValueError(f"{what} is empty")
    check_characters(text, what, echo=echo)
    return text


def canonical(scheme: str) -> str:
    """A scheme lower-cased, without a SQLAlchemy ``+driver``, aliases mapped."""
    base = scheme.strip().lower().split("+", 1)[0]
    return _ALIASES.get(base, base)


def platform_named(name: str) -> Platform:
    """The platform of a `PLATFORMS` key or alias.

    Raises:
        ValueError: listing the known ones.
    """
    if (found := PLATFORMS.get(canonical(name))) is None:
        raise ValueError(f"unknown platform {name!r}; known: {', '.join(sorted(PLATFORMS))}")
    return found
