"""Collectors: every collection run with its status, and the problems collectors reported."""

from __future__ import annotations

import streamlit as st

from app import data
from app.components.ui import table

path, marker = data.key()
st.title("Collectors")
runs = data.safe(data.runs, path, marker)
failed = sum(1 for r in runs if r["status"] not in ("ok", "running"))
cols = st.columns(3)
cols[0].metric("Runs", len(runs))
cols[1].metric("Failed runs", failed)
problems = data.problems(path, marker)
cols[2].metric("Problems reported", len(problems))

st.subheader("Collection runs")
st.caption("Each `lineage collect`, `lineage demo` or scheduled job run, newest first.")
table(runs, empty="No collection runs recorded yet.")

st.subheader("Problems")
st.caption("What collectors could not read, with the file and line; the valid rest of each source was kept.")
severity = st.multiselect("Severity", ["error", "warning"], default=["error", "warning"])
table([p for p in problems if p["severity"] in severity], empty="No problems reported.")
