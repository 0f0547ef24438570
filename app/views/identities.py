"""Identities: each agent or service identity, its grants against its observed use, and its trifecta."""

from __future__ import annotations

import streamlit as st

from app import data
from app.components import graph_view
from app.components.graph_selection import NodeSelection
from app.components.ui import esc, table
from lineage.policy import TRIFECTA_RULE_ID

path, marker = data.key()
st.title("Identities")
rows = data.safe(data.identities, path, marker)
if not rows:
    st.info("No identities in the map. Pipeline specs and MCP configs declare them.")
    st.stop()
st.caption("Those to look at first are on top: most nodes with grants nobody uses, then with uses nobody "
           "granted, then most open findings. Select an identity to compare what it is granted with what the "
           "lineage shows it using.")
event = table(rows, key="id-table", select=True, height=280)
chosen = rows[event.selection.rows[0]]["id"] if event is not None and event.selection.rows else rows[0]["id"]

st.subheader(esc(chosen))
access = data.access(path, marker, chosen)
over = [r for r in access if r["unused grants"]]
missing = [r for r in access if r["missing grants"]]
cols = st.columns(3)
cols[0].metric("Nodes granted or used", len(access))
cols[1].metric("With unused grants", len(over))
cols[2].metric("Used without a grant", len(missing))
st.markdown("**Grants against observed use**")
st.caption("Observed use: the processes this identity runs, what they read and write, and the processors it "
           "calls. A grant nobody uses is a least-privilege gap; a use without a grant is a missing declaration.")
# a row of the grants picks its node out in the reach below; a node clicked there selects its row
selection = NodeSelection("id-access", chosen)
if access:
    selection.table(access, column="node")
else:
    st.caption("No grants and no observed use.")
st.markdown("**Reach**")
st.caption("What this identity runs, what those processes read and write, and what it holds grants on. Select a "
           "row above to pick its node out here; click a node to select its row.")
reach = data.identity_view(path, marker, chosen)
graph_view.draw(reach, key="identity-graph", height=420, facts=(data.store(path), path, marker),
                selected=selection.picked(reach.node_ids()), on_select=selection.on_graph("identity-graph"))

st.markdown("**Trifecta capabilities**")
found = data.safe(data.findings, path, marker)
trifecta = [f for f in found if f.get("rule_id") == TRIFECTA_RULE_ID and chosen in (f.get("nodes") or ())]
related = [f for f in found if chosen in f["path"]]
if trifecta:
    for f in trifecta:
        st.warning(f"{esc(f.get('title') or f.get('rule_id'))}: {esc(f.get('message'))}")
        if f.get("fix"):
            st.markdown(f"**What breaks it:** {esc(f.get('fix'))}")
        table([{"evidence": str(e)} for e in (f.get("evidence") or [])], key=f"id-tri-{f.get('fingerprint')}")
else:
    st.success("No trifecta finding for this identity.")
st.markdown("**All findings involving this identity**")
table([{"severity": f.get("severity"), "rule": f.get("rule_id"), "status": f.get("status"),
        "message": f.get("message")} for f in related], key="id-findings", empty="None.")
