"""One node picked on a page, in its graph or in a table of nodes, and shown selected in both: a
row selected picks its node out in the graph (selected, its chain bright, its panel open), a node
clicked in the graph selects its row.

A dataframe's selection cannot be set from the app once it is drawn, so the table is drawn anew
(under a new key, with the node's row as its default selection) when the graph picked a node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import streamlit as st

from app.components.graph_component import selected_of
from app.components.ui import table


class NodeSelection:
    """The node picked on a page, kept in the session under `name`; a new `scope` (the node the page
    is about, say) forgets it."""

    def __init__(self, name: str, scope: str) -> None:
        self.name = name
        if st.session_state.get(f"{name}-scope") != scope:
            st.session_state[f"{name}-scope"] = scope
            st.session_state.pop(f"{name}-picked", None)
        st.session_state.setdefault(f"{name}-table", 0)

    def picked(self, shown: Iterable[str]) -> str | None:
        """The node picked, when it is among those `shown`."""
        node = st.session_state.get(f"{self.name}-picked")
        return node if isinstance(node, str) and node in set(shown) else None

    def on_graph(self, graph_key: str) -> Callable[[], None]:
        """A callback for the graph with `graph_key`: the node clicked there is picked."""

        def callback() -> None:
            node = selected_of(graph_key)
            if node and node != st.session_state.get(f"{self.name}-picked"):
                st.session_state[f"{self.name}-picked"] = node
                st.session_state[f"{self.name}-table"] = st.session_state.get(f"{self.name}-table", 0) + 1

        return callback

    def table(self, rows: list[Mapping[str, Any]], column: str = "id", **kwargs: Any) -> Any:
        """`rows` as a table whose rows pick their node (named in `column`), the node picked selected."""
        ids = [str(r[column]) for r in rows]
        key = f"{self.name}-rows-{st.session_state[f'{self.name}-table']}"

        def picked_in_table() -> None:
            state = st.session_state.get(key)
            selection = state.get("selection", {}) if isinstance(state, Mapping) else {}
            chosen = list(selection.get("rows", []) if isinstance(selection, Mapping) else [])
            st.session_state[f"{self.name}-picked"] = ids[chosen[0]] if chosen and chosen[0] < len(ids) else None

        picked = st.session_state.get(f"{self.name}-picked")
        return table(rows, key=key, select=True, on_select=picked_in_table,
                     selected=ids.index(picked) if picked in ids else None, **kwargs)
