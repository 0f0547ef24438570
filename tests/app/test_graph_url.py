"""Explore's view (node, depth, direction, toggles) is kept in the URL, so a link reproduces it, and
a click on a node in the graph offers to focus the graph there with the same view."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest

from lineage import focused
from lineage.store import open_store
from tests.app.conftest import RunningApp
from tests.app.test_app_browser import browser, graph_frame, node_point, page, page_errors, settle  # noqa: F401
from tests.app.test_app_pages import run
from tests.app.test_graph_explore import ASSISTANT_API, RAG_RESPONSES, drawn

ANTHROPIC = "process:https://api.anthropic.com:workspaces/assistant-prod/v1/messages"


def test_a_link_with_the_view_in_its_query_opens_that_view(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES, depth="9", direction="upstream",
             grants="true", identities="false")
    assert at.slider(key="explore-depth").value == 9
    assert at.radio(key="explore-direction").value == "upstream"
    assert at.toggle(key="explore-grants").value is True and at.toggle(key="explore-identities").value is False
    assert set(at.dataframe[0].value["side"]) == {"focus", "upstream"}
    assert any(e.get("grants") for e in drawn(at)["edges"])


def test_a_value_a_widget_does_not_take_is_ignored(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES, depth="99", direction="<sideways>",
             grants="maybe")
    assert at.slider(key="explore-depth").value == 2
    assert at.radio(key="explore-direction").value == "both"
    assert at.toggle(key="explore-grants").value is False


def test_changing_the_view_writes_it_to_the_url(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES)
    at.slider(key="explore-depth").set_value(5).run()
    at.toggle(key="explore-grants").set_value(True).run()
    at.radio(key="explore-direction").set_value("downstream").run()
    query = dict(at.query_params)
    assert query["node"] == RAG_RESPONSES and query["depth"] == "5"
    assert query["grants"] == "true" and query["direction"] == "downstream"


def test_focusing_the_graph_on_a_clicked_node_redraws_it_in_place_with_the_same_view(
        running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}&depth=3&grants=true")
    settle(page, graph=True)
    frame = graph_frame(page)
    page.mouse.click(*node_point(frame, ANTHROPIC, centred=True))
    frame.locator("#panel").wait_for(state="visible", timeout=60_000)
    page.evaluate("() => { window.sameDocument = 1; }")
    frame.locator("#panel-focus").click()
    page.wait_for_function("(id) => new URL(location.href).searchParams.get('node') === id", arg=ANTHROPIC,
                           timeout=60_000)
    page.wait_for_function("(id) => window.lineageFocus === id && window.lineageNetwork.body.data.nodes.get(id)",
                           arg=ANTHROPIC, timeout=180_000)
    assert page.evaluate("() => window.sameDocument") == 1, "in place: the page was not loaded again"
    assert ASSISTANT_API in page.evaluate("() => window.lineageNetwork.body.data.nodes.getIds()")
    query = parse_qs(urlparse(page.url).query)
    assert query["depth"] == ["3"] and query["grants"] == ["true"]
    settle(page)
    assert page_errors(page) == []


def test_a_double_click_on_a_node_focuses_the_graph_there(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}")
    settle(page, graph=True)
    frame = graph_frame(page)
    page.evaluate("() => { window.sameDocument = 1; }")
    page.mouse.dblclick(*node_point(frame, ANTHROPIC, centred=True))
    page.wait_for_function("(id) => window.lineageFocus === id", arg=ANTHROPIC, timeout=180_000)
    assert parse_qs(urlparse(page.url).query)["node"] == [ANTHROPIC]
    assert page.evaluate("() => window.sameDocument") == 1


def test_the_filters_are_kept_in_the_url_too(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES, depth="9", origin="real")
    assert at.multiselect(key="f-origin").value == ["real"]
    assert set(at.dataframe[0].value["origin"]) <= {"real", ""}, "only real datasets (and non-datasets) are shown"
    at.multiselect(key="f-kind").set_value(["dataset", "process"]).run()
    query = dict(at.query_params)
    assert query["kind"] == ["dataset", "process"] and query["origin"] in ("real", ["real"])
    assert set(at.dataframe[0].value["kind"]) <= {"dataset", "process"}
    at.multiselect(key="f-origin").set_value([]).run()
    assert "origin" not in at.query_params, "an empty filter is left out"


def test_one_level_more_upstream_of_a_node_is_added_in_place(samples_db: str, running_app: RunningApp,
                                                               page: Any) -> None:  # noqa: F811
    inputs, _ = focused.walk(open_store(samples_db), ANTHROPIC, upstream=True, depth=1)
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}&depth=1&direction=upstream")
    settle(page, graph=True)
    frame = graph_frame(page)
    before = set(frame.evaluate("() => window.lineageNetwork.body.data.nodes.getIds()"))
    assert ANTHROPIC in before and set(inputs) - before, before
    page.mouse.click(*node_point(frame, ANTHROPIC, centred=True))
    button = frame.locator("#panel-upstream")
    button.wait_for(state="visible", timeout=60_000)
    page.evaluate("() => { window.sameDocument = 1; }")
    button.click()
    page.wait_for_function("(id) => new URL(location.href).searchParams.getAll('up').includes(id)", arg=ANTHROPIC,
                           timeout=60_000)
    page.wait_for_function("(n) => window.lineageNetwork.body.data.nodes.getIds().length > n", arg=len(before),
                           timeout=180_000)
    after = set(frame.evaluate("() => window.lineageNetwork.body.data.nodes.getIds()"))
    assert before < after and set(inputs) <= after, "the nodes shown before are still there, with its inputs"
    assert page.evaluate("() => window.lineageFocus") == RAG_RESPONSES, "the focus stays"
    drawn = frame.evaluate("() => Object.fromEntries(window.lineageNetwork.body.data.nodes.get()"
                           ".map(n => [n.id, [n.level, n.kind]]))")
    added = [n for n in after - before if drawn[n][1] != "identity"]  # an identity sits by what it runs
    assert added and all(drawn[n][0] < drawn[ANTHROPIC][0] for n in added), drawn
    assert page.evaluate("() => window.sameDocument") == 1
    settle(page)
    assert page_errors(page) == []


def test_a_link_with_expansions_in_its_query_opens_them(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    plain_view = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES, depth="1", direction="upstream")
    expanded = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES, depth="1", direction="upstream",
                   up=ANTHROPIC)
    before = set(plain_view.dataframe[0].value["id"])
    after = set(expanded.dataframe[0].value["id"])
    inputs, _ = focused.walk(open_store(samples_db), ANTHROPIC, upstream=True, depth=1)
    assert before < after and set(inputs) <= after and set(inputs) - before, (before, after)
