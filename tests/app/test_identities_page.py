"""The Identities list ordered for triage, run with Streamlit's AppTest against the sample pipelines' store."""

from __future__ import annotations

import pytest

from lineage.access import GraphLinks, identity_access
from lineage.graph import load_graph
from lineage.store import open_store
from tests.app.test_app_pages import frames, run


def test_identities_with_the_most_unused_then_missing_grants_come_first(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "identities")
    listed = frames(at)[0]
    keys = [(-u, -m, -f) for u, m, f in zip(listed["unused grants"], listed["missing grants"],
                                            listed["open findings"], strict=True)]
    assert keys == sorted(keys) and len(set(listed["unused grants"])) > 2
    graph = load_graph(open_store(samples_db))
    links = GraphLinks(graph)
    for identity, unused, missing in zip(listed["id"], listed["unused grants"], listed["missing grants"],
                                         strict=True):
        access = identity_access(links, identity)
        assert (unused, missing) == (sum(1 for a in access if a.unused), sum(1 for a in access if a.missing))
    assert set(listed["id"]) == {a["id"] for a in graph.nodes("identity")}


def test_the_open_findings_of_an_identity_are_those_naming_it(samples_db: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from lineage.policy import evaluate

    found = evaluate(load_graph(open_store(samples_db)))
    at = run(samples_db, monkeypatch, "identities")
    listed = frames(at)[0]
    row = listed[listed["id"] == "identity:agents:eng-triage-agent"].iloc[0]
    assert row["open findings"] == sum(1 for f in found if f.is_open and "identity:agents:eng-triage-agent" in f.nodes)
    assert row["open findings"] > 0


def test_an_identity_reach_is_drawn_with_what_it_runs_and_holds_grants_on(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.data import identity_view

    identity = "identity:agents:eng-triage-agent"
    graph = load_graph(open_store(samples_db))
    view = identity_view(samples_db, "test", identity)
    drawn = set(view.node_ids()) | set(view.members)
    assert identity in drawn
    assert set(graph.successors(identity, "runs")) <= drawn and set(graph.successors(identity, "grant")) <= drawn
    at = run(samples_db, monkeypatch, "identities")
    at.session_state["id-table"] = {"selection": {"rows": [list(frames(at)[0]["id"]).index(identity)], "columns": []}}
    at.run()
    assert not at.exception and "**Reach**" in [m.value for m in at.markdown]
    assert "Nothing to draw with these settings." not in [i.value for i in at.info]
