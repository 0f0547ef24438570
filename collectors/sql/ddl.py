"""Statements that change the catalog rather than copy data: DROP and TRUNCATE (the dataset is
retired or emptied), ALTER TABLE (RENAME and SWAP move a dataset's identity; other actions may
read tables), USE (later statements' default database), and CREATE of anything but a table or
view (external functions are remembered; procedure and function bodies are `routines.py`).

Example:
    >>> from collectors.sql.analyzer import Analyzer
    >>> from collectors.sql.statements import analyse_text
    >>> r = analyse_text("ALTER TABLE s.a RENAME TO b", Analyzer.for_dialect("postgres"))[0]
    >>> (r.kind, [i.key for i in r.inputs], [o.key for o in r.outputs])
    ('rename', ['s.a'], ['s.b'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collectors.sql._compat import exp
from collectors.sql.result import StatementResult, TableRef
from collectors.sql.tables import scan, table_ref, target_table

if TYPE_CHECKING:
    from collectors.sql.analyzer import Analyzer


def _ref(an: Analyzer, table: exp.Table | None) -> TableRef | None:
    return table_ref(an.d, table) if table is not None else None


def drop(tree: exp.Drop, an: Analyzer) -> StatementResult:
    kind = str(tree.args.get("kind") or "").upper()
    if kind not in ("TABLE", "VIEW", "MATERIALIZED VIEW", "DYNAMIC TABLE", "EXTERNAL TABLE"):
        return StatementResult(kind=f"drop_{kind.lower() or 'other'}")
    refs = tuple(r for r in (_ref(an, t) for t in tree.find_all(exp.Table)) if r is not None)
    outputs = refs if an.options.conventions.drop_is_output else ()
    return StatementResult(kind="drop", outputs=outputs, retired=refs)


def truncate(tree: exp.TruncateTable, an: Analyzer) -> StatementResult:
    refs = tuple(r for r in (_ref(an, t) for t in tree.expressions if isinstance(t, exp.Table)) if r)
    return StatementResult(kind="truncate", outputs=refs if an.options.conventions.truncate_is_output else ())


def alter(tree: exp.Alter, an: Analyzer) -> StatementResult:
    old = _ref(an, target_table(tree.this))
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.SwapTable) and old is not None:
            other = _ref(an, target_table(action.this))
            if other is not None:
                both = an.options.conventions.swap_both_ways
                return StatementResult(
                    kind="swap", inputs=(other, old) if both else (other,), outputs=(old, other) if both else (old,)
                )
        if isinstance(action, exp.AlterRename) and old is not None:
            new = _ref(an, target_table(action.this))
            if new is not None and len(new.parts) < len(old.parts):
                new = TableRef(old.parts[: len(old.parts) - len(new.parts)] + new.parts, new.kind)
            if not an.options.conventions.rename_is_lineage:
                return StatementResult(kind="rename", retired=(old,))
            return StatementResult(kind="rename", inputs=(old,), outputs=(new,) if new else (), retired=(old,))
    found = scan(tree, an.d, an.ai, skip={id(target_table(tree.this))})
    outputs = (old,) if old is not None and an.options.conventions.alter_is_output else ()
    return StatementResult(kind="alter", inputs=tuple(found.inputs), outputs=outputs)


def use(tree: exp.Use, an: Analyzer) -> StatementResult:
    target = tree.this
    parts = tuple(p.name for p in target.parts) if isinstance(target, exp.Table) else (target.name,)
    return StatementResult(kind="use", defines=(("use", ".".join(parts)),))


def create_other(tree: exp.Create, an: Analyzer, kind: str) -> StatementResult:
    """CREATE FUNCTION (external or remote ones are remembered as external calls), SCHEMA, INDEX, and
    routines without a body of SQL statements."""
    props = tree.args.get("properties")
    remote = props is not None and any(
        isinstance(p, exp.ExternalProperty | exp.RemoteWithConnectionModelProperty) for p in props.expressions
    )
    if kind == "FUNCTION" and remote and isinstance(tree.this, exp.UserDefinedFunction):
        name = (
            ".".join(p.name for p in tree.this.this.parts) if isinstance(tree.this.this, exp.Table) else tree.this.name
        )
        return StatementResult(kind="create_external_function", defines=(("external_function", name.upper()),))
    return StatementResult(kind=f"create_{kind.lower() or 'other'}")
