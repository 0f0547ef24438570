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

import functools
from collections.abc import Callable, Iterable, Iterator
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


def _simple_paths(start: str, neighbours: Callable[[str], list[str]], ends: Callable[[str], bool], *,
                  through_ends: bool, limit: int, budget: int) -> tuple[list[tuple[str, ...]], bool]:
    """Paths that never visit a node twice from `start`, one step at a time along `neighbours`, to
    each node `ends` says is an end (walking on past it with `through_ends`); at most `limit` + 1
    of them, looked for in at most `budget` steps; and whether the search was cut."""
    found: list[tuple[str, ...]] = []
    truncated = False
    steps = 0
    after: dict[str, list[str]] = {}
    stack: list[tuple[str, int]] = [(start, 0)]  # (node, index into its neighbours) on the current path
    on_path = {start}
    while stack:
        here, i = stack[-1]
        nexts = after.get(here)
        if nexts is None:
            nexts = after[here] = neighbours(here)
        steps += 1
        if i >= len(nexts) or steps > budget:
            truncated = truncated or i < len(nexts)
            stack.pop()
            on_path.discard(here)
            continue
        stack[-1] = (here, i + 1)
        step = nexts[i]
        if step in on_path:
            continue
        if ends(step):
            found.append((*(n for n, _ in stack), step))
            if len(found) > limit:
                return found, True
            if not through_ends:
                continue
        stack.append((step, 0))
        on_path.add(step)
    return found, truncated


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
    first = [(node,)] if is_source(graph, node) else []
    ends = functools.cache(functools.partial(is_source, graph))
    walked, truncated = _simple_paths(node, lambda n: _next(graph, n, FLOW_EDGES, reverse=True), ends,
                                      through_ends=True, limit=limit - len(first), budget=budget)
    found = first + [tuple(reversed(p)) for p in walked]
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
    """For each of `nodes`: the source datasets upstream of it, and how many paths lead from them
    to it along the data flow, counted (not listed), in one pass over the part of the graph
    upstream of them all (time linear in its size). The sources are exact; the paths are counted
    with each cycle of the flow taken as one step (exact where the flow has no cycle).

    Raises:
        NodeNotFound: a node does not exist.

    Example:
        >>> g = LineageGraph.from_records(
        ...     nodes=[{"id": "dataset:s:a", "kind": "dataset"}, {"id": "dataset:s:b", "kind": "dataset"},
        ...            {"id": "process:j:p", "kind": "process"}, {"id": "process:j:q", "kind": "process"}],
        ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write"),
        ...            ("dataset:s:b", "process:j:q", "read"), ("process:j:q", "dataset:s:b", "write")])
        >>> up = upstream_of(g, ["process:j:q"])  # q reads and writes b: a cycle
        >>> up.sources(up.bits["process:j:q"]), up.paths["process:j:q"]
        (['dataset:s:a'], 1)
    """
    wanted = list(nodes)
    for node in wanted:
        graph.node(node)
    preds: dict[str, list[str]] = {}

    def before(node: str) -> list[str]:
        found = preds.get(node)
        if found is None:
            found = preds[node] = _next(graph, node, FLOW_EDGES, reverse=True)
        return found

    part_of: dict[str, str] = {}  # node -> the first node of its cycle (itself when in none)
    counts: dict[str, int] = {}
    bits: dict[str, int] = {}
    ids: list[str] = []
    for part in _cycles_upstream_first(wanted, before):
        members = set(part)
        count, mask = 0, 0
        for node in sorted(part):
            if is_source(graph, node):
                count, mask = count + 1, mask | 1 << len(ids)
                ids.append(node)
        for node in part:
            for p in before(node):
                if p not in members:
                    count += counts[part_of[p]]
                    mask |= bits[part_of[p]]
        for node in part:
            part_of[node] = part[0]
        counts[part[0]], bits[part[0]] = count, mask
    return Upstream({n: counts[part_of[n]] for n in wanted}, {n: bits[part_of[n]] for n in wanted}, tuple(ids))


def count_paths_from_sources(graph: LineageGraph, nodes: Iterable[str]) -> dict[str, int]:
    """How many paths lead from source datasets to each of `nodes` along the data flow (see
    `upstream_of`).

    Raises:
        NodeNotFound: a node does not exist.
    """
    return upstream_of(graph, nodes).paths


def _cycles_upstream_first(roots: Iterable[str], before: Callable[[str], list[str]]) -> Iterator[list[str]]:
    """The strongly connected parts of what lies upstream of `roots` (`before` gives a node's
    predecessors), each after every part upstream of it (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in roots:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(before(root)))]
        while work:
            node, rest = work[-1]
            deeper = False
            for prev in rest:
                if prev not in index:
                    index[prev] = low[prev] = len(index)
                    stack.append(prev)
                    on_stack.add(prev)
                    work.append((prev, iter(before(prev))))
                    deeper = True
                    break
                if prev in on_stack:
                    low[node] = min(low[node], index[prev])
            if deeper:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                yield part


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
    found, truncated = _simple_paths(
        source, lambda n: [m for m in _next(graph, n, kinds, reverse=False) if m in reaches], target.__eq__,
        through_ends=False, limit=limit, budget=_BUDGET)
    found.sort(key=lambda p: (len(p), p))
    return Paths(tuple(found[:limit]), truncated)
