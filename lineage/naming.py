"""Dataset identity by the OpenLineage naming conventions (https://openlineage.io/docs/spec/naming).

A dataset is ``(namespace, name)``: namespace = ``scheme://authority``, name = the path inside it.
Collectors pass what they find through these functions, so one table seen by SQL parsing, an
OpenLineage event and a dbt manifest is one node. Platform rules are data (`PLATFORMS`, `_ALIASES`).
Beyond the published table:

* Schemes are lower-cased and aliases mapped (``postgresql`` -> ``postgres``, ``s3a`` -> ``s3``);
  ``jdbc:`` and SQLAlchemy ``+driver`` are dropped. Hosts are lower-cased; the default port is added
  where the convention has a port and any port dropped where it has none (bucket, account,
  workspace). Of several servers (``kafka://b1:9092,b2``) the first is kept, as Spark does.
* Userinfo, queries, fragments and JDBC ``;key=value`` properties never survive: they carry
  passwords and tokens (the Azure container of ``abfss://container@host`` is kept, not its password).
* A path in a namespace moves into the name (``s3://b/dir`` + ``x`` -> ``s3://b`` + ``dir/x``); for
  tables it fills missing outer levels (``jdbc:postgresql://h/shop`` + ``public.t``).
* Table names fold like the engine's unquoted identifiers: upper for snowflake, oracle, db2; kept
  for bigquery, mysql (depends on the file system), clickhouse, mongodb; lower elsewhere. Object
  keys, paths and topics keep their case. Keys have no leading slash; file-system paths do.
* hive defaults to the metastore port 9083 (what Spark emits), hdfs to the namenode's 8020.
  Redshift endpoints shorten to ``{cluster}.{region}``; Snowflake accounts follow OpenLineage's
  ``fix_account_name`` (a bare locator gets ``.us-west-1.aws``).
* DuckDB: ``duckdb://{path}``, the database path as dbt-ol writes it (verbatim: resolving a relative
  path needs I/O), with ``{database}.{schema}.{table}`` names. Local files: ``file`` + the path.
* Unknown schemes and bare namespaces (``food_delivery``) are kept, minus secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal
from urllib.parse import quote, unquote

__all__ = [
    "PLATFORMS", "Platform", "check_characters", "dataset_uri", "namespace_for", "normalize", "qualify", "split_uri"
]

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
_BY_SCHEME = {p.scheme: p for p in PLATFORMS.values() if p.scheme != "arn"}
_FILE = PLATFORMS["file"]
# C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional formatting
# characters (marks, embeddings, overrides such as U+202E, isolates) that make a name read
# differently from what it is
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-_]*):")
_DRIVE = re.compile(r"/?[A-Za-z]:[\\/]")
_ENDS = re.compile(r"^[\s/]+|[\s/]+$")
_ORACLE_THIN = re.compile(r"oracle:thin:(?:.*@)?(?://)?([^/:?;@]+)(?::([0-9]+))?(?:[:/]([^/?;]*))?", re.I)
_REDSHIFT = re.compile(r"([^.]+)\.[^.]+\.([^.]+)\.redshift(?:-serverless)?\.amazonaws\.com")


@dataclass(frozen=True, slots=True)
class _Parts:  # a namespace or URI taken apart; authority is None in the bare scheme:path form
    scheme: str
    platform: Platform | None
    userinfo: str
    authority: str | None
    path: str
    database: str | None = None  # from a JDBC ``;databaseName=`` property


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


def _clean(text: str, what: str, *, echo: bool = True) -> str:
    text = text.strip()
    if not text:
        raise ValueError(f"{what} is empty")
    check_characters(text, what, echo=echo)
    return text


def _canonical(scheme: str) -> str:
    base = scheme.strip().lower().split("+", 1)[0]
    return _ALIASES.get(base, base)


def _platform(name: str) -> Platform:
    if (found := PLATFORMS.get(_canonical(name))) is None:
        raise ValueError(f"unknown platform {name!r}; known: {', '.join(sorted(PLATFORMS))}")
    return found


def _secret_like(head: str) -> bool:
    """True when ``head`` (the text before the first ``/``) reads ``user:password``, not ``host:port``."""
    port = head.partition(":")[2]
    return bool(port) and not head.startswith("[") and not re.fullmatch(r"[0-9]+(,.*)?", port)


def _parse(text: str) -> _Parts:
    text = re.sub(r"(?i)^(?:jdbc:)?(?:(?:microsoft|jtds):(?=sqlserver:))?", "", text)
    if thin := _ORACLE_THIN.match(text):
        host, port, service = thin.groups()
        text = f"oracle://{host}{':' + port if port else ''}/{service or ''}"
    if (match := _SCHEME.match(text)) is None:
        raise ValueError("not a dataset URI or namespace: no scheme (and not a path)")
    scheme, rest = _canonical(match.group(1)), text[match.end() :]
    if scheme == "arn":  # arn:partition:service:region:account[:resource]
        fields = rest.split(":", 4)
        glue = PLATFORMS["glue"] if len(fields) > 1 and fields[1].lower() == "glue" else None
        if len(fields) < 4 or (glue and not all(fields[:4])) or re.search(r"\s", ":".join(fields[:4])):
            raise ValueError("an ARN namespace needs partition, service, region and account")
        return _Parts("arn", glue, "", ":".join(fields[:4]).lower(), fields[4] if len(fields) > 4 else "")
    platform = _BY_SCHEME.get(scheme)
    if platform is not None and platform.authority == "path":  # duckdb: the authority is a file path
        rest = re.sub(r"^[^/@:]*:[^@]*@", "", rest.removeprefix("//"))  # "@" alone is legal in a path
        return _Parts(scheme, platform, "", re.split(r"[?#;]", rest, maxsplit=1)[0], "")
    if not rest.startswith("//"):
        return _Parts(scheme, platform, "", None, rest)
    rest, userinfo = rest[2:], ""
    while True:  # drop every user:password@, including passwords with a raw "/" or "@"
        end = len(re.split(r"[/?#]", rest, maxsplit=1)[0])
        at = rest.rfind("@", 0, end)
        if at < 0 and _secret_like(rest[:end]):
            at = rest.find("@")
        if at < 0:
            break
        userinfo, rest = rest[:at], rest[at + 1 :]
    semi = rest.find(";")
    if 0 <= semi < end:  # JDBC properties run to the end and may hold a password
        authority, path, props = rest[:semi], "", rest[semi + 1 :]
    else:
        authority, path, props = rest[:end], rest[end:], ""
    if path[:1] != "/" or platform is None or platform.kind == "table":  # keys and files keep ? and #
        path = re.split(r"[?#]", path, maxsplit=1)[0]
    database = None
    for key, _, value in (prop.partition("=") for prop in props.split(";")):
        if key.strip().lower() in ("databasename", "database") and value.strip():
            database = value.strip()
    return _Parts(scheme, platform, userinfo, authority, path, database)


def _host_port(authority: str) -> tuple[str, int | None]:
    authority = authority.split(",", 1)[0]
    if authority.startswith("["):  # IPv6 literal
        host, bracket, tail = authority.partition("]")
        host += bracket
        if not re.fullmatch(r"\[[0-9A-Fa-f:.]+\]", host) or tail[:1] not in ("", ":"):
            raise ValueError(f"invalid host {authority!r}")
        port_text = tail[1:]
    else:
        host, _, port_text = authority.partition(":")
    if any(c.isspace() for c in host):
        raise ValueError(f"host {host!r} contains whitespace")
    if not port_text:
        return host.lower(), None
    if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 0 < int(port_text) < 65536:
        raise ValueError(f"invalid port for host {host!r}")  # the "port" may be a password
    return host.lower(), int(port_text)


def _snowflake_account(host: str) -> str:
    for suffix in (".snowflakecomputing.com", ".privatelink"):
        host = host.removesuffix(suffix)
    parts = host.split(".")
    if "-" in parts[0] or "_" in parts[0]:  # orgname-accountname never carries a region
        return parts[0]
    return ".".join([*parts, "us-west-1", "aws"][:3] if len(parts) == 1 else [*parts, "aws"][:3])


def _redshift_host(host: str) -> str:
    endpoint = _REDSHIFT.fullmatch(host)
    return f"{endpoint.group(1)}.{endpoint.group(2)}" if endpoint else host


_HOST_FIXERS = {"snowflake": _snowflake_account, "redshift": _redshift_host}


def _source(parts: _Parts, *, with_path: bool) -> str:
    """The normalised namespace; ``with_path`` keeps an unknown scheme's path in it."""
    p, auth = parts.platform, parts.authority or ""
    if parts.scheme == "arn":
        return f"arn:{auth}"
    if p is None:
        if parts.authority is None:
            return f"{parts.scheme}:{parts.path}" if parts.path and with_path else parts.scheme
        if any(c.isspace() for c in auth):
            raise ValueError(f"host {auth!r} contains whitespace")
        tail = _ENDS.sub("", parts.path) if with_path else ""
        if not auth and not tail:
            return parts.scheme
        return f"{parts.scheme}://{auth.lower()}{'/' + tail if tail else ''}"
    if p.authority == "path":
        if not (auth := re.sub(r"[\s/]+$", "", re.sub("/{2,}", "/", auth).lstrip())):
            raise ValueError(f"{p.scheme} namespace needs a database path")
        return f"{p.scheme}://{auth}"
    if p.authority == "none":
        if auth:
            raise ValueError(f"{p.scheme} namespace has no authority (got {auth!r})")
        return p.scheme
    host, port = _host_port(auth)
    if p.authority == "optional":
        return f"{p.scheme}://{host}" if host and host != "localhost" else p.scheme
    fixer = _HOST_FIXERS.get(p.scheme) if host and not host.startswith("[") else None
    if not (host := fixer(host) if fixer else host):
        raise ValueError(f"{p.scheme} namespace needs a host")
    if p.authority == "hostport":
        return f"{p.scheme}://{host}:{port or p.default_port}"
    container = parts.userinfo.partition(":")[0].lower() if p.scheme in ("abfss", "wasbs") else ""
    return f"{p.scheme}://{container}{'@' if container else ''}{host}"


def _table(p: Platform, parts: Sequence[str], outer: Sequence[str | None]) -> str:
    """Join table-name ``parts``, filling missing outer levels from ``outer`` (outermost first)."""
    filled = [part.strip() for part in parts]
    if not all(filled):
        raise ValueError(f"table name {p.separator.join(parts)!r} has an empty part")
    for container in reversed(outer[: max(p.levels - len(filled), 0)]):
        if not container or not all(x.strip() for x in container.split(p.separator)):
            break  # a level cannot be skipped: stop at the first unknown one
        filled[:0] = [_clean(x, "default container") for x in container.split(p.separator)]
    name = p.prefix + p.separator.join(filled)
    return name.lower() if p.case == "lower" else name.upper() if p.case == "upper" else name


def _settle(path: str, *, keep_dots: bool) -> str:
    """Collapse ``//``, drop ``.`` segments unless ``keep_dots``, trim slashes and spaces at the ends."""
    while True:
        tidy = _ENDS.sub("", "/".join(s for s in path.split("/") if s and (keep_dots or s.strip() != ".")))
        if tidy == path:
            return tidy
        path = tidy


def _name(parts: _Parts, name: str | None) -> str:
    """The normalised name; ``name`` None takes it from the path of a URI."""
    p, path = parts.platform, parts.path
    if parts.scheme == "arn" and name is not None and path:
        raise ValueError("an ARN namespace ends at the account; put the resource in the name")
    if p is None:
        if name is None:
            name = path.lstrip("/") if parts.authority is not None else path
        return _clean(name, "name")
    if p.kind == "table":
        outer: list[str | None] = [parts.database] if parts.database else []
        if name is None:  # a URI: the whole path is the name
            path = path[1:] if parts.authority is not None and path[:1] == "/" else path
            name = _clean(unquote(path), "table name")
        else:  # a namespace: its path gives the outer levels
            outer += [s for s in path.split("/") if s.strip()]
        name = name[len(p.prefix) :] if name.lower().startswith(p.prefix) else name
        return _table(p, name.split(p.separator), (outer + [None] * p.levels)[: p.levels - 1])
    name = name or ""
    if p.kind == "key":
        return _settle(f"{path}/{name}", keep_dots=True) or "/"
    if p.kind == "opaque":
        return _clean(_ENDS.sub("", f"{path}/{name}"), "name")
    full = name if name.startswith("/") or not path or _DRIVE.match(name) else f"{path}/{name}".rstrip("/")
    if p.kind == "file" and _DRIVE.match(full):  # Windows: C:\data\x.csv -> C:/data/x.csv
        full = full.lstrip("/").replace("\\", "/")
        return full[:2] + "/" + _settle(full[2:], keep_dots=False)
    lead = "/" if p.kind == "path" or parts.authority is not None or full.startswith("/") else ""
    return _clean(lead + _settle(full, keep_dots=False), "name")


def _resolve(text: str, name: str | None) -> tuple[str, str, Platform | None]:
    """Normalise ``(text, name)``, or split the URI ``text`` when ``name`` is None."""
    with_path = name is not None
    text = _clean(text, "namespace" if with_path else "dataset URI", echo=False)
    name = _clean(name, "name") if name is not None else None
    if text.startswith(("/", "./", "../", "~/")) or _DRIVE.match(text) or (
        name is None and ":" not in text and "/" in text
    ):  # a local path
        parts, name = _Parts("file", _FILE, "", None, text if with_path else ""), name or text
    elif ":" not in text and name is not None:  # a bare namespace: "bigquery", "file", "food_delivery"
        if (known := _BY_SCHEME.get(_canonical(text))) is None:  # lower-cased if it reads as a scheme
            return (text.lower() if _SCHEME.fullmatch(text + ":") else text), name, None
        parts = _Parts(known.scheme, known, "", None, "")
    else:
        parts = _parse(text)
    if name is None and parts.platform is not None and parts.platform.authority == "path":
        source, slash, encoded = (parts.authority or "").rpartition("/")
        if not slash or not source.strip("/") or not encoded:
            raise ValueError(f"{parts.scheme} URI needs a database path and a table after its last '/'")
        parts, name = _Parts(parts.scheme, parts.platform, "", source, ""), unquote(encoded)
    return _source(parts, with_path=with_path), _name(parts, name), parts.platform


def normalize(namespace: str, name: str) -> tuple[str, str]:
    """Return the normalised identity of a dataset; idempotent.

    Args:
        namespace: An OpenLineage namespace, a connection URL (JDBC or SQLAlchemy) or a local path.
        name: The dataset name within it.

    Returns:
        ``(namespace, name)`` as the conventions write them.

    Raises:
        ValueError: If either is empty or has control characters, or the namespace is malformed.

    Example:
        >>> normalize("jdbc:postgresql://User:pw@DB/shop?ssl=true", "Public.Orders")
        ('postgres://db:5432', 'shop.public.orders')
        >>> normalize("s3a://bucket", "/raw//x.parquet")
        ('s3://bucket', 'raw/x.parquet')
    """
    source, normal, _ = _resolve(namespace, name)
    return source, normal


def split_uri(uri: str) -> tuple[str, str]:
    """Split a dataset URI or a local path into a normalised ``(namespace, name)``.

    Table names are percent-decoded (`dataset_uri` encodes ``%?#`` in them) and lose a query; object
    keys and file paths are taken literally.

    Args:
        uri: For example ``postgres://h:5432/db.s.t``, ``bigquery:p.d.t`` or ``/tmp/x.csv``.

    Returns:
        The normalised ``(namespace, name)``.

    Raises:
        ValueError: If ``uri`` is neither a URI nor a path, or names no dataset.

    Example:
        >>> split_uri("snowflake://MyOrg-MyAcct/db.s.t")
        ('snowflake://myorg-myacct', 'DB.S.T')
        >>> split_uri("file:///tmp/x.csv")
        ('file', '/tmp/x.csv')
    """
    source, name, _ = _resolve(uri, None)
    return source, name


def dataset_uri(namespace: str, name: str) -> str:
    """Combine a namespace and name (normalised first) into one URI; `split_uri` inverts it.

    Args:
        namespace: The dataset namespace.
        name: The dataset name.

    Returns:
        ``scheme://authority/name``, or ``scheme:name`` without an authority (``bigquery:p.d.t``, and
        ``arn:...:table/db/t`` for Glue); ``file:///abs/path`` for local files.

    Raises:
        ValueError: As `normalize`.

    Example:
        >>> dataset_uri("postgresql://db", "Shop.Public.Orders")
        'postgres://db:5432/shop.public.orders'
        >>> dataset_uri("hdfs://nn", "/data/x")
        'hdfs://nn:8020/data/x'
    """
    source, name, p = _resolve(namespace, name)
    if p is not None and p.kind == "table":
        if p.authority == "path":  # DuckDB: the database path before the name is free-form
            name = quote(name, safe="")
        else:
            name = name.replace("%", "%25").replace("?", "%3F").replace("#", "%23")
            name = name.replace("/", "%2F") if p.authority == "none" else name
    if source.startswith("arn:"):
        return f"{source}:{name}"
    if "://" not in source:
        if p is not None and p.kind == "file" and (name.startswith("/") or _DRIVE.match(name)):
            return f"file://{'' if name.startswith('/') else '/'}{name}"
        return f"{source}:{name}"
    if name.startswith("/") and p is not None and p.kind != "table":
        return source + name
    return f"{source}/{name}"


def qualify(
    name_parts: Sequence[str], *, default_database: str | None, default_schema: str | None, platform: str
) -> str:
    """Fill the missing outer parts of a table name from defaults, by the platform's hierarchy.

    Three-level platforms take ``default_database`` then ``default_schema`` (BigQuery: project,
    dataset; Athena: catalog, database). Two-level ones (mysql, hive, glue...) have one container,
    which dbt and sqlglot call the schema: ``default_schema`` fills it, else ``default_database``.
    Levels fill from the inside out and stop at the first unknown one: a level cannot be skipped.

    Args:
        name_parts: The parts found, outermost first, e.g. ``["public", "orders"]``.
        default_database: The outermost container, if known.
        default_schema: The middle container, if known.
        platform: A `PLATFORMS` key or alias.

    Returns:
        The table name, joined and case-folded as the platform does.

    Raises:
        ValueError: If the platform is unknown or names no tables, or a part is empty.

    Example:
        >>> qualify(["Orders"], default_database="shop", default_schema="public", platform="postgres")
        'shop.public.orders'
        >>> qualify(["orders"], default_database=None, default_schema="shop", platform="mysql")
        'shop.orders'
    """
    p = _platform(platform)
    if p.kind != "table":
        raise ValueError(f"{platform!r} names {p.kind}s, not tables")
    if not name_parts:
        raise ValueError("a table name needs at least one part")
    parts = [_clean(part, "name part") for part in name_parts]
    outer = [default_database, default_schema] if p.levels == 3 else [default_schema or default_database]
    return _table(p, parts, outer[: p.levels - 1])


def namespace_for(
    platform: str,
    *,
    host: str | None = None,
    port: int | None = None,
    account: str | None = None,
    bucket: str | None = None,
    region: str | None = None,
    path: str | None = None,
) -> str:
    """Build a platform's namespace from connection facts (for SQL and dbt collectors).

    Args:
        platform: A `PLATFORMS` key or alias (dbt adapter names work: ``athena``, ``sqlserver``).
        host: Host (databases, kafka, hdfs, databricks, remote files); Redshift's ``{cluster}.{region}``
            or its full endpoint.
        port: Port; None takes the platform's default.
        account: Snowflake account, AWS account id (Glue) or Azure storage account.
        bucket: S3 or GCS bucket, or Azure container.
        region: AWS region (Athena, Glue).
        path: DuckDB database path, as the dbt profile gives it.

    Returns:
        The normalised namespace. Facts the platform does not use are ignored.

    Raises:
        ValueError: If the platform is unknown, or a fact it needs is missing or malformed.

    Example:
        >>> namespace_for("postgres", host="DB", port=None)
        'postgres://db:5432'
        >>> namespace_for("athena", region="eu-west-1")
        'awsathena://athena.eu-west-1.amazonaws.com'
    """
    p = _platform(platform)
    if port is not None and (isinstance(port, bool) or not 0 < port < 65536):
        raise ValueError(f"invalid port {port!r}")
    values = {"host": host, "account": account, "bucket": bucket, "region": region, "path": path}
    for key, value in values.items():
        if value is not None and key != "path" and re.search(r"[/@?#;:\s]", value.strip()):
            raise ValueError(f"{key} {value!r} must not contain '/', '@', '?', '#', ';', ':' or spaces")
    facts = {key: value.strip() if value else None for key, value in values.items()}
    facts["port"] = str(port or p.default_port)
    needed = re.findall(r"{(\w+)}", p.template)
    if not needed or (p.authority == "optional" and not any(facts[key] for key in needed)):
        return p.scheme
    if missing := [key for key in needed if not facts[key]]:
        raise ValueError(f"{p.scheme} namespace needs {' and '.join(missing)}")
    return _source(_parse(p.template.format(**facts)), with_path=False)
