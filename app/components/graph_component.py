"""The graph as a two-way Streamlit component (`st.components.v2`): drawn in the page itself (no
iframe), offline, and telling the app what was clicked.

Its JavaScript is vis-network's, read at run time from the pyvis package that ships it (nothing is
fetched from a CDN, nothing third-party is kept in this repository), followed by our own module
(`graph.js`); its CSS is vis-network's tooltip rule and ours (`graph.css`), kept in the
component's shadow root.

The component sends back the node clicked (the state `selected`, kept across reruns) and actions
(the trigger `action`: focus the graph on a node, one more level up or downstream of it, open a
group, open a node's page, or explore from a node), each `GraphAction` once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvis
import streamlit as st

VIS_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
HERE = Path(__file__).parent
NAME = "lineage_graph"
ACTIONS = ("focus", "upstream", "downstream", "group", "page", "explore")


@dataclass(frozen=True)
class GraphAction:
    """What was asked of the graph: `kind` (one of `ACTIONS`) on `node` (a node id, or a group's)."""

    kind: str
    node: str

    @classmethod
    def parse(cls, value: object) -> GraphAction | None:
        """The action a component sent, or None when it is not one (the browser is not trusted).

        Example:
            >>> GraphAction.parse({"kind": "focus", "node": "dataset:s:a"})
            GraphAction(kind='focus', node='dataset:s:a')
            >>> GraphAction.parse({"kind": "<script>", "node": "x"}) is None
            True
        """
        if not isinstance(value, Mapping):
            return None
        kind, node = value.get("kind"), value.get("node")
        if kind not in ACTIONS or not isinstance(node, str) or not node:
            return None
        return cls(str(kind), node)


@functools.cache
def _mount() -> Callable[..., Any]:
    """The component's mounting command, made once per process."""
    js = (VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8")
    css = tooltip_css((VIS_DIR / "vis-network.css").read_text(encoding="utf-8"))
    ours_js = (HERE / "graph.js").read_text(encoding="utf-8")
    ours_css = (HERE / "graph.css").read_text(encoding="utf-8")
    # vis-network's UMD build, run as part of a module, sets `globalThis.vis`; our module uses it
    return st.components.v2.component(NAME, js=f"{js}\n;\n{ours_js}", css=f"{css}\n{ours_css}")


def tooltip_css(css: str) -> str:
    """Of vis-network's CSS, the rules of its tooltip: the graph uses none of its other controls
    (navigation buttons, manipulation, configurator), whose rules are most of the file's 220 KB
    and would be sent with every drawing.

    Example:
        >>> tooltip_css("div.vis-tooltip{position:absolute}div.vis-network div.vis-edit{color:red}")
        'div.vis-tooltip{position:absolute}'
    """
    return "".join(rule for rule in re.findall(r"[^{}]+\{[^{}]*\}", css) if "vis-tooltip" in rule.split("{", 1)[0])


def mount(payload: Mapping[str, Any], *, key: str,
          on_action: Callable[[], None] | None = None,
          on_select: Callable[[], None] | None = None) -> tuple[str | None, GraphAction | None]:
    """Draw `payload` (see `graph_view.payload`) and return (the node selected, the action asked
    this run). `on_action` and `on_select` run before the next run, as widget callbacks do; they
    read `action_of(key)` and `selected_of(key)`."""
    result = _mount()(key=key, data=dict(payload), height="content",
                      on_action_change=on_action or _nothing, on_selected_change=on_select or _nothing)
    selected = result.get("selected")
    return (selected if isinstance(selected, str) else None), GraphAction.parse(result.get("action"))


def action_of(key: str) -> GraphAction | None:
    """In a callback: the action the graph with `key` sent."""
    value = st.session_state.get(key)
    return GraphAction.parse(value.get("action")) if isinstance(value, Mapping) else None


def selected_of(key: str) -> str | None:
    """In a callback: the node selected in the graph with `key`."""
    value = st.session_state.get(key)
    selected = value.get("selected") if isinstance(value, Mapping) else None
    return selected if isinstance(selected, str) else None


def _nothing() -> None:
    """A callback that does nothing: a component reports an event only when one is given."""
