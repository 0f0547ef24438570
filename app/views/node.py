"""Node detail: attributes, schema, column lineage, tags and why, evidence, findings, neighbours, runs."""

from __future__ import annotations

import streamlit as st

from app import data
from app.components.ui import csv_bytes, esc, node_picker, table
from lineage.words import counted

path, marker = data.key()
st.title("Node detail")
node = node_picker(lambda text: data.search(path, marker, text), key="detail")
if node is None:
    st.info("Type part of a node's name, or open a node from Explore.")
    st.stop()
detail = data.safe(data.node_detail, path, marker, node)
attrs = detail["attrs"]
st.subheader(esc(attrs.get("name", node)))
marks = [str(attrs.get("kind")), attrs.get("role"), attrs.get("origin"),
         "third party" if attrs.get("third_party") else None, attrs.get("environment")]
st.caption(esc(" · ".join(m for m in marks if m)) + "  \n" + esc(node))
links = st.columns(2)
with links[0]:
    st.page_link("views/paths.py", label="Every path from this node to another", query_params={"from": node})
if attrs.get("third_party"):
    vendor = str(attrs.get("vendor") or attrs.get("namespace") or "")
    with links[1]:
        st.page_link("views/third_parties.py", label=f"What {esc(vendor)} receives, and through which paths",
                     query_params={"vendor": vendor})

tabs = st.tabs(["Attributes", "Schema", "Column lineage", "Tags", "Evidence", "Findings", "Upstream",
                "Downstream", "Connections", "Runs and facets"])
with tabs[0]:
    table(detail["attributes"], key="d-attrs")
with tabs[1]:
    table(detail["columns"], empty="No schema known for this node.", key="d-cols")
with tabs[2]:
    table(detail["column_lineage"], empty="No column lineage into, out of or through this node.", key="d-cll")
with tabs[3]:
    tags = data.tags_of(path, marker, node)
    st.markdown(f"**Origin:** {esc(tags['origin'])}  \n**Classifications:** "
                f"{esc(', '.join(tags['classifications']) or '(none)')}")
    table(tags["why"], empty="No tag reasons recorded.", key="d-why")
with tabs[4]:
    rows = data.evidence(path, marker, node)
    st.caption("Every stored fact about this node: which collector saw it, where (file and line, or run), "
               "when, and whether a newer source replaced it.")
    table(rows, empty="No evidence stored.", key="d-evidence")
with tabs[5]:
    found = data.safe(data.findings, path, marker)
    mine = [f for f in found if node in f["path"]]
    table([{"severity": f.get("severity"), "rule": f.get("rule_id"), "title": f.get("title"),
            "status": f.get("status"), "message": f.get("message")} for f in mine],
          empty="No findings involve this node.", key="d-findings")
for tab, name in ((tabs[6], "upstream"), (tabs[7], "downstream")):
    with tab:
        rows = detail[name]
        total = detail[f"{name}_total"]
        listed = f"; the first {len(rows)} listed." if total > len(rows) else "."
        st.caption(f"{counted(total, 'node')} {name}, nearest first{listed}")
        table(rows, empty=f"Nothing {name}.", key=f"d-{name}")
        if rows:
            st.download_button(f"Download {name} as CSV", csv_bytes(rows), file_name=f"{name}.csv",
                               mime="text/csv", key=f"d-{name}-csv")
with tabs[8]:
    table(detail["links"], empty="No direct connections.", key="d-links")
with tabs[9]:
    kind = str(attrs.get("kind"))
    if kind == "process":
        history = data.process_runs(path, marker, node)
        st.caption("The runs of this process as its OpenLineage events reported them, newest first: a run's "
                   "state is its latest event's; the process shows its latest run.")
        table(history, empty="No runs reported for this node.", key="d-runs")
    about, facets = data.latest_facets(path, marker, node, kind, tuple(attrs.get("aliases") or ()))
    if facets:
        naming = " naming this dataset" if kind == "dataset" else ""
        st.caption(f"Every facet of the latest event{naming} ({esc(about)}): those read into the attributes, "
                   "and the others as the producer sent them.")
        table(facets, key="d-facets")
    elif kind != "process":
        st.caption("No OpenLineage event sent facets about this node.")
