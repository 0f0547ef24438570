"""Tables and views created earlier in a script have known columns for the statements after them:
an INSERT without a column list fills them by position, `SELECT *` over one expands, and an
unqualified column is placed among the sources by them. Goldens: test_sql_goldens.SCRIPT_RULES."""

from __future__ import annotations

from tests.sql.conftest import run
from tests.sql.test_sql_temp_tables import direct


def test_insert_without_column_list_fills_a_created_tables_columns_by_position() -> None:
    sql = "CREATE TABLE mart.t (a INT, b INT);\nINSERT INTO mart.t SELECT x, upper(y) FROM raw.s"
    assert direct(run(sql, "postgres"), "mart.t") == {
        "a": ({("raw.s", "x")}, "identity"),
        "b": ({("raw.s", "y")}, "transformation"),
    }


def test_more_columns_than_the_created_table_are_not_mapped_by_position() -> None:
    sql = "CREATE TABLE mart.t (a INT);\nINSERT INTO mart.t SELECT x, y FROM raw.s"
    assert set(direct(run(sql, "postgres"), "mart.t")) == {"x", "y"}


def test_view_created_then_read_places_unqualified_columns() -> None:
    sql = (
        "CREATE VIEW v AS SELECT id, price FROM raw.items;\n"
        "INSERT INTO mart.o SELECT v.id, price, ship_date FROM v JOIN raw.orders o ON v.id = o.item_id"
    )
    cols = direct(run(sql, "generic"), "mart.o")
    assert cols["price"] == ({("v", "price")}, "identity")
    assert cols["ship_date"] == ({("raw.orders", "ship_date")}, "identity")


def test_star_over_a_ctas_expands_even_next_to_a_star_of_unknown_columns() -> None:
    sql = (
        "CREATE TABLE mart.a AS SELECT id, name FROM raw.p;\n"
        "INSERT INTO mart.o SELECT a.*, b.* FROM mart.a a JOIN raw.q b ON a.id = b.id"
    )
    cols = direct(run(sql, "postgres"), "mart.o")
    assert cols["name"] == ({("mart.a", "name")}, "identity")
    assert cols["*"] == ({("raw.q", "*")}, "identity")


def test_a_dropped_table_is_forgotten() -> None:
    sql = "CREATE TABLE mart.t (a INT, b INT);\nDROP TABLE mart.t;\nINSERT INTO mart.t SELECT x, y FROM raw.s"
    assert set(direct(run(sql, "postgres"), "mart.t")) == {"x", "y"}
