"""Column lineage of UPDATE ... SET and MERGE ... WHEN: each assignment is read as a projection of an
equivalent SELECT over the target and the statement's sources, then walked like any query.

Example:
    >>> from collectors.sql.statements import Analyzer, analyse_text
    >>> r = analyse_text("UPDATE t SET a = s.b FROM s WHERE t.id = s.id", Analyzer.for_dialect("postgres"))[0]
    >>> [(c.target, c.sources[0][1]) for c in r.columns if not c.indirect]
    [('a', 'b')]
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from collectors.sql._compat import SqlglotError, exp, from_clause, set_with, with_clause
from collectors.sql.columns import column_edges, failed, walk_query
from collectors.sql.result import StatementResult

if TYPE_CHECKING:
    from collectors.sql.analyzer import Analyzer

Assignment = tuple[str, exp.Expression]  # (column assigned, value)


def add_dml_columns(result: StatementResult, tree: exp.Expression, target: exp.Table, an: Analyzer) -> StatementResult:
    """Column lineage of UPDATE ... SET and MERGE ... WHEN, through an equivalent SELECT."""
    try:
        select = _dml_select(tree, target)
        if select is None:
            return result
        walk, root = walk_query(select, an)
        edges, names = column_edges(walk, root, ())
    except (SqlglotError, RecursionError, KeyError, ValueError, AttributeError) as exc:
        return failed(result, exc)
    return replace(
        result,
        columns=tuple(edges),
        output_columns=names,
        column_confidence=0.9 if not walk.unresolved else 0.6,
    )


def _dml_select(tree: exp.Expression, target: exp.Table) -> exp.Select | None:
    """The SELECT equivalent to an UPDATE's or a MERGE's assignments; None for other statements and
    when nothing is assigned."""
    if isinstance(tree, exp.Update):
        pairs, sources = _update_parts(tree, target)
    elif isinstance(tree, exp.Merge):
        pairs, sources = _merge_parts(tree, target)
    else:
        return None
    return _as_select(tree, pairs, sources) if pairs else None


def _update_parts(tree: exp.Update, target: exp.Table) -> tuple[list[Assignment], list[exp.Expression]]:
    """UPDATE t SET ... [FROM s ...]: its assignments; its sources the target, then the FROM tables
    (the target only among them when it is one: UPDATE alias SET ... FROM t AS alias)."""
    pairs = _assignments(tree.expressions)
    frm = from_clause(tree)
    if frm is None:
        return pairs, [target.copy()]
    tables = [frm.this, *(j.this for j in frm.args.get("joins") or [])]
    own = [] if any(t is target for t in tables) else [target.copy()]
    return pairs, [*own, *(t.copy() for t in tables)]


def _merge_parts(tree: exp.Merge, target: exp.Table) -> tuple[list[Assignment], list[exp.Expression]]:
    """MERGE INTO t USING s ON ...: the assignments of every WHEN clause; its sources the target
    joined to the USING source on the merge condition."""
    on = tree.args.get("on")
    using = exp.Join(this=tree.args["using"].copy(), on=on.copy() if on is not None else None)
    whens = (tree.args.get("whens") or exp.Whens()).expressions
    return [pair for when in whens for pair in _when_pairs(when.args.get("then"))], [target.copy(), using]


def _when_pairs(then: exp.Expression | None) -> list[Assignment]:
    """THEN UPDATE SET c = v, ...; THEN INSERT (c, ...) VALUES (v, ...); anything else assigns nothing."""
    if isinstance(then, exp.Update):
        return _assignments(then.expressions)
    if isinstance(then, exp.Insert) and isinstance(then.this, exp.Tuple) and isinstance(then.expression, exp.Tuple):
        return [(c.name, v) for c, v in zip(then.this.expressions, then.expression.expressions, strict=False)]
    return []


def _assignments(expressions: list[exp.Expression]) -> list[Assignment]:
    return [(e.this.name, e.expression) for e in expressions if isinstance(e, exp.EQ)]


def _as_select(tree: exp.Expression, pairs: list[Assignment], sources: list[exp.Expression]) -> exp.Select:
    """SELECT value AS column, ... FROM the first source JOIN the others, with the statement's
    CTEs (WITH s AS (...) UPDATE t SET ... FROM s) and its WHERE."""
    select = exp.Select(expressions=[exp.alias_(value.copy(), name) for name, value in pairs])
    select = select.from_(sources[0])
    for extra in sources[1:]:
        select = select.join(extra)
    with_ = with_clause(tree)
    if with_ is not None:
        set_with(select, with_.copy())
    where = tree.args.get("where")
    if where is not None:
        select = select.where(where.this.copy())
    return select
