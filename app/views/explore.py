"""Explore: one node's upstream and downstream, layered left to right, with filters."""

from __future__ import annotations

import streamlit as st

from app import data
from app.components import graph_view
from app.components.graph_actions import in_url, on_action
from app.components.graph_model import Filters, is_group
from app.components.graph_selection import NodeSelection
from app.components.ui import esc, node_picker, table
from lineage.words import counted

path, marker = data.key()
graph_view.keep_view_in_url()
st.title("Explore")

top = st.columns([3, 2, 2])
with top[0]:
    focus = node_picker(lambda text: data.search(path, marker, text), key="explore")
if focus is None:
    st.info("Type part of a node's name to start, e.g. `orders`, `vector` or `agent`.")
    st.stop()
with top[1]:
    depth = st.slider("Depth (edges each way)", 1, graph_view.MAX_DEPTH, 2, key="explore-depth")
with top[2]:
    direction = st.radio("Direction", ["both", "upstream", "downstream"], horizontal=True, key="explore-direction")

toggles = st.columns(4)
columns = toggles[0].toggle("Column-level lineage", key="explore-columns")
identities = toggles[1].toggle("Identities that run processes", value=True, key="explore-identities")
grants = toggles[2].toggle("Grants", key="explore-grants")
physics = toggles[3].toggle("Physics (let nodes move)", key="explore-physics")

options = data.filter_options(path, marker)
with st.expander("Filters"):
    f = st.columns(3)
    kinds = f[0].multiselect("Kind", options["kind"], key="f-kind")
    roles = f[1].multiselect("Role (datasets)", options["role"], key="f-role")
    origins = f[2].multiselect("Origin (datasets)", options["origin"], key="f-origin")
    g = st.columns(3)
    classes = g[0].multiselect("Classification (datasets)", options["classification"], key="f-class")
    environments = g[1].multiselect("Environment", options["environment"], key="f-env")
    namespaces = g[2].multiselect("Namespace", options["namespace"], key="f-ns")
filters = Filters(kinds=frozenset(kinds), roles=frozenset(roles), origins=frozenset(origins),
                  classifications=frozenset(classes), environments=frozenset(environments),
                  namespaces=frozenset(namespaces))

up, down, opened = in_url("up"), in_url("down"), in_url("open")
view = data.safe(data.explore_view, path, marker, focus, depth=depth, direction=direction, filters=filters,
                 identities=identities, grants=grants, columns=columns, up=up, down=down, opened=opened)
shown = view.node_ids()
expansions = [f"{counted(len(up), 'node')} one level further upstream"] if up else []
expansions += [f"{counted(len(down), 'node')} one level further downstream"] if down else []
expansions += [f"{counted(len(opened), 'group')} opened"] if opened else []
st.caption(f"{esc(focus)}: {counted(len(shown), 'node')} shown" + (" (columns)" if columns else "")
           + (f" ({'; '.join(expansions)})" if expansions else "")
           + ". Click a node for its details and what to do next; double-click to focus the graph there.")

# The node picked (a click in the graph, or a row of the table), shown selected in both.
selection = NodeSelection("explore", focus)


def refocused(node: str) -> None:
    st.session_state["explore-search"] = ""
    st.session_state["explore-pick"] = node


picked = selection.picked(shown)
graph_view.draw(view, key="explore-graph", physics=physics, facts=(data.store(path), path, marker), selected=picked,
                actions=("focus", "upstream", "downstream", "group", "page"),
                on_action=on_action("explore-graph", refocused=refocused),
                on_select=selection.on_graph("explore-graph"))

if not columns:
    st.subheader("Nodes in view")
    st.caption("Select a row to see the node's details and pick it out in the graph; a node clicked in the graph "
               "is selected here.")
    rows = []
    for n in view.nodes:
        if is_group(n):
            continue
        a = data.node_brief(path, marker, n["id"])
        rows.append({"id": n["id"], "kind": a.get("kind"), "name": a.get("name"), "namespace": a.get("namespace"),
                     "role": a.get("role") or "", "origin": a.get("origin") or "",
                     "third party": bool(a.get("third_party")),
                     "side": "focus" if n["level"] == 0 else ("upstream" if n["level"] < 0 else "downstream")})
    selection.table(rows, height=260)
    detail = picked or focus
    st.markdown(f"**Selected:** {esc(detail)}")
    table(data.node_attributes(path, marker, detail), key="explore-attrs")
    st.page_link("views/node.py", label="Open the node page", query_params={"node": detail})
else:
    table([e for e in data.node_detail(path, marker, focus)["column_lineage"]], key="explore-cll",
          empty="No column lineage recorded around this node.")
