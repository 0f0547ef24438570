"""Findings: filter, see each finding's path on the graph, and record a review decision."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from app import data
from app.components import graph_view
from app.components.ui import esc, plain, table
from lineage.words import counted

path, marker = data.key()
st.title("Findings")
found = data.safe(data.findings, path, marker)

f = st.columns(3)
severities = f[0].multiselect("Severity", list(data.SEVERITIES), key="fi-sev")
rules = f[1].multiselect("Rule", sorted({str(x.get("rule_id")) for x in found}), key="fi-rule")
statuses = f[2].multiselect("Status", sorted({str(x.get("status", "open")) for x in found}), default=["open"]
                            if any(x.get("status", "open") == "open" for x in found) else None, key="fi-status")
# The finding being looked at is kept by its fingerprint, not its row: a decision takes it out of
# the "open" filter, yet it stays listed and selected (with the confirmation) until the user picks
# another row or clears the selection; rows are compared with the last run's to tell a click.
pinned = st.session_state.get("fi-pinned")
shown = [x for x in found
         if x.get("fingerprint") == pinned
         or ((not severities or x.get("severity") in severities) and (not rules or str(x.get("rule_id")) in rules)
             and (not statuses or str(x.get("status", "open")) in statuses))]
st.caption(f"{len(shown)} of {counted(len(found), 'finding')}. Select one to see its path, evidence and reviews.")
rows = [{"severity": x.get("severity"), "rule": x.get("rule_id"), "title": x.get("title"),
         "status": x.get("status", "open"), "message": x.get("message"), "fingerprint": x.get("fingerprint")}
        for x in shown]
event = table(rows, key="fi-table", select=True, height=300, empty="No findings match.")
selected = list(event.selection.rows) if event is not None else []
if selected != st.session_state.get("fi-rows"):  # the user picked a row, or cleared the selection
    st.session_state["fi-rows"] = selected
    pinned = shown[selected[0]]["fingerprint"] if selected and selected[0] < len(shown) else None
    st.session_state["fi-pinned"] = pinned
    st.session_state.pop("fi-recorded", None)
finding = next((x for x in shown if x.get("fingerprint") == pinned), None)
if finding is None:
    st.stop()

st.subheader(esc(finding.get("title") or finding.get("rule_id")))
st.markdown(f"**{esc(finding.get('severity'))}** · rule {esc(finding.get('rule_id'))} · "
            f"status {esc(finding.get('status', 'open'))}")
st.text("fingerprint " + plain(finding.get("fingerprint")))
st.text(plain(finding.get("message") or ""))
if finding.get("fix"):
    st.markdown("**How to fix**")
    st.text(plain(finding["fix"]))
if finding["path"]:
    st.markdown("**Path**")
    st.text(" → ".join(plain(n) for n in finding["path"]))
    graph_view.draw(data.finding_view(path, marker, tuple(finding["path"])), height=360)
if finding.get("evidence"):
    st.markdown("**Evidence**")
    evidence = finding["evidence"]
    table(evidence if isinstance(evidence, list) and all(isinstance(e, dict) for e in evidence)
          else [{"evidence": str(e)} for e in (evidence if isinstance(evidence, list) else [evidence])], key="fi-ev")
if finding.get("references"):
    st.markdown("**References**")
    for ref in finding["references"]:
        st.text(plain(ref))

st.markdown("**Review**")
fingerprint = str(finding["fingerprint"])
if st.session_state.get("fi-recorded") == fingerprint:
    st.success("Decision recorded.")
with st.form(f"review-{fingerprint}", clear_on_submit=True):  # a form of its own per finding
    status = st.radio("Decision", list(data.REVIEW_STATUSES), horizontal=True,
                      format_func=lambda s: {"accepted_risk": "Accept the risk", "false_positive": "False positive"}[s])
    reviewer = st.text_input("Reviewer", placeholder="name or e-mail")
    reason = st.text_area("Reason", placeholder="why this is acceptable, or why the finding is wrong")
    expires = st.date_input("Expires on", value=datetime.now(UTC).date() + timedelta(days=90))
    if st.form_submit_button("Record the decision"):
        if not reviewer.strip() or not reason.strip():
            st.error("A decision needs a reviewer and a reason.")
        else:
            until = datetime.combine(expires, time(23, 59, 59), tzinfo=UTC) if expires else None
            data.record_review(fingerprint, status, reviewer.strip(), reason.strip(), until)
            st.session_state["fi-recorded"] = fingerprint
            st.rerun()
st.markdown("**Review history**")
table(data.review_history(path, marker, fingerprint), empty="No reviews yet.", key="fi-hist")
