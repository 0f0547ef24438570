"""Graph actions done in place, as changes of the page's URL: re-focus on a node (`node`), one
level more upstream or downstream of a node (`up`, `down`), a group opened (`open`). The page
reads its view from the URL, so the graph is drawn again around the change, and a link or the
browser's history reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from app.components.graph_component import GraphAction, action_of

EXPANSIONS = {"upstream": "up", "downstream": "down", "group": "open"}
"""action kind -> the URL parameter listing the nodes (or groups) it was done on"""


def in_place(action: GraphAction, query: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The URL parameters after `action`: a new focus drops the expansions and opened groups of
    the old one; an expansion or an opened group is added once.

    Example:
        >>> in_place(GraphAction("upstream", "b"), {"node": ["a"], "up": ["c"]})
        {'node': ['a'], 'up': ['c', 'b']}
        >>> in_place(GraphAction("focus", "b"), {"node": ["a"], "up": ["c"], "depth": ["3"]})
        {'node': ['b'], 'depth': ['3']}
    """
    out = {k: list(v) for k, v in query.items()}
    if action.kind == "focus":
        for param in EXPANSIONS.values():
            out.pop(param, None)
        out["node"] = [action.node]
    elif action.kind in EXPANSIONS:
        listed = out.setdefault(EXPANSIONS[action.kind], [])
        if action.node not in listed:
            listed.append(action.node)
    return out


def url_query() -> dict[str, list[str]]:
    """The page's URL parameters, each with all its values."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def in_url(param: str) -> tuple[str, ...]:
    """The values of one URL parameter (the expansions or opened groups), in order."""
    return tuple(st.query_params.get_all(param))


def on_action(key: str, *, refocused: Callable[[str], None] | None = None) -> Callable[[], None]:
    """A callback for the graph with `key`: the action it sent done in place in the URL;
    `refocused(node)` runs after a re-focus (to bring the page's widgets along)."""

    def callback() -> None:
        action = action_of(key)
        if action is None or action.kind not in ("focus", *EXPANSIONS):
            return
        st.query_params.from_dict(in_place(action, url_query()))
        if action.kind == "focus" and refocused is not None:
            refocused(action.node)

    return callback
