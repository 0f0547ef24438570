"""Golden lineage per statement type and dialect (tests/goldens/sql/<case>.json)."""

from __future__ import annotations

import pytest

from tests.sql.conftest import DIALECTS, assert_lineage_golden, reads_writes

# Statements every dialect reads the same way; each runs under every dialect in DIALECTS.
PORTABLE = {
    "insert_select": "INSERT INTO mart.orders_daily SELECT o.day, count(*) AS n FROM raw.orders o GROUP BY o.day",
    "ctas_join_filter": (
        "CREATE TABLE mart.big_customers AS SELECT c.id, c.email, o.total FROM raw.customers c "
        "JOIN raw.orders o ON o.customer_id = c.id WHERE o.total > 100"
    ),
    "cte_union": (
        "INSERT INTO mart.people WITH a AS (SELECT id, name FROM raw.staff), "
        "b AS (SELECT id, name FROM raw.contractors) "
        "SELECT id, name FROM a UNION ALL SELECT id, name FROM b"
    ),
    "create_view_subquery": (
        "CREATE VIEW mart.v AS SELECT x.id, (SELECT max(p.amount) FROM raw.payments p WHERE p.id = x.id) AS top "
        "FROM (SELECT id FROM raw.accounts) x"
    ),
    "update_from": "UPDATE mart.accounts SET balance = s.balance FROM raw.snapshots s WHERE mart.accounts.id = s.id",
    "delete_subquery": "DELETE FROM mart.accounts WHERE id IN (SELECT id FROM raw.closed_accounts)",
    "drop_table": "DROP TABLE mart.old_orders",
    "window_function": (
        "CREATE TABLE mart.ranked AS SELECT id, row_number() OVER (PARTITION BY region ORDER BY total DESC) AS rnk "
        "FROM raw.orders"
    ),
}

SPECIFIC = {
    "snowflake_merge": (
        "snowflake",
        (
            "MERGE INTO mart.customers t USING raw.customers s ON t.id = s.id "
            "WHEN MATCHED THEN UPDATE SET t.email = s.email "
            "WHEN NOT MATCHED THEN INSERT (id, email) VALUES (s.id, s.email)"
        ),
    ),
    "snowflake_copy_into_stage": ("snowflake", "COPY INTO @exports/orders/ FROM (SELECT id, total FROM mart.orders)"),
    "snowflake_copy_from_s3": ("snowflake", "COPY INTO raw.events FROM 's3://acme-landing/events/'"),
    "snowflake_qualify": (
        "snowflake",
        (
            "CREATE TABLE mart.latest AS SELECT id, status FROM raw.events "
            "QUALIFY row_number() OVER (PARTITION BY id ORDER BY ts DESC) = 1"
        ),
    ),
    "snowflake_temp_table_script": (
        "snowflake",
        (
            "CREATE TEMPORARY TABLE tmp_active AS SELECT id, email FROM raw.users WHERE active;\n"
            "INSERT INTO mart.mailing SELECT id, email FROM tmp_active;"
        ),
    ),
    "snowflake_use_database": ("snowflake", "USE DATABASE analytics;\nINSERT INTO marts.t SELECT id FROM raw.s;"),
    "redshift_unload": (
        "redshift",
        "UNLOAD ('SELECT id, total FROM mart.orders') TO 's3://acme-exports/orders_' IAM_ROLE 'arn:aws:iam::1:role/x'",
    ),
    "postgres_copy_to_file": ("postgres", "COPY (SELECT id FROM mart.orders) TO '/tmp/orders.csv'"),
    "postgres_alter_rename": ("postgres", "ALTER TABLE mart.orders_new RENAME TO orders"),
    "spark_insert_overwrite": (
        "spark",
        "INSERT OVERWRITE TABLE mart.daily SELECT day, sum(v) AS v FROM raw.e GROUP BY day",
    ),
    "spark_lateral_view": (
        "spark",
        ("INSERT INTO mart.tags SELECT id, tag FROM raw.posts LATERAL VIEW explode(tags) t AS tag"),
    ),
    "tsql_select_into_temp": (
        "tsql",
        "SELECT id, name INTO #people FROM dbo.staff;\nINSERT INTO dbo.p SELECT id FROM #people",
    ),
    "bigquery_unnest": (
        "bigquery",
        ("CREATE TABLE `proj.mart.items` AS SELECT o.id, item FROM `proj.raw.orders` o, UNNEST(o.items) AS item"),
    ),
    "duckdb_read_parquet_s3": ("duckdb", "CREATE TABLE mart.x AS SELECT * FROM read_parquet('s3://lake/x/*.parquet')"),
    "databricks_materialized_view": (
        "databricks",
        (
            "CREATE MATERIALIZED VIEW main.mart.mv AS SELECT region, sum(total) AS total "
            "FROM main.raw.orders GROUP BY region"
        ),
    ),
    "trino_insert_select": ("trino", "INSERT INTO hive.mart.t SELECT a, lower(b) AS b FROM hive.raw.s"),
    "mysql_insert_select": (
        "mysql",
        "INSERT INTO shop.summary (day, n) SELECT day, count(*) FROM shop.orders GROUP BY day",
    ),
}


NAMESPACES = {
    "duckdb": "duckdb://:memory:", "postgres": "postgres://localhost:5432", "snowflake": "snowflake://default-account",
    "bigquery": "bigquery", "databricks": "databricks://localhost", "spark": "hive://localhost:9083",
    "redshift": "redshift://localhost:5439", "tsql": "sqlserver://localhost:1433", "mysql": "mysql://localhost:3306",
    "trino": "trino://localhost:8080",
}
"""The namespace each dialect gives the tables a statement names when nothing else says where they are."""
FOLDS_TO_UPPER = {"snowflake"}
"""Dialects whose engine folds unquoted names to upper case: their names differ, so their golden too."""


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(PORTABLE))
def test_portable_statement_matches_golden(case: str, dialect: str) -> None:
    """One golden per case for every dialect that differs only by namespace (`<case>.json`), one
    more for each that folds names to upper case (`<case>__<dialect>.json`)."""
    golden = f"{case}__{dialect}" if dialect in FOLDS_TO_UPPER else case
    assert_lineage_golden(PORTABLE[case], dialect=dialect, golden=golden, namespace=NAMESPACES[dialect])


@pytest.mark.parametrize("case", sorted(SPECIFIC))
def test_dialect_statement_matches_golden(case: str) -> None:
    dialect, sql = SPECIFIC[case]
    assert_lineage_golden(sql, dialect=dialect, golden=case)


def test_select_star_expands_with_schema() -> None:
    batch = assert_lineage_golden(
        "CREATE TABLE mart.c AS SELECT * FROM raw.customers",
        dialect="postgres",
        golden="select_star_with_schema",
        schemas={"raw": {"customers": ["id", "email"]}},
    )
    cols = {f.target.column for f in batch.facts if f.fact == "column_lineage"}
    assert cols == {"id", "email"}


def test_temp_table_readers_get_original_sources() -> None:
    from tests.sql.conftest import run

    batch = run(SPECIFIC["snowflake_temp_table_script"][1], "snowflake")
    reads, writes = reads_writes(batch)
    assert "RAW.USERS" in reads and "TMP_ACTIVE" not in reads
    assert {"TMP_ACTIVE", "MART.MAILING"} <= writes
    temp = [f for f in batch.facts if f.fact == "dataset" and f.name == "TMP_ACTIVE"]
    assert temp and temp[0].role is not None and temp[0].role.value == "cache"


def test_drop_retires_dataset_without_writing_it() -> None:
    from tests.sql.conftest import run

    batch = run("DROP TABLE mart.old", "postgres")
    assert [f.retired for f in batch.facts if f.fact == "dataset"] == [True]
    assert reads_writes(batch) == (set(), set())
    assert reads_writes(run("DROP TABLE mart.old", "postgres", drop_is_output=True))[1] == {"mart.old"}


def test_update_target_is_input_only_by_convention() -> None:
    from tests.sql.conftest import run

    sql = PORTABLE["update_from"]
    assert "mart.accounts" not in reads_writes(run(sql, "postgres"))[0]
    assert "mart.accounts" in reads_writes(run(sql, "postgres", update_target_is_input=True))[0]


# Column rules: each case is (dialect, statement); the golden shows the column lineage the rule gives.
COLUMN_RULES = {
    # an unqualified column in a join belongs to the one source that can have it
    "unqualified_column_from_the_cte_that_outputs_it": (
        "",
        "WITH c1 AS (SELECT a, b FROM tab1), c2 AS (SELECT c, d FROM tab2) "
        "INSERT INTO tab3 SELECT b, d FROM c1 JOIN c2 ON c1.a = c2.c",
    ),
    "unqualified_column_from_the_only_table_of_unknown_columns": (
        "postgres",
        "INSERT INTO mart.o SELECT x.id, ship_date FROM (SELECT id FROM raw.a) x JOIN raw.b ON x.id = raw.b.id",
    ),
    # a subquery without FROM reads the outer query's columns
    "correlated_subquery_without_from": ("", "INSERT INTO foo SELECT (SELECT col1 + col2 AS r) AS s FROM bar"),
    # a qualifier that names an aliased table by its own name
    "qualifier_names_aliased_table": ("", "INSERT INTO tab1 SELECT tab2.* FROM tab2 a JOIN tab3 b ON a.id = b.id"),
    # lateral column aliases, where the engine has them; a name the sources are seen to have is a column
    "lateral_alias_snowflake": (
        "snowflake",
        "INSERT INTO t SELECT first_name AS user_name, user_name || last_name AS id FROM person",
    ),
    "lateral_alias_not_in_postgres": (
        "postgres",
        "INSERT INTO t SELECT first_name AS user_name, user_name || last_name AS id FROM person",
    ),
    "lateral_alias_shadowed_by_source_column": (
        "duckdb",
        "INSERT INTO t SELECT first_name || id AS id, id AS id_original FROM person",
    ),
    # lateral table functions: their columns come from the function's arguments
    "snowflake_flatten_columns": (
        "snowflake",
        "INSERT INTO t SELECT p.id, f.value FROM raw.posts p, LATERAL FLATTEN(input => p.tags) f",
    ),
    # struct field access: the source is the field's dotted path
    "bigquery_unnest_struct_field": (
        "bigquery",
        "INSERT INTO d.t SELECT s.id, item.code AS code FROM d.s AS s, UNNEST(s.items) AS item",
    ),
    # a Snowflake semantic view's columns are read from the view it names
    "snowflake_semantic_view_columns": (
        "snowflake",
        "CREATE TABLE mart.t AS SELECT region, revenue FROM SEMANTIC_VIEW(sem.sales DIMENSIONS region METRICS revenue) "
        "WHERE region <> 'x'",
    ),
    # a `*` argument reads every column of the sources; COUNT(*) reads none unless told (below)
    "star_argument_reads_every_column": (
        "snowflake",
        "INSERT INTO mart.t SELECT id, OBJECT_CONSTRUCT(*) AS doc, COUNT(*) AS n FROM raw.s GROUP BY id",
    ),
    # Teradata attribute phrases: TITLE and FORMAT change only the display, NAMED names the column
    "teradata_attribute_phrases": (
        "teradata",
        "CREATE VIEW hr.v AS SELECT Name (NAMED full_name), DOB (TITLE 'Birth date') (FORMAT 'YYYY-MM-DD') "
        "FROM hr.Employee",
    ),
    # a LATERAL subquery's columns are its query's, renamed by its alias's column list
    "lateral_subquery_columns": (
        "postgres",
        "INSERT INTO mart.t SELECT a.id, l.v, l.w FROM raw.a AS a, "
        "LATERAL (SELECT b.value, b.total * 2 FROM raw.b AS b WHERE b.id = a.id LIMIT 1) AS l(v, w)",
    ),
    # a dotted name whose qualifier names no source reads a field of a struct column
    "struct_field_of_a_table_column": (
        "bigquery",
        "INSERT INTO d.t SELECT post_id, widget.asset.id, LEAST(widget.metric.a, s.widget.metric.b) AS m "
        "FROM d.s AS s",
    ),
    # a ClickHouse dictionary lookup reads the dictionary (a table) and its attribute; dictHas only the table
    "clickhouse_dictget_reads_dictionary_attribute": (
        "clickhouse",
        "INSERT INTO mart.t SELECT e.id, dictGet('geo.cities', 'name', e.city_id) AS city, "
        "dictGetOrDefault(geo.rates, ('rate', 'fee'), e.cur, 0) AS cost, dictHas('geo.flags', e.id) AS flagged "
        "FROM raw.events AS e",
    ),
    # WITH ... UPDATE: the CTEs resolve to their tables
    "update_from_cte": (
        "postgres",
        "WITH s AS (SELECT id, name, address FROM public.src) "
        "UPDATE public.tgt AS t SET name = s.name, email = s.address FROM s WHERE s.id = t.id",
    ),
}

# Unaliased expressions are named as the dialect's engine names them.
UNNAMED = "INSERT INTO mart.t SELECT max(a), CAST(b AS INT), a + 1 FROM raw.s"
UNNAMED_DIALECTS = ("duckdb", "snowflake", "postgres", "hive", "trino", "bigquery", "tsql", "")


@pytest.mark.parametrize("case", sorted(COLUMN_RULES))
def test_column_rule_matches_golden(case: str) -> None:
    dialect, sql = COLUMN_RULES[case]
    assert_lineage_golden(sql, dialect=dialect or "generic", golden=f"columns_{case}")


@pytest.mark.parametrize("dialect", UNNAMED_DIALECTS)
def test_unnamed_expression_named_like_the_engine(dialect: str) -> None:
    batch = assert_lineage_golden(UNNAMED, dialect=dialect or "generic", golden=f"unnamed__{dialect or 'generic'}")
    names = [c.name for f in batch.facts if f.fact == "dataset" for c in f.columns]
    expected = {
        "duckdb": ["MAX(a)", "CAST(b AS INT)", "a + 1"],
        "snowflake": ["MAX(A)", "CAST(B AS INT)", "A + 1"],
        "postgres": ["max", "b", "?column?"],
        "hive": ["_c0", "_c1", "_c2"],
        "trino": ["_col0", "_col1", "_col2"],
        "bigquery": ["f0_", "f1_", "f2_"],
        "tsql": ["_col_0", "b", "_col_2"],
        "": ["MAX(a)", "CAST(b AS INT)", "a + 1"],
    }[dialect]
    assert names == expected


def test_count_star_reads_every_column_only_by_convention() -> None:
    sql = "INSERT INTO mart.t SELECT max(a) AS m, count(*) AS n FROM raw.s"
    assert_lineage_golden(sql, dialect="postgres", golden="columns_count_star_reads_nothing")
    batch = assert_lineage_golden(
        sql, dialect="postgres", golden="columns_count_star_reads_all_by_convention", count_star_reads_columns=True
    )
    lineage = {
        f.target.column: sorted(s.column for s in f.sources)
        for f in batch.facts
        if f.fact == "column_lineage" and not f.indirect
    }
    assert lineage == {"m": ["a"], "n": ["*"]}


def test_lateral_alias_reads_the_earlier_projection() -> None:
    from tests.sql.conftest import run

    sql = COLUMN_RULES["lateral_alias_snowflake"][1]
    lineage = {
        f.target.column: sorted(s.column for s in f.sources)
        for f in run(sql, "snowflake").facts
        if f.fact == "column_lineage" and not f.indirect
    }
    assert lineage == {"USER_NAME": ["FIRST_NAME"], "ID": ["FIRST_NAME", "LAST_NAME"]}


# Within a script, tables and views created earlier have known columns for the statements after them.
SCRIPT_RULES = {
    "insert_by_position_into_created_table": (
        "postgres",
        "CREATE TABLE mart.t (a INT, b INT);\nINSERT INTO mart.t SELECT x, y + 1 FROM raw.s",
    ),
    "star_from_view_created_earlier": (
        "postgres",
        "CREATE VIEW mart.v AS SELECT id, email FROM raw.users;\nINSERT INTO mart.c SELECT * FROM mart.v",
    ),
    "unqualified_column_placed_by_view_created_earlier": (
        "",
        "CREATE VIEW v AS SELECT id, price FROM raw.items;\n"
        "INSERT INTO mart.o SELECT v.id, price, ship_date FROM v JOIN raw.orders o ON v.id = o.item_id",
    ),
    "star_of_ctas_expands_next_to_an_unknown_star": (
        "postgres",
        "CREATE TABLE mart.a AS SELECT id, name FROM raw.p;\n"
        "INSERT INTO mart.o SELECT a.*, b.* FROM mart.a a JOIN raw.q b ON a.id = b.id",
    ),
    "dropped_table_columns_forgotten": (
        "postgres",
        "CREATE TABLE mart.t (a INT, b INT);\nDROP TABLE mart.t;\nINSERT INTO mart.t SELECT x, y FROM raw.s",
    ),
    "insert_star_not_mapped_by_position": (
        "postgres",
        "CREATE TABLE mart.t (a INT, b INT);\nINSERT INTO mart.t SELECT * FROM raw.s",
    ),
}


@pytest.mark.parametrize("case", sorted(SCRIPT_RULES))
def test_script_rule_matches_golden(case: str) -> None:
    dialect, sql = SCRIPT_RULES[case]
    assert_lineage_golden(sql, dialect=dialect or "generic", golden=f"script_{case}")


def test_insert_without_column_list_fills_schema_columns_by_position() -> None:
    assert_lineage_golden(
        "INSERT INTO mart.t SELECT x, y FROM raw.s",
        dialect="postgres",
        golden="insert_by_position_with_schema",
        schemas={"mart": {"t": ["a", "b"]}},
    )


# A procedure's or function's body is read as a script: each statement (through IF/WHILE blocks) is
# a step of the routine's process with its own column lineage.
ROUTINE_RULES = {
    "procedure_steps_each_keep_their_columns": (
        "tsql",
        "CREATE PROCEDURE etl.load AS\nBEGIN\nINSERT INTO mart.a (id) SELECT id FROM raw.s;\n"
        "INSERT INTO mart.b (total) SELECT total FROM mart.a;\nEND",
    ),
    "procedure_statements_inside_control_flow": (
        "tsql",
        "CREATE PROCEDURE etl.refresh @n INT AS\nBEGIN\n  SET NOCOUNT ON;\n"
        "  IF EXISTS (SELECT 1 FROM raw.batches WHERE ready = 1)\n  BEGIN\n"
        "    WHILE @n > 0\n    BEGIN\n      SET @n = @n - 1;\n"
        "      INSERT INTO mart.orders (id, total) SELECT o.id, o.amount FROM raw.orders AS o;\n"
        "    END\n  END\nEND",
    ),
    "procedure_oracle_block": (
        "oracle",
        "CREATE PROCEDURE etl.p AS\nBEGIN\nINSERT INTO mart.t (a, b) SELECT x, y + 1 FROM raw.s;\nEND",
    ),
    "function_return_query_reads": (
        "databricks",
        "CREATE FUNCTION mart.f() RETURNS TABLE (a INT) RETURN SELECT a FROM raw.s",
    ),
    # bodies written as strings are read the same way when their language is SQL-like
    "snowflake_scripting_dollar_body": (
        "snowflake",
        "CREATE OR REPLACE PROCEDURE etl.load(d DATE)\nRETURNS VARCHAR\nLANGUAGE SQL\nAS\n$$\nDECLARE\n"
        "  n INTEGER DEFAULT 0;\n  c1 CURSOR FOR SELECT id FROM raw.batches;\nBEGIN\n"
        "  CREATE TEMPORARY TABLE tmp AS SELECT id, v FROM raw.s;\n"
        "  LET total := (SELECT count(*) FROM raw.q);\n"
        "  IF (EXISTS (SELECT 1 FROM raw.flags)) THEN\n"
        "    INSERT INTO mart.t (id, v) SELECT id, v * 2 FROM tmp;\n  ELSE\n    UPDATE mart.t SET v = 0;\n"
        "  END IF;\n  FOR r IN c1 DO\n    DELETE FROM mart.u WHERE id = 1;\n  END FOR;\n"
        "  SELECT max(v) INTO :n FROM mart.t;\n  RETURN 'done';\nEND;\n$$",
    ),
    "snowflake_single_quoted_body": (
        "snowflake",
        "CREATE PROCEDURE etl.p() RETURNS VARCHAR LANGUAGE SQL AS\n"
        "'BEGIN\n  INSERT INTO mart.t (x) SELECT x FROM raw.s;\n  RETURN ''ok'';\nEND'",
    ),
    "postgres_plpgsql_tagged_body_language_after": (
        "postgres",
        "CREATE OR REPLACE FUNCTION etl.refresh() RETURNS void AS $body$\nDECLARE\n  n int;\nBEGIN\n"
        "  SELECT count(*) INTO n FROM raw.batches;\n  CREATE TEMP TABLE tt AS SELECT id, amount FROM raw.orders;\n"
        "  INSERT INTO mart.orders (id, total) SELECT id, amount FROM tt;\n"
        "  FOR r IN SELECT id FROM raw.todo LOOP\n    PERFORM pg_notify('c', r.id::text);\n  END LOOP;\n"
        "  IF n > 0 THEN\n    UPDATE mart.orders SET total = 0 WHERE id IN (SELECT id FROM raw.voided);\n  END IF;\n"
        "  RAISE NOTICE 'done %', n;\n  INSERT INTO mart.broken SELECT FROM WHERE;\n  RETURN;\nEND;\n"
        "$body$ LANGUAGE plpgsql",
    ),
    "postgres_sql_procedure_language_first": (
        "postgres",
        "CREATE PROCEDURE etl.p() LANGUAGE SQL AS $$\nINSERT INTO mart.a (x) SELECT x FROM raw.s;\n"
        "INSERT INTO mart.b (y) SELECT x + 1 FROM mart.a;\n$$",
    ),
    # bodies in other languages are reported, naming the language
    "snowflake_javascript_body_not_understood": (
        "snowflake",
        "CREATE PROCEDURE etl.js()\nRETURNS VARCHAR\nLANGUAGE JAVASCRIPT\nAS\n$$\n"
        "snowflake.execute({sqlText: 'INSERT INTO mart.t SELECT 1'});\n$$",
    ),
    "postgres_python_body_not_understood": (
        "postgres",
        "CREATE FUNCTION etl.py() RETURNS int AS $$\n  return 1\n$$ LANGUAGE plpython3u",
    ),
}


@pytest.mark.parametrize("case", sorted(ROUTINE_RULES))
def test_routine_rule_matches_golden(case: str) -> None:
    dialect, sql = ROUTINE_RULES[case]
    assert_lineage_golden(sql, dialect=dialect, golden=f"routine_{case}", select_is_read=True)
