"""Third parties x data: each vendor, the endpoints of it the data reaches, what reaches them (origin,
sensitive classes, source datasets) and every path from where the data enters the map."""

from __future__ import annotations

import streamlit as st

from app import data
from app.components import graph_view
from app.components.ui import csv_bytes, esc, table
from lineage.vendors import endpoint_row, markdown, vendor_rows
from lineage.words import counted

DRAWN = 60  # paths drawn at most (all are listed)

path, marker = data.key()
st.title("Third parties and the data they receive")
found = data.safe(data.vendor_endpoints, path, marker)
if not found:
    st.info("No third-party processors in the map. Pipeline specs and MCP configs declare them.")
    st.stop()

real_only = st.toggle("Only endpoints receiving real sensitive data (real or mixed origin, a sensitive class)",
                      value=st.query_params.get("real") == "1", key="tp-real")
if real_only:
    st.query_params["real"] = "1"
else:
    st.query_params.pop("real", None)
shown = [e for e in found if e.receives_real_sensitive] if real_only else found
vendors = vendor_rows(shown)
st.caption(f"{counted(len(vendors), 'vendor')}, {counted(len(shown), 'endpoint')}. Origins and sensitive classes "
           "are what reaches each endpoint, derived along the lineage; a path runs from a source dataset "
           "(where data enters the map) to the endpoint. Select a vendor to see its endpoints and paths.")
event = table(vendors, key=f"tp-vendors-{real_only}", select=True, height=min(420, 38 + 35 * len(vendors)),
              empty="No third party receives real sensitive data.")
d = st.columns(2)
d[0].download_button("Download the endpoints as CSV", csv_bytes(endpoint_row(e) for e in shown),
                      file_name="third-parties.csv", mime="text/csv", key="tp-csv")
d[1].download_button("Download as Markdown", markdown(shown), file_name="third-parties.md", mime="text/markdown",
                     key="tp-md")

names = [str(v["vendor"]) for v in vendors]
rows_now = list(event.selection.rows) if event is not None else []
if rows_now != st.session_state.get("tp-rows", []):  # the user picked a vendor, or cleared the selection
    st.session_state["tp-rows"] = rows_now
    if rows_now and rows_now[0] < len(names):
        st.query_params["vendor"] = names[rows_now[0]]
    else:
        st.query_params.pop("vendor", None)
picked = st.query_params.get("vendor")  # the vendor picked, or named in a link
if picked not in names:
    st.stop()

st.subheader(esc(picked))
mine = [e for e in shown if e.vendor == picked]
st.caption("Select an endpoint to see only its paths.")
rows = [endpoint_row(e) for e in mine]
chosen = table([{k: v for k, v in r.items() if k != "vendor"} for r in rows],
               key=f"tp-endpoints-{picked}-{real_only}", select=True, height=min(420, 38 + 35 * len(rows)))
if chosen is not None and chosen.selection.rows and chosen.selection.rows[0] < len(mine):
    mine = [mine[chosen.selection.rows[0]]]

paths, node_paths, cut = data.source_paths(path, marker, tuple(e.id for e in mine))
st.markdown("**Paths from where the data enters the map**")
if cut:
    st.warning("More paths lead to these endpoints than are listed here (the counts above are complete); "
               + ("select an endpoint to list more of its own." if len(mine) > 1 else
                  f"the first {data.PATH_LIMIT} found are listed."))
st.caption(f"{counted(len(paths), 'path')} to {counted(len(mine), 'endpoint')}"
           + (f" ({esc(mine[0].id)})" if len(mine) == 1 else "") + ".")
table(paths, key="tp-paths", empty="No data reaches these endpoints along the lineage.")
if paths:
    st.download_button("Download the paths as CSV", csv_bytes(paths), file_name="third-party-paths.csv",
                       mime="text/csv", key="tp-paths-csv")
    if len(node_paths) > DRAWN:
        st.caption(f"The drawing shows the first {DRAWN} of the {counted(len(node_paths), 'path')} listed.")
    # an endpoint selected in the table is picked out in the drawing (its chain bright)
    graph_view.draw(data.paths_view(path, marker, node_paths[:DRAWN]), key="third-parties-graph", height=460,
                    facts=(data.store(path), path, marker), selected=mine[0].id if len(mine) == 1 else None)
