"""The `sql` job facet handed to the SQL collector (`collectors.sql`).

The event is the authority on which datasets a job touched; the SQL adds what the event may lack
(column lineage, or tables when the event lists none). So the SQL collector's facts are re-pointed
at the event's own nodes: its process becomes the event's job, and a table it names becomes the
event dataset whose name is that table or ends with `.table` (`menus` -> `public.menus`). A table
that matches no dataset of the event is dropped with a note rather than made a second, differently
named node; only when the event lists no datasets at all are the SQL's tables kept as named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lineage.errors import CollectorError
from lineage.models import ColumnLineage, ColumnRef, Dataset, Edge, Evidence, Layer, NodeKind, NodeRef

SqlHook = Callable[[str, str | None, Sequence[NodeRef], NodeRef, Evidence, "SqlContext"], tuple[list[Any], list[str]]]
"""hook(query, dialect, the event's datasets, the job, evidence, what else the event says) -> (facts, notes)."""


@dataclass(frozen=True)
class SqlContext:
    """What the event says besides its datasets that reading its SQL needs: the columns the schema
    facets of its outputs list (by dataset name, in order: an `INSERT` without a column list fills
    them by position; inputs' are left out, as producers may list only some columns, and `SELECT *`
    must not shrink to those) and its one output, if it has exactly one (a bare `SELECT` is the query
    that writes it)."""

    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    output: NodeRef | None = None
    namespace: str | None = None
    """The namespace of the tables the SQL names when the event names no datasets."""


def _match(ref: NodeRef, datasets: Sequence[NodeRef]) -> NodeRef | None:
    name = ref.name.lower()
    for d in datasets:
        have = d.name.lower()
        if have == name or have.endswith("." + name) or name.endswith("." + have):
            return d
    return None


def repoint(
    facts: Sequence[Any], datasets: Sequence[NodeRef], process: NodeRef, evidence: Evidence | None = None
) -> tuple[list[Any], list[str]]:
    """The SQL collector's facts moved onto the event's job and datasets (see the module docstring),
    with `evidence` (the event's, as inferred from SQL) in place of the parse's own.

    Example:
        >>> from lineage.models import Edge, EdgeKind, Evidence
        >>> ev = Evidence(collector="sql", source="q")
        >>> job, menus = NodeRef.process("ns", "etl"), NodeRef.dataset("pg", "public.menus")
        >>> edge = Edge(source=NodeRef.process("sql", "x"), target=NodeRef.dataset("pg", "menus"),
        ...             kind=EdgeKind.WRITE, evidence=ev)
        >>> facts, notes = repoint([edge], [menus], job)
        >>> facts[0].source.id, facts[0].target.id, notes
        ('process:ns:etl', 'dataset:pg:public.menus', [])
    """
    keep_all = not datasets
    unknown: set[str] = set()

    def node(ref: NodeRef) -> NodeRef | None:
        if ref.kind is NodeKind.PROCESS:
            return process
        if ref.kind is not NodeKind.DATASET:
            return ref
        found = ref if keep_all else _match(ref, datasets)
        if found is None:
            unknown.add(ref.name)
        return found

    out: list[Any] = []
    for fact in facts:
        if evidence is not None:
            fact = fact.model_copy(update={"evidence": evidence})
        if isinstance(fact, Dataset):
            target = node(fact.ref)
            if target is not None:
                out.append(fact.model_copy(update={"namespace": target.namespace, "name": target.name}))
        elif isinstance(fact, Edge):
            source, target = node(fact.source), node(fact.target)
            if source is not None and target is not None:
                out.append(fact.model_copy(update={"source": source, "target": target}))
        elif isinstance(fact, ColumnLineage):
            target = node(fact.target.dataset)
            sources = [(node(s.dataset), s.column) for s in fact.sources]
            if target is not None and all(ref is not None for ref, _ in sources):
                out.append(
                    fact.model_copy(
                        update={
                            "target": ColumnRef(dataset=target, column=fact.target.column),
                            "sources": tuple(ColumnRef(dataset=ref, column=c) for ref, c in sources if ref is not None),
                            "process": process,
                        }
                    )
                )
    notes = [
        f"the SQL names {name!r}, which is not a dataset of this event; not made a dataset" for name in sorted(unknown)
    ]
    return out, notes


def _dialect(given: str | None, datasets: Sequence[NodeRef], known: Sequence[str]) -> str:
    if given and given.lower() in known:
        return given.lower()
    for d in datasets:
        scheme = d.namespace.split("://", 1)[0].split(":", 1)[0].lower()
        if scheme in known:
            return scheme
    return "generic" if "generic" in known else known[0]


def sql_hook() -> SqlHook:
    """A hook calling `collectors.sql.lineage_from_sql` (imported when a hook is made, not with this
    module: loading sqlglot takes a while)."""
    from collectors.sql import lineage_from_sql as function
    from collectors.sql.dialects import known_dialects

    known = tuple(known_dialects())

    cache: dict[tuple[Any, ...], tuple[list[Any], list[str]]] = {}

    def hook(
        query: str, dialect: str | None, datasets: Sequence[NodeRef], process: NodeRef, evidence: Evidence,
        context: SqlContext,
    ) -> tuple[list[Any], list[str]]:
        # Facts inferred from the SQL carry the event's evidence, so they are as idempotent as the
        # event; the parse itself is memoised (a job runs the same query again and again).
        inferred = evidence.model_copy(update={"collector": "sql", "layer": Layer.INFERRED})
        key = (query, dialect, tuple(datasets), process, context)
        parsed = cache.get(key)
        if parsed is None:
            namespace = datasets[0].namespace if datasets else context.namespace
            try:
                result = function(
                    query,
                    dialect=_dialect(dialect, datasets, known),
                    namespace=namespace,
                    source=f"{evidence.source} job {process.namespace}/{process.name}",
                    schema=dict(context.columns) or None,
                    select_target=context.output.name if context.output else None,
                )
            except (CollectorError, RecursionError) as exc:  # hostile SQL must not lose the event; a bug surfaces
                return [], [f"the SQL collector could not read the query: {exc}"[:300]]
            parsed = repoint(list(getattr(result, "facts", [])), datasets, process)
            parsed[1].extend(str(p.message) for p in getattr(result, "problems", []))
            if len(cache) >= 1024:
                cache.pop(next(iter(cache)))
            cache[key] = parsed
        return [f.model_copy(update={"evidence": inferred}) for f in parsed[0]], list(parsed[1])

    return hook
