"""The current graph, kept in the store: merged nodes, edges, column lineage and aliases.

The facts are the record; these tables are what the facts say now, so a question about part of
the graph reads that part instead of merging every fact. Each ingest refreshes, in its own
transaction, only what its input touches (and what the snapshot it supersedes touched):

- a node is merged again from all its current facts (`merge_facts`), unless all this input says
  of it is that it exists (the bare fact of an edge end), which only moves its layer and times;
- the edges between the touched sources and targets, and the column lineage into the touched
  targets, are worked out again from their current facts;
- when the input adds or removes an alias, and so changes which dataset a name stands for, the
  whole graph is worked out again (`rebuild`).

Nodes are numbered (`nid`) so that a walk joins integers: an upstream walk over a million edges
reads a few milliseconds per level. `generation` counts the changes, for whatever is worked out
from the whole graph (tags, findings) to know when it is stale. The current graph is what the
facts say with no time limit: `graph_data()` with no time, merged, equals it (the store's tests
check this after every ingest).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lineage.errors import NodeNotFound
from lineage.perf import paused_gc
from lineage.store.base import CurrentGraph
from lineage.store.derived import record_change
from lineage.store.merge import alias_map, canonical_rows, merge_facts
from lineage.store.rows import node_fact_row
from lineage.store.sql import Backend, Tx

_CURRENT = "i.superseded_at IS NULL"
_KEPT = ("id", "kind", "namespace", "name", "layer", "first_seen", "last_seen")
"""The attributes kept in columns of `graph_nodes`; the others are its `attrs` JSON, in order."""


def _in(tx: Tx, param: str) -> str:
    """Membership of a column in the list parameter `param`, in the transaction's dialect."""
    return tx.dialect.in_ids.replace("(ids)", f"({param})")


# -- writing -----------------------------------------------------------------------------------------


@dataclass
class Touched:
    """What an input's facts touch: the nodes it says more of than that they exist (`full`), those
    it only names (`bare`, edge ends), the (source, target) pairs of its edges, the targets of its
    column lineage, and whether it names aliases."""

    full: set[str] = field(default_factory=set)
    bare: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    column_targets: set[str] = field(default_factory=set)
    aliases: bool = False

    def __or__(self, other: Touched) -> Touched:
        return Touched(self.full | other.full, self.bare | other.bare, self.pairs | other.pairs,
                       self.column_targets | other.column_targets, self.aliases or other.aliases)


def touched_by(tables: Mapping[str, Mapping[str, list[Any]]]) -> Touched:
    """What the fact rows of one input touch (`rows.fact_columns`' output)."""
    out = Touched()
    nodes = tables["node_facts"]
    for node_id, kind, body in zip(nodes["node_id"], nodes["kind"], nodes["body"], strict=True):
        if body == "{}":
            out.bare.add(node_id)
        else:
            out.full.add(node_id)
            out.aliases = out.aliases or (kind == "dataset" and '"aliases"' in body)
    edges = tables["edge_facts"]
    out.pairs.update(zip(edges["source_id"], edges["target_id"], strict=True))
    out.column_targets.update(tables["column_facts"]["target_id"])
    return out


def _superseded(tx: Tx, input_ids: Sequence[str]) -> Touched:
    """What the facts of the inputs `input_ids` touch (all of it as more than bare: they are gone)."""
    out = Touched()
    if not input_ids:
        return out
    params = {"ids": list(input_ids)}
    for node_id, aliases in tx.all(
            "SELECT node_id, bool_or(kind = 'dataset' AND body{text} LIKE '%%\"aliases\"%%') FROM node_facts "  # noqa: S608
            f"WHERE input_id {_in(tx, 'ids')} GROUP BY node_id", params):
        out.full.add(str(node_id))
        out.aliases = out.aliases or bool(aliases)
    out.pairs.update((str(s), str(t)) for s, t in tx.all(
        f"SELECT DISTINCT source_id, target_id FROM edge_facts WHERE input_id {_in(tx, 'ids')}", params))  # noqa: S608
    out.column_targets.update(str(t) for (t,) in tx.all(
        f"SELECT DISTINCT target_id FROM column_facts WHERE input_id {_in(tx, 'ids')}", params))  # noqa: S608
    return out


def refresh(tx: Tx, fresh: Touched, superseded: Sequence[str], now: datetime,
            snapshots: Sequence[str] | None) -> None:
    """Bring the current graph up to date, inside the ingest's transaction, after facts that touch
    `fresh` were stored (all of them rows of the inputs `snapshots`, when those are snapshots) and
    the inputs `superseded` were superseded."""
    tx.lock("current-graph")  # writers of one PostgreSQL store refresh one at a time
    gone = _superseded(tx, superseded)
    if fresh.aliases or gone.aliases:
        claimed, stored = _alias_claims(tx), _stored_aliases(tx)
        if claimed != stored:  # which dataset a name stands for changed: the whole graph again
            moved = {i for a in set(claimed.items()) ^ set(stored.items()) for i in a}
            both = fresh | gone
            rebuild(tx, now, moved | both.full | both.bare | both.column_targets | {i for p in both.pairs for i in p})
            return
    canon = _stored_aliases(tx)

    def canonical(ids: Iterable[str]) -> set[str]:
        return {canon.get(i) or i for i in ids}

    pairs = fresh.pairs | gone.pairs
    sources, targets = canonical(s for s, _ in pairs), canonical(t for _, t in pairs)
    column_targets = canonical(fresh.column_targets | gone.column_targets)
    full = canonical(fresh.full | gone.full | {i for i in fresh.bare if i in canon})
    _delete_edges(tx, sources, targets)
    tx.execute(f"DELETE FROM graph_columns WHERE target_id {_in(tx, 'ids')}", {"ids": sorted(column_targets)})  # noqa: S608
    full |= canonical(_seen_again(tx, fresh.bare, snapshots))  # a new node is merged whole
    _merge_nodes(tx, full, canon)
    _insert_edges(tx, canon, sources, targets)
    _insert_columns(tx, canon, column_targets)
    _bump(tx, now, full | canonical(fresh.bare) | sources | targets | column_targets)


def rebuild(tx: Tx, now: datetime, touched: set[str] | None = None) -> None:
    """Work the whole current graph out again from the facts; `touched`, when known, are the nodes
    whose facts changed (the others come out as they were)."""
    for table in ("graph_edges", "graph_columns", "graph_nodes", "graph_aliases"):
        tx.execute(f"DELETE FROM {table}")  # noqa: S608 - a constant table name
    canon = _alias_claims(tx)
    if canon:
        tx.load("graph_aliases", {"alias_id": list(canon), "dataset_id": list(canon.values())})
    tx.execute("UPDATE graph_state SET next_nid = 1")
    _merge_nodes(tx, None, canon)
    _insert_edges(tx, canon, None, None)
    _insert_columns(tx, canon, None)
    _bump(tx, now, touched)


def _bump(tx: Tx, now: datetime, touched: set[str] | None) -> None:
    """Count a change of the current graph, recording the nodes it touched (None: all of them)."""
    tx.execute("UPDATE graph_state SET generation = generation + 1, changed_at = %(now)s", {"now": now})
    record_change(tx, touched)


def _alias_claims(tx: Tx) -> dict[str, str]:
    """Alias id -> dataset id, from every current dataset fact that names aliases."""
    claims: list[tuple[str, str]] = []
    for node_id, body in tx.all(
            "SELECT DISTINCT f.node_id, f.body{text} FROM node_facts f JOIN inputs i USING (input_id) "  # noqa: S608
            f"WHERE {_CURRENT} AND f.kind = 'dataset' AND f.body{{text}} LIKE '%%\"aliases\"%%'"):
        aliases = json.loads(body).get("aliases")
        if isinstance(aliases, list):
            claims.extend((node_id, a) for a in aliases if isinstance(a, str))
    return alias_map(claims)


def _stored_aliases(tx: Tx) -> dict[str, str]:
    return {str(a): str(d) for a, d in tx.all("SELECT alias_id, dataset_id FROM graph_aliases")}


def _nids(tx: Tx, node_ids: Iterable[str]) -> dict[str, int]:
    ids = sorted(node_ids)
    if not ids:
        return {}
    rows = tx.all(f"SELECT node_id, nid FROM graph_nodes WHERE node_id {_in(tx, 'ids')}", {"ids": ids})  # noqa: S608
    return {str(node): int(nid) for node, nid in rows}


def _seen_again(tx: Tx, bare: set[str], input_ids: Sequence[str] | None) -> set[str]:
    """Move the layer and times of the nodes of the graph the input names (`bare`: its bare facts,
    nothing else to merge) to what their current bare facts say, and return those new to the graph.
    `input_ids`: the inputs whose rows those bare facts all are (snapshots'), so they are found by
    them; None: look them up by node (observations may add to rows of earlier inputs)."""
    if not bare:
        return set()
    which, params = ((f"f.input_id {_in(tx, 'inputs')}", {"inputs": list(input_ids)}) if input_ids is not None
                     else (f"f.node_id {_in(tx, 'ids')}", {"ids": sorted(bare)}))
    moved = tx.changed(
        "UPDATE graph_nodes SET layer = greatest(graph_nodes.layer, u.layer), "  # noqa: S608 - constant text
        "first_seen = least(graph_nodes.first_seen, u.first_seen), "
        "last_seen = greatest(graph_nodes.last_seen, u.last_seen) FROM (SELECT f.node_id, max(f.layer) AS layer, "
        "min(f.first_observed_at) AS first_seen, max(f.observed_at) AS last_seen FROM node_facts f "
        f"JOIN inputs i USING (input_id) WHERE {_CURRENT} AND {which} "
        "AND f.body{text} = '{{}}' GROUP BY f.node_id) u WHERE graph_nodes.node_id = u.node_id", params)
    if moved >= len(bare):
        return set()
    return bare - set(_nids(tx, bare))  # each has a bare fact: those the graph has no node for are new


def _raw(ids: Iterable[str], canon: dict[str, str]) -> list[str]:
    """The ids that stand for `ids`: themselves and their aliases."""
    wanted = set(ids)
    return sorted(wanted | {a for a, d in canon.items() if d in wanted})


def _merge_nodes(tx: Tx, node_ids: set[str] | None, canon: dict[str, str]) -> None:
    """Merge the nodes `node_ids` (canonical ids; None: all) from their current facts, keeping
    each its number."""
    if node_ids is not None and not node_ids:
        return
    where = "" if node_ids is None else f"AND f.node_id {_in(tx, 'ids')} "
    params = {} if node_ids is None else {"ids": _raw(node_ids, canon)}
    rows = [node_fact_row(r) for r in tx.bulk(
        "SELECT f.node_id, f.kind, f.namespace, f.name, f.body{text}, f.layer, max(f.observed_at) AS seen, "  # noqa: S608
        f"min(f.first_observed_at) FROM node_facts f JOIN inputs i USING (input_id) WHERE {_CURRENT} {where}"
        "GROUP BY f.node_id, f.kind, f.namespace, f.name, f.body{text}, f.layer "
        "ORDER BY f.node_id{collate}, f.layer, seen, f.body{text}{collate}", params)]
    rows = canonical_rows(rows, canon)
    nids = {} if node_ids is None else _nids(tx, node_ids)
    if node_ids is not None:
        tx.execute(f"DELETE FROM graph_nodes WHERE node_id {_in(tx, 'ids')}", {"ids": sorted(node_ids)})  # noqa: S608
    state = tx.one("SELECT next_nid FROM graph_state")
    next_nid = int(state[0]) if state else 1
    out: dict[str, list[Any]] = {c: [] for c in ("nid", "node_id", "kind", "namespace", "name", "layer",
                                                "first_seen", "last_seen", "attrs")}
    start = 0
    for i in range(1, len(rows) + 1):
        if i < len(rows) and rows[i].node_id == rows[start].node_id:
            continue
        attrs = merge_facts(rows[start:i])
        start = i
        nid = nids.get(attrs["id"])
        if nid is None:
            nid, next_nid = next_nid, next_nid + 1
        out["nid"].append(nid)
        for column, key in (("node_id", "id"), ("kind", "kind"), ("namespace", "namespace"), ("name", "name"),
                            ("layer", "layer"), ("first_seen", "first_seen"), ("last_seen", "last_seen")):
            out[column].append(attrs[key])
        out["attrs"].append(json.dumps({k: v for k, v in attrs.items() if k not in _KEPT}))
    if out["nid"]:
        tx.load("graph_nodes", out)
    tx.execute("UPDATE graph_state SET next_nid = %(n)s", {"n": next_nid})


def _delete_edges(tx: Tx, sources: set[str], targets: set[str]) -> None:
    if sources and targets:
        tx.execute(
            f"DELETE FROM graph_edges WHERE src IN (SELECT nid FROM graph_nodes WHERE node_id {_in(tx, 'sources')}) "  # noqa: S608
            f"AND dst IN (SELECT nid FROM graph_nodes WHERE node_id {_in(tx, 'targets')})",
            {"sources": sorted(sources), "targets": sorted(targets)})


def _insert_edges(tx: Tx, canon: dict[str, str], sources: set[str] | None, targets: set[str] | None) -> None:
    """Insert the current edges from the sources to the targets (canonical ids; None: all)."""
    if sources is not None and not (sources and targets):
        return
    where = ""
    params: dict[str, Any] = {}
    if sources is not None and targets is not None:
        where = f"AND f.source_id {_in(tx, 'sources')} AND f.target_id {_in(tx, 'targets')} "
        params = {"sources": _raw(sources, canon), "targets": _raw(targets, canon)}
    tx.execute(
        "INSERT INTO graph_edges (src, dst, kind, permissions, confidence) "  # noqa: S608 - constant text
        "SELECT ns.nid, nt.nid, e.kind, e.perms, e.conf FROM (SELECT coalesce(sa.dataset_id, f.source_id) AS s, "
        "coalesce(ta.dataset_id, f.target_id) AS t, f.kind AS kind, {permissions} AS perms, "
        "max(f.confidence) AS conf FROM edge_facts f JOIN inputs i USING (input_id) {permissions_join}"
        "LEFT JOIN graph_aliases sa ON sa.alias_id = f.source_id "
        "LEFT JOIN graph_aliases ta ON ta.alias_id = f.target_id "
        f"WHERE {_CURRENT} {where}GROUP BY 1, 2, 3) e "
        "JOIN graph_nodes ns ON ns.node_id = e.s JOIN graph_nodes nt ON nt.node_id = e.t WHERE e.s <> e.t",
        params)


def _insert_columns(tx: Tx, canon: dict[str, str], targets: set[str] | None) -> None:
    """Insert the current column lineage into the targets (canonical ids; None: all)."""
    if targets is not None and not targets:
        return
    where = "" if targets is None else f"AND f.target_id {_in(tx, 'ids')}"
    rows = tx.bulk(
        "SELECT DISTINCT f.target_id, f.target_column, f.sources{text}, f.transformation, f.indirect, "  # noqa: S608
        f"f.process_id, f.confidence FROM column_facts f JOIN inputs i USING (input_id) WHERE {_CURRENT} {where}",
        {} if targets is None else {"ids": _raw(targets, canon)})
    if not rows:
        return
    out: dict[str, list[Any]] = {c: [] for c in ("target_id", "target_column", "sources", "transformation",
                                                "indirect", "process_id", "confidence")}
    for target, column, sources, transformation, indirect, process, confidence in rows:
        if canon:
            mapped = [[canon.get(s[0], s[0]), *s[1:]] for s in json.loads(sources)]
            sources = json.dumps(mapped)
        for key, value in zip(out, (canon.get(target, target), column, sources, transformation, indirect, process,
                                    confidence), strict=True):
            out[key].append(value)
    tx.load("graph_columns", out)


# -- reading -----------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NODE_COLUMNS = "n.node_id, n.kind, n.namespace, n.name, n.layer, n.first_seen, n.last_seen, n.attrs{text}"


def node_attrs(r: Sequence[Any]) -> dict[str, Any]:
    """A `graph_nodes` row (in `_NODE_COLUMNS` order) as the merged attributes, in merge order."""
    return {"id": r[0], "kind": r[1], "namespace": r[2], "name": r[3], "last_seen": r[6], "first_seen": r[5],
            **json.loads(r[7]), "layer": r[4]}


def _column_row(r: Sequence[Any]) -> dict[str, Any]:
    return {"target": r[0], "column": r[1], "sources": json.loads(r[2]), "transformation": r[3],
            "indirect": r[4], "process": r[5], "confidence": r[6]}


_COLUMN_ROWS = ("SELECT target_id, target_column, sources{text}, transformation, indirect, process_id, confidence "
                "FROM graph_columns")


class Current(Backend):
    """Reads of the current graph: whole, or the part a question is about."""

    def rebuild_current(self) -> None:
        """Work the current graph out again from the facts (`lineage store rebuild --current`)."""
        self._write(lambda tx: rebuild(tx, datetime.now(UTC)))

    def aliases(self) -> dict[str, str]:
        """Alias id -> the dataset id it stands for, in the current graph."""
        with self._read() as tx:
            return _stored_aliases(tx)

    def reach(self, node_ids: Iterable[str], limit: int) -> set[str] | None:
        """The nodes connected to `node_ids` by any path of edges of any kind, either way, with
        them (those that exist); None when there are more than `limit`."""
        with self._read() as tx:
            seen = set(_nids(tx, node_ids).values())
            frontier = sorted(seen)
            step = (f"SELECT dst FROM graph_edges WHERE src {_in(tx, 'ids')} UNION "  # noqa: S608
                    f"SELECT src FROM graph_edges WHERE dst {_in(tx, 'ids')}")
            while frontier:
                found = {int(n) for (n,) in tx.all(step, {"ids": frontier})} - seen
                seen |= found
                if len(seen) > limit:
                    return None
                frontier = sorted(found)
            rows = tx.all(f"SELECT node_id FROM graph_nodes WHERE nid {_in(tx, 'ids')}",  # noqa: S608
                          {"ids": sorted(seen)}) if seen else []
        return {str(n) for (n,) in rows}

    def generation(self) -> int:
        """How many times the current graph has changed: equal numbers, equal graphs."""
        with self._read() as tx:
            row = tx.one("SELECT generation FROM graph_state")
        return int(row[0]) if row else 0

    def current_graph(self) -> CurrentGraph:
        """The whole current graph. Read the cheap way, as it is large: times as microseconds, edges
        by node number, permissions only where there are any; with the cyclic garbage collector
        paused, as every object built stays alive."""
        with paused_gc(), self._read() as tx:
            micros = tx.dialect.epoch_us
            nodes = tx.bulk(
                f"SELECT n.nid, n.node_id, n.kind, n.namespace, n.name, n.layer, {micros.format('n.first_seen')}, "  # noqa: S608
                f"{micros.format('n.last_seen')}, n.attrs{{text}} FROM graph_nodes n")
            edges = tx.bulk("SELECT src, dst, kind, confidence FROM graph_edges")
            granted = tx.bulk("SELECT src, dst, kind, permissions FROM graph_edges WHERE cardinality(permissions) > 0")
            columns = tx.bulk(_COLUMN_ROWS + " ORDER BY target_id{collate}, target_column{collate}")
            names = {int(r[0]): str(r[1]) for r in nodes}
            permissions = {(r[0], r[1], r[2]): list(r[3]) for r in granted}
            granting = {key[0] for key in permissions}
            none: list[str] = []  # one empty list for the million edges with no permissions (never changed in place)
            return CurrentGraph(
                nodes=[node_attrs((*r[1:6], _EPOCH + timedelta(microseconds=r[6]),
                                   _EPOCH + timedelta(microseconds=r[7]), r[8])) for r in nodes],
                edges=[(names[src], names[dst], kind,
                        permissions.get((src, dst, kind), none) if src in granting else none, confidence)
                       for src, dst, kind, confidence in edges],
                column_lineage=[_column_row(r) for r in columns])

    def current_part(self, node_ids: Iterable[str]) -> CurrentGraph:
        """The nodes `node_ids` (those that exist), the edges among them, and the column lineage
        into them."""
        ids = sorted(set(node_ids))
        with self._read() as tx:
            nodes = tx.all(f"SELECT n.nid, {_NODE_COLUMNS} FROM graph_nodes n WHERE n.node_id {_in(tx, 'ids')}",  # noqa: S608
                           {"ids": ids})
            names = {int(r[0]): str(r[1]) for r in nodes}
            nids = sorted(names)
            edges = tx.all("SELECT src, dst, kind, permissions, confidence FROM graph_edges "  # noqa: S608
                           f"WHERE src {_in(tx, 'ids')} AND dst {_in(tx, 'ids')}", {"ids": nids}) if nids else []
            columns = tx.all(f"{_COLUMN_ROWS} WHERE target_id {_in(tx, 'ids')} "
                             "ORDER BY target_id{collate}, target_column{collate}", {"ids": ids})
        return CurrentGraph(nodes=[node_attrs(r[1:]) for r in nodes],
                            edges=[(names[r[0]], names[r[1]], r[2], list(r[3]), r[4]) for r in edges],
                            column_lineage=[_column_row(r) for r in columns])

    def current_nodes(self, *, kind: str, flag: str | None = None) -> list[dict[str, Any]]:
        """The merged attributes of every node of `kind` (with `flag`: whose attribute of that name
        is true), in id order."""
        where = "" if flag is None else " AND n.attrs->>%(flag)s = 'true'"
        with self._read() as tx:
            rows = tx.all(f"SELECT {_NODE_COLUMNS} FROM graph_nodes n WHERE n.kind = %(kind)s{where} "  # noqa: S608
                          "ORDER BY n.node_id{collate}", {"kind": kind, **({} if flag is None else {"flag": flag})})
        return [node_attrs(r) for r in rows]

    def column_lineage_about(self, node_id: str) -> list[dict[str, Any]]:
        """The column lineage into, through or out of the node (its target, process or a source)."""
        quoted = json.dumps(node_id).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._read() as tx:
            rows = tx.all(f"{_COLUMN_ROWS} WHERE target_id = %(id)s OR process_id = %(id)s "
                          "OR sources{text} LIKE %(quoted)s ESCAPE '\\' "
                          "ORDER BY target_id{collate}, target_column{collate}",
                          {"id": node_id, "quoted": f"%{quoted}%"})
        entries = [_column_row(r) for r in rows]
        return [c for c in entries if node_id in (c["target"], c["process"]) or
                any(s[0] == node_id for s in c["sources"])]

    def current_facets(self) -> dict[str, list[str]]:
        """The values nodes have, to filter by: kind, namespace, environment, and of datasets role,
        origin and classification."""
        with self._read() as tx:
            def values(expression: str, where: str = "") -> list[str]:
                rows = tx.all(f"SELECT DISTINCT {expression} FROM graph_nodes {where}")  # noqa: S608 - constant text
                return sorted(str(r[0]) for r in rows)

            datasets = "WHERE kind = 'dataset'"
            classes = {c for text in values("(attrs->'classifications'){text}", datasets) for c in json.loads(text)}
            return {"kind": values("kind"), "role": values("coalesce(attrs->>'role', 'unknown')", datasets),
                    "origin": values("coalesce(attrs->>'origin', 'unknown')", datasets),
                    "classification": sorted(classes),
                    "environment": values("coalesce(attrs->>'environment', 'unknown')"),
                    "namespace": values("namespace")}

    def current_stats(self) -> dict[str, Any]:
        """Counts by kind, by dataset role and origin, and of third-party processors and edges (as
        `LineageGraph.stats`)."""
        with self._read() as tx:
            def counts(query: str) -> dict[str, int]:
                return {str(k): int(n) for k, n in tx.all(query)}

            by_kind = counts("SELECT kind, count(*) FROM graph_nodes GROUP BY kind")
            by_role = counts("SELECT coalesce(attrs->>'role', 'unknown'), count(*) FROM graph_nodes "
                             "WHERE kind = 'dataset' GROUP BY 1")
            by_origin = counts("SELECT coalesce(attrs->>'origin', 'unknown'), count(*) FROM graph_nodes "
                               "WHERE kind = 'dataset' GROUP BY 1")
            third = tx.one("SELECT count(*) FROM graph_nodes WHERE kind = 'process' "
                           "AND attrs->>'third_party' = 'true'")
            by_edge = counts("SELECT kind, count(*) FROM graph_edges GROUP BY kind")
            columns = tx.one("SELECT count(*) FROM graph_columns")
        return {"nodes": sum(by_kind.values()), "edges": sum(by_edge.values()), "by_kind": by_kind,
                "datasets_by_role": by_role, "datasets_by_origin": by_origin,
                "third_party_processors": int(third[0]) if third else 0, "edges_by_kind": by_edge,
                "column_lineage": int(columns[0]) if columns else 0}

    def walk(self, node_id: str, *, reverse: bool, depth: int | None,
             edge_kinds: Iterable[str]) -> dict[str, int]:
        """The nodes reached from `node_id` along `edge_kinds` edges (against them with `reverse`),
        each with its distance, within `depth` edges (None: all); one query per level.

        Raises:
            NodeNotFound: no node has that id.
        """
        near, far = ("dst", "src") if reverse else ("src", "dst")
        kinds = sorted(set(edge_kinds))
        with self._read() as tx:
            start = _nids(tx, [node_id]).get(node_id)
            if start is None:
                raise NodeNotFound(f"no node {node_id!r}")
            seen = {start: 0}
            frontier = [start]
            level = 0
            step = (f"SELECT DISTINCT {far} FROM graph_edges WHERE {near} {_in(tx, 'ids')} "  # noqa: S608
                    f"AND kind {_in(tx, 'kinds')}")
            while frontier and (depth is None or level < depth):
                level += 1
                found = [n for (n,) in tx.all(step, {"ids": frontier, "kinds": kinds}) if n not in seen]
                seen.update(dict.fromkeys(found, level))
                frontier = found
            del seen[start]
            rows = tx.all(f"SELECT nid, node_id FROM graph_nodes WHERE nid {_in(tx, 'ids')}",  # noqa: S608
                          {"ids": sorted(seen)}) if seen else []
            names = {int(nid): str(node) for nid, node in rows}
        return {names[n]: d for n, d in seen.items() if n in names}

    def links(self, node_ids: Iterable[str], kinds: Iterable[str]) -> list[tuple[str, str, str]]:
        """The (source, target, kind) edges of `kinds` that end or start at one of `node_ids`."""
        with self._read() as tx:
            nids = sorted(_nids(tx, node_ids).values())
            if not nids:
                return []
            found = tx.all(f"SELECT src, dst, kind FROM graph_edges WHERE kind {_in(tx, 'kinds')} AND "  # noqa: S608
                           f"(src {_in(tx, 'ids')} OR dst {_in(tx, 'ids')})",
                           {"ids": nids, "kinds": sorted(set(kinds))})
            ends = sorted({int(n) for r in found for n in r[:2]})
            rows = tx.all(f"SELECT nid, node_id FROM graph_nodes WHERE nid {_in(tx, 'ids')}", {"ids": ends})  # noqa: S608
            names = {int(nid): str(node) for nid, node in rows}
        return [(names[int(r[0])], names[int(r[1])], str(r[2])) for r in found]

    def find_nodes(self, *, ids: Sequence[str] = (), names: Sequence[str] = (), aliases: Sequence[str] = (),
                   containing: str | None = None, limit: int = 50) -> dict[str, list[str]]:
        """Node ids by how they match: `id` (one of `ids`), `alias` (the datasets `aliases` stand
        for), `name` (a name in `names`, in id order), `containing` (the id contains the text, any
        case; the first `limit` in id order, then the count of all)."""
        out: dict[str, list[str]] = {}
        with self._read() as tx:
            if ids:
                out["id"] = [r[0] for r in tx.all(f"SELECT node_id FROM graph_nodes WHERE node_id {_in(tx, 'ids')}",  # noqa: S608
                                                  {"ids": list(ids)})]
            if aliases:
                out["alias"] = [r[0] for r in tx.all(
                    f"SELECT dataset_id FROM graph_aliases WHERE alias_id {_in(tx, 'ids')}", {"ids": list(aliases)})]  # noqa: S608
            if names:
                out["name"] = [r[0] for r in tx.all(
                    f"SELECT node_id FROM graph_nodes WHERE name {_in(tx, 'ids')} ORDER BY node_id{{collate}}",  # noqa: S608
                    {"ids": list(names)})]
            if containing is not None:
                needle = containing.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                rows = tx.all("SELECT node_id, count(*) OVER () FROM graph_nodes WHERE lower(node_id) LIKE %(needle)s "
                              "ESCAPE '\\' ORDER BY node_id{collate} LIMIT %(limit)s",
                              {"needle": f"%{needle}%", "limit": limit})
                out["containing"] = [*(r[0] for r in rows), str(rows[0][1] if rows else 0)]
        return out

    def node_ids(self) -> list[str]:
        """Every node id, in order."""
        with self._read() as tx:
            return [r[0] for r in tx.bulk("SELECT node_id FROM graph_nodes ORDER BY node_id{collate}")]
