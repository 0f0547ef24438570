"""Column lineage of one statement in a single pass: qualify once, then walk the scopes bottom-up,
computing every scope's output columns from its children's. No per-column `lineage()` calls, so
no deep copies: the cost is one `qualify` plus one walk of each projection.

Each output column gets its direct sources with the strongest transformation met on the way
(identity < transformation < masking < aggregation); columns used in WHERE/HAVING/QUALIFY become
indirect `filter` sources and join keys indirect `join` sources of every output column. The walk
of the scopes is `scope_walk.py`; UPDATE and MERGE go through `dml_columns.py`.

Example:
    >>> from collectors.sql.statements import Analyzer, analyse_text
    >>> r = analyse_text("CREATE TABLE t AS SELECT a, sum(b) AS s FROM x GROUP BY a",
    ...                  Analyzer.for_dialect("duckdb"))[0]
    >>> [(c.target, c.sources[0][1], c.rank) for c in r.columns if not c.indirect]
    [('a', 'a', 0), ('s', 'b', 3)]
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from collectors.sql._compat import (
    MappingSchema,
    Scope,
    SqlglotError,
    build_scope,
    exp,
    qualify_columns,
    set_with,
    with_clause,
)
from collectors.sql.result import IDENTITY, ColumnEdge, Note, StatementResult, TableRef
from collectors.sql.scope_walk import ScopeWalk, Source
from collectors.sql.tables import REF, TableScan

if TYPE_CHECKING:
    from collectors.sql.analyzer import Analyzer


def _statement_schema(query: exp.Expr, an: Analyzer, read: list[exp.Table] | None) -> MappingSchema | None:
    """A schema of just the tables this statement reads, nested as deep as the deepest known one;
    table nodes are padded to that depth so that sqlglot can match them. `read` is the table
    nodes the table scan found (None: look for them under `query`)."""
    if an.schema is None:
        return None
    if read is None:
        read = [t for t in query.find_all(exp.Table) if t.meta.get(REF) is not None]
    tables = [t for t in read if t.meta[REF].kind == "table"]
    hits = {id(t): an.schema.lookup(t.meta[REF].parts) for t in tables}
    known = [h for h in hits.values() if h is not None]
    if not known:
        return None
    depth = max(len(full) for full, _ in known)
    nested: dict[str, Any] = {}
    for t in tables:
        hit = hits[id(t)]
        parts = hit[0] if hit else t.meta[REF].parts
        parts = ("_",) * (depth - len(parts)) + parts[-depth:]
        for key, value in zip(("catalog", "db"), parts[:-1][-2:] if depth == 3 else (None, *parts[:-1]), strict=False):
            if value is not None:
                t.set(key, exp.to_identifier(value))
        if hit:
            node = nested
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = dict.fromkeys(hit[1], "UNKNOWN")
    return MappingSchema(nested, dialect=an.d, normalize=False)  # names were folded by SchemaIndex.folded


def walk_query(
    query: exp.Expr, an: Analyzer, ctes: set[str] | None = None, read: list[exp.Table] | None = None
) -> tuple[ScopeWalk, Scope]:
    schema = _statement_schema(query, an, read)
    qualified = qualify_columns(query, d=an.d, schema=schema, db=None, catalog=None)
    root = build_scope(qualified)
    if root is None:
        raise SqlglotError("no query scope")
    walk = ScopeWalk(
        an.d,
        ctes,
        schema=an.schema,
        lateral_aliases=an.hooks.lateral_column_aliases,
        count_star_reads=an.options.conventions.count_star_reads_columns,
    )
    for scope in root.traverse():
        walk.scope(scope)
    return walk, root


def _engine_names(query: exp.Expr, an: Analyzer) -> dict[int, str] | None:
    """The dialect's engine's names of the unaliased expressions of the query's output, by
    position, taken before qualification rewrites them; None when positions may not survive it
    (a star expands) or the dialect keeps sqlglot's names."""
    namer = an.hooks.unnamed_column
    first = query
    while isinstance(first, exp.SetOperation | exp.Subquery):
        first = first.this
    if namer is None or not isinstance(first, exp.Select):
        return None
    names: dict[int, str] = {}
    for i, p in enumerate(first.expressions):
        if isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star)):
            return None
        if not isinstance(p, exp.Alias | exp.Column | exp.Dot):
            name = namer(p, i, len(names))
            if name:
                names[i] = name
    return names


def column_edges(
    walk: ScopeWalk, root: Scope, targets: tuple[str, ...], engine_names: dict[int, str] | None = None
) -> tuple[list[ColumnEdge], tuple[str, ...]]:
    produced = walk.outputs.get(id(root), {})
    names = list(produced)
    renamed = engine_names or {}
    out_names = tuple(targets[i] if i < len(targets) else renamed.get(i, n) for i, n in enumerate(names))
    edges: list[ColumnEdge] = []
    filters = tuple(sorted(walk.filters, key=_key))  # one tuple shared by every output column's edge
    joins = tuple(sorted(walk.joins, key=_key))
    for out, name in zip(out_names, names, strict=True):
        srcs, rank = produced[name]
        edges.append(ColumnEdge(out, tuple(sorted(srcs, key=_key)), rank))
        if filters:
            edges.append(ColumnEdge(out, filters, IDENTITY, "filter"))
        if joins:
            edges.append(ColumnEdge(out, joins, IDENTITY, "join"))
    return edges, out_names


def _key(s: Source) -> tuple[str, str]:
    return s[0].key, s[1]


def _ai_inputs(result: StatementResult, walk: ScopeWalk, found: TableScan) -> StatementResult:
    calls = list(result.ai_calls)
    for node, index in found.ai_nodes:
        scope = None
        parent = node.parent
        while parent is not None and scope is None:
            scope = walk.by_expression.get(id(parent))
            parent = parent.parent
        if scope is None:
            continue
        refs: dict[TableRef, None] = {}
        for arg in node.iter_expressions():
            for src, _ in walk.expression(arg, scope)[0]:
                refs[src] = None
        if refs:
            calls[index] = replace(calls[index], inputs=tuple(refs))
    return replace(result, ai_calls=tuple(calls))


def failed(result: StatementResult, exc: BaseException) -> StatementResult:
    message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return replace(
        result,
        column_confidence=0.0,
        notes=(*result.notes, Note(f"column lineage failed ({message}); table lineage kept", "warning")),
    )


def add_columns(
    result: StatementResult,
    query: exp.Expr,
    an: Analyzer,
    found: TableScan,
    targets: tuple[str, ...],
    *,
    by_position: bool = False,
) -> StatementResult:
    """`result` with column lineage of `query` (the SELECT that feeds the statement's output).
    `targets` name the output columns by position; `by_position`: they are the target table's
    known columns (an INSERT without a column list), used only when the query's columns are all
    known and no more than the table has. Literal rows (`INSERT ... VALUES`) read no column: none."""
    if isinstance(query, exp.Values):
        return result
    try:
        parent = query.parent
        while isinstance(parent, exp.Subquery):  # INSERT INTO t (SELECT ...)
            parent = parent.parent
        with_ = with_clause(parent) if parent is not None else None
        read: list[exp.Table] | None = found.tables
        if with_ is not None and isinstance(query, exp.Query) and not with_clause(query):
            set_with(query, with_.copy())  # WITH ... INSERT/CREATE: the CTEs belong to the query
            read = None  # the copied CTEs' tables are new nodes
        named = 0 if by_position else len(targets)  # known columns may yet be dropped below
        engine_names = _engine_names(query, an) if named < len(getattr(query, "selects", ())) else None
        walk, root = walk_query(query, an, found.ctes, read)
        if by_position:
            produced = walk.outputs.get(id(root), {})
            if "*" in produced or len(produced) > len(targets):
                targets = ()
        edges, names = column_edges(walk, root, targets, engine_names)
        result = _ai_inputs(result, walk, found)
    except (SqlglotError, RecursionError, KeyError, ValueError, AttributeError) as exc:
        return failed(result, exc)
    confidence = 0.9 if not walk.unresolved and "*" not in names else 0.6
    return replace(result, columns=tuple(edges), output_columns=names, column_confidence=confidence)
