"""The graph as it was at a time, asked about part by part: the reads `lineage.focused` makes of the
current graph (`walk`, `current_part`, `links`, `find_nodes`, `node_ids`), answered from the facts
visible then instead.

The facts are the store's record with their validity: a fact holds from when its input was
received and it was first observed until its input was superseded. So a question about the
past reads only the facts of the nodes it is about, at about the speed of the same question about
now, and answers what merging every fact of that time would (`graph_data(as_of)`; the store's
tests check both agree). Aliases are resolved as the facts of that time name them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import Any

from lineage.errors import NodeNotFound
from lineage.store.base import CurrentGraph
from lineage.store.merge import alias_map, canonical_rows, merge_facts
from lineage.store.rows import node_fact_row
from lineage.store.sql import Backend, Tx

VISIBLE = ("i.received_at <= %(at)s AND (i.superseded_at IS NULL OR i.superseded_at > %(at)s) "
            "AND f.first_observed_at <= %(at)s")
"""A fact is visible at `at` when it was first observed by then and its input was current then."""

_NODE_FACTS = (
    "SELECT f.node_id, f.kind, f.namespace, f.name, f.body{text}, f.layer, "  # noqa: S608 - constant text
    "max(least(f.observed_at, %(at)s)) AS seen, min(f.first_observed_at) "
    f"FROM node_facts f JOIN inputs i USING (input_id) WHERE {VISIBLE} AND f.node_id {{in_ids}} "
    "GROUP BY f.node_id, f.kind, f.namespace, f.name, f.body{text}, f.layer "
    "ORDER BY f.node_id{collate}, f.layer, seen, f.body{text}{collate}"
)
_EDGES = (
    "SELECT f.source_id, f.target_id, f.kind, {permissions}, max(f.confidence) "  # noqa: S608 - constant text
    f"FROM edge_facts f JOIN inputs i USING (input_id) {{permissions_join}}WHERE {VISIBLE} AND {{where}} "
    "GROUP BY 1, 2, 3"
)
_COLUMNS = (
    "SELECT DISTINCT f.target_id, f.target_column, f.sources{text}, f.transformation, f.indirect, "  # noqa: S608
    f"f.process_id, f.confidence FROM column_facts f JOIN inputs i USING (input_id) WHERE {VISIBLE} "
    "AND f.target_id {in_ids}"
)
_NODE_IDS = ("SELECT DISTINCT f.node_id FROM node_facts f JOIN inputs i USING (input_id) "  # noqa: S608
             f"WHERE {VISIBLE}")
_ALIASES = ("SELECT DISTINCT f.node_id, f.body{text} FROM node_facts f JOIN inputs i USING (input_id) "  # noqa: S608
            f"WHERE {VISIBLE} AND f.kind = 'dataset' AND f.body{{text}} LIKE '%%\"aliases\"%%'")


_BECAME = "greatest(i.received_at, f.first_observed_at)"
_CHANGED = (f"(({_BECAME} > %(lo)s AND {_BECAME} <= %(hi)s) "
            "OR (i.superseded_at > %(lo)s AND i.superseded_at <= %(hi)s))")
CHANGED_BETWEEN = (
    f"SELECT f.node_id FROM node_facts f JOIN inputs i USING (input_id) WHERE {_CHANGED} UNION "  # noqa: S608
    f"SELECT f.source_id FROM edge_facts f JOIN inputs i USING (input_id) WHERE {_CHANGED} UNION "
    f"SELECT f.target_id FROM edge_facts f JOIN inputs i USING (input_id) WHERE {_CHANGED}")
"""The node ids (as the facts name them) of the node and edge facts that became visible or stopped
being visible between `lo` (excluded) and `hi`: all that can differ between the graphs of two times."""


class Past:
    """The graph of `store` as it was at `at`, with the reads of the current graph."""

    def __init__(self, store: Backend, at: datetime) -> None:
        self.store = store
        self.at = at

    def reading(self) -> Any:
        return self.store.reading()  # type: ignore[attr-defined]

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self.store._read() as tx:
            yield tx

    def _all(self, tx: Tx, template: str, **params: Any) -> list[tuple[Any, ...]]:
        return tx.all(template, {"at": self.at, **params})

    @cached_property
    def canon(self) -> dict[str, str]:
        """Alias id -> dataset id, as the facts of the time name them."""
        claims: list[tuple[str, str]] = []
        with self._read() as tx:
            for node_id, body in self._all(tx, _ALIASES):
                aliases = json.loads(body).get("aliases")
                if isinstance(aliases, list):
                    claims.extend((node_id, a) for a in aliases if isinstance(a, str))
        return alias_map(claims)

    def aliases(self) -> dict[str, str]:
        """As `Current.aliases`, as the facts of the time name them."""
        return self.canon

    def _raw(self, ids: Iterable[str]) -> list[str]:
        """The ids that stand for the nodes `ids`: themselves and their aliases."""
        wanted = set(ids)
        return sorted(wanted | {a for a, d in self.canon.items() if d in wanted})

    def _edges(self, tx: Tx, where: str, **params: Any) -> list[tuple[str, str, str, list[str], float]]:
        """The edges of the time whose facts match `where`, merged per (source, target, kind) of
        the nodes their ends stand for."""
        canon = self.canon
        merged: dict[tuple[str, str, str], tuple[set[str], float]] = {}
        for s, t, kind, permissions, confidence in self._all(tx, _EDGES.replace("{where}", where), **params):
            key = (canon.get(s, s), canon.get(t, t), str(kind))
            if key[0] == key[1]:
                continue
            perms, conf = merged.get(key, (set(), 0.0))
            merged[key] = (perms | set(permissions), max(conf, float(confidence)))
        return [(s, t, k, sorted(p), c) for (s, t, k), (p, c) in sorted(merged.items())]

    def _exists(self, tx: Tx, node_id: str) -> bool:
        return node_id not in self.canon and bool(self._all(
            tx, f"SELECT 1 FROM node_facts f JOIN inputs i USING (input_id) WHERE {VISIBLE} "  # noqa: S608
                "AND f.node_id {in_ids} LIMIT 1", ids=self._raw([node_id])))

    def walk(self, node_id: str, *, reverse: bool, depth: int | None, edge_kinds: Iterable[str]) -> dict[str, int]:
        """As `Current.walk`, over the edges of the time.

        Raises:
            NodeNotFound: no node had that id then.
        """
        near = "f.target_id" if reverse else "f.source_id"
        kinds = sorted(set(edge_kinds))
        seen = {node_id: 0}
        with self._read() as tx:
            if not self._exists(tx, node_id):
                raise NodeNotFound(f"no node {node_id!r} as of {self.at.isoformat()}")
            frontier = [node_id]
            level = 0
            while frontier and (depth is None or level < depth):
                level += 1
                edges = self._edges(tx, f"{near} {{in_ids}} AND f.kind {tx.dialect.in_ids.replace('(ids)', '(kinds)')}",
                                    ids=self._raw(frontier), kinds=kinds)
                wanted = set(frontier)
                found = sorted({s if reverse else t for s, t, _, _, _ in edges
                                if (t if reverse else s) in wanted} - seen.keys())
                seen.update(dict.fromkeys(found, level))
                frontier = found
        del seen[node_id]
        return seen

    def current_part(self, node_ids: Iterable[str]) -> CurrentGraph:
        """As `Current.current_part`: the nodes of the time among `node_ids`, the edges among them,
        the column lineage into them."""
        canon = self.canon
        ids = sorted(set(node_ids) - canon.keys())
        raw = self._raw(ids)
        with self._read() as tx:
            rows = canonical_rows([node_fact_row(r) for r in self._all(tx, _NODE_FACTS, ids=raw)], canon)
            edges = self._edges(tx, "f.source_id {in_ids} AND f.target_id {in_ids}", ids=raw)
            columns = self._all(tx, _COLUMNS, ids=raw)
        nodes = [merge_facts(group) for group in _by_node(rows)]
        present = {n["id"] for n in nodes}
        lineage = []
        for target, column, sources, transformation, indirect, process, confidence in columns:
            mapped = [[canon.get(s[0], s[0]), *s[1:]] for s in json.loads(sources)]
            lineage.append({"target": canon.get(target, target), "column": column, "sources": mapped,
                            "transformation": transformation, "indirect": indirect, "process": process,
                            "confidence": confidence})
        lineage.sort(key=lambda c: (c["target"], c["column"]))
        return CurrentGraph(nodes=nodes, edges=[e for e in edges if e[0] in present and e[1] in present],
                            column_lineage=lineage)

    def links(self, node_ids: Iterable[str], kinds: Iterable[str]) -> list[tuple[str, str, str]]:
        """As `Current.links`, over the edges of the time."""
        raw = self._raw(set(node_ids) - self.canon.keys())
        if not raw:
            return []
        with self._read() as tx:
            edges = self._edges(tx, "f.kind {in_kinds} AND (f.source_id {in_ids} OR f.target_id {in_ids})".replace(
                "{in_kinds}", tx.dialect.in_ids.replace("(ids)", "(kinds)")), ids=raw, kinds=sorted(set(kinds)))
        return [(s, t, k) for s, t, k, _, _ in edges]

    def _node_ids(self, where: str, **params: Any) -> list[str]:
        """The ids of the nodes of the time whose facts match `where`, in id order."""
        with self._read() as tx:
            rows = self._all(tx, f"{_NODE_IDS} AND {where}", **params)
        return sorted(str(r[0]) for r in rows if r[0] not in self.canon)

    def find_nodes(self, *, ids: Sequence[str] = (), names: Sequence[str] = (), aliases: Sequence[str] = (),
                   containing: str | None = None, limit: int = 50) -> dict[str, list[str]]:
        """As `Current.find_nodes`, among the nodes of the time."""
        out: dict[str, list[str]] = {}
        if ids:
            out["id"] = self._node_ids("f.node_id {in_ids}", ids=list(ids))
        if aliases:
            out["alias"] = [self.canon[a] for a in aliases if a in self.canon]
        if names:
            out["name"] = self._node_ids("f.name {in_ids}", ids=list(names))
        if containing is not None:
            needle = containing.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            matching = self._node_ids("lower(f.node_id) LIKE %(needle)s ESCAPE '\\'", needle=f"%{needle}%")
            out["containing"] = [*matching[:limit], str(len(matching))]
        return out

    def stats(self) -> dict[str, Any]:
        """Counts of the graph of the time: nodes and edges, in all and by kind (what the History
        page shows), from the facts visible then and without merging them."""
        by_kind = Counter(node.split(":", 1)[0] for node in self.node_ids())
        with self._read() as tx:
            by_edge = Counter(kind for _, _, kind, _, _ in self._edges(tx, "TRUE"))
        return {"nodes": sum(by_kind.values()), "edges": sum(by_edge.values()), "by_kind": dict(by_kind),
                "edges_by_kind": dict(by_edge)}

    def node_ids(self) -> list[str]:
        """Every node id of the time, in order."""
        return self._node_ids("TRUE")


def _by_node(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Rows ordered by node, grouped per node."""
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i].node_id != rows[start].node_id:
            yield rows[start:i]
            start = i
