"""Overview: what is in the map, which third parties see data, the findings and the latest runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import data
from app.components import graph_view
from app.components.graph_actions import in_url, on_action
from app.components.ui import esc, table
from lineage.words import counted

path, marker = data.key()
stats = data.safe(data.stats, path, marker)

st.title("Lineage map")
st.caption(f"Store: {esc(path)}")
if not stats["nodes"]:
    st.info("The store is empty. Collect something first, e.g. `lineage collect sample_pipelines/`.")
    st.stop()

kinds = stats["by_kind"]
cols = st.columns(6)
cols[0].metric("Datasets", kinds.get("dataset", 0))
cols[1].metric("Processes", kinds.get("process", 0))
cols[2].metric("Identities", kinds.get("identity", 0))
cols[3].metric("Third-party processors", stats["third_party_processors"])
cols[4].metric("Flows (read/write)", stats["edges_by_kind"].get("read", 0) + stats["edges_by_kind"].get("write", 0))
open_findings = cols[5].empty()  # filled last: on a large map the findings may take a while the first time
open_findings.metric("Open findings", "…")


def counts(title: str, mapping: dict[str, int]) -> None:
    st.markdown(f"**{title}**")
    frame = pd.DataFrame({"count": mapping}).sort_values("count", ascending=False)
    st.bar_chart(frame, horizontal=True, height=40 + 32 * len(frame))


left, middle, right = st.columns(3)
with left:
    counts("Nodes by kind", kinds)
with middle:
    counts("Datasets by role", stats["datasets_by_role"])
with right:
    counts("Datasets by origin", stats["datasets_by_origin"])

st.subheader("Data map")
st.caption("Left to right: origins, the processors their data reaches (third parties with a red border), "
           "then the stores and caches they write. Internal steps and stores are grouped by namespace.")
view = data.data_map(path, marker, opened=in_url("open"))
if view is None:
    st.info("The graph is too large for a whole-map picture; use Explore to look around one node.")
else:
    st.caption("Click a node for what to do next; click a group and \"Open this group\" (or double-click it) to "
               "see its members here.")
    graph_view.draw(view, key="overview-graph", height=760, spacing=42, facts=(data.store(path), path, marker),
                    actions=("group", "explore", "page"), on_action=on_action("overview-graph"))

left, right = st.columns(2)
with left:
    st.subheader("Third-party processors")
    table(data.third_parties(path, marker), empty="No third-party processors.")
    st.page_link("views/third_parties.py", label="What each third party receives, and through which paths")

st.subheader("Recent collection runs")
table(data.runs(path, marker)[:10], empty="No collection runs recorded.")

with right:
    st.subheader("Findings by severity")
    found = data.safe(data.findings, path, marker)
    open_findings.metric("Open findings", sum(1 for f in found if f.get("status", "open") == "open"))
    by_severity = {s: sum(1 for f in found if f.get("severity") == s and f.get("status", "open") == "open")
                   for s in data.SEVERITIES}
    table([{"severity": s, "open": n, "all": sum(1 for f in found if f.get("severity") == s)}
           for s, n in by_severity.items()])
    for severity, n in by_severity.items():  # each opens the Findings list filtered to it
        if n:
            st.page_link("views/findings.py", label=counted(n, f"open {severity} finding"),
                         query_params={"severity": severity, "status": "open"})
    decided = sum(1 for f in found if f.get("status") in data.REVIEW_STATUSES)
    if decided:  # where a decision made earlier is found again
        st.page_link("views/findings.py", label=f"{counted(decided, 'decided finding')} (accepted risks and false "
                     "positives)", query_params={"status": list(data.REVIEW_STATUSES)})
