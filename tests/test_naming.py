"""Dataset naming by the OpenLineage conventions: one table, one identity, whoever found it."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lineage.naming import PLATFORMS, Platform, dataset_uri, namespace_for, normalize, qualify, split_uri

# The worked examples of spec/Naming.md: (URI, namespace, name).
SPEC_EXAMPLES = [
    (
        "postgres://db.example.com:5432/shop.public.orders",
        "postgres://db.example.com:5432",
        "shop.public.orders",
    ),
    ("snowflake://myorg-myaccount/SHOP.PUBLIC.ORDERS", "snowflake://myorg-myaccount", "SHOP.PUBLIC.ORDERS"),
    ("bigquery:my-project.analytics.events", "bigquery", "my-project.analytics.events"),
    ("gs://my-bucket/raw/events/2024.json", "gs://my-bucket", "raw/events/2024.json"),
    ("s3://my-bucket/raw/events/part-0.parquet", "s3://my-bucket", "raw/events/part-0.parquet"),
    ("hdfs://namenode:8020/user/hive/warehouse/t", "hdfs://namenode:8020", "/user/hive/warehouse/t"),
]


@pytest.mark.parametrize(("uri", "namespace", "name"), SPEC_EXAMPLES)
def test_spec_worked_examples_split_and_join(uri: str, namespace: str, name: str) -> None:
    assert split_uri(uri) == (namespace, name)
    assert normalize(namespace, name) == (namespace, name)
    assert dataset_uri(namespace, name) == uri


# One row per platform of the current naming table: what a producer writes -> the identity.
PLATFORM_EXAMPLES = [
    ("mysql://db:3306", "shop.Orders", "mysql://db:3306", "shop.Orders"),
    ("trino://coordinator:8080", "hive.sales.orders", "trino://coordinator:8080", "hive.sales.orders"),
    (
        "redshift://analytics.us-east-1:5439",
        "dev.public.t",
        "redshift://analytics.us-east-1:5439",
        "dev.public.t",
    ),
    ("sqlserver://mssql:1433", "shop.dbo.orders", "sqlserver://mssql:1433", "shop.dbo.orders"),
    ("sqlserver://synapse:1433", "dbo.orders", "sqlserver://synapse:1433", "dbo.orders"),
    ("oracle://ora:1521", "orcl.hr.emp", "oracle://ora:1521", "ORCL.HR.EMP"),
    ("db2://db2host:50000", "sample.db2inst1.emp", "db2://db2host:50000", "SAMPLE.DB2INST1.EMP"),
    ("teradata://td:1025", "sales.orders", "teradata://td:1025", "sales.orders"),
    ("hive://metastore:9083", "default.t1", "hive://metastore:9083", "default.t1"),
    ("cassandra://cass:9042", "ks.events", "cassandra://cass:9042", "ks.events"),
    ("kafka://broker:9092", "orders.v1", "kafka://broker:9092", "orders.v1"),
    ("file", "/data/in.csv", "file", "/data/in.csv"),
    ("file://fileserver", "/share/in.csv", "file://fileserver", "/share/in.csv"),
    (
        "abfss://raw@acct.dfs.core.windows.net",
        "events/x.json",
        "abfss://raw@acct.dfs.core.windows.net",
        "events/x.json",
    ),
    (
        "wasbs://raw@acct.blob.core.windows.net",
        "events/x.json",
        "wasbs://raw@acct.blob.core.windows.net",
        "events/x.json",
    ),
    ("dbfs", "/mnt/raw/x", "dbfs", "/mnt/raw/x"),
    ("dbfs://workspace", "/mnt/raw/x", "dbfs://workspace", "/mnt/raw/x"),
    (
        "awsathena://athena.eu-west-1.amazonaws.com",
        "AwsDataCatalog.sales.orders",
        "awsathena://athena.eu-west-1.amazonaws.com",
        "awsdatacatalog.sales.orders",
    ),
    (
        "arn:aws:glue:eu-west-1:123456789012",
        "table/sales/orders",
        "arn:aws:glue:eu-west-1:123456789012",
        "table/sales/orders",
    ),
    ("duckdb://dev.duckdb", "dev.main.orders", "duckdb://dev.duckdb", "dev.main.orders"),
    (
        "duckdb:///srv/warehouse.duckdb",
        "warehouse.main.t",
        "duckdb://warehouse.duckdb",
        "warehouse.main.t",
    ),
    (
        "databricks://dbc-1.cloud.databricks.com",
        "main.sales.t",
        "databricks://dbc-1.cloud.databricks.com",
        "main.sales.t",
    ),
    ("clickhouse://ch:8123", "default.Events", "clickhouse://ch:8123", "default.Events"),
    ("mongodb://mongo:27017", "app.Users", "mongodb://mongo:27017", "app.Users"),
    ("redis://cache:6379", "0/session:*", "redis://cache:6379", "0/session:*"),
]


@pytest.mark.parametrize(("namespace", "name", "want_namespace", "want_name"), PLATFORM_EXAMPLES)
def test_each_platform_names_its_datasets_by_the_convention(
    namespace: str, name: str, want_namespace: str, want_name: str
) -> None:
    assert normalize(namespace, name) == (want_namespace, want_name)
    assert split_uri(dataset_uri(namespace, name)) == (want_namespace, want_name)


# Identities captured from real producers (fixtures/openlineage: Spark on Dataproc, Airflow, Marquez).
@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        (
            "hdfs://dataproc-producer-test-m",
            "/user/hive/warehouse/t1",
            ("hdfs://dataproc-producer-test-m:8020", "/user/hive/warehouse/t1"),
        ),
        (
            "hive://dataproc-producer-test-m:9083",
            "default.t1",
            ("hive://dataproc-producer-test-m:9083", "default.t1"),
        ),
        ("gs://mock-bucket", "copied.csv", ("gs://mock-bucket", "copied.csv")),
        (
            "s3://test-bucket",
            "/iceberg_warehouse/some-database/people",
            ("s3://test-bucket", "iceberg_warehouse/some-database/people"),
        ),
        (
            "bigquery",
            "bigquery-public-data.samples.shakespeare",
            ("bigquery", "bigquery-public-data.samples.shakespeare"),
        ),
        ("file", "/tmp/cll_test/cll_source1", ("file", "/tmp/cll_test/cll_source1")),
        ("postgresql://warehouse:5432", "public.orders", ("postgres://warehouse:5432", "public.orders")),
        ("food_delivery", "public.orders", ("food_delivery", "public.orders")),
        ("SnowflakeOpenLineage", "CUSTOMERS", ("snowflakeopenlineage", "CUSTOMERS")),
        ("123", "x", ("123", "x")),
    ],
)
def test_real_producer_identities_normalise_as_expected(
    namespace: str, name: str, expected: tuple[str, str]
) -> None:
    assert normalize(namespace, name) == expected


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("file:/tmp/cll_test", "default.cll_source1", ("file", "/tmp/cll_test/default.cll_source1")),
        (
            "hdfs://nn/user/hive/warehouse",
            "default.t1",
            ("hdfs://nn:8020", "/user/hive/warehouse/default.t1"),
        ),
        ("/tmp/alter_test", "default.t", ("file", "/tmp/alter_test/default.t")),
        ("s3://bucket/warehouse", "sales/part-0", ("s3://bucket", "warehouse/sales/part-0")),
        ("redis://cache/0", "session", ("redis://cache:6379", "0/session")),
        ("jdbc:postgresql://db/shop", "public.orders", ("postgres://db:5432", "shop.public.orders")),
        ("jdbc:trino://coordinator/hive/sales", "orders", ("trino://coordinator:8080", "hive.sales.orders")),
        (
            "jdbc:sqlserver://mssql;databaseName=shop",
            "dbo.orders",
            ("sqlserver://mssql:1433", "shop.dbo.orders"),
        ),
        ("jdbc:oracle:thin:@//ora:1521/orcl", "hr.emp", ("oracle://ora:1521", "ORCL.HR.EMP")),
        ("jdbc:oracle:thin:@ora:1521:orcl", "hr.emp", ("oracle://ora:1521", "ORCL.HR.EMP")),
    ],
)
def test_a_path_in_the_namespace_moves_into_the_name(
    namespace: str, name: str, expected: tuple[str, str]
) -> None:
    assert normalize(namespace, name) == expected


@pytest.mark.parametrize(
    "variants",
    [
        [
            ("postgres://db:5432", "shop.public.orders"),
            ("postgresql://db", "shop.public.orders"),
            ("POSTGRES://DB:5432/", "Shop.Public.Orders"),
            ("pg://db", "shop.public.orders"),
            ("postgresql+psycopg2://app@db", "shop.public.orders"),
            ("jdbc:postgresql://db:5432/shop?sslmode=require", "public.orders"),
            ("  postgres://db:5432  ", "  shop.public.orders\n"),
        ],
        [
            ("s3://bucket", "raw/x.parquet"),
            ("s3a://bucket", "/raw/x.parquet"),
            ("S3N://Bucket/", "raw//x.parquet"),
        ],
        [("gs://bucket", "a/b.csv"), ("gcs://bucket", "/a/b.csv")],
        [("sqlserver://h:1433", "d.s.t"), ("mssql://h", "d.s.t"), ("jdbc:sqlserver://h", "d.s.t")],
        [
            ("sqlserver://h:1433", "d.s.t"),
            ("jdbc:microsoft:sqlserver://h:1433", "D.S.T"),
            ("jdbc:jtds:sqlserver://h", "d.s.t"),
        ],
        [("mysql://h:3306", "shop.t"), ("mariadb://h", "shop.t"), ("mysql+pymysql://u@h", "shop.t")],
        [
            ("awsathena://athena.us-east-1.amazonaws.com", "c.d.t"),
            ("athena://athena.us-east-1.amazonaws.com", "c.d.t"),
        ],
        [("abfss://c@a.dfs.core.windows.net", "x"), ("abfs://c@A.dfs.core.windows.net", "x")],
        [("wasbs://c@a.blob.core.windows.net", "x"), ("wasb://c@a.blob.core.windows.net", "x")],
        [("hive://h:9083", "db.t"), ("hive://h", "DB.T")],
        [("kafka://b1:9092", "t"), ("kafka://B1", "t"), ("kafka://b1:9092,b2:9092", "t")],
        [
            ("redshift://c1.us-east-1:5439", "d.s.t"),
            ("redshift://c1.xyz123.us-east-1.redshift.amazonaws.com", "d.s.t"),
        ],
        [("snowflake://myorg-acct", "DB.S.T"), ("snowflake://MyOrg-Acct.snowflakecomputing.com", "db.s.t")],
        [("snowflake://xy12345.us-west-1.aws", "D.S.T"), ("snowflake://xy12345", "d.s.t")],
        [("bigquery", "p.d.t"), ("bigquery://", "p.d.t"), ("BigQuery", "p.d.t")],
        [("file", "/tmp/x.csv"), ("file://localhost", "/tmp/x.csv"), ("file:///", "tmp/x.csv")],
        [("databricks://host", "c.s.t"), ("databricks://host:443", "C.S.T")],
    ],
    ids=lambda variants: variants[0][0],
)
def test_aliases_and_default_ports_merge_into_one_identity(variants: list[tuple[str, str]]) -> None:
    assert len({normalize(namespace, name) for namespace, name in variants}) == 1


@pytest.mark.parametrize(
    "namespace",
    [
        "postgres://admin:SECRET@db:5432",
        "jdbc:postgresql://db/shop?user=admin&password=SECRET",
        "jdbc:sqlserver://db:1433;databaseName=shop;password=SECRET",
        "jdbc:sqlserver://db;password=SE/CRET",
        "jdbc:oracle:thin:scott/SECRET@ora:1521:orcl",
        "mysql://root:SECRET@db",
        "s3n://AKIAEXAMPLE:SECRET/with+slash@bucket",
        "redis://:SECRET@cache",
        "abfss://container:SECRET@acct.dfs.core.windows.net",
        "duckdb://md:shop?motherduck_token=SECRET",
        "https://user:SECRET@api.example.com/export?sig=SECRET",
        "mongodb+srv://app:SEC@RET@cluster0.example.net",
    ],
)
def test_passwords_and_tokens_never_survive(namespace: str) -> None:
    identity = normalize(namespace, "shop.public.orders")
    assert "SECRET" not in "".join(identity)
    assert "RET" not in identity[0]
    assert "SECRET" not in dataset_uri(namespace, "shop.public.orders")
    try:
        assert "SECRET" not in "".join(split_uri(f"{namespace.split('?')[0]}/x.y.z"))
    except ValueError as error:  # JDBC properties run to the end, so no table can follow them
        assert "SECRET" not in str(error)


def test_the_azure_container_is_kept_while_its_password_goes() -> None:
    assert (
        normalize("abfss://raw:pw@acct.dfs.core.windows.net", "x")[0]
        == "abfss://raw@acct.dfs.core.windows.net"
    )


def test_error_messages_do_not_echo_a_password() -> None:
    with pytest.raises(ValueError) as error:
        normalize("postgres://admin:SECRET", "t")
    assert "SECRET" not in str(error.value)
    with pytest.raises(ValueError) as error:
        normalize("postgres://admin:SECRET@db\n:5432", "t")
    assert "SECRET" not in str(error.value)


@pytest.mark.parametrize(
    ("platform", "name", "expected"),
    [
        ("postgres://h", "Shop.Public.Orders", "shop.public.orders"),
        ("redshift://c.r:5439", "Dev.Public.T", "dev.public.t"),
        ("duckdb://dev.duckdb", "Dev.Main.T", "dev.main.t"),
        ("snowflake://myorg-acct", "shop.public.orders", "SHOP.PUBLIC.ORDERS"),
        ("oracle://h", "orcl.hr.Emp", "ORCL.HR.EMP"),
        ("bigquery", "My-Project.DataSet.Table", "My-Project.DataSet.Table"),
        ("mysql://h", "Shop.Orders", "Shop.Orders"),
        ("s3://b", "Raw/File.CSV", "Raw/File.CSV"),
        ("file", "/Data/In.CSV", "/Data/In.CSV"),
        ("kafka://b", "Orders.V1", "Orders.V1"),
    ],
)
def test_names_fold_by_the_platform_case_rule(platform: str, name: str, expected: str) -> None:
    assert normalize(platform, name)[1] == expected


@pytest.mark.parametrize(
    "name",
    [
        'shop.public."Order Items"',
        "shop.public.o'brien",
        "shop.public.<script>alert(1)</script>",
        "shop.public.überstunden",
        "shop.public.订单",
    ],
)
def test_quotes_unicode_and_html_in_names_are_legal_and_kept(name: str) -> None:
    namespace, normal = normalize("bigquery", name)
    assert normal == name
    assert split_uri(dataset_uri(namespace, normal)) == (namespace, normal)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("postgres://h:5432/db.s.t", ("postgres://h:5432", "db.s.t")),
        ("s3://bucket/path/x.parquet", ("s3://bucket", "path/x.parquet")),
        ("bigquery:proj.ds.t", ("bigquery", "proj.ds.t")),
        ("/tmp/x.csv", ("file", "/tmp/x.csv")),
        ("file:///tmp/x.csv", ("file", "/tmp/x.csv")),
        ("file:/tmp/x.csv", ("file", "/tmp/x.csv")),
        ("file://localhost/tmp/x.csv", ("file", "/tmp/x.csv")),
        ("./data/x.csv", ("file", "data/x.csv")),
        ("data/x.csv", ("file", "data/x.csv")),
        ("C:\\data\\x.csv", ("file", "C:/data/x.csv")),
        ("file:///C:/data/x.csv", ("file", "C:/data/x.csv")),
        ("snowflake://acct/DB.S.T", ("snowflake://acct.us-west-1.aws", "DB.S.T")),
        (
            "jdbc:postgresql://admin:pw@DB/shop.public.orders?ssl=true",
            ("postgres://db:5432", "shop.public.orders"),
        ),
        ("jdbc:mysql://db:3306/shop.orders", ("mysql://db:3306", "shop.orders")),
        ("duckdb:///tmp/w.duckdb/w.main.t", ("duckdb://w.duckdb", "w.main.t")),
        ("duckdb://:memory:/memory.main.t", ("duckdb://:memory:", "memory.main.t")),
        (
            "arn:aws:glue:us-east-1:123456789012:table/db/t",
            ("arn:aws:glue:us-east-1:123456789012", "table/db/t"),
        ),
        ("kafka://broker/orders", ("kafka://broker:9092", "orders")),
        ("hdfs://nn/user/x", ("hdfs://nn:8020", "/user/x")),
        ("dbfs:/mnt/raw/x", ("dbfs", "/mnt/raw/x")),
        ("s3://bucket/odd?name#1", ("s3://bucket", "odd?name#1")),
        ("postgres://h/db.s.t%3Fodd", ("postgres://h:5432", "db.s.t?odd")),
        ("s3://bucket", ("s3://bucket", "/")),
        ("pubsub:topic:project:events", ("pubsub", "topic:project:events")),
    ],
)
def test_split_uri_gives_the_normalised_identity(uri: str, expected: tuple[str, str]) -> None:
    assert split_uri(uri) == expected


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("bigquery", "p.d.t", "bigquery:p.d.t"),
        ("file", "/tmp/x.csv", "file:///tmp/x.csv"),
        ("file", "rel/x.csv", "file:rel/x.csv"),
        ("file", "C:/x.csv", "file:///C:/x.csv"),
        ("dbfs", "/mnt/x", "dbfs:/mnt/x"),
        ("s3://b", "k/x", "s3://b/k/x"),
        ("arn:aws:glue:us-east-1:1", "table/db/t", "arn:aws:glue:us-east-1:1:table/db/t"),
        ("duckdb://dev.duckdb", "dev.main.a/b", "duckdb://dev.duckdb/dev.main.a%2Fb"),
        ("postgres://h", "db.s.100%", "postgres://h:5432/db.s.100%25"),
    ],
)
def test_dataset_uri_combines_as_the_conventions_do(namespace: str, name: str, expected: str) -> None:
    assert dataset_uri(namespace, name) == expected
    assert split_uri(expected) == normalize(namespace, name)


@pytest.mark.parametrize(
    ("parts", "database", "schema", "platform", "expected"),
    [
        (["Orders"], "shop", "public", "postgres", "shop.public.orders"),
        (["public", "orders"], "shop", "other", "postgres", "shop.public.orders"),
        (["a", "b", "c"], "x", "y", "postgres", "a.b.c"),
        (["orders"], None, "public", "postgres", "public.orders"),
        (["orders"], "shop", None, "postgres", "orders"),
        (["orders"], None, "shop", "mysql", "shop.orders"),
        (["orders"], "shop", None, "mysql", "shop.orders"),
        (["orders"], "ignored", "shop", "mysql", "shop.orders"),
        (["orders"], "shop", "public", "snowflake", "SHOP.PUBLIC.ORDERS"),
        (["events"], "my-project", "Analytics", "bigquery", "my-project.Analytics.events"),
        (["orders"], "awsdatacatalog", "sales", "athena", "awsdatacatalog.sales.orders"),
        (["orders"], None, "sales", "glue", "table/sales/orders"),
        (["orders"], "dev", "main", "duckdb", "dev.main.orders"),
        (["orders"], "hive", "sales", "trino", "hive.sales.orders"),
        (["t"], None, "default", "hive", "default.t"),
        (["t"], "shop", "dbo", "mssql", "shop.dbo.t"),
    ],
)
def test_qualify_fills_missing_levels_by_the_platform_hierarchy(
    parts: list[str], database: str | None, schema: str | None, platform: str, expected: str
) -> None:
    assert qualify(parts, default_database=database, default_schema=schema, platform=platform) == expected


@pytest.mark.parametrize(
    ("platform", "facts", "expected"),
    [
        ("postgres", {"host": "db", "port": None}, "postgres://db:5432"),
        ("postgresql", {"host": "DB", "port": 6432}, "postgres://db:6432"),
        ("mysql", {"host": "db"}, "mysql://db:3306"),
        ("redshift", {"host": "c1.us-east-1"}, "redshift://c1.us-east-1:5439"),
        (
            "redshift",
            {"host": "c1.abc.us-east-1.redshift.amazonaws.com", "port": 5439},
            "redshift://c1.us-east-1:5439",
        ),
        ("sqlserver", {"host": "db"}, "sqlserver://db:1433"),
        ("oracle", {"host": "ora"}, "oracle://ora:1521"),
        ("trino", {"host": "coord"}, "trino://coord:8080"),
        ("hive", {"host": "meta"}, "hive://meta:9083"),
        ("cassandra", {"host": "c"}, "cassandra://c:9042"),
        ("kafka", {"host": "broker"}, "kafka://broker:9092"),
        ("db2", {"host": "d"}, "db2://d:50000"),
        ("teradata", {"host": "t"}, "teradata://t:1025"),
        ("clickhouse", {"host": "ch"}, "clickhouse://ch:8123"),
        ("snowflake", {"account": "MyOrg-Acct"}, "snowflake://myorg-acct"),
        ("snowflake", {"account": "xy12345"}, "snowflake://xy12345.us-west-1.aws"),
        ("bigquery", {}, "bigquery"),
        ("s3", {"bucket": "raw"}, "s3://raw"),
        ("gcs", {"bucket": "raw"}, "gs://raw"),
        ("abfss", {"bucket": "raw", "account": "acct"}, "abfss://raw@acct.dfs.core.windows.net"),
        ("wasbs", {"bucket": "raw", "account": "acct"}, "wasbs://raw@acct.blob.core.windows.net"),
        ("athena", {"region": "eu-west-1"}, "awsathena://athena.eu-west-1.amazonaws.com"),
        ("glue", {"region": "eu-west-1", "account": "123456789012"}, "arn:aws:glue:eu-west-1:123456789012"),
        ("duckdb", {"path": "dev.duckdb"}, "duckdb://dev.duckdb"),
        ("duckdb", {"path": "/srv/w.duckdb"}, "duckdb://w.duckdb"),
        ("databricks", {"host": "dbc-1.cloud.databricks.com"}, "databricks://dbc-1.cloud.databricks.com"),
        ("file", {}, "file"),
        ("file", {"host": "fileserver"}, "file://fileserver"),
        ("dbfs", {}, "dbfs"),
        ("hdfs", {"host": "nn"}, "hdfs://nn:8020"),
    ],
)
def test_namespace_for_builds_the_conventional_namespace(
    platform: str, facts: dict[str, str], expected: str
) -> None:
    assert namespace_for(platform, **facts) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("collected", "expected"),
    [
        pytest.param(
            [
                # an OpenLineage event
                normalize("postgres://db.internal:5432", "shop.public.orders"),
                # a dbt profile and manifest node
                (
                    namespace_for("postgres", host="DB.internal", port=5432),
                    qualify(["orders"], default_database="shop", default_schema="public", platform="pg"),
                ),
                # SQL text run on a JDBC connection
                normalize(
                    "jdbc:postgresql://svc:pw@db.internal/shop",
                    qualify(["public", "Orders"], default_database=None, default_schema=None, platform="pg"),
                ),
            ],
            ("postgres://db.internal:5432", "shop.public.orders"),
            id="postgres",
        ),
        pytest.param(
            [
                normalize("snowflake://myorg-acct", "SHOP.PUBLIC.ORDERS"),
                (namespace_for("snowflake", account="MyOrg-Acct"),
                 qualify(["orders"], default_database="shop", default_schema="public", platform="snowflake")),
                split_uri("snowflake://myorg-acct.snowflakecomputing.com/shop.public.orders"),
            ],
            ("snowflake://myorg-acct", "SHOP.PUBLIC.ORDERS"),
            id="snowflake",
        ),
        pytest.param(
            [
                normalize("duckdb://dev.duckdb", "dev.main.orders"),  # what dbt-ol emits for dbt-duckdb
                (namespace_for("duckdb", path="dev.duckdb"),
                 qualify(["Orders"], default_database="dev", default_schema="main", platform="duckdb")),
            ],
            ("duckdb://dev.duckdb", "dev.main.orders"),
            id="duckdb",
        ),
        pytest.param(
            [
                # dbt-ol writes the endpoint, Airflow the cluster and region
                normalize("redshift://c1.abc123.eu-west-1.redshift.amazonaws.com:5439", "dev.public.t"),
                normalize("redshift://c1.eu-west-1:5439", "dev.public.t"),
            ],
            ("redshift://c1.eu-west-1:5439", "dev.public.t"),
            id="redshift",
        ),
    ],
)  # fmt: skip
def test_sql_openlineage_and_dbt_findings_are_one_node(
    collected: list[tuple[str, str]], expected: tuple[str, str]
) -> None:
    assert set(collected) == {expected}


BAD_IDENTITIES = [
    ("", "t"),
    ("   ", "t"),
    ("postgres://db", ""),
    ("postgres://db", " \t "),
    ("post\ngres://db", "t"),
    ("postgres://d\nb:5432", "t"),
    ("postgres://db\x00:5432", "t"),
    ("postgres://db", "shop.public\norders"),
    ("postgres://db", "shop..orders"),
    ("postgres://db", ".orders"),
    ("snowflake://acct", "db.s."),
    ("postgres://d b", "t"),
    ("postgres://db:notaport", "t"),
    ("postgres://db:70000", "t"),
    ("postgres://", "t"),
    ("postgres", "t"),
    ("s3", "key"),
    ("bigquery://project", "d.t"),
    ("duckdb://", "a.b.c"),
    ("arn:aws:glue", "t"),
    ("arn:aws:glue:r:1:table/db/t", "t"),
    ("kafka://broker", "/"),
]


@pytest.mark.parametrize(("namespace", "name"), BAD_IDENTITIES)
def test_normalize_rejects_what_cannot_be_an_identity(namespace: str, name: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        normalize(namespace, name)


@pytest.mark.parametrize(
    "uri",
    ["", "orders", "shop.public.orders", "x.csv", "bigquery", "postgres://db:5432", "postgres://db/",
     "duckdb://dev.duckdb", "file:", "http://a b/c", "postgres://db/x\ny"],
)  # fmt: skip
def test_split_uri_rejects_what_is_neither_a_uri_nor_a_path(uri: str) -> None:
    with pytest.raises(ValueError):
        split_uri(uri)


@pytest.mark.parametrize(
    ("platform", "facts"),
    [
        ("postgres", {}),
        ("postgres", {"host": "a/b"}),
        ("postgres", {"host": "db:5432"}),
        ("postgres", {"host": "db", "port": 0}),
        ("postgres", {"host": "db", "port": 65536}),
        ("nosuchdb", {"host": "db"}),
        ("s3", {"host": "bucket"}),
        ("athena", {}),
        ("glue", {"region": "r"}),
        ("duckdb", {}),
    ],
)
def test_namespace_for_rejects_missing_or_malformed_facts(platform: str, facts: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        namespace_for(platform, **facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parts", "platform"),
    [([], "postgres"), (["a", ""], "postgres"), (["a\nb"], "postgres"), (["k"], "s3"), (["t"], "nosuchdb")],
)
def test_qualify_rejects_bad_parts_and_non_table_platforms(parts: list[str], platform: str) -> None:
    with pytest.raises(ValueError):
        qualify(parts, default_database="d", default_schema="s", platform=platform)


def test_platforms_is_a_read_only_table_of_frozen_records() -> None:
    assert isinstance(PLATFORMS["postgres"], Platform)
    assert (PLATFORMS["postgres"].default_port, PLATFORMS["postgres"].levels) == (5432, 3)
    assert PLATFORMS["mysql"].levels == 2
    assert PLATFORMS["snowflake"].case == "upper"
    with pytest.raises(TypeError):
        PLATFORMS["x"] = PLATFORMS["postgres"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        PLATFORMS["postgres"].default_port = 1  # type: ignore[misc]


# Generated inputs: namespaces built from the pieces producers vary, plus arbitrary text.
_SCHEMES = sorted(
    {p.scheme for p in PLATFORMS.values() if p.scheme != "arn"}
    | {"postgresql", "PostgreSQL", "jdbc:postgresql", "pg", "s3a", "S3N", "gcs", "mssql", "jdbc:sqlserver",
       "mariadb", "athena", "abfs", "wasb", "hive2", "rediss", "mysql+pymysql", "mongodb+srv"}
)  # fmt: skip
_HOST = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,15}", fullmatch=True)
_USERINFO = st.one_of(
    st.just(""),
    st.builds(
        "{}:SECRET{}@".format, st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.text("ab/+=!$", max_size=4)
    ),
)
_PORT = st.one_of(st.just(""), st.integers(1, 65535).map(":{}".format))
_PATH = st.one_of(st.just(""), st.just("/"), st.from_regex(r"(/[A-Za-z0-9_.]{1,8}){1,3}/?", fullmatch=True))
_TAIL = st.sampled_from(["", "?user=x&password=SECRET", "#frag", ";databaseName=shop;password=SECRET"])
_KNOWN_NAMESPACES = st.one_of(
    st.builds("{}://{}{}{}{}{}".format, st.sampled_from(_SCHEMES), _USERINFO, _HOST, _PORT, _PATH, _TAIL),
    st.sampled_from(
        ["bigquery", "file", "dbfs", "file:/tmp", "/srv/data", "arn:aws:glue:eu-west-1:123456789012"]
    ),
    st.builds(
        "duckdb://{}".format, st.sampled_from(["dev.duckdb", "/srv//w.duckdb/", ":memory:", "md:shop"])
    ),
    # a known scheme followed by junk made of the characters that matter to URI syntax
    st.builds(
        "{}{}{}".format,
        st.sampled_from([*_SCHEMES, "arn:aws:glue:r:1", "jdbc:oracle:thin:@"]),
        st.sampled_from(["://", ":", ":/", ""]),
        st.text(st.sampled_from(list("aZ0:@/?#;[],.%\\ _-+~é")), max_size=12),
    ),
)
_PART = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=6)
_NAMES = st.one_of(
    st.text(max_size=20),
    st.lists(_PART, min_size=1, max_size=4).map(".".join),
    st.from_regex(r"/?([A-Za-z0-9 ._%?#\-]{0,6}/{0,2}){1,4}", fullmatch=True),
)  # fmt: skip


_KNOWN = {p.scheme for p in PLATFORMS.values()}

# Counterexamples hypothesis found on the way; each is now either an error or a stable identity.
PAST_COUNTEREXAMPLES = [
    ("postgresql://0/0/.", "0"),
    ("S3N://0", "0 /"),
    ("dbfs: .", "0"),
    ("bigquery:0. 0", "0.0"),
    ("file:/Z:", "0"),
    ("file://", "a:"),
    ("foo:/// ?", "0"),
    ("duckdb://0 ;", "0"),
    ("duckdb:/", "0"),
    ("duckdb://:memory:", "@"),
    ("duckdb://dev.duckdb", ";"),
    ("duckdb://dev.duckdb", "%"),
    ("duckdb://a:SECRET/@0", "0"),
    ("duckdb://0;databaseName=shop;password=SECRET", "0"),
    ("bigquery", "//"),
    ("cassandra://[", "0"),
    ("snowflake://[]", "0"),
    ("arn:aws:glue:r:1 :", "0"),
]


@pytest.mark.parametrize(("namespace", "name"), PAST_COUNTEREXAMPLES)
def test_past_counterexamples_are_errors_or_stable_identities(namespace: str, name: str) -> None:
    try:
        once = normalize(namespace, name)
    except ValueError:
        return
    assert normalize(*once) == once
    assert "SECRET" not in once[0]
    if once[0].split(":")[0] in _KNOWN:
        assert split_uri(dataset_uri(*once)) == once


@given(namespace=st.one_of(_KNOWN_NAMESPACES, st.text(max_size=30)), name=_NAMES)
def test_normalize_is_idempotent(namespace: str, name: str) -> None:
    try:
        once = normalize(namespace, name)
    except ValueError:
        return
    assert normalize(*once) == once
    assert "SECRET" not in once[0]


@given(namespace=_KNOWN_NAMESPACES, name=_NAMES)
@example(namespace="PostgreSQL://0", name="0;")  # a semicolon is not where the name ends
@example(namespace="PostgreSQL://0", name=";")
def test_split_uri_inverts_dataset_uri_on_known_platforms(namespace: str, name: str) -> None:
    try:
        identity = normalize(namespace, name)
    except ValueError:
        return
    if identity[0].split(":")[0] not in _KNOWN:  # unknown schemes and labels: no round trip promised
        return
    assert split_uri(dataset_uri(*identity)) == identity
    assert split_uri(dataset_uri(namespace, name)) == identity


@given(uri=st.text(max_size=40))
def test_split_uri_on_arbitrary_text_gives_an_identity_or_value_error(uri: str) -> None:
    try:
        identity = split_uri(uri)
    except ValueError:
        return
    assert normalize(*identity) == identity


@pytest.mark.parametrize("url", [
    "jdbc:postgresql://DB/shop;password=hunter2-secret",
    "jdbc:postgresql://DB:5432/shop;user=ana;password=hunter2-secret",
    "jdbc:sqlserver://host:1433;databaseName=shop;password=hunter2-secret",
    "jdbc:mysql://db/shop?password=hunter2-secret",
    "jdbc:postgresql://ana:hunter2-secret@DB/shop",
])
def test_a_password_in_a_connection_url_never_reaches_the_dataset_identity(url: str) -> None:
    namespace, name = normalize(url, "public.t")
    assert "hunter2" not in namespace + name and name.endswith("public.t")
