"""The Third parties page, run with Streamlit's AppTest against a store filled from the sample pipelines."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from lineage.graph import load_graph
from lineage.paths import paths_from_sources, sources
from lineage.store import open_store
from lineage.tagging import propagate
from lineage.vendors import endpoints, markdown
from tests.app.conftest import HOSTILE
from tests.app.test_app_pages import ENTRY, as_read, frames, texts

OPENAI_CHAT = "process:https://api.openai.com:v1/chat/completions"


def third_parties(db: str, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    """The page, opened as a reader does: the app first, then the page (its URL is `/third-parties`)."""
    monkeypatch.setenv("LINEAGE_DB", db)
    at = AppTest.from_file(ENTRY, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("views/third_parties.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def select(at: AppTest, key: str, row: int) -> None:
    at.session_state[key] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_every_vendor_of_a_third_party_processor_has_one_row(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = load_graph(open_store(samples_db))
    expected = {a.get("vendor") or a["namespace"] for a in graph.nodes("process") if a.get("third_party")}
    at = third_parties(samples_db, monkeypatch)
    vendors = frames(at)[0]
    assert sorted(vendors["vendor"]) == sorted(expected) and len(expected) > 5
    openai = vendors[vendors["vendor"] == "OpenAI"].iloc[0]
    assert openai["endpoints"] == 4 and openai["approved"] == "partly"  # fine-tuning and rag_code's chat are not
    assert openai["real sensitive data"] == "yes" and "pii.email" in openai["sensitive classes"]
    assert openai["retention"] == "30d, indefinite" and openai["regions"] == "us"
    assert f"{len(expected)} vendors, 60 endpoints." in texts(at)

    for vendor, count in zip(vendors["vendor"], vendors["source datasets"], strict=True):  # cycles included
        upstream = {n for a in graph.nodes("process") if a.get("third_party")
                    and (a.get("vendor") or a["namespace"]) == vendor for n in sources(graph, a["id"])}
        assert count == len(upstream), vendor


def test_vendors_receiving_real_sensitive_data_come_first(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    vendors = frames(third_parties(samples_db, monkeypatch))[0]
    flags = list(vendors["real sensitive data"])
    assert flags == sorted(flags, key=lambda f: f != "yes") and "no" in flags


def test_the_real_sensitive_toggle_keeps_only_endpoints_receiving_real_sensitive_data(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = third_parties(samples_db, monkeypatch)
    at.toggle(key="tp-real").set_value(True).run()
    vendors = frames(at)[0]
    assert set(vendors["real sensitive data"]) == {"yes"}
    assert not {"Linear", "Sentry", "browser automation"} & set(vendors["vendor"])
    assert set(vendors["origins"]) <= {"real", "mixed", "mixed, real"}
    assert at.query_params["real"] == "1"


def test_a_selected_vendor_shows_its_endpoints_and_every_path_to_them(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = load_graph(open_store(samples_db))
    at = third_parties(samples_db, monkeypatch)
    select(at, "tp-vendors-False", list(frames(at)[0]["vendor"]).index("OpenAI"))
    endpoints_, paths = frames(at)[1], frames(at)[2]
    assert set(endpoints_["endpoint"]) == {OPENAI_CHAT, "process:https://api.openai.com:v1/embeddings",
                                          "process:https://api.openai.com:v1/fine_tuning/jobs",
                                          "process:https://api.openai.com:apps/support-rag/v1/chat/completions"}
    assert len(paths) == endpoints_["paths"].sum() > 0  # the counts and the listed paths agree
    for endpoint, count in zip(endpoints_["endpoint"], endpoints_["source datasets"], strict=True):
        assert count == len(sources(graph, endpoint)) > 0
    for endpoint, listed in zip(paths["endpoint"], paths["path"], strict=True):
        nodes = listed.split(" → ")
        assert nodes[-1] == endpoint and tuple(nodes) in paths_from_sources(graph, endpoint).paths
    assert as_read(at.subheader[0].value) == "OpenAI" and at.query_params["vendor"] == "OpenAI"
    assert {b.label for b in at.get("download_button")} >= {"Download the endpoints as CSV", "Download as Markdown",
                                                           "Download the paths as CSV"}


def test_a_selected_endpoint_narrows_the_paths_to_it(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = third_parties(samples_db, monkeypatch, vendor="OpenAI")  # a vendor named in the URL is shown
    everything = frames(at)[2]
    select(at, "tp-endpoints-OpenAI-False", list(frames(at)[1]["endpoint"]).index(OPENAI_CHAT))
    paths = frames(at)[2]
    assert set(paths["endpoint"]) == {OPENAI_CHAT} and len(paths) < len(everything)
    assert set(paths["source origin"]) == {"real"}
    assert re.search(r"\b1 path to 1 endpoint\b", as_read(texts(at)))


def test_the_markdown_report_shows_hostile_vendor_names_as_text(hostile_db: str) -> None:
    graph = load_graph(open_store(hostile_db))
    report = markdown(endpoints(graph, propagate(graph)))
    assert "<img" not in report and "&lt;img src=x onerror=alert\\(1\\)&gt;" in report
    assert "<b " not in report


def test_hostile_vendor_names_are_shown_as_text_on_the_page(hostile_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = third_parties(hostile_db, monkeypatch, vendor=HOSTILE)
    assert HOSTILE in set(frames(at)[0]["vendor"])
    for md in [*at.markdown, *at.caption, *at.subheader]:
        assert not re.search(r"(?<!\\)<", md.value), md.value
    assert as_read(at.subheader[0].value) == HOSTILE


def test_clearing_the_vendor_selection_hides_its_endpoints(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = third_parties(samples_db, monkeypatch)
    select(at, "tp-vendors-False", list(frames(at)[0]["vendor"]).index("OpenAI"))
    assert len(frames(at)) == 3 and at.query_params["vendor"] == "OpenAI"
    at.session_state["tp-vendors-False"] = {"selection": {"rows": [], "columns": []}}
    at.run()
    assert len(frames(at)) == 1 and not at.subheader and "vendor" not in at.query_params
