"""Column lineage of one statement in a single pass: qualify once, then walk the scopes bottom-up,
computing every scope's output columns from its children's. No per-column `lineage()` calls, so
no deep copies: the cost is one `qualify` plus one walk of each projection.

Each output column gets its direct sources with the strongest transformation met on the way
(identity < transformation < masking < aggregation); columns used in WHERE/HAVING/QUALIFY become
indirect `filter` sources and join keys indirect `join` sources of every output column.

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
    Dialect,
    MappingSchema,
    Scope,
    SqlglotError,
    build_scope,
    exp,
    from_clause,
    qualify_columns,
    set_with,
    with_clause,
)
from collectors.sql.result import (
    AGGREGATION,
    IDENTITY,
    MASKING,
    TRANSFORMATION,
    ColumnEdge,
    Note,
    StatementResult,
    TableRef,
)
from collectors.sql.schema import SchemaIndex
from collectors.sql.tables import REF, TableScan, table_ref

if TYPE_CHECKING:
    from collectors.sql.statements import Analyzer

Source = tuple[TableRef, str]
Col = tuple[frozenset[Source], int]
_MASKING = (exp.MD5, exp.SHA, exp.SHA2, exp.MD5Digest)
_EMPTY: frozenset[Source] = frozenset()


class _Walk:
    """State of one statement's pass: each scope's output columns, and what filters and joins read."""

    def __init__(
        self,
        d: Dialect,
        ctes: set[str] | None = None,
        *,
        schema: SchemaIndex | None = None,
        lateral_aliases: bool = False,
    ) -> None:
        self.d = d
        self.ctes = ctes or set()
        self.schema = schema
        self.lateral_aliases = lateral_aliases
        self.outputs: dict[int, dict[str, Col]] = {}
        self.by_expression: dict[int, Scope] = {}
        self.filters: set[Source] = set()
        self.joins: set[Source] = set()
        self.unresolved = 0
        self._selected: dict[int, list[Any]] = {}
        self.read_names: set[str] = set()

    def selected(self, scope: Scope) -> list[Any]:
        """The sources of a scope's FROM and JOINs (a CTE scope also sees the CTEs before it, unread)."""
        found = self._selected.get(id(scope))
        if found is None:
            found = self._selected[id(scope)] = [source for _, source in scope.selected_sources.values()]
        return found

    def source_of(self, name: str, scope: Scope) -> Any:
        """The one FROM/JOIN source of `scope` that can have an unqualified column `name`: a query
        that outputs it, else the only source whose columns are unknown; None when ambiguous."""
        candidates = self.selected(scope)
        if len(candidates) == 1:
            return candidates[0]
        definite: list[Any] = []
        possible: list[Any] = []
        for source in candidates:
            if isinstance(source, Scope):
                outputs = self.outputs.get(id(source), {})
                if name in outputs:
                    definite.append(source)
                elif "*" in outputs:
                    possible.append(source)
            elif isinstance(source, exp.Table):
                ref = self.ref(source)
                known = self.schema.lookup(ref.parts) if ref is not None and self.schema is not None else None
                if known is None:
                    possible.append(source)
                elif name in known[1]:
                    definite.append(source)
        if len(definite) == 1:
            return definite[0]
        return possible[0] if not definite and len(possible) == 1 else None

    def named(self, scope: Scope, qualifier: str) -> Any:
        """The source a qualifier names: its alias, else the name of the one table it aliases
        (`SELECT tab2.* FROM tab2 a`, which some engines accept)."""
        source = scope.sources.get(qualifier)
        if source is None:
            tables = [s for s in self.selected(scope) if isinstance(s, exp.Table) and s.name == qualifier]
            source = tables[0] if len(tables) == 1 else None
        return source

    def column(self, col: exp.Column, scope: Scope) -> Col:
        table = col.table
        s: Scope | None = scope
        source: Any = None
        while s is not None:
            if table:
                source = self.named(s, table)
                if source is not None:
                    break
            elif self.selected(s):
                source = self.source_of(col.name, s)
                break
            elif s.sources:  # a lateral or table-function source only
                source = next(iter(s.sources.values())) if len(s.sources) == 1 else None
                break
            s = s.parent  # no FROM (`SELECT (SELECT a + b) FROM t`): the outer query's columns
        if isinstance(source, exp.Table):
            ref = self.ref(source)
            return (frozenset({(ref, col.name)}), IDENTITY) if ref is not None else (_EMPTY, IDENTITY)
        if isinstance(source, Scope):
            outputs = self.outputs.get(id(source), {})
            found = outputs.get(col.name)
            if found is not None:
                return found
            star = outputs.get("*")
            tables = {ref for ref, name in star[0] if name == "*"} if star else set()
            if len(tables) == 1:  # SELECT * of one table whose columns are unknown: the column is that table's
                return frozenset({(tables.pop(), col.name)}), star[1]  # type: ignore[index]
        self.unresolved += 1
        return _EMPTY, IDENTITY

    def ref(self, table: exp.Table) -> TableRef | None:
        """The ref recorded on a table node; tables the optimizer rebuilt get theirs recomputed."""
        ref = table.meta.get(REF)
        if ref is None:
            ref = table_ref(self.d, table)
            if ref is not None and ref.kind == "table":
                ref = TableRef(tuple(p for p in ref.parts if p != "_"))
                if len(ref.parts) == 1 and ref.parts[0] in self.ctes:
                    ref = None
            table.meta[REF] = ref
        return ref

    def star(self, star: exp.Expression, scope: Scope) -> Col:
        table = star.table if isinstance(star, exp.Column) else ""
        found: set[Source] = set()
        for source in [self.named(scope, table)] if table else self.selected(scope) or scope.sources.values():
            if isinstance(source, exp.Table) and self.ref(source) is not None:
                found.add((self.ref(source), "*"))  # type: ignore[arg-type]
            elif isinstance(source, Scope):
                for srcs, _ in self.outputs.get(id(source), {}).values():
                    found.update(srcs)
        return frozenset(found), IDENTITY

    def expression(self, node: exp.Expr, scope: Scope, aliases: dict[str, Col] | None = None) -> Col:
        """Sources and rank of one expression of `scope`, without descending into other scopes;
        `aliases`: the earlier projections a lateral alias reference may read."""
        inner = node.this if isinstance(node, exp.Alias) else node
        if isinstance(inner, exp.Column):
            if isinstance(inner.this, exp.Star):
                return self.star(inner, scope)
            if aliases is not None:
                if not inner.table and inner.name in aliases:
                    return aliases[inner.name]
                self.read_names.add(inner.name)
            return self.column(inner, scope)
        if isinstance(inner, exp.Star):
            return self.star(inner, scope)
        sources: set[Source] = set()
        rank = TRANSFORMATION
        stack = [inner]
        while stack:
            n = stack.pop()
            if isinstance(n, exp.Column):
                if aliases is not None and not n.table and n.name in aliases:
                    srcs, r = aliases[n.name]
                else:
                    if aliases is not None:
                        self.read_names.add(n.name)
                    srcs, r = self.column(n, scope)
                sources.update(srcs)
                rank = max(rank, r)
                continue
            if isinstance(n, exp.Dot):
                field = _field_access(n)
                if field is not None:  # `p.product_code` on an UNNEST element, `s.f1.f2` on a struct column
                    srcs, r = self.column(field[0], scope)
                    sources.update((ref, f"{name}.{field[1]}") for ref, name in srcs)
                    rank = max(rank, r)
                    continue
            if isinstance(n, exp.Query | exp.Subquery):
                child = self.by_expression.get(id(n.this if isinstance(n, exp.Subquery) else n))
                if child is not None:
                    for srcs, r in self.outputs.get(id(child), {}).values():
                        sources.update(srcs)
                        rank = max(rank, r)
                continue
            if isinstance(n, exp.AggFunc):
                rank = AGGREGATION
            elif isinstance(n, _MASKING) and rank < MASKING:
                rank = MASKING
            stack.extend(n.iter_expressions())
        return frozenset(sources), rank

    def table_function(self, node: exp.Expr, scope: Scope) -> dict[str, Col]:
        """Columns of a lateral table function (`LATERAL VIEW explode(tags) t AS tag`, `UNNEST(items)
        AS item`, `LATERAL FLATTEN(...) f`): each is made from what the function's arguments read."""
        alias = node.args.get("alias")
        names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        if not names and isinstance(node, exp.Unnest) and isinstance(alias, exp.TableAlias) and alias.name:
            names = [alias.name]  # BigQuery: UNNEST(x) AS item names the column
        if not names:
            return {}
        args = node.this if isinstance(node, exp.Lateral) else node
        srcs: set[Source] = set()
        for arg in args.iter_expressions():
            if not isinstance(arg, exp.TableAlias):
                srcs.update(self.expression(arg, scope)[0])
        made = (frozenset(srcs), TRANSFORMATION)
        return dict.fromkeys(names, made)

    def clause_columns(self, node: exp.Expression | None, scope: Scope, into: set[Source]) -> None:
        if node is not None:
            into.update(self.expression(node, scope)[0])

    def scope(self, scope: Scope) -> None:
        self.by_expression[id(scope.expression)] = scope
        if isinstance(scope.expression, exp.SetOperation):
            branches = [self.outputs.get(id(s), {}) for s in scope.set_operation_scopes]
            names = list(branches[0]) if branches else []
            merged: dict[str, Col] = {}
            for i, name in enumerate(names):
                merged_srcs: set[Source] = set()
                rank = IDENTITY
                for b in branches:
                    values = list(b.values())
                    if i < len(values):
                        merged_srcs.update(values[i][0])
                        rank = max(rank, values[i][1])
                merged[name] = (frozenset(merged_srcs), rank)
            self.outputs[id(scope)] = merged
            return
        select = scope.expression
        if not isinstance(select, exp.Select):
            self.outputs[id(scope)] = self.table_function(select, scope)
            return
        cols: dict[str, Col] = {}
        aliases: dict[str, Col] | None = {} if self.lateral_aliases else None
        self.read_names.clear()  # names read as columns so far: sources have them, so no alias shadows them
        for projection in select.expressions:
            name = (
                "*"
                if isinstance(projection, exp.Star)
                or (isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star))
                else projection.alias_or_name
            )
            srcs, rank = self.expression(projection, scope, aliases)
            if aliases is not None and isinstance(projection, exp.Alias) and name not in self.read_names:
                aliases[name] = (srcs, rank)
            if name in cols:
                cols[name] = (srcs | cols[name][0], max(rank, cols[name][1]))
            else:
                cols[name] = (srcs, rank)
        self.outputs[id(scope)] = cols
        for key in ("where", "having", "qualify"):
            self.clause_columns(select.args.get(key), scope, self.filters)
        for join in select.args.get("joins") or []:
            self.clause_columns(join.args.get("on"), scope, self.joins)
            for using in join.args.get("using") or []:
                for alias, source in scope.sources.items():
                    if isinstance(source, exp.Table) and self.ref(source) is not None:
                        self.joins.add((self.ref(source), using.name))  # type: ignore[arg-type]
                    del alias


def _field_access(dot: exp.Dot) -> tuple[exp.Column, str] | None:
    """(struct column, dotted field path) of a field access such as `col.f1.f2`; the source it
    reads is that field, named by the path like DataHub and OpenLineage name nested fields."""
    fields: list[str] = []
    node: exp.Expression = dot
    while isinstance(node, exp.Dot):
        if not isinstance(node.expression, exp.Identifier):
            return None
        fields.append(node.expression.name)
        node = node.this
    if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
        return None
    return node, ".".join(reversed(fields))


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


def _run(
    query: exp.Expr, an: Analyzer, ctes: set[str] | None = None, read: list[exp.Table] | None = None
) -> tuple[_Walk, Scope]:
    schema = _statement_schema(query, an, read)
    qualified = qualify_columns(query, d=an.d, schema=schema, db=None, catalog=None)
    root = build_scope(qualified)
    if root is None:
        raise SqlglotError("no query scope")
    walk = _Walk(an.d, ctes, schema=an.schema, lateral_aliases=an.hooks.lateral_column_aliases)
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


def _edges(
    walk: _Walk, root: Scope, targets: tuple[str, ...], engine_names: dict[int, str] | None = None
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


def _ai_inputs(result: StatementResult, walk: _Walk, found: TableScan) -> StatementResult:
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


def _failed(result: StatementResult, exc: BaseException) -> StatementResult:
    message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return replace(
        result,
        column_confidence=0.0,
        notes=(*result.notes, Note(f"column lineage failed ({message}); table lineage kept", "warning")),
    )


def add_columns(
    result: StatementResult, query: exp.Expr, an: Analyzer, found: TableScan, targets: tuple[str, ...]
) -> StatementResult:
    """`result` with column lineage of `query` (the SELECT that feeds the statement's output)."""
    try:
        parent = query.parent
        while isinstance(parent, exp.Subquery):  # INSERT INTO t (SELECT ...)
            parent = parent.parent
        with_ = with_clause(parent) if parent is not None else None
        read: list[exp.Table] | None = found.tables
        if with_ is not None and isinstance(query, exp.Query) and not with_clause(query):
            set_with(query, with_.copy())  # WITH ... INSERT/CREATE: the CTEs belong to the query
            read = None  # the copied CTEs' tables are new nodes
        engine_names = _engine_names(query, an) if len(targets) < len(getattr(query, "selects", ())) else None
        walk, root = _run(query, an, found.ctes, read)
        edges, names = _edges(walk, root, targets, engine_names)
        result = _ai_inputs(result, walk, found)
    except (SqlglotError, RecursionError, KeyError, ValueError, AttributeError) as exc:
        return _failed(result, exc)
    confidence = 0.9 if not walk.unresolved and "*" not in names else 0.6
    return replace(result, columns=tuple(edges), output_columns=names, column_confidence=confidence)


def add_dml_columns(result: StatementResult, tree: exp.Expression, target: exp.Table, an: Analyzer) -> StatementResult:
    """Column lineage of UPDATE ... SET and MERGE ... WHEN, through an equivalent SELECT."""
    try:
        select = _dml_select(tree, target)
        if select is None:
            return result
        walk, root = _run(select, an)
        edges, names = _edges(walk, root, ())
    except (SqlglotError, RecursionError, KeyError, ValueError, AttributeError) as exc:
        return _failed(result, exc)
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
