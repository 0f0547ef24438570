"""Pins every sqlglot assumption `collectors/sql/_compat.py` makes, so an upgrade fails here first."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from collectors.sql import _compat


def test_sqlglot_version_is_the_tested_one() -> None:
    assert _compat.sqlglot_version() >= _compat.TESTED_VERSION


def test_from_clause_lives_under_from_underscore() -> None:
    select = sqlglot.parse_one("SELECT a FROM t")
    assert _compat.FROM_ARG in select.args
    assert _compat.from_clause(select).this.name == "t"


def test_unknown_statements_become_commands_with_keyword_and_rest() -> None:
    tree = _compat.parse("VACUUM big_table", _compat.dialect("postgres"))[0]
    assert isinstance(tree, exp.Command)
    assert _compat.command_parts(tree) == ("VACUUM", "big_table")


def test_qualify_accepts_the_options_we_pass_and_expands_stars() -> None:
    tree = sqlglot.parse_one("SELECT * FROM t")
    schema = _compat.MappingSchema({"t": {"a": "INT"}}, dialect="duckdb")
    out = _compat.qualify_columns(tree, d=_compat.dialect("duckdb"), schema=schema, db=None, catalog=None)
    assert out.sql() == "SELECT t.a AS a FROM t AS t"


def test_root_set_operation_scope_is_not_flagged_as_a_branch() -> None:
    root = _compat.build_scope(sqlglot.parse_one("SELECT a FROM x UNION ALL SELECT a FROM y"))
    assert root is not None and not root.is_set_operation and len(root.set_operation_scopes) == 2


def test_parse_errors_carry_a_line() -> None:
    try:
        _compat.parse("SELECT (1", _compat.dialect("postgres"))
    except _compat.ParseError as exc:
        assert exc.errors[0]["line"] == 1
    else:
        raise AssertionError("expected a ParseError")


def test_snowflake_semantic_view_is_a_table_wrapping_the_view() -> None:
    tree = sqlglot.parse_one("SELECT a FROM SEMANTIC_VIEW(db.v FACTS a)", read="snowflake")
    outer = tree.find(exp.Table)
    assert outer is not None and isinstance(outer.this, exp.SemanticView)
    assert isinstance(outer.this.this, exp.Table) and outer.this.this.name == "v"


def test_routine_bodies_parse_as_blocks_or_strings() -> None:
    block = sqlglot.parse_one("CREATE PROCEDURE p() AS BEGIN INSERT INTO t SELECT a FROM s; END", read="tsql")
    assert isinstance(block.expression, exp.Block)
    text = sqlglot.parse_one("CREATE PROCEDURE p() LANGUAGE SQL AS $$ SELECT 1 $$", read="postgres")
    assert isinstance(text.expression, exp.Heredoc)
    # Snowflake wraps a $$ body in a Block of one RawString; a quoted body is a string Literal. Both
    # carry the token's last line (1-based) in `meta`; a Postgres Heredoc carries none.
    snow = sqlglot.parse_one("CREATE PROCEDURE p()\nRETURNS INT\nAS $$\nSELECT 1\n$$", read="snowflake")
    assert isinstance(snow.expression, exp.Block) and isinstance(snow.expression.expressions[0], exp.RawString)
    assert snow.expression.expressions[0].meta["line"] == 5
    quoted = sqlglot.parse_one("CREATE PROCEDURE p() RETURNS INT AS\n'\nSELECT 1'", read="snowflake")
    assert isinstance(quoted.expression, exp.Literal) and quoted.expression.meta["line"] == 3
    assert not text.expression.meta
