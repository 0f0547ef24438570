"""One statement's lineage: what kind it is, what it reads and writes, and (via `columns.py`) how
each output column is made. Statement types are handled by a table of small functions keyed by
sqlglot expression class; dialect quirks live in `dialects/`, never here.

Example:
    >>> r = analyse_text("INSERT INTO mart.t SELECT a FROM raw.s", Analyzer.for_dialect("postgres"))[0]
    >>> (r.kind, [i.key for i in r.inputs], [o.key for o in r.outputs])
    ('insert', ['raw.s'], ['mart.t'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from collectors.sql import columns as column_pass
from collectors.sql import ddl, dictionaries, dml_columns, routine_text, routines
from collectors.sql._compat import (
    Dialect,
    ParseError,
    SqlglotError,
    TokenError,
    command_parts,
    dialect,
    exp,
    from_clause,
    parse,
)
from collectors.sql.analyzer import Analyzer
from collectors.sql.dialects._uri import location_ref
from collectors.sql.guard import StatementTimeout, check_limits, time_limit
from collectors.sql.result import Note, StatementResult, TableRef
from collectors.sql.tables import fold, scan, table_ref, target_table

__all__ = ["Analyzer", "analyse_statement", "analyse_text", "analyse_tree"]

# Statements with no lineage that are understood (not reported).
_SILENT = (
    exp.Set,
    exp.Show,
    exp.Describe,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Pragma,
    exp.Grant,
    exp.Revoke,
    exp.Comment,
    exp.Analyze,
    exp.Declare,
    exp.Cache,
    exp.Uncache,
    exp.Refresh,
    exp.EndStatement,
)
_TEMP_PREFIX = "#"
_STATEMENT_START = re.compile(
    r"^(?=(?:INSERT|SELECT|UPDATE|DELETE|MERGE|CREATE|DROP|WITH|ALTER|TRUNCATE)\b)", re.I | re.M
)


def analyse_text(text: str, an: Analyzer) -> list[StatementResult]:
    """Results for one statement's text (usually one; a chunk sqlglot splits further gives more)."""
    reason = check_limits(text, an.options.limits)
    if reason:
        return [StatementResult(kind="unparsed", notes=(Note(reason),), confidence=0.0)]
    try:
        with time_limit(an.options.limits.timeout_seconds):
            return _parse_and_analyse(text, an.d, an)
    except StatementTimeout:
        message = f"took longer than {an.options.limits.timeout_seconds:g} s to analyse; skipped"
    except RecursionError:
        message = "too deeply nested to parse"
    except (ParseError, TokenError) as exc:
        retried = _reparse(text, an)
        if retried is not None:
            return retried
        parts = _STATEMENT_START.split(text)
        if len(parts) > 2:  # statements not separated by semicolons (T-SQL scripts): try each line-start
            starts = [m.start() for m in _STATEMENT_START.finditer(text)]
            pieces = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
            return [r for piece in pieces for r in analyse_text(piece.strip(), an)]
        return [StatementResult(kind="unparsed", notes=(_parse_note(exc),), confidence=0.0)]
    except SqlglotError as exc:
        message = f"cannot analyse: {str(exc).splitlines()[0][:200]}"
    return [StatementResult(kind="unparsed", notes=(Note(message),), confidence=0.0)]


def _parse_and_analyse(text: str, d: Dialect, an: Analyzer) -> list[StatementResult]:
    """Parse and analyse inside the caller's `time_limit` block. The trees are cyclic (children
    point at their parents), so only the cyclic collector frees them: they die here, while it is
    paused, and its first pass after the block frees them all at once instead of promoting them
    to older generations that are traversed again and again."""
    trees = [t for t in parse(text, d) if t is not None]
    if dictionaries.mentioned(text):
        trees = [dictionaries.rewrite(t, d) for t in trees]
    return [r for t in trees for r in analyse_statement(t, an, text)]


def _reparse(text: str, an: Analyzer) -> list[StatementResult] | None:
    """Results of a statement the dialect's parser rejected, parsed after the dialect's text rewrites
    or by its fallback dialects' rules; None when none of them parses it either."""
    rewritten = an.hooks.rewrite_text(text)
    attempts = [(rewritten, an.d, 1.0)] if rewritten is not None else []
    attempts += [(rewritten or text, dialect(name), 0.8) for name in an.hooks.fallback_dialects]
    for sql, d, confidence in attempts:
        try:
            with time_limit(an.options.limits.timeout_seconds):
                results = _parse_and_analyse(sql, d, an)
        except (SqlglotError, StatementTimeout, RecursionError):
            continue
        return [replace(r, confidence=min(r.confidence, confidence)) for r in results]
    return None


def _parse_note(exc: SqlglotError) -> Note:
    errors = getattr(exc, "errors", None) or []
    first = errors[0] if errors else {}
    desc = str(first.get("description") or str(exc).splitlines()[0])[:200]
    line = int(first.get("line") or 1) - 1
    if isinstance(exc, TokenError):
        return Note(f"cannot tokenize (an unterminated string, quoted name or comment?): {desc}", "error", 0)
    return Note(f"cannot parse: {desc}", "error", max(line, 0))


def analyse_statement(tree: exp.Expression, an: Analyzer, text: str = "") -> list[StatementResult]:
    """Results for one parsed statement: one, or the steps of a procedure's or function's body
    (`text`, what the statement was parsed from, places a body written as a string)."""
    written = routine_text.text_body(tree, text)
    if written is not None:
        return routine_text.steps(tree, written, an, analyse_text)  # type: ignore[arg-type]
    body = routines.body(tree)
    if body is not None:
        return routines.steps(tree, body, an, analyse_statement, analyse_text)  # type: ignore[arg-type]
    return [analyse_tree(tree, an)]


def analyse_tree(tree: exp.Expression, an: Analyzer) -> StatementResult:
    handler = _HANDLERS.get(type(tree))
    if handler is None:
        for cls, fn in _HANDLERS.items():
            if isinstance(tree, cls):
                handler = fn
                break
    if handler is None:
        if isinstance(tree, _SILENT):
            return StatementResult(kind=type(tree).__name__.lower())
        return StatementResult(
            kind="other",
            notes=(
                Note(
                    f"statement type {type(tree).__name__} has no lineage rule; no lineage taken from it",
                    "warning",
                ),
            ),
        )
    return handler(tree, an)


# -- building results ------------------------------------------------------------------------------


def _ref(an: Analyzer, table: exp.Table | None) -> TableRef | None:
    return table_ref(an.d, table) if table is not None else None


def _result(
    tree: exp.Expression,
    an: Analyzer,
    kind: str,
    targets: list[exp.Table],
    *,
    extra_inputs: tuple[TableRef, ...] = (),
    extra_outputs: tuple[TableRef, ...] = (),
    temporary: bool = False,
    query: exp.Expr | None = None,
    target_columns: tuple[str, ...] = (),
    by_position: bool = False,
    read_targets: bool = False,
    hidden: tuple[exp.Table, ...] = (),
    creates: bool = False,
) -> StatementResult:
    skip = {id(t) for t in (*targets, *hidden)}
    found = scan(tree, an.d, an.ai, skip=skip, external=an.external)
    outputs = [r for r in (_ref(an, t) for t in targets) if r is not None] + list(extra_outputs)
    inputs = list(dict.fromkeys([*extra_inputs, *found.inputs]))
    if read_targets:
        inputs.extend(o for o in outputs if o not in inputs)
    for t in targets:
        if t.name.startswith(_TEMP_PREFIX):
            temporary = True
    result = StatementResult(
        kind=kind,
        inputs=tuple(inputs),
        outputs=tuple(dict.fromkeys(outputs)),
        temporary=tuple(outputs) if temporary else (),
        creates=tuple(outputs[:1]) if creates else (),
        ai_calls=tuple(found.ai_calls),
    )
    if an.options.columns and query is not None:
        result = column_pass.add_columns(result, query, an, found, target_columns, by_position=by_position)
    return result


def _query_kind(tree: exp.Expression, an: Analyzer) -> StatementResult:
    first = tree
    while isinstance(first, exp.SetOperation):  # SELECT ... INTO t FROM a UNION SELECT ... FROM b
        first = first.this
    into = first.args.get("into") if isinstance(first, exp.Select) else None
    if into is not None:
        target = target_table(into.this)
        first.set("into", None)
        temp = bool(into.args.get("temporary") or into.args.get("unlogged"))
        return _result(tree, an, "select_into", [target] if target else [], temporary=temp, query=tree, creates=True)
    if an.options.select_target:  # the query of a job that writes this one table
        parts = [*an.options.select_target.rsplit(".", 2)[::-1], None, None]  # table, db, catalog as given
        target = exp.table_(parts[0], parts[1], parts[2], quoted=True)  # never parsed as SQL
        return _result(tree, an, "select_output", [target], query=tree, target_columns=_known_columns(an, target),
                       by_position=True)
    return _result(tree, an, "select", [], query=tree)


def _insert(tree: exp.Insert, an: Analyzer) -> StatementResult:
    this = tree.this
    cols = tuple(fold(an.d, c) for c in this.expressions) if isinstance(this, exp.Schema) else ()
    if isinstance(this, exp.Directory):
        loc = location_ref(this.this.name)
        return _result(tree, an, "insert_directory", [], extra_outputs=(loc,), query=tree.expression)
    kind = "insert_overwrite" if tree.args.get("overwrite") else "insert"
    target = target_table(this)
    known = _known_columns(an, target) if not cols else ()
    query = _unwrap(tree.expression)
    return _result(
        tree, an, kind, [target] if target else [], query=query, target_columns=cols or known, by_position=not cols
    )


def _known_columns(an: Analyzer, target: exp.Table | None) -> tuple[str, ...]:
    """The columns the schema knows a table to have, in order (an INSERT without a column list
    fills them by position)."""
    ref = _ref(an, target) if an.schema is not None and an.options.columns else None
    hit = an.schema.lookup(ref.parts) if an.schema is not None and ref is not None else None
    return hit[1] if hit is not None else ()


def _unwrap(query: exp.Expr | None) -> exp.Expr | None:
    """The query inside parentheses: `INSERT INTO t (SELECT ...)`, `CREATE VIEW v AS ((SELECT ...))`."""
    while isinstance(query, exp.Subquery) and isinstance(query.this, exp.Query):
        query = query.this
    return query


def _has_property(tree: exp.Create, *kinds: type[exp.Expression]) -> bool:
    props = tree.args.get("properties")
    return bool(props and any(isinstance(p, kinds) for p in props.expressions))


def _declared_columns(tree: exp.Create, an: Analyzer) -> tuple[str, ...]:
    """The columns written in `CREATE TABLE t (a INT, ...)` or `CREATE VIEW v (a, b) AS ...`."""
    if not isinstance(tree.this, exp.Schema):
        return ()
    return tuple(fold(an.d, c.this if isinstance(c, exp.ColumnDef) else c)
                 for c in tree.this.expressions if isinstance(c, exp.ColumnDef | exp.Identifier))


def _create(tree: exp.Create, an: Analyzer) -> StatementResult:
    kind = str(tree.args.get("kind") or "").upper()
    target = target_table(tree.this)
    if kind not in ("TABLE", "VIEW") or target is None:
        return ddl.create_other(tree, an, kind)
    temp = _has_property(tree, exp.TemporaryProperty, exp.VolatileProperty)
    body = _unwrap(tree.expression)
    query: exp.Expr | None = body if isinstance(body, exp.Query) else None
    if kind == "VIEW":
        label = "materialized_view" if _has_property(tree, exp.MaterializedProperty) else "view"
    else:
        label = "create_table_as" if query is not None else "create_table"
    cols = _declared_columns(tree, an)
    if (
        query is None
        and not tree.args.get("clone")
        and not an.options.conventions.ddl_is_output
        and not _has_like(tree)
    ):
        ref = _ref(an, target)
        return StatementResult(kind=label, output_columns=cols, creates=(ref,) if ref is not None else ())
    result = _result(tree, an, label, [target], temporary=temp, query=query, target_columns=cols, creates=True)
    return replace(result, output_columns=result.output_columns or cols)


def _has_like(tree: exp.Create) -> bool:
    return any(True for _ in tree.find_all(exp.LikeProperty))


def _dml(kind: str) -> Callable[[exp.Expression, Analyzer], StatementResult]:
    def handle(tree: exp.Expression, an: Analyzer) -> StatementResult:
        written = target_table(tree.this)
        target = _aliased_target(tree, written) if kind in ("update", "delete") else written
        hidden = (written,) if written is not None and target is not written else ()
        read_target = kind == "update" and an.options.conventions.update_target_is_input
        if kind == "delete" and not an.options.conventions.delete_is_output:
            return _result(tree, an, kind, [], hidden=(*hidden, *([target] if target else [])))
        result = _result(tree, an, kind, [target] if target else [], read_targets=read_target, hidden=hidden)
        if an.options.columns and kind in ("update", "merge") and target is not None:
            result = dml_columns.add_dml_columns(result, tree, target, an)
        return result

    return handle


def _aliased_target(tree: exp.Expression, target: exp.Table | None) -> exp.Table | None:
    """The table an UPDATE/DELETE writes when its target is an alias of a FROM or JOIN table
    (T-SQL `UPDATE sr SET ... FROM Production.ScrapReason AS sr JOIN ...`); else `target`."""
    if target is None or target.args.get("db") or target.alias:
        return target
    frm = from_clause(tree)
    if frm is None:
        return target
    joins = [*(frm.args.get("joins") or []), *(tree.args.get("joins") or [])]
    for table in (frm.this, *(j.this for j in joins)):
        if isinstance(table, exp.Table) and table.alias and table.alias == target.name:
            return table
    return target


def _copy(tree: exp.Copy, an: Analyzer) -> StatementResult:
    files: list[TableRef] = []
    for f in tree.args.get("files") or []:
        ref = (
            location_ref(f.name) if isinstance(f, exp.Literal) else (_ref(an, f) if isinstance(f, exp.Table) else None)
        )
        if ref is not None:
            files.append(ref)
    if tree.args.get("kind"):  # COPY [INTO] target FROM files, or (Snowflake unload) FROM (query)
        target = target_table(tree.this)
        unload = next((f.this for f in tree.args.get("files") or [] if isinstance(f, exp.Subquery)), None)
        return _result(
            tree, an, "copy_from", [target] if target else [], extra_inputs=tuple(files), query=_unwrap(unload)
        )
    query = tree.this.this if isinstance(tree.this, exp.Subquery) else None
    return _result(tree, an, "copy_to", [], extra_outputs=tuple(files), query=query)


def _command(tree: exp.Command, an: Analyzer) -> StatementResult:
    keyword, rest = command_parts(tree)
    rewrite = an.hooks.rewrite_command(keyword, rest)
    if rewrite is None:
        return StatementResult(
            kind="command",
            notes=(
                Note(
                    f"not understood: sqlglot reads this {keyword.upper()} statement only as an opaque "
                    "command; "
                    "no lineage taken from it",
                    "warning",
                ),
            ),
            confidence=0.0,
        )
    inner = StatementResult(kind=rewrite.kind)
    named_in = tuple(r for r in (_named(an, n) for n in rewrite.input_tables) if r is not None)
    named_out = tuple(r for r in (_named(an, n) for n in rewrite.output_tables) if r is not None)
    rewrite = replace(rewrite, inputs=rewrite.inputs + named_in, outputs=rewrite.outputs + named_out)
    if rewrite.query:
        found = analyse_text(rewrite.query, an)
        inner = found[0] if found else inner
    return replace(
        inner,
        kind=rewrite.kind,
        inputs=tuple(dict.fromkeys([*rewrite.inputs, *inner.inputs])),
        outputs=tuple(dict.fromkeys([*inner.outputs, *rewrite.outputs])),
        confidence=min(inner.confidence, 0.8) if rewrite.query else 0.8,
    )


def _named(an: Analyzer, name: str) -> TableRef | None:
    """The ref of a table name written in an opaque command, case-folded by the dialect's rules."""
    try:
        return _ref(an, exp.to_table(name, dialect=an.d))
    except SqlglotError:
        return None


_HANDLERS: dict[type[exp.Expression], Callable[..., StatementResult]] = {
    exp.Select: _query_kind,
    exp.Subquery: lambda tree, an: analyse_tree(tree.unnest(), an),
    exp.SetOperation: _query_kind,
    exp.Insert: _insert,
    exp.Create: _create,
    exp.Update: _dml("update"),
    exp.Delete: _dml("delete"),
    exp.Merge: _dml("merge"),
    exp.Copy: _copy,
    exp.Drop: ddl.drop,
    exp.TruncateTable: ddl.truncate,
    exp.Alter: ddl.alter,
    exp.Use: ddl.use,
    exp.Command: _command,
}
