"""A compact, sorted index of the data-flow edges, built once per analysis.

Nodes are numbered in id order and every adjacency list is sorted, so each walk over the index
visits nodes in the same order whatever order the facts were ingested in: tags, paths and
findings do not depend on ingest order.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset"}, {"id": "process:j:p", "kind": "process"}],
    ...     edges=[("dataset:s:a", "process:j:p", "read")])
    >>> index = FlowIndex.build(g)
    >>> [index.ids[i] for i in index.succ[index.index["dataset:s:a"]]]
    ['process:j:p']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineage.graph import LineageGraph
from lineage.perf import paused_gc


@dataclass(frozen=True)
class FlowIndex:
    """Read and write edges as sorted integer adjacency lists, plus each node's attributes."""

    ids: list[str]
    index: dict[str, int]
    attrs: list[dict[str, Any]]
    kinds: list[str]
    succ: list[list[int]]
    pred: list[list[int]]
    runs: dict[str, list[str]]
    """Processes each identity runs, sorted."""
    grants: dict[str, list[tuple[str, tuple[str, ...]]]]
    """(target, permissions) each identity holds, sorted."""

    @classmethod
    def build(cls, graph: LineageGraph) -> FlowIndex:
        """Index `graph`'s nodes (in id order) and its read/write edges.

        Example:
            >>> from lineage.graph import LineageGraph
            >>> FlowIndex.build(LineageGraph.from_records(nodes=[{"id": "dataset:s:a", "kind": "dataset"}])).ids
            ['dataset:s:a']
        """
        with paused_gc():
            by_id = {str(a["id"]): a for a in graph.nodes()}
            ids = sorted(by_id)
            index = {node: i for i, node in enumerate(ids)}
            attrs = [by_id[node] for node in ids]
            kinds = [str(a.get("kind", "")) for a in attrs]
            succ: list[list[int]] = [[] for _ in ids]
            pred: list[list[int]] = [[] for _ in ids]
            runs: dict[str, list[str]] = {}
            grants: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
            for u, v, kind, edge in graph.edges():
                if kind == "read" or kind == "write":
                    iu, iv = index[u], index[v]
                    succ[iu].append(iv)
                    pred[iv].append(iu)
                elif kind == "runs":
                    runs.setdefault(u, []).append(v)
                else:
                    grants.setdefault(u, []).append((v, tuple(edge.get("permissions") or ())))
            for adjacency in (succ, pred):
                for row in adjacency:
                    if len(row) > 1:
                        row.sort()
            for processes in runs.values():
                processes.sort()
            for held in grants.values():
                held.sort()
        return cls(ids=ids, index=index, attrs=attrs, kinds=kinds, succ=succ, pred=pred, runs=runs, grants=grants)

    def is_privacy_step(self, i: int) -> bool:
        """Whether node `i` is a process declared as a privacy step."""
        return self.kinds[i] == "process" and bool(self.attrs[i].get("privacy_step"))
