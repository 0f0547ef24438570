"""Questions about part of the graph, answered from the current graph the store keeps: which node a
user means, what lies up- or downstream of it, its neighbourhood, and the tags that reach it.

Each reads only the part it is about (a walk is one query per level) and hands back a small
`LineageGraph`, so whatever shows a graph shows these parts unchanged. Tags need no more than the
part upstream of a node: its origin and classifications come from what flows into it.

Example:
    >>> import pathlib, tempfile
    >>> from lineage.models import Dataset, Edge, EdgeKind, Evidence, LineageBatch, Process
    >>> from lineage.store import open_store
    >>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
    >>> ev = Evidence(collector="demo", source="demo")
    >>> a, b = Dataset(namespace="s", name="a", evidence=ev), Dataset(namespace="s", name="b", evidence=ev)
    >>> p = Process(namespace="j", name="p", evidence=ev)
    >>> batch = LineageBatch(collector="demo", source="demo")
    >>> batch.add(a, b, p, Edge(source=a.ref, target=p.ref, kind=EdgeKind.READ, evidence=ev),
    ...           Edge(source=p.ref, target=b.ref, kind=EdgeKind.WRITE, evidence=ev))
    >>> _ = store.ingest(batch)
    >>> found, attrs = walk(store, resolve(store, "b"), upstream=True)
    >>> found
    {'process:j:p': 1, 'dataset:s:a': 2}
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lineage.errors import NodeNotFound
from lineage.lookup import resolve_node
from lineage.models import ALL_EDGES, FLOW_EDGES

if TYPE_CHECKING:
    from lineage.graph import LineageGraph


def resolve(store: Any, query: str) -> str:
    """The id of the node a user means (`lineage.graph.resolve_node`), looked up in the store.

    Raises:
        NodeNotFound: nothing matches, or several nodes do.
    """
    return resolve_node(store.find_nodes, query)


def search(store: Any, text: str, limit: int = 50) -> list[str]:
    """Ids that contain `text`, any case (a glob when it has `*`, `?` or `[`), in id order."""
    if any(c in text for c in "*?["):
        pattern = text.casefold()
        return [n for n in store.node_ids() if fnmatch.fnmatchcase(n.casefold(), pattern)][:limit]
    return list(store.find_nodes(containing=text, limit=limit)["containing"][:-1])


def walk(store: Any, node_id: str, *, upstream: bool, depth: int | None = None,
         kinds: Iterable[str] | None = None) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """What `node_id` depends on (`upstream`) or what depends on it, along data-flow edges within
    `depth` edges: each node's distance, nearest first (only nodes of `kinds`, when given; the
    walk passes through others), and the merged attributes of those nodes.

    Raises:
        NodeNotFound: no node has that id.
    """
    with store.reading():
        found = store.walk(node_id, reverse=upstream, depth=depth, edge_kinds=FLOW_EDGES)
        nodes = store.current_part(found).nodes
    wanted = frozenset(kinds) if kinds is not None else None
    attrs = {a["id"]: a for a in nodes if wanted is None or a["kind"] in wanted}
    ordered = {n: d for n, d in sorted(found.items(), key=lambda item: (item[1], item[0])) if n in attrs}
    return ordered, attrs


def neighbourhood(store: Any, node_id: str, *, depth: int = 2, upstream: bool = True, downstream: bool = True,
                  edge_kinds: Iterable[str] = FLOW_EDGES, runs: bool = True, grants: bool = True) -> LineageGraph:
    """The node, what lies within `depth` edges of `edge_kinds` of it (up and/or down), and the
    identities that run the processes among them (`runs`) or hold grants on them (`grants`), with
    every edge among them.

    Raises:
        NodeNotFound: no node has that id.
    """
    kinds = frozenset(edge_kinds)
    keep = {node_id}
    with store.reading():
        if upstream:
            keep.update(store.walk(node_id, reverse=True, depth=depth, edge_kinds=kinds))
        if downstream:
            keep.update(store.walk(node_id, reverse=False, depth=depth, edge_kinds=kinds))
        if not (upstream or downstream):
            store.walk(node_id, reverse=False, depth=0, edge_kinds=kinds)  # the node must exist
        extra = ({"runs"} if runs else set()) | ({"grant"} if grants else set())
        if extra:
            keep.update(source for source, target, _ in store.links(keep, extra) if target in keep)
        data = store.current_part(keep)
    return _graph(data)


def upstream_part(store: Any, node_id: str) -> LineageGraph:
    """The node and everything upstream of it: all that its tags are worked out from.

    Raises:
        NodeNotFound: no node has that id.
    """
    with store.reading():
        found = store.walk(node_id, reverse=True, depth=None, edge_kinds=FLOW_EDGES)
        data = store.current_part([node_id, *found])
    return _graph(data)


def around(store: Any, node_id: str) -> LineageGraph:
    """The node and its direct neighbours along every kind of edge, for showing everything about it.

    Raises:
        NodeNotFound: no node has that id.
    """
    return neighbourhood(store, node_id, depth=1, edge_kinds=ALL_EDGES, runs=False, grants=False)


def node(store: Any, node_id: str) -> dict[str, Any]:
    """The merged attributes of one node.

    Raises:
        NodeNotFound: no node has that id.
    """
    found = store.current_part([node_id]).nodes
    if not found:
        raise NodeNotFound(f"no node {node_id!r}")
    return dict(found[0])


def identity_part(store: Any, identity_id: str) -> LineageGraph:
    """The identity, what it runs and holds grants on, and what the processes it runs read and
    write: all that its access is worked out from (`lineage.access`).

    Raises:
        NodeNotFound: no node has that id.
    """
    with store.reading():
        node(store, identity_id)
        held = [(t, k) for s, t, k in store.links([identity_id], ("runs", "grant")) if s == identity_id]
        run = [t for t, k in held if k == "runs"]
        keep = {identity_id, *(t for t, _ in held)}
        if run:
            keep.update(n for s, t, _ in store.links(run, ("read", "write")) for n in (s, t))
        data = store.current_part(keep)
    return _graph(data)


def part(store: Any, node_ids: Iterable[str]) -> LineageGraph:
    """The nodes (those that exist) with the edges among them."""
    return _graph(store.current_part(node_ids))


def _graph(data: Any) -> LineageGraph:
    from lineage.graph import LineageGraph  # networkx: only where a graph is worked on

    return LineageGraph.from_current(data)


NOW = datetime(9999, 1, 1, tzinfo=UTC)
"""A time after every fact: what `changes` compares with for "now"."""


def changes(store: Any, before: datetime | None, after: datetime | None) -> tuple[LineageGraph, LineageGraph]:
    """The parts of the graph at two times (None: now) that hold every difference between them: the
    nodes whose facts became or stopped being visible in between, or whose alias changed, with
    their neighbours at either time. `lineage.diff.diff_graphs` of the two parts equals that of the
    two whole graphs."""
    from lineage.graph import LineageGraph

    sides = [store if t is None else store.as_of(t) for t in (before, after)]
    raw = store.changed_between(before or NOW, after or NOW)
    canons = [side.aliases() for side in sides]
    moved = {i for pair in set(canons[0].items()) ^ set(canons[1].items()) for i in pair}
    ids = moved | {canon.get(i, i) for canon in canons for i in raw}
    region = set(ids)
    for side in sides:
        region |= {n for s, t, _ in side.links(ids, ALL_EDGES) for n in (s, t)}
    before_part, after_part = (LineageGraph.from_current(side.current_part(region)) for side in sides)
    return before_part, after_part
