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
    from collectors.sql.statements import Analyzer


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
    pairs: list[tuple[str, exp.Expression]] = []
    sources: list[exp.Expression] = [target.copy()]
    if isinstance(tree, exp.Update):
        pairs = [(e.this.name, e.expression) for e in tree.expressions if isinstance(e, exp.EQ)]
        frm = from_clause(tree)
        if frm is not None:
            sources.append(frm.this.copy())
        joins = list(frm.args.get("joins") or []) if frm is not None else []
        sources.extend(j.this.copy() for j in joins)
        if frm is not None and (frm.this is target or any(j.this is target for j in joins)):
            sources.pop(0)  # the target is one of the FROM tables (UPDATE alias SET ... FROM t AS alias)
    elif isinstance(tree, exp.Merge):
        on = tree.args.get("on")
        sources.append(exp.Join(this=tree.args["using"].copy(), on=on.copy() if on is not None else None))
        for when in (tree.args.get("whens") or exp.Whens()).expressions:
            then = when.args.get("then")
            if isinstance(then, exp.Update):
                pairs += [(e.this.name, e.expression) for e in then.expressions if isinstance(e, exp.EQ)]
            elif (
                isinstance(then, exp.Insert)
                and isinstance(then.this, exp.Tuple)
                and isinstance(then.expression, exp.Tuple)
            ):
                pairs += [(c.name, v) for c, v in zip(then.this.expressions, then.expression.expressions, strict=False)]
    if not pairs:
        return None
    select = exp.Select(expressions=[exp.alias_(value.copy(), name) for name, value in pairs])
    select = select.from_(sources[0])
    for extra in sources[1:]:
        select = select.join(extra)
    with_ = with_clause(tree)
    if with_ is not None:  # WITH s AS (...) UPDATE t SET ... FROM s: the CTEs are the SELECT's
        set_with(select, with_.copy())
    where = tree.args.get("where")
    if where is not None:
        select = select.where(where.this.copy())
    return select
