"""What the graph view draws, as plain data: nodes with a level, a shape, colours, a text label and
a text tooltip, and edges; above a cap, nodes grouped by namespace. No streamlit, no pyvis here, so
the tests can check it directly.

Levels lay the view out left to right: upstream nodes get negative levels, downstream positive.
In a focus view levels are doubled so an identity can sit between a process and the datasets
before it; a path has one level per edge.

What the graph knows from the store besides the nodes (each node's effective origin and
classifications, which grants go unused) is added by `app.components.graph_marks`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lineage.graph import LineageGraph
from lineage.models import FLOW_EDGES
from lineage.words import counted

DEFAULT_CAP = 150

ORIGIN_FILL = {"real": "#f9c9a7", "synthetic": "#a9e3bd", "mixed": "#d9c2ec", "unknown": "#e4e7eb"}
PROCESS_FILL = "#cfe2ff"
THIRD_PARTY_FILL = "#ffe08a"
THIRD_PARTY_BORDER = "#c1121f"
IDENTITY_FILL = "#e7dcf7"
GROUP_FILL = "#ffffff"
FOCUS_BORDER = "#111827"
GRANT_COLOUR = "#9b87c9"
UNUSED_GRANT_COLOUR = "#c1121f"
BADGE_COLOUR = "#b91c1c"
BORDER = "#6b7280"

LEGEND: tuple[tuple[str, str, str], ...] = (
    # (shape, css background, text)
    ("rounded", ORIGIN_FILL["real"], "dataset: real"),
    ("rounded", ORIGIN_FILL["synthetic"], "synthetic"),
    ("rounded", ORIGIN_FILL["mixed"], "mixed"),
    ("rounded", ORIGIN_FILL["unknown"], "origin unknown"),
    ("dashed", ORIGIN_FILL["unknown"], "cache (dashed)"),
    ("box", PROCESS_FILL, "internal process"),
    ("third", THIRD_PARTY_FILL, "third-party processor"),
    ("ellipse", IDENTITY_FILL, "identity"),
    ("group", GROUP_FILL, "group: one namespace (dotted)"),
    ("rounded hatch", ORIGIN_FILL["real"], "hatched: origin derived from upstream"),
    ("badge", BADGE_COLOUR, "PII: holds sensitive data"),
    ("grant", "transparent", "grant, labelled read/edit/write"),
    ("unused", "transparent", "grant never used"),
)


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


def short(text: str, limit: int = 38) -> str:
    """`text`, cut in the middle when longer than `limit`.

    Example:
        >>> short("abcdefghij", 7)
        'abc…hij'
    """
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


@dataclass(frozen=True)
class EffectiveTags:
    """A node's tags after propagation (as its Tags tab shows them): its origin, whether that origin
    is derived from upstream rather than declared on the node, its classifications, and which of
    them are sensitive (personal, financial, secret, health data)."""

    origin: str = "unknown"
    derived: bool = False
    classifications: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()

    def badge(self) -> str:
        """The badge drawn on the node: PII for personal data, else the first sensitive class.

        Example:
            >>> EffectiveTags(sensitive=("financial", "pii.email")).badge(), EffectiveTags().badge()
            ('PII', '')
        """
        if any(c.split(".", 1)[0] in ("pii", "phi") for c in self.sensitive):
            return "PII"
        return self.sensitive[0].split(".", 1)[0].upper() if self.sensitive else ""


def tooltip(attrs: Mapping[str, Any], tags: EffectiveTags | None = None) -> str:
    """Plain text (the page shows it as text, never as HTML) describing a node."""
    lines = [f"{attrs.get('kind', '?')}: {attrs.get('name', '')}", f"namespace: {attrs.get('namespace', '')}"]
    for key in ("role", "origin", "environment", "processor_type", "vendor", "region", "identity_type"):
        if key == "origin" and tags is not None and attrs.get("kind") == "dataset":
            lines.append(f"origin: {tags.origin} ({'derived from upstream' if tags.derived else 'declared'})")
        elif attrs.get(key):
            lines.append(f"{key}: {attrs[key]}")
    if attrs.get("third_party"):
        lines.append("third party: yes" + ("" if attrs.get("approved") else " (not approved)"))
    classes = tags.classifications if tags is not None else attrs.get("classifications")
    if classes:
        lines.append("classifications: " + ", ".join(classes))
    return "\n".join(lines)


def node_label(attrs: Mapping[str, Any], tags: EffectiveTags | None = None) -> str:
    name = str(attrs.get("name") or attrs.get("id", ""))
    label = short(name)
    kind = attrs.get("kind")
    if kind == "dataset":
        origin = attrs.get("origin") if tags is None else (tags.origin + (", derived" if tags.derived else ""))
        marks = [m for m in (attrs.get("role"), origin) if m]
        return label + (f"\n({' · '.join(marks)})" if marks else "")
    if kind == "process" and attrs.get("third_party"):
        return label + f"\n[third party: {short(str(attrs.get('vendor') or attrs.get('namespace', '')), 28)}]"
    return label


def node_style(attrs: Mapping[str, Any], tags: EffectiveTags | None = None) -> dict[str, Any]:
    """vis-network shape and colours for a node, by kind, role, origin (the effective one, when
    `tags` are given) and third-party status."""
    kind = attrs.get("kind")
    if kind == "dataset":
        origin = tags.origin if tags is not None else attrs.get("origin")
        fill = ORIGIN_FILL.get(str(origin or "unknown"), ORIGIN_FILL["unknown"])
        style: dict[str, Any] = {"shape": "box", "color": {"background": fill, "border": BORDER},
                                 "shapeProperties": {"borderRadius": 14}}
        if attrs.get("role") == "cache":
            style["shapeProperties"] = {"borderRadius": 14, "borderDashes": [6, 4]}
            style["borderWidth"] = 2
        return style
    if kind == "process":
        if attrs.get("third_party"):
            return {"shape": "box", "borderWidth": 3, "shapeProperties": {"borderRadius": 0},
                    "color": {"background": THIRD_PARTY_FILL, "border": THIRD_PARTY_BORDER}}
        return {"shape": "box", "shapeProperties": {"borderRadius": 0},
                "color": {"background": PROCESS_FILL, "border": BORDER}}
    if kind == "identity":
        return {"shape": "ellipse", "color": {"background": IDENTITY_FILL, "border": BORDER}}
    return {"shape": "box", "color": {"background": GROUP_FILL, "border": BORDER}}


def group_style(first: Mapping[str, Any], *, third_party: bool = False) -> dict[str, Any]:
    """vis-network style of a group, as the legend shows it: a white box with a dotted border, in
    its members' shape, the border red when a member is a third party."""
    shape = node_style(first)
    return {"shape": shape["shape"], "borderWidth": 3 if third_party else 2,
            "color": {"background": GROUP_FILL, "border": THIRD_PARTY_BORDER if third_party else BORDER},
            "shapeProperties": {**shape.get("shapeProperties", {}), "borderDashes": [2, 3]}}


def vis_node(attrs: Mapping[str, Any], level: int, *, focus: bool = False,
             tags: EffectiveTags | None = None) -> dict[str, Any]:
    """One node as vis-network draws it; with `tags`, filled by its effective origin, `hatch`ed when
    that origin is derived, with a `badge` when it holds sensitive data. `page` is the node whose
    page "Open the node page" opens."""
    node = {"id": attrs["id"], "label": node_label(attrs, tags), "title": tooltip(attrs, tags), "level": level,
            "kind": attrs.get("kind"), "page": attrs["id"], **node_style(attrs, tags)}
    if tags is not None:
        if tags.derived and attrs.get("kind") == "dataset":
            node["hatch"] = True  # drawn around the label, in wider side margins
            node["margin"] = {"top": 8, "bottom": 8, "left": 22, "right": 22}
        if tags.badge():
            node["badge"] = tags.badge()
    if focus:
        node["borderWidth"] = 4
        node["color"] = {**node["color"], "border": FOCUS_BORDER}
        node["font"] = {"bold": True}
    return node


def _levels(graph: LineageGraph, focus: str, *, depth: int, upstream: bool,
            downstream: bool) -> dict[str, int]:
    levels: dict[str, int] = {focus: 0}
    if downstream:
        for n, d in graph.downstream(focus, depth=depth).items():
            levels.setdefault(n, 2 * d)
    if upstream:
        for n, d in graph.upstream(focus, depth=depth).items():
            levels[n] = -2 * d
    return levels


def _with_identities(graph: LineageGraph, levels: dict[str, int], grants: bool) -> None:
    """Add the identities that run the processes in view (and, with `grants`, hold grants on nodes)."""
    for node, level in list(levels.items()):
        if graph.node(node).get("kind") == "process":
            for ident in graph.predecessors(node, "runs"):
                levels.setdefault(ident, level - 1)
        if grants:
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
        edge: dict[str, Any] = {"from": a, "to": b, "arrows": "to", "title": f"{kind}" + (f" (x{n})" if n > 1 else "")}
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


def permission_order(permissions: Iterable[str]) -> list[str]:
    """Permissions as people say them: read, edit, write, then any other.

    Example:
        >>> permission_order({"write", "read", "edit"})
        ['read', 'edit', 'write']
    """
    rank = {"read": 0, "edit": 1, "write": 2}
    return sorted(set(permissions), key=lambda p: (rank.get(p, 3), p))


def grant_style(permissions: Iterable[str], unused: Iterable[str] = ()) -> dict[str, Any]:
    """A grant edge labelled with its permissions (read/edit/write); dashed red when some of them
    go unused (the identity was never seen using them), the unused ones named.

    Example:
        >>> grant_style(["read", "write"], ["write"])["label"]
        'read/write\\nunused: write'
    """
    granted = "/".join(permissions) or "no permissions"
    idle = permission_order(unused)
    if idle:
        return {"label": f"{granted}\nunused: {'/'.join(idle)}", "dashes": [8, 5], "unused": idle,
                "color": {"color": UNUSED_GRANT_COLOUR}, "font": {"color": UNUSED_GRANT_COLOUR}}
    return {"label": granted, "dashes": False, "color": {"color": GRANT_COLOUR}, "font": {"color": "#4c3a85"}}


def _assemble(graph: LineageGraph, levels: dict[str, int], keep: set[str], cap: int,
              edge_kinds: frozenset[str], focus: str | None, hidden: int, total: int,
              forced: Mapping[str, str] | None = None) -> View:
    groups, notes = _group(graph, levels, keep, cap) if len(levels) > cap else ({}, [])
    if forced:
        groups = {**groups, **forced}
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
               grants: bool = False, cap: int = DEFAULT_CAP) -> View:
    """The neighbourhood of `focus`: upstream to the left, downstream to the right."""
    levels = _levels(graph, focus, depth=depth, upstream=upstream, downstream=downstream)
    if identities or grants:
        _with_identities(graph, levels, grants)
    total = len(levels)
    flt = filters or Filters()
    kept = {n: lvl for n, lvl in levels.items() if n == focus or flt.keeps(graph.node(n))}
    kinds = FLOW_EDGES | ({"runs"} if identities else set()) | ({"grant"} if grants else set())
    return _assemble(graph, kept, {focus}, cap, frozenset(kinds), focus, total - len(kept), total)


def path_view(graph: LineageGraph, path: Iterable[str], cap: int = DEFAULT_CAP) -> View:
    """The nodes of one path (a finding's), left to right, with the edges between them."""
    levels: dict[str, int] = {}
    for i, node in enumerate(path):
        if node in graph:
            levels.setdefault(node, i)
    return _assemble(graph, levels, set(levels), cap, frozenset({"read", "write", "runs", "grant"}),
                     None, 0, len(levels))


def layered_view(graph: LineageGraph, levels: dict[str, int], cap: int = DEFAULT_CAP,
                 group: Callable[[Mapping[str, Any]], bool] | None = None) -> View:
    """Any set of nodes at given levels (the data map), grouped by namespace above `cap`; nodes
    for which `group(attrs)` is true are grouped by namespace and level whatever the size."""
    forced = {}
    if group is not None:
        for n, level in levels.items():
            attrs = graph.node(n)
            if group(attrs):
                forced[n] = f"group:{attrs.get('namespace', '')}:{attrs.get('kind')}:{level}"
    view = _assemble(graph, levels, set(), cap, frozenset(FLOW_EDGES), None, 0, len(levels), forced)
    singles = {n for n, g in forced.items() if sum(1 for x in forced.values() if x == g) == 1}
    if singles:  # a group of one is just the node
        return _assemble(graph, levels, set(), cap, frozenset(FLOW_EDGES), None, 0, len(levels),
                         {n: g for n, g in forced.items() if n not in singles})
    return view


TRANSFORMATION_STYLE: dict[str, dict[str, Any]] = {
    # how a column edge is drawn, by the transformation it makes (others: a plain grey line)
    "masking": {"color": {"color": "#15803d"}, "dashes": [8, 4], "label": "masking", "font": {"color": "#15803d"}},
    "aggregation": {"color": {"color": "#4b5563"}, "width": 3, "label": "aggregation"},
}
INDIRECT_STYLE: dict[str, Any] = {"color": {"color": "#9ca3af"}, "dashes": [2, 4]}


def column_edge(source: str, target: str, transformation: str, *, indirect: bool = False) -> dict[str, Any]:
    """A column lineage edge, styled by its transformation (masking dashed green, aggregation
    thick) and dotted when the column only influences the other (a filter or join key)."""
    edge: dict[str, Any] = {"from": source, "to": target, "arrows": "to", "color": {"color": "#6b7280"},
                            "title": transformation + (" (indirect)" if indirect else "")}
    edge.update(TRANSFORMATION_STYLE.get(transformation, {}))
    if indirect:
        edge.update(INDIRECT_STYLE)
    return edge


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
            for a, b in hops:
                edges.setdefault((a, b), column_edge(a, b, kind, indirect=indirect))
    view.nodes = sorted(nodes.values(), key=lambda n: (n["level"], n["id"]))
    view.edges = [edges[k] for k in sorted(edges)]
    view.total = len(view.nodes)
    return view
