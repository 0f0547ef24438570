"""Temporary tables within one script: later statements know their columns (`SELECT *` over one
expands) and a column's transformation is composed through them (the stronger step wins)."""

from __future__ import annotations

from typing import Any

from lineage.models import LineageBatch
from tests.sql.conftest import run

HASHED = """
CREATE TEMPORARY TABLE FEATURES AS
SELECT c.CUSTOMER_ID, sha2(c.EMAIL, 256) AS EMAIL_SHA256, c.COUNTRY, count(o.ID) AS ORDERS
FROM PROD.CORE.CUSTOMERS c LEFT JOIN PROD.CORE.ORDERS o ON o.CUSTOMER_ID = c.CUSTOMER_ID
GROUP BY c.CUSTOMER_ID, c.EMAIL, c.COUNTRY;
"""


def direct(batch: LineageBatch, target: str) -> dict[str, tuple[set[tuple[str, str]], str]]:
    """Direct column lineage into `target`: column -> (sources as (dataset, column), transformation)."""
    return {
        f.target.column: ({(s.dataset.name, s.column) for s in f.sources}, f.transformation.value)
        for f in batch.facts
        if f.fact == "column_lineage" and not f.indirect and f.target.dataset.name == target
    }


def check_hashed(batch: LineageBatch, target: str) -> None:
    cols = direct(batch, target)
    assert cols["EMAIL_SHA256"] == ({("PROD.CORE.CUSTOMERS", "EMAIL")}, "masking")
    assert cols["CUSTOMER_ID"] == ({("PROD.CORE.CUSTOMERS", "CUSTOMER_ID")}, "identity")
    assert cols["ORDERS"] == ({("PROD.CORE.ORDERS", "ID")}, "aggregation")
    assert "*" not in cols
    assert not any(name == "FEATURES" for sources, _ in cols.values() for name, _ in sources)
    assert not batch.problems


def test_copy_unload_of_a_star_over_a_temp_table_keeps_the_masking() -> None:
    batch = run(
        HASHED + "COPY INTO 's3://feast/churn/features/' FROM (SELECT * FROM FEATURES) FILE_FORMAT = (TYPE = PARQUET)",
        "snowflake",
    )
    check_hashed(batch, "churn/features")
    written = [f for f in batch.facts if f.fact == "dataset" and f.name == "churn/features"]
    assert [c.name for c in written[0].columns] == ["CUSTOMER_ID", "EMAIL_SHA256", "COUNTRY", "ORDERS"]


def test_insert_select_star_over_a_temp_table_keeps_the_masking() -> None:
    check_hashed(run(HASHED + "INSERT INTO MART.FEATURES SELECT * FROM FEATURES", "snowflake"), "MART.FEATURES")


def test_qualified_star_and_named_columns_of_a_temp_table() -> None:
    sql = HASHED + "INSERT INTO MART.F SELECT f.*, r.REGION FROM FEATURES f JOIN REF.COUNTRIES r ON r.CODE = f.COUNTRY"
    cols = direct(run(sql, "snowflake"), "MART.F")
    assert cols["EMAIL_SHA256"] == ({("PROD.CORE.CUSTOMERS", "EMAIL")}, "masking")
    assert cols["REGION"] == ({("REF.COUNTRIES", "REGION")}, "identity")


def test_the_stronger_step_wins_either_way() -> None:
    copied = run(HASHED + "INSERT INTO MART.F (H) SELECT EMAIL_SHA256 FROM FEATURES", "snowflake")
    assert direct(copied, "MART.F")["H"] == ({("PROD.CORE.CUSTOMERS", "EMAIL")}, "masking")
    plain = "CREATE TEMPORARY TABLE T AS SELECT EMAIL, ID FROM PROD.CORE.CUSTOMERS;\n"
    hashed_later = run(plain + "INSERT INTO MART.F SELECT md5(EMAIL) AS H, ID FROM T", "snowflake")
    assert direct(hashed_later, "MART.F") == {
        "H": ({("PROD.CORE.CUSTOMERS", "EMAIL")}, "masking"),
        "ID": ({("PROD.CORE.CUSTOMERS", "ID")}, "identity"),
    }
    counted = run(HASHED + "INSERT INTO MART.F SELECT COUNTRY, sum(ORDERS) AS N FROM FEATURES GROUP BY 1", "snowflake")
    assert direct(counted, "MART.F")["N"] == ({("PROD.CORE.ORDERS", "ID")}, "aggregation")


def test_temp_columns_from_the_given_schema_and_a_dropped_temp_table() -> None:
    schema: dict[str, Any] = {"raw": {"customers": ["id", "email"]}}
    sql = "CREATE TEMP TABLE t AS SELECT * FROM raw.customers;\nINSERT INTO mart.c SELECT * FROM t"
    assert direct(run(sql, "postgres", schema=schema), "mart.c") == {
        "id": ({("raw.customers", "id")}, "identity"),
        "email": ({("raw.customers", "email")}, "identity"),
    }
    dropped = "CREATE TEMP TABLE t AS SELECT id FROM raw.customers;\nDROP TABLE t;\nINSERT INTO mart.c SELECT * FROM t"
    assert "id" not in direct(run(dropped, "postgres"), "mart.c")
