"""Hostile and broken input: clear problems with their lines, the valid rest kept, no crash, no hang."""

from __future__ import annotations

from collectors.base import Source
from collectors.sql import SqlCollector
from tests.sql.conftest import reads_writes, run


def _collect(data: bytes, name: str = "bad.sql", **options: object):
    collector = SqlCollector().with_options({"dialect": "postgres", **options})
    return collector.collect(Source(name=name, data=data))


def test_unterminated_string_is_reported_and_earlier_statements_kept() -> None:
    batch = run("INSERT INTO a SELECT x FROM b;\nSELECT 'oops FROM c;", "postgres")
    assert reads_writes(batch) == ({"b"}, {"a"})
    assert [(p.line, p.severity) for p in batch.problems] == [(2, "error")]
    assert "unterminated" in batch.problems[0].message


def test_megabyte_statement_is_refused_without_parsing() -> None:
    huge = "SELECT " + " + ".join(["1"] * 400_000) + " FROM t"
    batch = run(f"INSERT INTO ok SELECT 1 FROM src;\n{huge};", "postgres")
    assert reads_writes(batch) == ({"src"}, {"ok"})
    assert "over the limit" in batch.problems[0].message and batch.problems[0].line == 2


def test_ten_thousand_nested_parentheses_do_not_recurse() -> None:
    deep = "SELECT " + "(" * 10_000 + "1" + ")" * 10_000 + " FROM t"
    batch = run(deep, "postgres")
    assert len(batch.problems) == 1 and "nested 10000 levels deep" in batch.problems[0].message


def test_nesting_just_under_the_limit_still_parses() -> None:
    sql = "INSERT INTO a SELECT " + "(" * 200 + "x" + ")" * 200 + " FROM b"
    batch = run(sql, "postgres")
    assert reads_writes(batch) == ({"b"}, {"a"}) and not batch.errors


def test_binary_garbage_is_one_clear_error() -> None:
    batch = _collect(bytes(range(256)) * 20)
    assert len(batch.problems) == 1 and "binary" in batch.problems[0].message
    assert not batch.facts


def test_mixed_encodings_warn_with_line_and_keep_lineage() -> None:
    data = (
        b"INSERT INTO a SELECT x FROM b;\n"
        + "-- caf\xe9\n".encode("latin-1")
        + b"INSERT INTO c SELECT y FROM d;"
    )
    batch = _collect(data)
    assert reads_writes(batch) == ({"b", "d"}, {"a", "c"})
    warning = [p for p in batch.problems if "UTF-8" in p.message]
    assert warning and warning[0].line == 2 and warning[0].severity == "warning"


def test_opaque_command_is_reported_not_dropped() -> None:
    batch = run("VACUUM ANALYZE big_table", "postgres")
    assert [p.severity for p in batch.problems] == ["warning"]
    assert "not understood" in batch.problems[0].message


def test_statement_time_limit_reports_instead_of_hanging() -> None:
    sql = "INSERT INTO a SELECT " + ", ".join(f"c{i} + c{i}" for i in range(3000)) + " FROM b"
    batch = run(sql, "postgres", timeout_seconds=0.01)
    assert any("took longer than" in p.message for p in batch.problems)


def test_failed_column_lineage_keeps_table_lineage() -> None:
    batch = run("INSERT INTO mart.tags SELECT id, tag FROM raw.posts LATERAL VIEW explode(tags) t AS tag", "spark")
    assert reads_writes(batch) == ({"raw.posts"}, {"mart.tags"})
    assert all(p.severity == "warning" for p in batch.problems)


def test_every_edge_carries_a_confidence() -> None:
    batch = run("INSERT INTO a SELECT x FROM b", "postgres")
    confidences = [f.confidence for f in batch.facts if f.fact in ("edge", "column_lineage")]
    assert confidences and all(0 < c <= 1 for c in confidences)
