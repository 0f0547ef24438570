"""Findings: filter, see each finding's path on the graph, and record a review decision."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import streamlit as st

from app import data
from app.components import graph_view
from app.components.ui import esc, plain, table
from lineage.words import counted

path, marker = data.key()
st.title("Findings")
found = data.safe(data.findings, path, marker)

# Filters start from the URL (`?severity=high&rule=LM001&status=open&q=text`, as Overview links
# to them) the first time the page is drawn, then belong to the widgets. A finding's own link
# (`?q=FINGERPRINT`) finds it whatever its status.
titles = {str(x.get("rule_id")): str(x.get("title") or "") for x in found}
statuses_found = sorted({str(x.get("status", "open")) for x in found})
for widget, param, allowed in (("fi-sev", "severity", list(data.SEVERITIES)), ("fi-rule", "rule", sorted(titles)),
                               ("fi-status", "status", statuses_found)):
    if widget not in st.session_state:
        wanted = [v for v in st.query_params.get_all(param) if v in allowed]
        any_open = any(x.get("status", "open") == "open" for x in found)
        permalink = st.query_params.get("q", "") in {str(x.get("fingerprint")) for x in found}
        st.session_state[widget] = wanted or (["open"] if widget == "fi-status" and any_open and not permalink
                                              else [])
if "fi-search" not in st.session_state:
    st.session_state["fi-search"] = st.query_params.get("q", "")

f = st.columns([2, 3, 2, 3])
severities = f[0].multiselect("Severity", list(data.SEVERITIES), key="fi-sev")
rules = f[1].multiselect("Rule", sorted(titles), key="fi-rule",
                         format_func=lambda r: plain(f"{r} · {titles.get(r, '')}"))
statuses = f[2].multiselect("Status", statuses_found, key="fi-status")
needle = f[3].text_input("Search", key="fi-search", placeholder="a node, a fingerprint or words of the message")
st.query_params.from_dict({k: v for k, v in (("severity", severities), ("rule", rules), ("status", statuses),
                                             ("q", needle.strip())) if v})


def matches(x: dict[str, Any], text: str) -> bool:
    """Whether the finding names a node, has a fingerprint or says something containing `text`."""
    if not text:
        return True
    folded = text.casefold()
    places = [str(x.get("fingerprint")), str(x.get("message")), *map(str, x.get("nodes") or ()),
              *map(str, x.get("path") or ())]
    return any(folded in p.casefold() for p in places)


def decision(review: dict[str, Any] | None) -> str:
    """The decision a finding carries, who made it, when, and until when, as Markdown."""
    if not review:
        return "no decision recorded"
    made = str(review.get("created_at") or "")[:10]
    said = f"decision **{esc(review.get('status'))}** by {esc(review.get('reviewer'))}" + (
        f" on {esc(made)}" if made else "")
    expires = review.get("expires_at")
    if not expires:
        return said + " · no expiry"
    until = datetime.fromisoformat(str(expires))
    if until <= datetime.now(UTC):
        return said + f" · **expired** on {esc(until.date().isoformat())}, so the finding is open again"
    return said + f" · expires on {esc(until.date().isoformat())}"


# The finding being looked at is kept by its fingerprint, not its row: a decision takes it out of
# the "open" filter, yet it stays listed and selected (with the confirmation) until the user picks
# another row or clears the selection; rows are compared with the last run's to tell a click.
pinned = st.session_state.get("fi-pinned")
shown = [x for x in found
         if x.get("fingerprint") == pinned
         or ((not severities or x.get("severity") in severities) and (not rules or str(x.get("rule_id")) in rules)
             and (not statuses or str(x.get("status", "open")) in statuses) and matches(x, needle.strip()))]
st.caption(f"{len(shown)} of {counted(len(found), 'finding')}. Select one to see its path, evidence and reviews.")
if needle.strip():
    text = needle.strip()
    elsewhere = sum(1 for x in found if matches(x, text)) - sum(1 for x in shown if matches(x, text))
    if elsewhere > 0:
        st.caption(f"{counted(elsewhere, 'more finding')} match the search but not the filters above.")
rows = [{"severity": x.get("severity"), "rule": x.get("rule_id"), "title": x.get("title"),
         "status": x.get("status", "open"), "message": x.get("message"), "fingerprint": x.get("fingerprint")}
        for x in shown]
# the first finding listed is shown at first (the most severe, as listed)
event = table(rows, key="fi-table", select=True, height=300, empty="No findings match.", selected=0)
selected = list(event.selection.rows) if event is not None else []
st.session_state.setdefault("fi-rows", selected)  # the first row, shown at first: not a pick (not pinned)
if selected != st.session_state.get("fi-rows"):  # the user picked a row, or cleared the selection
    st.session_state["fi-rows"] = selected
    pinned = shown[selected[0]]["fingerprint"] if selected and selected[0] < len(shown) else None
    st.session_state["fi-pinned"] = pinned
    st.session_state.pop("fi-recorded", None)
    st.session_state.pop("fi-undone", None)
finding = next((x for x in shown if x.get("fingerprint") == pinned), None)
if pinned is None and selected and selected[0] < len(shown):  # no pick yet: the row selected at first
    finding = shown[selected[0]]
if finding is None:
    st.stop()

st.subheader(esc(finding.get("title") or finding.get("rule_id")))
st.markdown(f"**{esc(finding.get('severity'))}** · rule {esc(finding.get('rule_id'))} · "
            f"status {esc(finding.get('status', 'open'))} · {decision(finding.get('review'))}")
st.text("fingerprint " + plain(finding.get("fingerprint")))
st.text(plain(finding.get("message") or ""))
if finding.get("fix"):
    st.markdown("**How to fix**")
    st.text(plain(finding["fix"]))
if finding["path"]:
    st.markdown("**Path**")
    st.text(" → ".join(plain(n) for n in finding["path"]))
    graph_view.draw(data.finding_view(path, marker, tuple(finding["path"])), key="finding-graph", height=360,
                    facts=(data.store(path), path, marker))
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
    st.page_link("views/findings.py", label="This finding's own link (finds it again whatever its status)",
                 query_params={"q": fingerprint})
    if st.button("Undo this decision", key=f"fi-undo-{fingerprint}"):
        if data.undo_review(fingerprint, st.session_state.get("fi-recorded-at"), st.session_state["fi-recorded-by"]):
            st.session_state["fi-undone"] = fingerprint
        else:
            st.session_state["fi-undone"] = None
            st.session_state["fi-undo-failed"] = fingerprint
        st.session_state.pop("fi-recorded", None)
        st.rerun()
if st.session_state.get("fi-undone") == fingerprint:
    st.info("Decision undone: the finding is back where it was, and the review history keeps both entries.")
if st.session_state.pop("fi-undo-failed", None) == fingerprint:
    st.warning("Not undone: another decision on this finding was recorded after yours.")
with st.form(f"review-{fingerprint}", clear_on_submit=True):  # a form of its own per finding
    status = st.radio("Decision", list(data.REVIEW_STATUSES), horizontal=True,
                      format_func=lambda s: {"accepted_risk": "Accept the risk", "false_positive": "False positive"}[s])
    reviewer = st.text_input("Reviewer", placeholder="name or e-mail", key="fi-reviewer")
    reason = st.text_area("Reason", placeholder="why this is acceptable, or why the finding is wrong", key="fi-reason")
    expires = st.date_input("Expires on", value=datetime.now(UTC).date() + timedelta(days=90))
    if st.form_submit_button("Record the decision"):
        if not reviewer.strip() or not reason.strip():
            st.error("A decision needs a reviewer and a reason.")
        else:
            until = datetime.combine(expires, time(23, 59, 59), tzinfo=UTC) if expires else None
            data.record_review(fingerprint, status, reviewer.strip(), reason.strip(), until)
            st.session_state["fi-recorded"] = fingerprint
            st.session_state["fi-pinned"] = fingerprint  # stays listed and selected, whatever the filters
            st.session_state["fi-recorded-at"] = data.latest_review_time(fingerprint)
            st.session_state["fi-recorded-by"] = reviewer.strip()
            st.session_state.pop("fi-undone", None)
            st.rerun()
st.markdown("**Review history**")
table(data.review_history(path, marker, fingerprint), empty="No reviews yet.", key="fi-hist")
