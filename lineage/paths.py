"""Paths along the lineage: every way data gets from where it enters the map to a node, and every
path between two nodes, each bounded (a wide graph has more paths than anyone can read).

A *source* is a dataset where data enters the map: nothing writes it, or something that reads
nothing does (a generator, a SaaS sync). Paths follow read and write edges unless told otherwise,
never visit a node twice, and are listed shortest first.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset"}, {"id": "dataset:s:b", "kind": "dataset"},
    ...            {"id": "process:j:p", "kind": "process"}, {"id": "process:x:llm", "kind": "process"}],
    ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write"),
    ...            ("dataset:s:a", "process:x:llm", "read"), ("dataset:s:b", "process:x:llm", "read")])
    >>> found = paths_from_sources(g, "process:x:llm")
    >>> [len(p) for p in found.paths], found.truncated
    ([2, 4], False)
    >>> count_paths_from_sources(g, ["process:x:llm"])
    {'process:x:llm': 2}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lineage.graph import LineageGraph
from lineage.models import FLOW_EDGES

PATH_LIMIT = 200
"""How many paths are listed at most, unless the caller says otherwise."""
_BUDGET = 200_000
"""How many steps a search takes at most before it stops and says it was cut."""


@dataclass(frozen=True)
class Paths:
    """Paths found (shortest first) and whether there were more than were kept."""

    paths: tuple[tuple[str, ...], ...]
    truncated: bool


def _next(graph: LineageGraph, node: str, kinds: frozenset[str], *, reverse: bool) -> list[str]:
    step = graph.predecessors if reverse else graph.successors
    if len(kinds) == 1:
        return step(node, next(iter(kinds)))
    return sorted({n for kind in kinds for n in step(node, kind)})


def is_source(graph: LineageGraph, node: str) -> bool:
    """Whether data enters the map at `node`: a dataset nothing writes, or one written by a
    process that reads nothing.

    Example:
        >>> g = LineageGraph.from_records(nodes=[{"id": "dataset:s:a", "kind": "dataset"}])
        >>> is_source(g, "dataset:s:a")
        True
    """
    if graph.node(node).get("kind") != "dataset":
        return False
    writers = graph.predecessors(node, "write")
    return not writers or any(not graph.predecessors(w, "read") for w in writers)


def sources(graph: LineageGraph, node: str) -> list[str]:
    """The source datasets upstream of `node` (the node itself when it is one), in id order.

    Raises:
        NodeNotFound: no node has that id.
    """
    upstream = graph.upstream(node, kinds=("dataset",))
    return sorted(n for n in [*upstream, node] if is_source(graph, n))


def paths_from_sources(graph: LineageGraph, node: str, *, limit: int = PATH_LIMIT, budget: int = _BUDGET) -> Paths:
    """Every path from a source dataset to `node` along the data flow, at most `limit` of them,
    looked for in at most `budget` steps.

    Raises:
        NodeNotFound: no node has that id.
    """
    graph.node(node)
    found: list[tuple[str, ...]] = []
    steps = 0
    truncated = False
    stack: list[tuple[str, int]] = [(node, 0)]  # (node, index into its predecessors) on the current path
    on_path = {node}
    preds: dict[str, list[str]] = {}
    source: dict[str, bool] = {}
    if is_source(graph, node):
        found.append((node,))
    while stack:
        here, i = stack[-1]
        before = preds.get(here)
        if before is None:
            before = preds[here] = _next(graph, here, FLOW_EDGES, reverse=True)
        steps += 1
        if i >= len(before) or steps > budget:
            if i < len(before):
                truncated = True
            stack.pop()
            on_path.discard(here)
            continue
        stack[-1] = (here, i + 1)
        prev = before[i]
        if prev in on_path:
            continue
        if prev not in source:
            source[prev] = is_source(graph, prev)
        if source[prev]:
            found.append((prev, *reversed([n for n, _ in stack])))
            if len(found) > limit:
                truncated = True
                break
        stack.append((prev, 0))
        on_path.add(prev)
    found.sort(key=lambda p: (len(p), p))
    return Paths(tuple(found[:limit]), truncated)


@dataclass(frozen=True)
class Upstream:
    """What lies upstream of some nodes: for each, how many paths lead to it from source datasets
    and which sources they start at (a bit per source: bit `i` stands for `ids[i]`)."""

    paths: dict[str, int]
    bits: dict[str, int]
    ids: tuple[str, ...]

    def sources(self, bits: int, limit: int | None = None) -> list[str]:
        """The source ids a bit set stands for, in id order: all of them, or `limit` of them (the
        first found, then sorted)."""
        found: list[str] = []
        while bits and (limit is None or len(found) < limit):
            low = bits & -bits
            found.append(self.ids[low.bit_length() - 1])
            bits ^= low
        return sorted(found)


def upstream_of(graph: LineageGraph, nodes: Iterable[str]) -> Upstream:
    """For each of `nodes`: how many paths lead to it from source datasets along the data flow,
    counted (not listed), and the sources they start at, in one pass over the part of the graph
    upstream of them all (time linear in its size). An edge that closes a cycle adds no path and
    no source.

    Raises:
        NodeNotFound: a node does not exist.
    """
    wanted = list(nodes)
    counts: dict[str, int] = {}
    bits: dict[str, int] = {}
    ids: list[str] = []
    for node in wanted:
        graph.node(node)
        _summarise(graph, node, counts, bits, ids)
    return Upstream({n: counts[n] for n in wanted}, {n: bits[n] for n in wanted}, tuple(ids))


def count_paths_from_sources(graph: LineageGraph, nodes: Iterable[str]) -> dict[str, int]:
    """How many paths lead from source datasets to each of `nodes` along the data flow (see
    `upstream_of`).

    Raises:
        NodeNotFound: a node does not exist.
    """
    return upstream_of(graph, nodes).paths


def _summarise(graph: LineageGraph, start: str, counts: dict[str, int], bits: dict[str, int], ids: list[str]) -> None:
    if start in counts:
        return
    open_ = {start}
    stack: list[tuple[str, list[str], int]] = [(start, _next(graph, start, FLOW_EDGES, reverse=True), 0)]
    while stack:
        here, before, i = stack[-1]
        if i < len(before):
            stack[-1] = (here, before, i + 1)
            prev = before[i]
            if prev not in counts and prev not in open_:
                open_.add(prev)
                stack.append((prev, _next(graph, prev, FLOW_EDGES, reverse=True), 0))
            continue
        stack.pop()
        open_.discard(here)
        count, mask = 0, 0
        if is_source(graph, here):
            count, mask = 1, 1 << len(ids)
            ids.append(here)
        for p in before:
            count += counts.get(p, 0)
            mask |= bits.get(p, 0)
        counts[here], bits[here] = count, mask


def paths_between(graph: LineageGraph, source: str, target: str, *, limit: int = PATH_LIMIT,
                  edge_kinds: Iterable[str] = FLOW_EDGES) -> Paths:
    """Every simple path from `source` to `target` along `edge_kinds` edges, at most `limit` of
    them (shortest first among those found).

    Raises:
        NodeNotFound: either end does not exist.

    Example:
        >>> g = LineageGraph.from_records(
        ...     nodes=[{"id": "dataset:s:a", "kind": "dataset"}, {"id": "process:j:p", "kind": "process"},
        ...            {"id": "dataset:s:b", "kind": "dataset"}],
        ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write")])
        >>> paths_between(g, "dataset:s:a", "dataset:s:b").paths
        (('dataset:s:a', 'process:j:p', 'dataset:s:b'),)
        >>> paths_between(g, "dataset:s:b", "dataset:s:a").paths
        ()
    """
    kinds = frozenset(edge_kinds)
    graph.node(source)
    graph.node(target)
    if source == target:
        return Paths(((source,),), False)
    reaches = set(graph.upstream(target, edge_kinds=kinds)) | {target}
    if source not in reaches:
        return Paths((), False)
    found: list[tuple[str, ...]] = []
    steps = 0
    truncated = False
    nexts: dict[str, list[str]] = {}
    stack: list[tuple[str, int]] = [(source, 0)]
    on_path = {source}
    while stack:
        here, i = stack[-1]
        after = nexts.setdefault(here, [n for n in _next(graph, here, kinds, reverse=False) if n in reaches])
        steps += 1
        if i >= len(after) or steps > _BUDGET:
            if i < len(after):
                truncated = True
            stack.pop()
            on_path.discard(here)
            continue
        stack[-1] = (here, i + 1)
        step = after[i]
        if step in on_path:
            continue
        if step == target:
            found.append((*(n for n, _ in stack), target))
            if len(found) > limit:
                truncated = True
                break
            continue
        stack.append((step, 0))
        on_path.add(step)
    found.sort(key=lambda p: (len(p), p))
    return Paths(tuple(found[:limit]), truncated)
