"""The lineage graph: the one module that imports networkx.

Nodes are datasets, processes and identities keyed by their id (`kind:namespace:name`). Between
two nodes there is at most one networkx edge; its `kinds` say which of read, write, runs and grant
it stands for (an identity can both run a process and hold a grant on it). Facts about one node merge by precedence:
declared beats observed beats inferred, and within a layer the latest fact wins; classifications
and columns accumulate. Data flows along read and write edges; queries follow those unless told
otherwise.

Example:
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset"}, {"id": "process:j:p", "kind": "process"},
    ...            {"id": "dataset:s:b", "kind": "dataset"}],
    ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write")])
    >>> g.upstream("dataset:s:b")
    {'process:j:p': 1, 'dataset:s:a': 2}
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import networkx as nx

from lineage.aliases import resolve_aliases
from lineage.errors import NodeNotFound
from lineage.lookup import resolve_node
from lineage.models import ALL_EDGES, FLOW_EDGES
from lineage.perf import paused_gc
from lineage.store.base import CurrentGraph, GraphData
from lineage.store.merge import merge_facts


class LineageGraph:
    """An in-memory view of the lineage, built from the store or from plain records."""

    def __init__(self, graph: nx.DiGraph | None = None,
                 column_lineage: list[dict[str, Any]] | None = None) -> None:
        self._g: nx.DiGraph = graph if graph is not None else nx.DiGraph()
        self.column_lineage: list[dict[str, Any]] = column_lineage or []
        self._alias_of: dict[str, str] | None = None

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def from_data(cls, data: GraphData) -> LineageGraph:
        """Build from the store's plain rows (see `lineage.store.GraphData`)."""
        with paused_gc():
            return cls._from_data(data)

    @classmethod
    def _from_data(cls, data: GraphData) -> LineageGraph:
        data = resolve_aliases(data)
        g = nx.DiGraph()
        rows = data.nodes
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i].node_id != rows[start].node_id:
                attrs = merge_facts(rows[start:i])
                g.add_node(attrs["id"], **attrs)
                start = i
        g.add_edges_from(_pairs(data.edges))
        for node in g.nodes:  # an edge end with no fact of its own (never from the store)
            if "kind" not in g.nodes[node]:
                kind, _, rest = node.partition(":")
                g.nodes[node].update(id=node, kind=kind, namespace="", name=rest, classifications=[], columns=[])
        return cls(g, data.column_lineage)

    @classmethod
    def from_current(cls, data: CurrentGraph) -> LineageGraph:
        """Build from the current graph the store keeps (nodes merged already)."""
        with paused_gc():
            g = nx.DiGraph()
            g.add_nodes_from((attrs["id"], attrs) for attrs in data.nodes)
            g.add_edges_from(_pairs(data.edges))
            return cls(g, data.column_lineage)

    @classmethod
    def from_records(cls, nodes: Iterable[Mapping[str, Any]],
                     edges: Iterable[Sequence[Any]] = (),
                     column_lineage: Iterable[dict[str, Any]] = ()) -> LineageGraph:
        """Build from node attribute dicts (each with `id`) and `(source, target, kind[, attrs])` tuples."""
        g = nx.DiGraph()
        for node in nodes:
            attrs = {"classifications": [], "columns": [], **node}
            g.add_node(attrs["id"], **attrs)
        g.add_edges_from(_pairs(
            (e[0], e[1], e[2], (e[3] if len(e) > 3 else {}).get("permissions") or [],
             (e[3] if len(e) > 3 else {}).get("confidence", 1.0))
            for e in edges))
        return cls(g, list(column_lineage))

    # -- reading -------------------------------------------------------------------------------

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._g

    def __len__(self) -> int:
        return int(self._g.number_of_nodes())

    def node(self, node_id: str) -> dict[str, Any]:
        """The merged attributes of a node.

        Raises:
            NodeNotFound: no node has that id.
        """
        if node_id not in self._g:
            raise NodeNotFound(f"no node {node_id!r}")
        return dict(self._g.nodes[node_id])

    def nodes(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        for _, attrs in self._g.nodes(data=True):
            if kind is None or attrs.get("kind") == kind:
                yield attrs

    def edges(self, kinds: Iterable[str] | None = None) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """Every edge as (source, target, kind, attributes); a pair with two kinds gives two edges."""
        wanted = frozenset(kinds) if kinds is not None else None
        for u, v, attrs in self._g.edges(data=True):
            for kind in sorted(attrs["kinds"]):
                if wanted is None or kind in wanted:
                    yield u, v, kind, {"permissions": attrs["permissions"] if kind == "grant" else [],
                                       "confidence": attrs["confidence"]}

    def number_of_edges(self) -> int:
        return sum(len(attrs["kinds"]) for _, _, attrs in self._g.edges(data=True))

    def resolve(self, query: str) -> str:
        """The id of the node a user means (see `resolve_node`).

        Raises:
            NodeNotFound: nothing matches, or several nodes do (the message lists some).
        """
        return resolve_node(self.find_nodes, query)

    def find_nodes(self, *, ids: Sequence[str] = (), names: Sequence[str] = (), aliases: Sequence[str] = (),
                   containing: str | None = None, limit: int = 50) -> dict[str, list[str]]:
        """Node ids by how they match (as the store's `find_nodes`): `id` (one of `ids`), `alias` (the
        datasets that list one of `aliases`), `name` (a name in `names`, in id order), `containing`
        (the id contains the text, any case; the first `limit` in id order, then the count of all)."""
        out: dict[str, list[str]] = {}
        if ids:
            out["id"] = [i for i in ids if i in self._g]
        if aliases:
            if self._alias_of is None:
                self._alias_of = {a: str(n) for n, attrs in self._g.nodes(data=True)
                                  for a in attrs.get("aliases") or ()}
            out["alias"] = [self._alias_of[a] for a in aliases if a in self._alias_of]
        if names:
            wanted = set(names)
            out["name"] = sorted(str(n) for n, a in self._g.nodes(data=True) if a.get("name") in wanted)
        if containing is not None:
            needle = containing.casefold()
            found = sorted(str(n) for n in self._g.nodes if needle in str(n).casefold())
            out["containing"] = [*found[:limit], str(len(found))]
        return out

    def search(self, text: str, limit: int = 50) -> list[str]:
        """Ids whose id contains `text`, case-insensitively (a glob when it has `*` or `?`)."""
        needle = text.casefold()
        is_glob = any(c in text for c in "*?[")
        out = []
        for n in self._g.nodes:
            key = str(n).casefold()
            if (fnmatch.fnmatchcase(key, needle) if is_glob else needle in key):
                out.append(str(n))
                if len(out) >= limit:
                    break
        return sorted(out)

    # -- traversal -----------------------------------------------------------------------------

    def _walk(self, start: str, *, reverse: bool, depth: int | None,
              edge_kinds: frozenset[str]) -> dict[str, int]:
        if start not in self._g:
            raise NodeNotFound(f"no node {start!r}")
        adjacency = self._g.pred if reverse else self._g.succ
        seen = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            dist = seen[node]
            if depth is not None and dist >= depth:
                continue
            for nbr, attrs in adjacency[node].items():
                if nbr not in seen and not edge_kinds.isdisjoint(attrs["kinds"]):
                    seen[nbr] = dist + 1
                    queue.append(nbr)
        del seen[start]
        return seen

    def upstream(self, node_id: str, *, depth: int | None = None, kinds: Iterable[str] | None = None,
                 edge_kinds: Iterable[str] = FLOW_EDGES) -> dict[str, int]:
        """Nodes that `node_id` depends on, with their distance, nearest first.

        Args:
            node_id: where to start.
            depth: how many edges to follow at most; `None` follows them all.
            kinds: only return nodes of these kinds (the walk still passes through others).
            edge_kinds: which edges to follow; data-flow edges by default.

        Raises:
            NodeNotFound: the start node does not exist.
        """
        found = self._walk(node_id, reverse=True, depth=depth, edge_kinds=frozenset(edge_kinds))
        return self._filter(found, kinds)

    def downstream(self, node_id: str, *, depth: int | None = None, kinds: Iterable[str] | None = None,
                   edge_kinds: Iterable[str] = FLOW_EDGES) -> dict[str, int]:
        """Nodes that depend on `node_id`, with their distance; arguments as for `upstream`."""
        found = self._walk(node_id, reverse=False, depth=depth, edge_kinds=frozenset(edge_kinds))
        return self._filter(found, kinds)

    def _filter(self, found: dict[str, int], kinds: Iterable[str] | None) -> dict[str, int]:
        wanted = frozenset(kinds) if kinds is not None else None
        return {n: d for n, d in sorted(found.items(), key=lambda item: (item[1], item[0]))
                if wanted is None or self._g.nodes[n].get("kind") in wanted}

    def paths(self, source: str, target: str, *, max_depth: int = 12, limit: int = 100,
              edge_kinds: Iterable[str] = ALL_EDGES) -> list[list[str]]:
        """Simple paths from `source` to `target`, shortest first, at most `limit` of them and
        `max_depth` edges long.

        Raises:
            NodeNotFound: either end does not exist.
        """
        for end in (source, target):
            if end not in self._g:
                raise NodeNotFound(f"no node {end!r}")
        kinds = frozenset(edge_kinds)
        view = nx.subgraph_view(self._g, filter_edge=lambda u, v: not kinds.isdisjoint(self._g[u][v]["kinds"]))
        out: list[list[str]] = []
        for path in nx.all_simple_paths(view, source, target, cutoff=max_depth):
            out.append([str(n) for n in path])
            if len(out) >= 10 * limit:
                break
        out.sort(key=lambda p: (len(p), p))
        return out[:limit]

    def subgraph(self, node_id: str, *, depth: int = 2, upstream: bool = True, downstream: bool = True,
                 edge_kinds: Iterable[str] = ALL_EDGES) -> LineageGraph:
        """The neighbourhood of a node: it, plus what is within `depth` edges up and/or down."""
        kinds = frozenset(edge_kinds)
        keep = {node_id}
        if upstream:
            keep.update(self._walk(node_id, reverse=True, depth=depth, edge_kinds=kinds))
        if downstream:
            keep.update(self._walk(node_id, reverse=False, depth=depth, edge_kinds=kinds))
        return self.restricted_to(keep)

    def restricted_to(self, node_ids: Iterable[str]) -> LineageGraph:
        keep = set(node_ids)
        g = self._g.subgraph(keep).copy()
        cll = [c for c in self.column_lineage if c["target"] in keep]
        return LineageGraph(g, cll)

    def origins(self, dataset_id: str) -> list[str]:
        """The datasets where the data in `dataset_id` enters the map: upstream datasets with no
        dataset upstream of them (the dataset itself when nothing feeds it).

        Raises:
            NodeNotFound: the dataset does not exist.
        """
        up = self.upstream(dataset_id, kinds=("dataset",))
        candidates = [*up, dataset_id] if not up else list(up)
        return sorted(n for n in candidates if not any(
            self._g.nodes[p].get("kind") == "dataset" for p in self._walk(n, reverse=True, depth=2,
                                                                        edge_kinds=FLOW_EDGES)))

    def predecessors(self, node_id: str, edge_kind: str) -> list[str]:
        return sorted(u for u, attrs in self._g.pred[node_id].items() if edge_kind in attrs["kinds"])

    def successors(self, node_id: str, edge_kind: str) -> list[str]:
        return sorted(v for v, attrs in self._g.succ[node_id].items() if edge_kind in attrs["kinds"])

    def edge(self, source: str, target: str, kind: str) -> dict[str, Any] | None:
        """The attributes of the `kind` edge from `source` to `target`, or None."""
        data = self._g.get_edge_data(source, target)
        if data is None or kind not in data["kinds"]:
            return None
        return {"kind": kind, "permissions": data["permissions"] if kind == "grant" else [],
                "confidence": data["confidence"]}

    def stats(self) -> dict[str, Any]:
        """Counts by kind, by dataset role and origin, and of third-party processors and edges."""
        by_kind: dict[str, int] = {}
        by_role: dict[str, int] = {}
        by_origin: dict[str, int] = {}
        third_party = 0
        for _, a in self._g.nodes(data=True):
            kind = a.get("kind", "?")
            by_kind[kind] = by_kind.get(kind, 0) + 1
            if kind == "dataset":
                by_role[a.get("role") or "unknown"] = by_role.get(a.get("role") or "unknown", 0) + 1
                by_origin[a.get("origin") or "unknown"] = by_origin.get(a.get("origin") or "unknown", 0) + 1
            elif kind == "process" and a.get("third_party"):
                third_party += 1
        by_edge: dict[str, int] = {}
        for _, _, kinds in self._g.edges(data="kinds"):
            for kind in kinds:
                by_edge[kind] = by_edge.get(kind, 0) + 1
        return {"nodes": self._g.number_of_nodes(), "edges": sum(by_edge.values()),
                "by_kind": by_kind, "datasets_by_role": by_role, "datasets_by_origin": by_origin,
                "third_party_processors": third_party, "edges_by_kind": by_edge,
                "column_lineage": len(self.column_lineage)}


def _pairs(edges: Iterable[tuple[str, str, str, list[str], float]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Fold (source, target, kind, permissions, confidence) edges into one attribute dict per pair."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for u, v, kind, perms, conf in edges:
        entry = pairs.get((u, v))
        if entry is None:
            pairs[(u, v)] = {"kinds": {kind}, "permissions": perms, "confidence": conf}
        else:
            entry["kinds"].add(kind)
            entry["permissions"] = sorted(set(entry["permissions"]) | set(perms))
            entry["confidence"] = max(entry["confidence"], conf)
    for (u, v), attrs in pairs.items():
        yield u, v, attrs


def load_graph(store: Any, as_of: datetime | None = None) -> LineageGraph:
    """The graph of everything in `store` (a `lineage.store.Store`) as of a time (default: now,
    read from the current graph the store keeps)."""
    if as_of is None:
        return LineageGraph.from_current(store.current_graph())
    with paused_gc():
        return LineageGraph.from_data(store.graph_data(as_of))
