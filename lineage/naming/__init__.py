"""Dataset identity by the OpenLineage naming conventions (https://openlineage.io/docs/spec/naming).

A dataset is ``(namespace, name)``: namespace = ``scheme://authority``, name = the path inside it.
Collectors pass what they find through these functions, so one table seen by SQL parsing, an
OpenLineage event and a dbt manifest is one node. Platform rules are data (`PLATFORMS` and the scheme
aliases in `platforms`); `parse` takes a namespace apart and `identity` puts the normalised one together.
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
* A database file (DuckDB) is named by its file name, whatever folder its path names:
  ``duckdb:///srv/dbt/jaffle/warehouse.duckdb``, ``duckdb://jaffle/warehouse.duckdb`` and dbt-ol's
  ``duckdb://warehouse.duckdb`` (the profile's path, relative to a project folder the event does
  not say) are all ``duckdb://warehouse.duckdb``, with ``{database}.{schema}.{table}`` names. The
  spec names a local file by its absolute path, but no producer of DuckDB names gives one and a
  relative path cannot be resolved without knowing where its producer ran; the file name is what
  every spelling keeps, and DuckDB names the database after it (``warehouse``, the first part of
  every table name). Two files of one name in different folders share a namespace. ``:memory:``
  and MotherDuck's ``md:name`` have no folder and stay as they are. Local files: ``file`` + the path.
* Unknown schemes and bare namespaces (``food_delivery``) are kept, minus secrets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from lineage.naming.identity import resolve, source, table
from lineage.naming.jobs import DBT_JOB_NAMESPACE, DBT_JOB_NAMESPACE_VARIABLE, dbt_job_namespace, dbt_process_name
from lineage.naming.parse import DRIVE, parse
from lineage.naming.platforms import PLATFORMS, Platform, check_characters, clean, platform_named

__all__ = [
    "DBT_JOB_NAMESPACE", "DBT_JOB_NAMESPACE_VARIABLE", "PLATFORMS", "Platform", "check_characters", "dataset_uri",
    "dbt_job_namespace", "dbt_process_name", "namespace_for", "normalize", "qualify", "split_uri",
]


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
    source, normal, _ = resolve(namespace, name)
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
    source, name, _ = resolve(uri, None)
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
    source, name, p = resolve(namespace, name)
    if p is not None and p.kind == "table":
        if p.authority == "path":  # DuckDB: the database path before the name is free-form
            name = quote(name, safe="")
        else:
            name = name.replace("%", "%25").replace("?", "%3F").replace("#", "%23").replace(";", "%3B")
            name = name.replace("/", "%2F") if p.authority == "none" else name
    if source.startswith("arn:"):
        return f"{source}:{name}"
    if "://" not in source:
        if p is not None and p.kind == "file" and (name.startswith("/") or DRIVE.match(name)):
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
    p = platform_named(platform)
    if p.kind != "table":
        raise ValueError(f"{platform!r} names {p.kind}s, not tables")
    if not name_parts:
        raise ValueError("a table name needs at least one part")
    parts = [clean(part, "name part") for part in name_parts]
    outer = [default_database, default_schema] if p.levels == 3 else [default_schema or default_database]
    return table(p, parts, outer[: p.levels - 1])


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
    p = platform_named(platform)
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
    return source(parse(p.template.format(**facts)), with_path=False)
