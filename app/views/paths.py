"""Paths: every path between two nodes, both ways (`?from=...&to=...` in the URL)."""

from __future__ import annotations

import streamlit as st

from app import data
from app.components import graph_view
from app.components.ui import csv_bytes, esc, plain, table
from lineage.models import FLOW_EDGES
from lineage.words import counted

path, marker = data.key()
st.title("Paths between two nodes")
st.caption("Pick two nodes: every path from the first to the second and from the second to the first, "
           "along the data flow (reads and writes), or also through the identities that run processes "
           "and hold grants.")


def pick(label: str, param: str) -> str | None:
    """A search box and a list of the ids it matches; the choice is kept in the URL as `param`."""
    current = st.query_params.get(param)
    text = st.text_input(label, key=f"paths-{param}-search", placeholder="part of a name, e.g. orders or rag")
    matches = data.search(path, marker, text) if text else []
    if text and not matches:
        st.warning(f"No node matches {esc(text)}.")
    choices = list(dict.fromkeys(([current] if current else []) + matches))
    if not choices:
        return None
    chosen: str | None = st.selectbox(label, choices, index=choices.index(matches[0]) if matches else 0,
                                      key=f"paths-{param}", label_visibility="collapsed", format_func=plain)
    if chosen and chosen != current:
        st.query_params[param] = chosen
    return chosen


left, right = st.columns(2)
with left:
    a = pick("From (A)", "from")
with right:
    b = pick("To (B)", "to")
identities = st.toggle("Also through identities (runs and grants)", key="paths-identities",
                       value=st.query_params.get("identities") == "1")
if identities:
    st.query_params["identities"] = "1"
else:
    st.query_params.pop("identities", None)
if a is None or b is None:
    st.info("Type part of a name in both boxes, e.g. `tickets` and `rag.responses`.")
    st.stop()

kinds = FLOW_EDGES | ({"runs", "grant"} if identities else frozenset())
forward, backward = data.safe(data.paths_both_ways, path, marker, a, b, frozenset(kinds))
for title, start, end, found, key in (("A to B", a, b, forward, "ab"), ("B to A", b, a, backward, "ba")):
    st.subheader(title)
    if not found.paths:
        st.caption(f"No path from {esc(start)} to {esc(end)}.")
        continue
    if found.truncated:
        st.warning(f"More paths lead from {esc(start)} to {esc(end)} than can be listed: the first "
                   f"{counted(len(found.paths), 'path')} found are shown (shortest first among them).")
    else:
        st.caption(f"{counted(len(found.paths), 'path')} from {esc(start)} to {esc(end)}.")
    rows = [{"steps": len(p) - 1, "path": " → ".join(p)} for p in found.paths]
    table(rows, key=f"paths-{key}")
    st.download_button(f"Download the paths {title} as CSV", csv_bytes(rows), file_name=f"paths-{key}.csv",
                       mime="text/csv", key=f"paths-{key}-csv")
    graph_view.draw(data.paths_view(path, marker, found.paths, align_right=False), key=f"paths-graph-{key}",
                    height=420, facts=(data.store(path), path, marker))
