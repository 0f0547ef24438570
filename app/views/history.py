"""History: the map as of a chosen time, and what changed between two times."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app import data
from app.components.ui import csv_bytes, esc, table

path, marker = data.key()
st.title("History")
times = data.safe(data.run_times, path, marker)
now = "now"
choices = [now] + [t.isoformat() for t in times]  # to the microsecond: a run's last facts fall before its end
st.caption("Moments to choose from: now, and the end of each collection run. Or type any ISO 8601 time.")


def moment(label: str, default: int, key: str) -> str | None:
    """The chosen time as an ISO string (None for now); a typed time wins over the list."""
    cols = st.columns([2, 2])
    picked = cols[0].selectbox(label, choices, index=min(default, len(choices) - 1), key=key,
                               format_func=lambda c: c if c == now else c[:19].replace("T", " ") + " (end of a run)")
    typed = cols[1].text_input(f"{label}: another time", key=f"{key}-typed", placeholder="2026-01-31T12:00:00Z")
    text = typed.strip() or (None if picked == now else picked)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        st.error(f"Not an ISO 8601 time: {esc(text)}")
        st.stop()
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


st.subheader("The map as of a time")
as_of = moment("As of", 0, "h-asof")
stats = data.stats(path, marker, as_of)
cols = st.columns(4)
cols[0].metric("Datasets", stats["by_kind"].get("dataset", 0))
cols[1].metric("Processes", stats["by_kind"].get("process", 0))
cols[2].metric("Identities", stats["by_kind"].get("identity", 0))
cols[3].metric("Edges", stats["edges"])

st.subheader("What changed between two times")
before = moment("From", 1, "h-before")
after = moment("To", 0, "h-after")
rows = data.history_diff(path, marker, before, after)
kinds = sorted({r["change"] for r in rows})
cols = st.columns(max(1, len(kinds)))
for col, kind in zip(cols, kinds, strict=False):
    col.metric(kind, sum(1 for r in rows if r["change"] == kind))
table(rows, key="h-diff", empty="Nothing changed between these two times.")
if rows:
    st.download_button("Download the changes as CSV", csv_bytes(rows), file_name="lineage-diff.csv", mime="text/csv")
