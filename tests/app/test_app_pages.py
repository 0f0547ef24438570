"""Every page run with Streamlit's AppTest against a store filled from the sample pipelines."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lineage.graph import load_graph
from lineage.policy import TRIFECTA_RULE_ID, evaluate
from lineage.store import open_store
from tests.app.conftest import AGENT_CONTEXT, HOSTILE
from tests.conftest import REPO_ROOT

ENTRY = str(REPO_ROOT / "app" / "streamlit_app.py")


def run(db: str, monkeypatch: pytest.MonkeyPatch, page: str | None = None, **query: str) -> AppTest:
    monkeypatch.setenv("LINEAGE_DB", db)
    at = AppTest.from_file(ENTRY, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    if page:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric] + [s.value for s in at.subheader]
    parts += [str(e.value) for e in at.info] + [str(e.value) for e in at.warning] + [t.value for t in at.text]
    return "\n".join(map(str, parts))


def as_read(markdown: str) -> str:
    """Escaped Markdown as a reader sees it: no backslashes, word joiners or bidi isolates."""
    return re.sub("[\\\\\u2060\u2068\u2069]", "", markdown)


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def test_overview_counts_third_parties_and_runs(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch)
    stats = load_graph(open_store(samples_db)).stats()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Datasets"] == str(stats["by_kind"]["dataset"]) and metrics["Datasets"] != "0"
    assert metrics["Processes"] == str(stats["by_kind"]["process"])
    assert metrics["Identities"] == str(stats["by_kind"]["identity"])
    assert metrics["Third-party processors"] == str(stats["third_party_processors"])
    third, runs = frames(at)[0], frames(at)[-1]
    assert "https://api.openai.com" in set(third["namespace"]) and {"yes", "no"} <= set(third["approved"])
    assert list(runs["command"]) == ["collect"]
    assert list(runs["run id"]) == [r.run_id for r in open_store(samples_db).runs()]
    assert "Data map" in texts(at)


def test_explore_shows_the_neighbourhood_of_the_agent_memory(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=AGENT_CONTEXT)
    nodes = frames(at)[0]
    assert AGENT_CONTEXT in set(nodes["id"])
    assert {"upstream", "downstream", "focus"} <= set(nodes["side"])
    assert "process:https://api.anthropic.com:workspaces/triage-agent/v1/messages" in set(nodes["id"])
    assert re.search(r"\d+ nodes shown", texts(at)) and "node(s)" not in texts(at)


def test_explore_search_is_partial_and_case_insensitive(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore")
    at.text_input(key="explore-search").input("TRIAGE-AGENT.SESS").run()
    assert at.selectbox(key="explore-pick").value == AGENT_CONTEXT


def test_explore_depth_one_shows_fewer_nodes_than_depth_two(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=AGENT_CONTEXT)
    two = len(frames(at)[0])
    at.slider(key="explore-depth").set_value(1).run()
    assert 1 < len(frames(at)[0]) < two


def test_explore_filters_by_origin(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=AGENT_CONTEXT)
    at.multiselect(key="f-kind").set_value(["dataset"]).run()
    at.multiselect(key="f-origin").set_value(["real"]).run()
    nodes = frames(at)[0]
    others = nodes[nodes["id"] != AGENT_CONTEXT]
    assert len(others) and set(others["origin"]) == {"real"} and set(others["kind"]) == {"dataset"}
    assert "hidden by the filters" in texts(at)


def test_explore_column_toggle_shows_column_lineage(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=AGENT_CONTEXT)
    at.toggle(key="explore-columns").set_value(True).run()
    assert not at.exception
    cll = frames(at)[0]
    assert any("Email" in s for s in cll["sources"]) and "(columns)" in texts(at)


def test_node_detail_lists_a_process_runs_newest_first(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    process = "process:airflow-prod:support_analytics.summarize_tickets"  # failed on a 429, then completed
    at = run(samples_db, monkeypatch, "node", node=process)
    runs = next(t for t in frames(at) if "duration (s)" in t.columns)
    assert list(runs["state"]) == ["COMPLETE", "FAIL"]
    assert list(runs["run id"]) == [r.run_id for r in open_store(samples_db).runs_of(process)]
    assert "429 Too Many Requests" in runs["error"].iloc[1] and runs["error"].iloc[0] == ""
    facets = next(t for t in frames(at) if "facet" in t.columns)
    assert set(facets["facet"]) == {"jobType", "parent"}
    assert set(facets["value"]) == {"read into the attributes"}
    assert "run 7008fa51" in texts(at)  # the latest event: the completed run
    dataset = run(samples_db, monkeypatch, "node", node=AGENT_CONTEXT)
    assert not any("duration (s)" in t.columns for t in frames(dataset))
    assert "No OpenLineage event sent facets about this node." in texts(dataset)


def test_node_detail_shows_a_dataset_facets_from_the_latest_event_naming_it(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "node", node="dataset:snowflake://acme-prod:ANALYTICS.MARTS.TICKET_SUMMARIES")
    facets = next(t for t in frames(at) if "facet" in t.columns)
    assert list(zip(facets["where"], facets["facet"], facets["value"], strict=True)) == [
        ("facets", "schema", "read into the attributes")]
    assert r"job support\_analytics\.summarize\_tickets, run 7008fa51" in texts(at)


def test_node_detail_shows_schema_evidence_and_walks(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    contacts = "dataset:https://acme.my.salesforce.com:services/data/v61.0/sobjects/Contact"
    at = run(samples_db, monkeypatch, "node", node=contacts)
    shown = texts(at)
    assert "services/data/v61.0/sobjects/Contact" in shown.replace("\\", "")
    tables = frames(at)
    attributes = dict(zip(tables[0]["attribute"], tables[0]["value"], strict=True))
    assert attributes["role"] == "store" and "pii.email" in attributes["classifications"]
    assert {"Id", "Name", "Email", "Phone"} == set(tables[1]["column"])
    evidence = next(t for t in tables if "collector" in t.columns)
    assert any(s.endswith("mcp_agent/pipeline.yaml") for s in evidence["source"])
    assert set(evidence["layer"]) >= {"declared"}
    downstream = next(t for t in tables if "distance" in t.columns and "triage-agent.sessions" in " ".join(t["id"]))
    assert AGENT_CONTEXT in set(downstream["id"])
    assert any(b.label == "Download downstream as CSV" for b in at.get("download_button"))


def test_collectors_lists_runs_and_problems(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "collectors")
    runs, problems = frames(at)
    assert list(runs["status"]) == [r.status for r in open_store(samples_db).runs()]
    assert any("query_log.jsonl" in s for s in problems["source"])
    assert set(problems["severity"]) <= {"warning", "error"}


def test_identities_compare_grants_with_use(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "identities")
    ids = frames(at)[0]
    assert "identity:agents:eng-triage-agent" in set(ids["id"])
    row = list(ids["id"]).index("identity:agents:eng-triage-agent")
    at.session_state["id-table"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    access = frames(at)[1]
    repo = access[access["node"] == "dataset:https://github.com:acme/platform"].iloc[0]
    assert repo["granted"] == "read/write" and repo["observed use"] == "read" and repo["unused grants"] == "write"
    assert "Trifecta capabilities" in texts(at)


def select_identity(at: AppTest, identity: str) -> None:
    at.session_state["id-table"] = {"selection": {"rows": [list(frames(at)[0]["id"]).index(identity)], "columns": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_identities_show_each_trifecta_with_its_identity(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = load_graph(open_store(samples_db))
    trifectas = [f for f in evaluate(graph) if f.rule_id == TRIFECTA_RULE_ID]
    assert len(trifectas) == 8  # the sample pipelines' agents and MCP clients
    at = run(samples_db, monkeypatch, "identities")
    for finding in trifectas:
        identity = finding.nodes[0]
        select_identity(at, identity)
        shown_findings = [as_read(e.value) for e in at.warning if as_read(e.value).startswith("Lethal trifecta")]
        assert len(shown_findings) == 1 and not at.error, (identity, shown_findings)
        name = graph.node(identity)["name"]
        assert name in shown_findings[0], (name, shown_findings[0])  # the page escapes Markdown
        shown = as_read(texts(at))
        assert "What breaks it:** Break one leg" in shown and ("every leg" in shown or "a single point" in shown)
        assert not at.success
    quiet = next(i for i in frames(at)[0]["id"] if i not in {f.nodes[0] for f in trifectas})
    select_identity(at, quiet)
    assert not [w for w in at.warning if as_read(w.value).startswith("Lethal trifecta")]
    assert "No trifecta finding for this identity." in [s.value for s in at.success]


def test_history_diffs_the_first_run_against_now(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "history")
    stats = load_graph(open_store(samples_db)).stats()
    assert f"Datasets {stats['by_kind']['dataset']}" in texts(at)
    at.text_input(key="h-before-typed").input("2000-01-01T00:00:00Z").run()
    diff = frames(at)[0]
    assert (diff["change"] == "node added").sum() == stats["nodes"]
    assert (diff["change"] == "flow added").sum() == stats["edges"]


def test_findings_page_lists_every_open_finding_and_filters_by_rule(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = evaluate(load_graph(open_store(samples_db)))
    at = run(samples_db, monkeypatch, "findings")
    listed = frames(at)[0]
    assert sorted(listed["fingerprint"]) == sorted(f.fingerprint for f in expected if f.is_open)
    assert f"{len(listed)} of {len(expected)} findings." in texts(at)
    at.multiselect(key="fi-rule").set_value([TRIFECTA_RULE_ID]).run()
    trifectas = frames(at)[0]
    assert set(trifectas["rule"]) == {TRIFECTA_RULE_ID}
    assert len(trifectas) == sum(1 for f in expected if f.rule_id == TRIFECTA_RULE_ID) == 8
    at.session_state["fi-table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert "Break one leg by removing or restricting every source of it" in texts(at)


def test_findings_follow_the_project_policy_as_lineage_check_does(
        samples_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule the project file disables is not listed, as `lineage check` leaves it out."""
    db = tmp_path / "copy.duckdb"  # a store of its own: the page's cached findings are keyed by the store
    shutil.copy(samples_db, db)
    (tmp_path / "lineage.yaml").write_text(f"policy:\n  disable: [{TRIFECTA_RULE_ID}]\n")
    monkeypatch.chdir(tmp_path)
    at = run(str(db), monkeypatch, "findings")
    listed = frames(at)[0]
    assert len(listed) > 0 and TRIFECTA_RULE_ID not in set(listed["rule"])


def test_hostile_names_are_shown_as_text(hostile_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    node = f"dataset:postgres://db:5432:{HOSTILE}"
    at = run(hostile_db, monkeypatch, "node", node=node)
    assert HOSTILE in set(frames(at)[0]["value"])  # tables show the name as it is, as text
    for md in [*at.markdown, *at.caption, *at.subheader]:  # Markdown gets every < escaped, never a tag
        assert not re.search(r"(?<!\\)<", md.value), md.value
    explore = run(hostile_db, monkeypatch, "explore", node=node)
    assert not explore.exception


def test_a_missing_store_is_an_empty_map_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(str(tmp_path / "new.duckdb"), monkeypatch)
    assert "The store is empty" in texts(at)


def test_a_review_on_the_findings_page_is_recorded_with_reviewer_reason_and_expiry(
        samples_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_copy, monkeypatch, "findings")
    listed = frames(at)[0]
    assert len(listed) and set(listed["status"]) == {"open"}
    fingerprint = listed["fingerprint"].iloc[0]
    at.session_state["fi-table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    at.radio[0].set_value("accepted_risk")
    at.text_input(key="fi-reviewer").input("sec-lead@acme.com")
    at.text_area(key="fi-reason").input("vendor DPA signed; revisit next quarter")
    next(b for b in at.button if b.label == "Record the decision").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    reviews = [r for r in open_store(samples_copy).review_history(fingerprint)]
    assert len(reviews) == 1
    review = reviews[0]
    assert review.status == "accepted_risk" and review.reviewer == "sec-lead@acme.com"
    assert review.reason.startswith("vendor DPA") and review.expires_at is not None


def record(at: AppTest, reviewer: str, reason: str) -> None:
    at.radio[0].set_value("accepted_risk")
    at.text_input(key="fi-reviewer").input(reviewer)
    at.text_area(key="fi-reason").input(reason)
    next(b for b in at.button if b.label == "Record the decision").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_a_decided_finding_stays_selected_with_a_confirmation(
        samples_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Recording a decision takes the finding out of the "open" filter, yet the page stays on it and
    says the decision was recorded; a second decision lands on the same finding."""
    at = run(samples_copy, monkeypatch, "findings")
    listed = frames(at)[0]
    row = 1  # not the first row: a jump to row 0 would show
    fingerprint, message = listed["fingerprint"].iloc[row], listed["message"].iloc[row]
    assert list(listed["message"]).count(message) == 1
    at.session_state["fi-table"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert message in [as_read(t.value) for t in at.text]
    record(at, "sec-lead@acme.com", "vendor DPA signed")
    assert [s.value for s in at.success] == ["Decision recorded."]
    assert message in [as_read(t.value) for t in at.text], "the decided finding is still the one shown"
    assert f"fingerprint {fingerprint}" in as_read(texts(at))
    after = frames(at)[0]
    assert after["fingerprint"].iloc[row] == fingerprint and after["status"].iloc[row] == "accepted_risk"
    record(at, "sec-lead@acme.com", "and again")
    store = open_store(samples_copy)
    assert [r.reason for r in store.review_history(fingerprint)] in (["vendor DPA signed", "and again"],
                                                                       ["and again", "vendor DPA signed"])
    others = [f for f in listed["fingerprint"] if f != fingerprint]
    assert not any(store.review_history(f) for f in others)
    at.session_state["fi-table"] = {"selection": {"rows": [0], "columns": []}}  # the user moves on
    at.run()
    assert not at.success and listed["message"].iloc[0] in [as_read(t.value) for t in at.text]


@pytest.mark.parametrize("node", ["[Click here to re-authenticate](http://evil.example/login)", "ns:a :snowflake: b",
                                  "see http://evil.example/login or www.evil.example or a@evil.example"])
def test_a_node_named_in_the_url_is_shown_as_text(samples_db: str, monkeypatch: pytest.MonkeyPatch,
                                                   node: str) -> None:
    """The message about a node that is not there shows its name as text: no link, no emoji, no
    autolink, isolated from the words around it."""
    at = run(samples_db, monkeypatch, "node", node=node)
    [error] = [e.value for e in at.error]
    assert "NodeNotFound" in error
    assert not re.search(r"(?<!\\)[\[\]]", error), error  # no link syntax
    for live in ("http://", "www.", ":snowflake:", "@evil", "\u202e"):
        assert live not in error, (live, error)
    assert "\u2068" in error and "\u2069" in error
    shown = as_read(error)
    assert node in shown


def test_a_right_to_left_override_in_a_name_is_shown_not_obeyed() -> None:
    from app.components.ui import esc, plain

    for shown in (esc("report\u202eslx.exe"), plain("report\u202eslx.exe")):
        assert "\u202e" not in shown and as_read(shown) == "report[U+202E]slx.exe"
        assert shown.startswith("\u2068") and shown.endswith("\u2069")


def test_history_shows_no_change_after_the_only_run(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the end of the store's only run to now nothing changed, facts of its last second included."""
    at = run(samples_db, monkeypatch, "history")
    [end] = [r.finished_at for r in open_store(samples_db).runs()]
    assert not frames(at) and "Nothing changed between these two times." in texts(at)
    assert at.selectbox(key="h-before").value == end.isoformat()


def test_a_node_named_in_the_url_is_listed_without_obeying_its_bidi_controls(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "node", node="report\u202eslx.exe")
    [option] = at.selectbox(key="detail-pick").options
    assert "\u202e" not in option and as_read(option) == "report[U+202E]slx.exe"
