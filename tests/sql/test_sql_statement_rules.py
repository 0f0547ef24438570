"""Statement rules beyond the goldens: syntax sqlglot does not parse as written, and the conventions
that label sets disagree on (each an explicit option)."""

from __future__ import annotations

from collectors.sql.guard import split_statements
from tests.sql.conftest import reads_writes, run


def test_select_into_on_a_union_writes_the_into_table() -> None:
    sql = "SELECT * INTO films_all FROM films UNION ALL SELECT * FROM films_backup"
    assert reads_writes(run(sql, "postgres")) == ({"films", "films_backup"}, {"films_all"})


def test_update_of_a_from_alias_writes_the_aliased_table() -> None:
    sql = (
        "UPDATE sr SET sr.Name += ' - tool malfunction' FROM Production.ScrapReason AS sr "
        "JOIN Production.WorkOrder AS wo ON sr.ScrapReasonID = wo.ScrapReasonID AND wo.ScrappedQty > 300"
    )
    batch = run(sql, "tsql")
    assert reads_writes(batch) == ({"production.workorder"}, {"production.scrapreason"})
    assert not batch.problems


def test_procedure_body_is_one_statement_and_its_lineage_is_kept() -> None:
    sql = "CREATE PROCEDURE proc1()\nAS\nBEGIN\nINSERT INTO tab2 (col1)\nSELECT col1 FROM tab1;\nEND;\nSELECT 1"
    assert [s.line for s in split_statements(sql)] == [1, 7]
    batch = run(sql, "tsql")
    assert reads_writes(batch) == ({"tab1"}, {"tab2"})
    assert not batch.problems


def test_begin_transaction_still_ends_at_its_semicolon() -> None:
    texts = [s.text for s in split_statements("BEGIN TRANSACTION; UPDATE t SET a = 1; COMMIT")]
    assert texts == ["BEGIN TRANSACTION", "UPDATE t SET a = 1", "COMMIT"]


def test_athena_backtick_names_parse_with_hive_rules() -> None:
    batch = run("INSERT INTO out_t SELECT col1 FROM `schema1`.`tab1`", "athena")
    assert reads_writes(batch) == ({"schema1.tab1"}, {"out_t"})
    assert not batch.problems


def test_hive_exchange_partition_moves_the_source_into_the_target() -> None:
    batch = run("ALTER TABLE tab1 EXCHANGE PARTITION (pt='part1') WITH TABLE tab2", "hive")
    assert reads_writes(batch) == ({"tab2"}, {"tab1"})


def test_snowflake_swap_moves_both_ways_unless_told_otherwise() -> None:
    sql = "ALTER TABLE tab1 SWAP WITH tab2"
    both = {"TAB1", "TAB2"}  # Snowflake folds unquoted names to upper case
    assert reads_writes(run(sql, "snowflake")) == (both, both)
    assert reads_writes(run(sql, "snowflake", swap_both_ways=False)) == ({"TAB2"}, {"TAB1"})


def test_delete_writes_its_table_unless_told_otherwise() -> None:
    sql = "DELETE FROM mart.t WHERE id IN (SELECT id FROM raw.gone)"
    assert reads_writes(run(sql, "postgres")) == ({"raw.gone"}, {"mart.t"})
    reads, writes = reads_writes(run(sql, "postgres", delete_is_output=False, select_is_read=True))
    assert (reads, writes) == ({"raw.gone"}, set())


def test_an_insert_of_literal_rows_writes_its_table_without_a_column_lineage_warning() -> None:
    batch = run("INSERT INTO orders VALUES (1, 1, 10.0), (2, 1, 5.0)", "sqlite")
    assert reads_writes(batch) == (set(), {"orders"})
    assert not batch.problems, [p.message for p in batch.problems]
