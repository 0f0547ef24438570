"""What the graph view draws, as plain data: nodes with a level, a shape, colours, a text label and
a text tooltip, and edges; above a cap, nodes grouped by namespace. No streamlit, no pyvis here, so
the tests can check it directly.

Levels lay the view out left to right: upstream nodes get negative levels, downstream positive,
one level per edge; an identity sits in the column of the process it runs.

How nodes and edges look is `app.components.graph_style`; what the graph knows from the store
besides the nodes (each node's effective origin and classifications, which grants go unused) is
added by `app.components.graph_marks`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.components.graph_style import (
    GRANT_COLOUR,
    column_edge,
    grant_style,
    group_style,
    node_style,
    permission_order,
    short,
    vis_node,
)
from lineage.graph import LineageGraph
from lineage.models import FLOW_EDGES
from lineage.words import counted

__all__ = ["DEFAULT_CAP", "Filters", "View", "column_view", "focus_view", "is_group", "layered_view", "path_view"]

DEFAULT_CAP = 150


@dataclass(frozen=True)
class Filters:
    """Which nodes to show besides the focus; an empty set means no restriction."""

    kinds: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    origins: frozenset[str] = frozenset()
    classifications: frozenset[str] = frozenset()
    environments: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()

    def keeps(self, attrs: Mapping[str, Any]) -> bool:
        kind = attrs.get("kind")
        if self.kinds and kind not in self.kinds:
            return False
        if kind == "dataset":
            if self.roles and (attrs.get("role") or "unknown") not in self.roles:
                return False
            if self.origins and (attrs.get("origin") or "unknown") not in self.origins:
                return False
            if self.classifications and not self.classifications & set(attrs.get("classifications") or ()):
                return False
        if self.environments and (attrs.get("environment") or "unknown") not in self.environments:
            return False
        return not (self.namespaces and attrs.get("namespace") not in self.namespaces)


@dataclass
class View:
    """Nodes and edges ready for vis-network, plus what a caption should say about them."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    grouped: list[str] = field(default_factory=list)
    hidden: int = 0
    total: int = 0
    focus: str | None = None
    members: dict[str, str] = field(default_factory=dict)  # node id -> the group drawn for it
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)  # node id -> its attributes (not drawn)

    def node_ids(self) -> list[str]:
        return [n["id"] for n in self.nodes if not is_group(n)]


def is_group(node: Mapping[str, Any]) -> bool:
    """Whether a drawn node stands for several nodes of one namespace (its `kind` is "group").

    vis-network reads a node's `group` field as the name of a style group, so a group is told by
    its kind, never by a `group` field.
    """
    return node.get("kind") == "group"


def _levels(graph: LineageGraph, focus: str, *, depth: int, upstream: bool,
            downstream: bool) -> dict[str, int]:
    levels: dict[str, int] = {focus: 0}
    if downstream:
        for n, d in graph.downstream(focus, depth=depth).items():
            levels.setdefault(n, d)
    if upstream:
        for n, d in graph.upstream(focus, depth=depth).items():
            levels[n] = -d
    return levels


def _with_identities(graph: LineageGraph, levels: dict[str, int], grants: bool) -> None:
    """Add the identities that run the processes in view, each in the column of (the first) process
    it runs, and with `grants` those that hold grants on nodes in view, one column before the first
    such node."""
    shown = list(levels.items())
    for node, level in shown:
        if graph.node(node).get("kind") == "process":
            for ident in graph.predecessors(node, "runs"):
                levels.setdefault(ident, level)
    if grants:
        for node, level in shown:
            for ident in graph.predecessors(node, "grant"):
                levels.setdefault(ident, level - 1)


def _group(graph: LineageGraph, levels: Mapping[str, int], keep: set[str],
           cap: int) -> tuple[dict[str, str], list[str]]:
    """Map nodes to group ids, collapsing the biggest namespaces first until the view fits `cap`."""
    by_ns: dict[str, list[str]] = defaultdict(list)
    for node in levels:
        if node not in keep:
            by_ns[str(graph.node(node).get("namespace", ""))].append(node)
    count = len(levels)
    groups: dict[str, str] = {}
    notes: list[str] = []
    for ns, members in sorted(by_ns.items(), key=lambda item: (-len(item[1]), item[0])):
        if count <= cap:
            break
        slots = {(str(graph.node(n).get("kind")), levels[n]) for n in members}
        if len(slots) >= len(members):
            continue
        for n in members:
            groups[n] = f"group:{ns}:{graph.node(n).get('kind')}:{levels[n]}"
        count += len(slots) - len(members)
        notes.append(f"{counted(len(members), 'node')} of {ns} into {counted(len(slots), 'group')}")
    return groups, notes


def _edges(graph: LineageGraph, ids: Iterable[str], groups: Mapping[str, str],
           edge_kinds: frozenset[str]) -> list[dict[str, Any]]:
    sub = graph.restricted_to(ids)
    seen: dict[tuple[str, str, str], int] = {}
    permissions: dict[tuple[str, str], set[str]] = defaultdict(set)
    grants: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for u, v, kind, attrs in sub.edges(edge_kinds):
        a, b = groups.get(u, u), groups.get(v, v)
        if a == b:
            continue
        key = (a, b, kind)
        seen[key] = seen.get(key, 0) + 1
        if kind == "grant":
            permissions[(a, b)].update(attrs.get("permissions") or ())
            grants[(a, b)].append((u, v))
    edges = []
    for (a, b, kind), n in seen.items():
        edge: dict[str, Any] = {"from": a, "to": b, "arrows": "to", "kind": kind,
                                "title": f"{kind}" + (f" (x{n})" if n > 1 else "")}
        if kind == "grant":
            edge.update(grant_style(permission_order(permissions[(a, b)])))
            edge["grants"] = [list(pair) for pair in grants[(a, b)]]
            edge["permissions"] = permission_order(permissions[(a, b)])
            edge["title"] = f"grant: {edge['label']}" + (f" (x{n})" if n > 1 else "")
        elif kind == "runs":
            edge["dashes"] = True
            edge["color"] = {"color": GRANT_COLOUR}
        else:
            edge["color"] = {"color": "#6b7280"}
        if n > 1:
            edge["width"] = min(1 + n ** 0.5, 8)
        edges.append(edge)
    return edges


def _assemble(graph: LineageGraph, levels: dict[str, int], keep: set[str], cap: int,
              edge_kinds: frozenset[str], focus: str | None, hidden: int, total: int,
              forced: Mapping[str, str] | None = None, opened: frozenset[str] = frozenset()) -> View:
    groups, notes = _group(graph, levels, keep, cap) if len(levels) > cap else ({}, [])
    if forced:
        groups = {**groups, **forced}
    if opened:  # groups opened in place: their members are drawn one by one
        groups = {n: g for n, g in groups.items() if g not in opened}
    view = View(grouped=notes, hidden=hidden, total=total, focus=focus, members=groups)
    members: dict[str, list[str]] = defaultdict(list)
    for node, level in sorted(levels.items(), key=lambda item: (item[1], item[0])):
        if node in groups:
            members[groups[node]].append(node)
        else:
            attrs = {k: v for k, v in graph.node(node).items() if k != "columns"}
            view.nodes.append(vis_node(attrs, level, focus=node == focus))
            view.attrs[node] = attrs
    for gid, nodes in members.items():
        first = graph.node(nodes[0])
        kind = str(first.get("kind"))
        label = f"{short(str(first.get('namespace', '')), 32)}\n{counted(len(nodes), kind)}"
        title = f"{counted(len(nodes), kind)} in {first.get('namespace', '')}:\n" + "\n".join(
            short(str(graph.node(n).get("name", "")), 60) for n in nodes[:25]) + ("\n…" if len(nodes) > 25 else "")
        third_party = any(graph.node(n).get("third_party") for n in nodes)
        view.nodes.append({"id": gid, "label": label, "title": title, "level": levels[nodes[0]], "kind": "group",
                           **group_style(first, third_party=third_party)})
    if len(view.nodes) > cap:  # even the groups do not fit: keep the nearest, say so
        view.nodes.sort(key=lambda n: (abs(n["level"]), n["id"]))
        dropped = len(view.nodes) - cap
        view.nodes = view.nodes[:cap]
        view.grouped.append(f"{dropped} farther nodes or groups left out")
    shown = {n["id"] for n in view.nodes}
    view.edges = [e for e in _edges(graph, levels, groups, edge_kinds) if e["from"] in shown and e["to"] in shown]
    return view


def focus_view(graph: LineageGraph, focus: str, *, depth: int = 2, upstream: bool = True,
               downstream: bool = True, filters: Filters | None = None, identities: bool = True,
               grants: bool = False, cap: int = DEFAULT_CAP, expand_up: Iterable[str] = (),
               expand_down: Iterable[str] = (), opened: Iterable[str] = ()) -> View:
    """The neighbourhood of `focus`: upstream to the left, downstream to the right; with one more
    level upstream of each node of `expand_up` and downstream of each of `expand_down` (those in
    view), and the groups `opened` drawn node by node."""
    levels = _levels(graph, focus, depth=depth, upstream=upstream, downstream=downstream)
    expanded(graph, levels, expand_up, expand_down)
    if identities or grants:
        _with_identities(graph, levels, grants)
    total = len(levels)
    flt = filters or Filters()
    kept = {n: lvl for n, lvl in levels.items() if n == focus or flt.keeps(graph.node(n))}
    kinds = FLOW_EDGES | ({"runs"} if identities else set()) | ({"grant"} if grants else set())
    return _assemble(graph, kept, {focus}, cap, frozenset(kinds), focus, total - len(kept), total,
                     opened=frozenset(opened))


def expanded(graph: LineageGraph, levels: dict[str, int], up: Iterable[str], down: Iterable[str]) -> None:
    """Add to `levels` the direct upstream neighbours of the nodes of `up` (one level to their
    left) and the direct downstream neighbours of those of `down` (one level to their right), for
    the nodes in view (or added by an earlier expansion), nodes already in view keeping their level."""
    wanted = [(node, True) for node in up] + [(node, False) for node in down]
    while wanted:
        left = []
        for node, upward in wanted:
            if node not in levels or node not in graph:
                left.append((node, upward))
                continue
            found = graph.upstream(node, depth=1) if upward else graph.downstream(node, depth=1)
            for other in sorted(found):
                levels.setdefault(other, levels[node] + (-1 if upward else 1))
        if len(left) == len(wanted):
            return
        wanted = left


def path_view(graph: LineageGraph, path: Iterable[str], cap: int = DEFAULT_CAP) -> View:
    """The nodes of one path (a finding's), left to right, with the edges between them."""
    levels: dict[str, int] = {}
    for i, node in enumerate(path):
        if node in graph:
            levels.setdefault(node, i)
    return _assemble(graph, levels, set(levels), cap, frozenset({"read", "write", "runs", "grant"}),
                     None, 0, len(levels))


def layered_view(graph: LineageGraph, levels: dict[str, int], cap: int = DEFAULT_CAP,
                 group: Callable[[Mapping[str, Any]], bool] | None = None, opened: Iterable[str] = ()) -> View:
    """Any set of nodes at given levels (the data map), grouped by namespace above `cap`; nodes
    for which `group(attrs)` is true are grouped by namespace and level whatever the size, but for
    the groups `opened` (drawn node by node)."""
    forced = {}
    shut = frozenset(opened)
    if group is not None:
        for n, level in levels.items():
            attrs = graph.node(n)
            gid = f"group:{attrs.get('namespace', '')}:{attrs.get('kind')}:{level}"
            if group(attrs) and gid not in shut:
                forced[n] = gid
    view = _assemble(graph, levels, set(), cap, frozenset(FLOW_EDGES), None, 0, len(levels), forced, shut)
    singles = {n for n, g in forced.items() if sum(1 for x in forced.values() if x == g) == 1}
    if singles:  # a group of one is just the node
        return _assemble(graph, levels, set(), cap, frozenset(FLOW_EDGES), None, 0, len(levels),
                         {n: g for n, g in forced.items() if n not in singles}, shut)
    return view


def column_view(graph: LineageGraph, levels: Mapping[str, int], focus: str | None = None) -> View:
    """Column-level lineage among the datasets in `levels` (node id -> level, one per dataset step):
    one node per column, and from each source column to the column it feeds an edge through the
    process that makes it (third parties included), styled by the transformation."""
    keep = {n for n in levels if n in graph and graph.node(n).get("kind") == "dataset"}
    entries = [c for c in graph.column_lineage
               if c["target"] in keep and any(d in keep for d, _ in c["sources"])]
    level_of = {n: 2 * level for n, level in levels.items()}  # a process sits between two datasets
    view = View(focus=focus)
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}

    def column_node(dataset: str, column: str) -> str:
        cid = f"{dataset}#{column}"
        if cid not in nodes and dataset in graph:
            attrs = graph.node(dataset)
            style = node_style(attrs)
            nodes[cid] = {"id": cid, "label": f"{short(str(attrs.get('name', '')), 30)}\n.{short(column, 30)}",
                          "title": f"column {column}\nof {dataset}", "level": level_of.get(dataset, 0),
                          "kind": "column", "page": dataset, "shape": "box", "color": style["color"]}
            view.attrs[dataset] = {k: v for k, v in attrs.items() if k != "columns"}
        return cid

    def process_node(process: str, target: str) -> str:
        if process not in nodes:
            attrs = {k: v for k, v in graph.node(process).items() if k != "columns"}
            nodes[process] = vis_node(attrs, level_of.get(target, 0) - 1)
            view.attrs[process] = attrs
        return process

    for entry in entries:
        target = column_node(entry["target"], entry["column"])
        kind, indirect = str(entry["transformation"]), bool(entry.get("indirect"))
        process = entry.get("process")
        through = process_node(str(process), entry["target"]) if process and process in graph else None
        for dataset, column in entry["sources"]:
            if dataset not in keep:
                continue
            source = column_node(dataset, column)
            hops = [(source, through), (through, target)] if through else [(source, target)]
            for a, b in hops:  # each edge names the column-to-column flows it carries, for tracing
                pairs = edges.setdefault((a, b), column_edge(a, b, kind, indirect=indirect)).setdefault("pairs", [])
                if [source, target] not in pairs:
                    pairs.append([source, target])
    view.nodes = sorted(nodes.values(), key=lambda n: (n["level"], n["id"]))
    view.edges = [edges[k] for k in sorted(edges)]
    view.total = len(view.nodes)
    return view
