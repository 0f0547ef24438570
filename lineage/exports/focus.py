"""Narrowing a graph before export: the neighbourhood of one node, and the impact of a node.

Both are pure functions over the `LineageGraph` API, shared by the CLI (`--focus`), the csv
impact table and the dashboard.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset"}, {"id": "process:j:p", "kind": "process"},
    ...            {"id": "dataset:s:b", "kind": "dataset"}],
    ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write")])
    >>> sorted(n["id"] for n in focus(g, "dataset:s:b", depth=1).nodes())
    ['dataset:s:b', 'process:j:p']
    >>> [(i.node, i.depth) for i in impact(g, "dataset:s:a")]
    [('process:j:p', 1), ('dataset:s:b', 2)]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from lineage.errors import NodeNotFound
from lineage.graph import LineageGraph
from lineage.models import ALL_EDGES, FLOW_EDGES


def focus(graph: LineageGraph, node: str, *, depth: int | None = None, upstream: bool = True,
          downstream: bool = True) -> LineageGraph:
    """The node `node` (an exact id) and what lies within `depth` edges of it, up and/or down.

    Every kind of edge is followed, so the identities that run or hold grants on a node are
    part of its neighbourhood. `depth=None` follows edges as far as they go.

    Raises:
        NodeNotFound: `node` is not in the graph.
    """
    if node not in graph:
        raise NodeNotFound(f"no node {node!r}")
    reach = depth if depth is not None else max(len(graph), 1)
    return graph.subgraph(node, depth=reach, upstream=upstream, downstream=downstream, edge_kinds=ALL_EDGES)


@dataclass(frozen=True)
class Impact:
    """A node downstream of the start, its distance, and one shortest path from the start to it."""

    start: str
    node: str
    depth: int
    path: tuple[str, ...]


def impact(graph: LineageGraph, start: str, *, depth: int | None = None) -> list[Impact]:
    """Everything downstream of `start` along data flows (read and write edges), nearest first.

    Ties break by id, and each path is the first shortest one in id order, so the result is stable.

    Raises:
        NodeNotFound: `start` is not in the graph.
    """
    if start not in graph:
        raise NodeNotFound(f"no node {start!r}")
    succ: dict[str, list[str]] = {}
    for u, v, _, _ in graph.edges(FLOW_EDGES):
        succ.setdefault(u, []).append(v)
    parent: dict[str, str | None] = {start: None}
    dist = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if depth is not None and dist[node] >= depth:
            continue
        for nxt in sorted(set(succ.get(node, ()))):
            if nxt not in dist:
                dist[nxt], parent[nxt] = dist[node] + 1, node
                queue.append(nxt)
    out = []
    for node in sorted(dist, key=lambda n: (dist[n], n)):
        if node == start:
            continue
        path = [node]
        while (step := parent[path[-1]]) is not None:
            path.append(step)
        out.append(Impact(start, node, dist[node], tuple(reversed(path))))
    return out


def entry_points(graph: LineageGraph) -> list[str]:
    """Datasets where data enters the map: role `origin`, or nothing flows into them (sorted).

    Example:
        >>> from lineage.graph import LineageGraph
        >>> entry_points(LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset"}]))
        ['dataset:s:a']
    """
    fed = {v for _, v, _, _ in graph.edges(("write",))}
    return sorted(a["id"] for a in graph.nodes("dataset") if a.get("role") == "origin" or a["id"] not in fed)
