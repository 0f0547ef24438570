"""Triage on the Findings page: filters from the URL, rule titles, search, the decision in the header,
and undo; run with Streamlit's AppTest against a store filled from the sample pipelines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from lineage.graph import load_graph
from lineage.policy import TRIFECTA_RULE_ID, evaluate
from lineage.store import open_store
from tests.app.test_app_pages import as_read, frames, record, run, texts


def pick(at: AppTest, row: int) -> None:
    at.session_state["fi-table"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_the_rule_filter_names_each_rule_with_its_title(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "findings")
    options = [as_read(o) for o in at.multiselect(key="fi-rule").options]
    titles = {f.rule_id: f.title for f in evaluate(load_graph(open_store(samples_db)))}
    assert sorted(options) == sorted(f"{rule} · {title}" for rule, title in titles.items())
    assert any(o.startswith(f"{TRIFECTA_RULE_ID} · Lethal trifecta") for o in options)


def test_filters_start_from_the_url(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "findings", severity="high", status="open")
    listed = frames(at)[0]
    expected = [f for f in evaluate(load_graph(open_store(samples_db))) if f.severity == "high" and f.is_open]
    assert set(listed["severity"]) == {"high"} and len(listed) == len(expected)
    assert at.multiselect(key="fi-sev").value == ["high"]


def test_a_filter_chosen_on_the_page_is_kept_in_the_url(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "findings")
    at.multiselect(key="fi-rule").set_value([TRIFECTA_RULE_ID]).run()
    assert at.query_params["rule"] == TRIFECTA_RULE_ID and at.query_params["status"] == "open"


def test_overview_links_each_severity_to_its_open_findings(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch)
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link") if link.proto.page == "findings"}
    found = evaluate(load_graph(open_store(samples_db)))
    high = sum(1 for f in found if f.severity == "high" and f.is_open)
    assert links[f"{high} open high findings"] == "severity=high&status=open"
    assert len(links) == len({f.severity for f in found if f.is_open})


def test_searching_a_fingerprint_lists_that_finding_alone(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "findings")
    fingerprint = frames(at)[0]["fingerprint"].iloc[3]
    at.text_input(key="fi-search").input(fingerprint).run()
    assert list(frames(at)[0]["fingerprint"]) == [fingerprint]


def test_searching_a_node_lists_the_findings_about_it(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    node = "langchain"
    expected = {f.fingerprint for f in evaluate(load_graph(open_store(samples_db)))
                if f.is_open and any(node in n.casefold() for n in (*f.nodes, *f.path, f.message.casefold()))}
    at = run(samples_db, monkeypatch, "findings")
    at.text_input(key="fi-search").input("LangChain").run()
    listed = set(frames(at)[0]["fingerprint"])
    assert listed == expected and 0 < len(listed) < len(frames(run(samples_db, monkeypatch, "findings"))[0])
    assert at.query_params["q"] == "LangChain"


def test_the_header_shows_the_decision_and_its_expiry(samples_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_copy, monkeypatch, "findings")
    pick(at, 2)
    assert "no decision recorded" in as_read(texts(at))
    record(at, "sec-lead@acme.com", "vendor DPA signed")
    until = (datetime.now(UTC).date() + timedelta(days=90)).isoformat()
    header = next(as_read(m.value) for m in at.markdown if "status" in m.value)
    assert "status accepted_risk" in header and "decision **accepted_risk** by sec-lead@acme.com" in header
    assert f"expires on {until}" in header


def test_undo_reopens_a_finding_decided_once(samples_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_copy, monkeypatch, "findings")
    fingerprint = frames(at)[0]["fingerprint"].iloc[1]
    pick(at, 1)
    record(at, "sec-lead@acme.com", "vendor DPA signed")
    next(b for b in at.button if b.label == "Undo this decision").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    history = open_store(samples_copy).review_history(fingerprint)
    assert [r.status for r in history] == ["accepted_risk", "open"]  # the audit trail keeps both
    assert history[-1].reason.startswith("Undo of the accepted_risk decision")
    listed = frames(at)[0]
    assert listed[listed["fingerprint"] == fingerprint]["status"].iloc[0] == "open"
    assert any("Decision undone" in i.value for i in at.info) and not at.success
    assert f"fingerprint {fingerprint}" in as_read(texts(at)), "the finding stays selected"
    assert not [b for b in at.button if b.label == "Undo this decision"]


def test_undo_puts_back_the_decision_before(samples_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_copy, monkeypatch, "findings")
    fingerprint = frames(at)[0]["fingerprint"].iloc[0]
    pick(at, 0)
    record(at, "sec-lead@acme.com", "vendor DPA signed")
    at.radio[0].set_value("false_positive")
    at.text_input(key="fi-reviewer").input("intern@acme.com")
    at.text_area(key="fi-reason").input("looks wrong to me")
    next(b for b in at.button if b.label == "Record the decision").click()
    at.run()
    next(b for b in at.button if b.label == "Undo this decision").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    history = open_store(samples_copy).review_history(fingerprint)
    assert [r.status for r in history] == ["accepted_risk", "false_positive", "accepted_risk"]
    assert history[-1].reason.endswith("back to: vendor DPA signed") and history[-1].reviewer == "intern@acme.com"
    assert history[-1].expires_at == history[0].expires_at
    header = next(as_read(m.value) for m in at.markdown if "status" in m.value)
    assert "status accepted_risk" in header


def test_a_search_says_how_many_more_match_under_other_filters(samples_db: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    found = [f for f in evaluate(load_graph(open_store(samples_db))) if f.is_open]
    about = [f for f in found if any("langchain" in n.casefold() for n in (*f.nodes, *f.path, f.message.casefold()))]
    high = [f for f in about if f.severity == "high"]
    assert len(about) > len(high)
    at = run(samples_db, monkeypatch, "findings", severity="high", q="LangChain")
    assert len(frames(at)[0]) == len(high) if high else not frames(at)
    hidden = len(about) - len(high)
    assert f"{hidden} more finding{'s' if hidden != 1 else ''} match the search but not the filters above." in [
        c.value for c in at.caption]


def test_overview_links_the_decided_findings(samples_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_copy, monkeypatch, "findings")
    pick(at, 0)
    record(at, "sec-lead@acme.com", "vendor DPA signed")
    overview = run(samples_copy, monkeypatch)
    [link] = [link.proto for link in overview.get("page_link") if "decided" in link.proto.label]
    assert link.label.startswith("1 decided finding (")
    assert link.query_string == "status=accepted_risk&status=false_positive"
    listed = frames(run(samples_copy, monkeypatch, "findings", status="accepted_risk"))[0]
    assert list(listed["status"]) == ["accepted_risk"]
