"""Each scope's output columns, computed from its children's: the walk behind column lineage.

`ScopeWalk.scope` is called for every scope of a qualified statement, children first; it records
the scope's output columns (name -> direct sources and the strongest transformation met), and the
columns that WHERE/HAVING/QUALIFY and join conditions read. Unqualified columns resolve among the
FROM/JOIN sources to the one that can have them; a subquery without FROM reads the outer query;
lateral table functions output columns made from their arguments; struct field access names the
field's dotted path; a `*` argument (`OBJECT_CONSTRUCT(*)`) reads every column of the sources,
and in `COUNT(*)` only under the `count_star_reads_columns` convention. What one expression
reads, node by node, is `expression_reads.py`.
"""

from __future__ import annotations

from typing import Any

from collectors.sql._compat import Dialect, Scope, exp
from collectors.sql.expression_reads import Col, ExpressionReads, Source
from collectors.sql.result import IDENTITY, TRANSFORMATION, TableRef
from collectors.sql.schema import SchemaIndex
from collectors.sql.tables import REF, table_ref

__all__ = ["Col", "ScopeWalk", "Source"]

_EMPTY: frozenset[Source] = frozenset()


class ScopeWalk:
    """State of one statement's pass: each scope's output columns, and what filters and joins read."""

    def __init__(
        self,
        d: Dialect,
        ctes: set[str] | None = None,
        *,
        schema: SchemaIndex | None = None,
        lateral_aliases: bool = False,
        count_star_reads: bool = False,
    ) -> None:
        self.d = d
        self.count_star_reads = count_star_reads
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
        if source is None and table:
            return self.struct_field(col, scope)
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

    def struct_field(self, col: exp.Column, scope: Scope) -> Col:
        """A dotted name whose qualifier names no source is a field of a struct column (BigQuery
        `widget.asset.id`): the field path of the column its first part names, or, when the first
        part names a source, of that source's column named by the second part."""
        names = [p.name for p in col.parts]
        if len(names) > 2 and any(self.named(s, names[0]) is not None for s in _chain(scope)):
            column, path = exp.column(names[1], table=names[0]), names[2:]
        else:
            column, path = exp.column(names[0]), names[1:]
        srcs, rank = self.column(column, scope)
        if not srcs:
            return srcs, rank
        field = ".".join(path)
        return frozenset((ref, f"{name}.{field}") for ref, name in srcs), rank

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

    def star_columns(self, star: exp.Expression, scope: Scope) -> list[tuple[str, Col]]:
        """The columns a projected `*` or `t.*` that qualification left unexpanded stands for (sqlglot
        expands no star of a query once one source's columns are unknown): the named columns of
        the sources whose columns are known, then one `*` reading the rest."""
        table = star.table if isinstance(star, exp.Column) else ""
        named: list[tuple[str, Col]] = []
        rest: set[Source] = set()
        for source in [self.named(scope, table)] if table else self.selected(scope) or scope.sources.values():
            if isinstance(source, exp.Table):
                ref = self.ref(source)
                known = self.schema.lookup(ref.parts) if ref is not None and self.schema is not None else None
                if known is not None:
                    named.extend((c, (frozenset({(ref, c)}), IDENTITY)) for c in known[1])  # type: ignore[arg-type]
                elif ref is not None:
                    rest.add((ref, "*"))
            elif isinstance(source, Scope):
                for name, (srcs, rank) in self.outputs.get(id(source), {}).items():
                    if name == "*":
                        rest.update(srcs)
                    else:
                        named.append((name, (srcs, rank)))
        return [*named, ("*", (frozenset(rest), IDENTITY))] if rest or not named else named

    def expression(self, node: exp.Expr, scope: Scope, aliases: dict[str, Col] | None = None) -> Col:
        """Sources and rank of one expression of `scope`, without descending into other scopes;
        `aliases`: the earlier projections a lateral alias reference may read. A bare column keeps
        its own rank; anything else is at least a transformation of what it reads."""
        inner = node.this if isinstance(node, exp.Alias) else node
        if isinstance(inner, exp.Column) and not isinstance(inner.this, exp.Star):
            return self.read_column(inner, scope, aliases)
        if isinstance(inner, exp.Column | exp.Star):
            return self.star(inner, scope)
        return ExpressionReads(self, scope, aliases).of(inner)

    def read_column(self, col: exp.Column, scope: Scope, aliases: dict[str, Col] | None) -> Col:
        """A column reference: an earlier projection's alias when lateral aliases are on and no
        source column of that name was read before, else the column of a source."""
        if aliases is not None:
            if not col.table and col.name in aliases:
                return aliases[col.name]
            self.read_names.add(col.name)
        return self.column(col, scope)

    def table_function(self, node: exp.Expr, scope: Scope) -> dict[str, Col]:
        """Columns of a lateral table function (`LATERAL VIEW explode(tags) t AS tag`, `UNNEST(items)
        AS item`, `LATERAL FLATTEN(...) f`): each is made from what the function's arguments read;
        a lateral subquery's are the subquery's (renamed by `AS t(a, b)`)."""
        alias = node.args.get("alias")
        names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        query = node.this if isinstance(node, exp.Lateral) else None
        if isinstance(query, exp.Subquery | exp.Query):  # LATERAL (SELECT ...): the subquery's columns
            child = self.by_expression.get(id(query.this if isinstance(query, exp.Subquery) else query))
            cols = list(self.outputs.get(id(child), {}).items()) if child is not None else []
            return {names[i] if i < len(names) else n: col for i, (n, col) in enumerate(cols)}
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
        """Record a scope's output columns (its children's are recorded) and what its filters and joins read."""
        self.by_expression[id(scope.expression)] = scope
        query = scope.expression
        if isinstance(query, exp.SetOperation):
            self.outputs[id(scope)] = self.set_operation(scope)
        elif not isinstance(query, exp.Select):
            self.outputs[id(scope)] = self.table_function(query, scope)
        else:
            self.outputs[id(scope)] = self.projections(query, scope)
            self.conditions(query, scope)

    def set_operation(self, scope: Scope) -> dict[str, Col]:
        """UNION, INTERSECT, EXCEPT: each column, named by the first branch, reads the columns at its
        position in every branch."""
        branches = [list(self.outputs.get(id(s), {}).values()) for s in scope.set_operation_scopes]
        names = list(self.outputs.get(id(scope.set_operation_scopes[0]), {})) if branches else []
        merged: dict[str, Col] = {}
        for i, name in enumerate(names):
            at = [branch[i] for branch in branches if i < len(branch)]
            merged[name] = (frozenset().union(*(srcs for srcs, _ in at)), max(rank for _, rank in at))
        return merged

    def projections(self, select: exp.Select, scope: Scope) -> dict[str, Col]:
        """A SELECT's output columns, one per projection (a `*` stands for its sources' columns); a
        name projected twice reads what both read."""
        cols: dict[str, Col] = {}
        aliases: dict[str, Col] | None = {} if self.lateral_aliases else None
        self.read_names.clear()  # names read as columns so far: sources have them, so no alias shadows them
        for projection in select.expressions:
            for name, (srcs, rank) in self.projection(projection, scope, aliases):
                prior = cols.get(name)
                cols[name] = (srcs, rank) if prior is None else (srcs | prior[0], max(rank, prior[1]))
        return cols

    def projection(self, projection: exp.Expr, scope: Scope, aliases: dict[str, Col] | None) -> list[tuple[str, Col]]:
        """The columns one projection outputs; an aliased one is remembered for lateral alias reads."""
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            return self.star_columns(projection, scope)
        name = projection.alias_or_name
        col = self.expression(projection, scope, aliases)
        if aliases is not None and isinstance(projection, exp.Alias) and name not in self.read_names:
            aliases[name] = col
        return [(name, col)]

    def conditions(self, select: exp.Select, scope: Scope) -> None:
        """What WHERE, HAVING and QUALIFY read (filters), and what joins read: their ON conditions,
        and a USING column in every table of the scope."""
        for key in ("where", "having", "qualify"):
            self.clause_columns(select.args.get(key), scope, self.filters)
        for join in select.args.get("joins") or []:
            self.clause_columns(join.args.get("on"), scope, self.joins)
            using = [u.name for u in join.args.get("using") or []]
            if using:
                refs = [self.ref(s) for s in scope.sources.values() if isinstance(s, exp.Table)]
                self.joins.update((ref, name) for name in using for ref in refs if ref is not None)


def _chain(scope: Scope) -> list[Scope]:
    """The scope and the scopes it is nested in, innermost first."""
    chain = []
    s: Scope | None = scope
    while s is not None:
        chain.append(s)
        s = s.parent
    return chain
