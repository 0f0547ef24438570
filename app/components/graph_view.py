"""Draw a `View` with vis-network as a two-way Streamlit component (`graph_component`), and keep
Explore's view in the URL.

`payload` turns a view into what the component is given (plain JSON: every name is shown as text
in the browser, never parsed as HTML); `draw` puts it on the page with its caption and handles the
actions that leave the page (a node's page, Explore from a node); a page that re-draws the graph in
place (re-focus, one level more, open a group) passes its own callback.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from app.components import graph_facts
from app.components.graph_component import GraphAction, mount
from app.components.graph_marks import marked
from app.components.graph_model import View
from app.components.graph_style import BADGE_COLOUR, legend_for
from app.components.ui import esc
from lineage.words import counted

FONT_SIZE = 14  # every text on the canvas (labels, edge labels, badges) is drawn at this size...
MIN_LABEL_PX = 11  # ...and the view never zooms out so far that it shows below this many pixels
SELECTED_BORDER = "#1d4ed8"  # a selected node keeps its fill, with this border


def options(*, physics: bool = False, direction: str = "LR", spacing: int = 95,
            separation: int = 260) -> dict[str, Any]:
    """vis-network options: a layered (hierarchical) layout, physics off unless asked."""
    return {
        "layout": {"hierarchical": {"enabled": True, "direction": direction, "sortMethod": "directed",
                                    "levelSeparation": separation, "nodeSpacing": spacing, "treeSpacing": 120,
                                    "shakeTowards": "roots"}},
        "physics": {"enabled": physics, "hierarchicalRepulsion": {"nodeDistance": 150}},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "multiselect": False},
        "nodes": {"font": {"size": FONT_SIZE, "face": "sans-serif", "multi": False}, "margin": 8,
                  "widthConstraint": {"maximum": 230}},
        "edges": {"smooth": {"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal",
                             "roundness": 0.4},
                  "font": {"size": FONT_SIZE, "face": "sans-serif", "align": "middle", "strokeWidth": 4,
                           "strokeColor": "#ffffff", "multi": False},
                  "arrows": {"to": {"scaleFactor": 0.6}}},
    }


def tallest(view: View) -> int:
    """About how tall, in canvas pixels, the tallest node of a view is drawn: its label's lines (a
    line longer than about 30 characters wraps at the node's maximum width) and its margins.

    Example:
        >>> tallest(View(nodes=[{"label": "a"}, {"label": "b\\n" + "c" * 45}]))
        67
    """
    lines = max((sum(max(1, -(-len(line) // 30)) for line in str(n.get("label", "")).split("\n"))
                 for n in view.nodes), default=1)
    return lines * (FONT_SIZE + 3) + 16


def widest(node: dict[str, Any]) -> int:
    """About how wide, in canvas pixels, a node is drawn: its longest label line (wrapped at the
    node's maximum width), its margins, and an ellipse's curve."""
    longest = max((len(line) for line in str(node.get("label", "")).split("\n")), default=0)
    width = min(longest * 8, 230) + (44 if node.get("hatch") else 16)
    return width + (30 if node.get("shape") == "ellipse" else 0)


def separation(view: View, *, gap: int = 70, captions: int = 60) -> int:
    """The distance between levels that keeps `gap` pixels (more where edges carry captions)
    between the widest nodes of any two levels, and no more: a view as narrow as it can be while
    nothing overlaps.

    Example:
        >>> separation(View(nodes=[{"label": "a" * 20, "level": 0}, {"label": "b" * 20, "level": 2}]))
        123
    """
    half: dict[int, float] = {}
    for node in view.nodes:
        level = int(node.get("level", 0))
        half[level] = max(half.get(level, 0), widest(node) / 2)
    space = gap + (captions if any(e.get("label") for e in view.edges) else 0)
    levels = sorted(half)
    needed = [(half[a] + half[b] + space) / (b - a) for i, a in enumerate(levels) for b in levels[i + 1:]]
    return int(min(max(needed, default=260), 320))


def payload(view: View, *, height: int = 620, physics: bool = False, spacing: int = 95,
            actions: tuple[str, ...] = (), selected: str | None = None) -> dict[str, Any]:
    """What the graph component is given: the nodes and edges (every text in them with its
    bidirectional controls shown, not obeyed), the layout, the legend, the focus, the actions its
    panel offers, the node selected, and a `digest` of the drawing (the same digest: the same
    drawing, kept as it is in the browser)."""
    nodes = [_kept_colours({"shape": "dot", **_visible(node)}) for node in view.nodes]
    edges = [_visible(edge) for edge in view.edges]
    # nodes of one level never overlap: `spacing` apart, at least the tallest node's height and a gap
    spacing = max(spacing, tallest(view) + 12)
    layout = options(physics=physics, spacing=spacing, separation=separation(view))
    drawing = {"nodes": nodes, "edges": edges, "options": layout,
               "legend": [[shape, colour, visible(text)] for shape, colour, text in legend_for(view.nodes, view.edges)],
               "focus": view.focus, "height": height, "actions": list(actions),
               "min_label_px": MIN_LABEL_PX, "smallest_font": FONT_SIZE, "badge_colour": BADGE_COLOUR}
    text = json.dumps(drawing, sort_keys=True)  # fails here, not in the browser, on anything that is not JSON
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return {**drawing, "digest": digest, "selected": selected}


_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with its bidirectional controls shown as `[U+202E]`, so that a name such as
    `report\u202eslx.exe` cannot draw as `reportexe.xls` on the canvas or in the panel.

    Example:
        >>> visible("report\u202eslx.exe")
        'report[U+202E]slx.exe'
    """
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def _kept_colours(node: dict[str, Any]) -> dict[str, Any]:
    """A node that keeps its fill when selected or hovered (the fill says its origin): selected, only
    its border turns blue (vis-network would fill it blue)."""
    colour = node.get("color")
    if isinstance(colour, dict) and "background" in colour:
        marked = {"background": colour["background"], "border": SELECTED_BORDER}
        node["color"] = {**colour, "highlight": marked, "hover": {**marked, "border": colour.get("border")}}
    return node


def _visible(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: visible(v) if k in ("label", "title") and isinstance(v, str) else v for k, v in item.items()}


# Explore's view, as URL query parameters: parameter -> (widget key, what the widget takes: "depth"
# (1 to MAX_DEPTH), "bool", "list" (a multiselect's values, the parameter repeated) or the choices)
MAX_DEPTH = 12
EXPLORE_VIEW: dict[str, tuple[str, str | tuple[str, ...]]] = {
    "depth": ("explore-depth", "depth"),
    "direction": ("explore-direction", ("both", "upstream", "downstream")),
    "columns": ("explore-columns", "bool"),
    "identities": ("explore-identities", "bool"),
    "grants": ("explore-grants", "bool"),
    "physics": ("explore-physics", "bool"),
    "kind": ("f-kind", "list"),
    "role": ("f-role", "list"),
    "origin": ("f-origin", "list"),
    "class": ("f-class", "list"),
    "env": ("f-env", "list"),
    "ns": ("f-ns", "list"),
}


def _from_url(texts: list[str], takes: str | tuple[str, ...]) -> Any:
    """A widget value from its URL texts, or None when they are not one the widget takes (a
    multiselect drops values that are not among its options itself)."""
    if takes == "list":
        return list(texts)
    text = texts[-1] if texts else ""
    if takes == "depth":
        return int(text) if text.isdigit() and 1 <= int(text) <= MAX_DEPTH else None
    if takes == "bool":
        return {"true": True, "false": False}.get(text)
    return text if text in takes else None


def _to_url(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def keep_view_in_url(view: Mapping[str, tuple[str, str | tuple[str, ...]]] = EXPLORE_VIEW,
                     memory: str = "graph-view-in-url") -> None:
    """Keep a page's view (depth, direction, toggles, filters) in the URL, so a link reproduces it.

    Called before the widgets are made. Where the URL changed since the last run (a page opened
    from a link, a link followed in place, the browser's back button), the widget is set from it
    (a value the widget does not take is ignored); otherwise the URL is set from the widget. An
    empty filter is left out of the URL. `memory` names where the URL seen last is kept.
    """
    seen: dict[str, list[str]] = st.session_state.setdefault(memory, {})
    for param, (key, takes) in view.items():
        in_url = st.query_params.get_all(param)
        if param in st.query_params and (in_url != seen.get(param) or key not in st.session_state):
            value = _from_url(in_url, takes)
            if value is not None:
                st.session_state[key] = value
        elif key in st.session_state:
            texts = _to_url(st.session_state[key])
            if in_url != texts:
                if texts:
                    st.query_params[param] = texts if takes == "list" else texts[0]
                elif param in st.query_params:
                    del st.query_params[param]
        seen[param] = st.query_params.get_all(param)


def current_view(view: Mapping[str, tuple[str, str | tuple[str, ...]]] = EXPLORE_VIEW) -> dict[str, list[str]]:
    """The page's view as URL parameters, read from its widgets now (the URL itself is brought up
    to date on the next rerun): what the graph's links keep when they re-focus or go further."""
    return {param: _to_url(st.session_state[key]) for param, (key, _) in view.items() if key in st.session_state}


def draw(view: View, *, key: str, height: int = 620, physics: bool = False, spacing: int = 95,
         facts: tuple[Any, str, str] | None = None, selected: str | None = None,
         actions: tuple[str, ...] = ("explore", "page"), on_action: Callable[[], None] | None = None,
         on_select: Callable[[], None] | None = None) -> str | None:
    """Render a view in the page, with a caption saying what was grouped or hidden, and return the
    node selected in it (clicked, or `selected` as the page gave it).

    With `facts` (the store, its path and change marker), nodes are drawn by their effective
    (propagated) origin, hatched when it is derived, with a badge for sensitive data, and grants
    that go unused are dashed red. `actions` are what the panel of a clicked node offers; "page"
    (the node's page) and "explore" (Explore around the node) are handled here, the others
    ("focus", "upstream", "downstream", "group") by `on_action`, which reads
    `graph_component.action_of(key)`."""
    if facts is not None and view.nodes:
        store, path, marker = facts
        view = marked(view, graph_facts.effective_tags(store, path, marker, view),
                      graph_facts.unused_grants(store, path, marker, view))
    if not view.nodes:
        st.info("Nothing to draw with these settings.")
        return None
    notes = []
    if view.grouped:
        notes.append("Grouped by namespace to stay readable: " + "; ".join(view.grouped) + ".")
    if view.hidden:
        notes.append(f"{counted(view.hidden, 'node')} hidden by the filters.")
    if notes:
        st.caption(esc(" ".join(notes)))
    data = payload(view, height=height, physics=physics, spacing=spacing, actions=actions, selected=selected)
    chosen, action = mount(data, key=key, on_action=on_action, on_select=on_select)
    leave(action)
    return chosen or selected


def leave(action: GraphAction | None) -> None:
    """Go where an action that leaves the page asks: the node's page, or Explore around it."""
    if action is None:
        return
    if action.kind == "page":
        st.switch_page("views/node.py", query_params={"node": action.node})
    if action.kind == "explore":
        st.switch_page("views/explore.py", query_params={"node": action.node})
