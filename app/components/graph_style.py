"""How the graph draws things, as plain data: the colours, shapes, labels and tooltips of nodes
(by kind, role, effective origin, third-party status), the legend, and the styles of grant and
column lineage edges. No streamlit, no pyvis here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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


def legend_for(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The legend of a drawing: the marks it may show always, and hatching, badges and grants only
    when something drawn has them.

    Example:
        >>> [text for _, _, text in legend_for([{"badge": "PII"}], [])][-1]
        'PII: holds sensitive data'
    """
    shown = {"rounded hatch": any(n.get("hatch") for n in nodes), "badge": any(n.get("badge") for n in nodes),
             "grant": any(e.get("grants") for e in edges), "unused": any(e.get("unused") for e in edges)}
    return [item for item in LEGEND if shown.get(item[0], True)]


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


TRANSFORMATION_STYLE: dict[str, dict[str, Any]] = {
    # how a column edge is drawn, by the transformation it makes (others: a plain grey line)
    "masking": {"color": {"color": "#15803d"}, "dashes": [8, 4], "label": "masking", "font": {"color": "#15803d"}},
    "aggregation": {"color": {"color": "#4b5563"}, "width": 3, "label": "aggregation"},
}
INDIRECT_STYLE: dict[str, Any] = {"color": {"color": "#9ca3af"}, "dashes": [2, 4]}


def column_edge(source: str, target: str, transformation: str, *, indirect: bool = False) -> dict[str, Any]:
    """A column lineage edge, styled by its transformation (masking dashed green, aggregation
    thick) and dotted when the column only influences the other (a filter or join key)."""
    title = transformation + (" (indirect)" if indirect else "")
    edge: dict[str, Any] = {"from": source, "to": target, "arrows": "to", "kind": "column",
                            "color": {"color": "#6b7280"}, "title": title}
    edge.update(TRANSFORMATION_STYLE.get(transformation, {}))
    if indirect:
        edge.update(INDIRECT_STYLE)
    return edge
