"""What one expression of a scope reads, node by node: the columns it names (a struct field access
names the field's dotted path), what its subqueries' columns read, every column for `f(*)`, and the
strongest transformation met (an aggregate, a masking hash, else at least a transformation).

`ScopeWalk.expression` hands every expression but a bare column or `*` to `ExpressionReads`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from collectors.sql._compat import Scope, exp
from collectors.sql.result import AGGREGATION, MASKING, TRANSFORMATION, TableRef

Source = tuple[TableRef, str]
"""A source column: its table and its name."""
Col = tuple[frozenset[Source], int]
"""What an output column reads, and the strongest transformation on the way."""


class Walk(Protocol):
    """What an expression's reading asks of the statement's walk (`collectors.sql.scope_walk.ScopeWalk`)."""

    count_star_reads: bool
    outputs: dict[int, dict[str, Col]]
    by_expression: dict[int, Scope]

    def read_column(self, col: exp.Column, scope: Scope, aliases: dict[str, Col] | None) -> Col: ...

    def column(self, col: exp.Column, scope: Scope) -> Col: ...

    def star(self, star: exp.Expression, scope: Scope) -> Col: ...

_MASKING = (exp.MD5, exp.SHA, exp.SHA2, exp.MD5Digest)


class ExpressionReads:
    """What one expression reads, node by node: the sources met so far, the strongest rank, and the
    nodes still to visit. Each node's type picks its step from `_CASES` (cached in `_STEPS`)."""

    __slots__ = ("aliases", "rank", "scope", "sources", "stack", "walk")

    def __init__(self, walk: Walk, scope: Scope, aliases: dict[str, Col] | None) -> None:
        self.walk = walk
        self.scope = scope
        self.aliases = aliases
        self.sources: set[Source] = set()
        self.rank = TRANSFORMATION
        self.stack: list[exp.Expr] = []

    def of(self, node: exp.Expr) -> Col:
        stack = self.stack
        stack.append(node)
        while stack:
            n = stack.pop()
            step = _STEPS.get(type(n)) or _step_for(type(n))
            step(self, n)
        return frozenset(self.sources), self.rank

    def add(self, found: Col) -> None:
        self.sources.update(found[0])
        if found[1] > self.rank:
            self.rank = found[1]

    def column(self, n: exp.Column) -> None:
        self.add(self.walk.read_column(n, self.scope, self.aliases))

    def field(self, n: exp.Dot) -> None:
        """`p.product_code` on an UNNEST element, `s.f1.f2` on a struct column: the field's path."""
        field = field_access(n)
        if field is None:
            self.descend(n)
            return
        srcs, rank = self.walk.column(field[0], self.scope)
        self.add((frozenset((ref, f"{name}.{field[1]}") for ref, name in srcs), rank))

    def subquery(self, n: exp.Query | exp.Subquery) -> None:
        """A subquery reads what its output columns read (its scope was walked before)."""
        child = self.walk.by_expression.get(id(n.this if isinstance(n, exp.Subquery) else n))
        if child is not None:
            for found in self.walk.outputs.get(id(child), {}).values():
                self.add(found)

    def star(self, n: exp.Star) -> None:
        """`f(*)` reads every column; COUNT(*) counts rows, unless the convention says it reads them."""
        if self.walk.count_star_reads or not isinstance(n.parent, exp.Count):
            self.sources.update(self.walk.star(n, self.scope)[0])

    def aggregate(self, n: exp.Expr) -> None:
        self.rank = AGGREGATION
        self.descend(n)

    def masking(self, n: exp.Expr) -> None:
        if self.rank < MASKING:
            self.rank = MASKING
        self.descend(n)

    def descend(self, n: exp.Expr) -> None:
        self.stack.extend(n.iter_expressions())


Step = Callable[[ExpressionReads, Any], None]
# The first case whose types a node is an instance of; any other node: its children are read.
_CASES: tuple[tuple[type | tuple[type, ...], Step], ...] = (
    (exp.Column, ExpressionReads.column),
    (exp.Dot, ExpressionReads.field),
    ((exp.Query, exp.Subquery), ExpressionReads.subquery),
    (exp.Star, ExpressionReads.star),
    (exp.AggFunc, ExpressionReads.aggregate),
    (_MASKING, ExpressionReads.masking),
)
_STEPS: dict[type, Step] = {}


def _step_for(cls: type) -> Step:
    step = next((step for types, step in _CASES if issubclass(cls, types)), ExpressionReads.descend)
    _STEPS[cls] = step
    return step


def field_access(dot: exp.Dot) -> tuple[exp.Column, str] | None:
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
