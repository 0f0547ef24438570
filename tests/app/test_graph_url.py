"""Explore's view (node, depth, direction, toggles) is kept in the URL, so a link reproduces it, and
a click on a node in the graph offers to focus the graph there with the same view."""

from __future__ import annotations

import contextlib
import time
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest

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


def test_a_click_offers_to_focus_the_graph_there_with_the_same_view(running_app: RunningApp,
                                                                     page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}&depth=3&grants=true")
    settle(page, graph=True)
    frame = graph_frame(page)
    page.mouse.click(*node_point(frame, ANTHROPIC, centred=True))
    frame.locator("#panel").wait_for(state="visible", timeout=60_000)
    href = frame.locator("#panel-focus").get_attribute("href")
    query = parse_qs(urlparse(href).query)
    assert query["node"] == [ANTHROPIC] and query["depth"] == ["3"] and query["grants"] == ["true"]
    assert urlparse(href).path.endswith("/explore")
    page.evaluate("() => { window.sameDocument = 1; }")
    frame.locator("#panel-focus").click()
    page.wait_for_function("(id) => new URL(location.href).searchParams.get('node') === id", arg=ANTHROPIC,
                           timeout=60_000)
    refocused = None
    deadline = time.monotonic() + 180
    while refocused is None and time.monotonic() < deadline:
        for f in page.frames:
            with contextlib.suppress(Exception):  # a frame being replaced
                if f != page.main_frame and f.evaluate("() => window.lineageFocus") == ANTHROPIC:
                    refocused = f
        page.wait_for_timeout(300)
    assert refocused is not None, "the graph is drawn again around the node clicked"
    assert page.evaluate("() => window.sameDocument") == 1, "in place: the page was not loaded again"
    assert ASSISTANT_API in refocused.evaluate("() => window.lineageNetwork.body.data.nodes.getIds()")
    query = parse_qs(urlparse(page.url).query)
    assert query["depth"] == ["3"] and query["grants"] == ["true"]
    settle(page)
    assert page_errors(page) == []


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


def test_one_level_further_is_shown_in_place(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}")
    settle(page, graph=True)
    frame = graph_frame(page)
    before = frame.evaluate("() => window.lineageNetwork.body.nodeIndices.length")
    page.mouse.click(*node_point(frame, RAG_RESPONSES))
    further = frame.locator("#panel-further")
    further.wait_for(state="visible", timeout=60_000)
    assert "depth 3" in further.inner_text()
    page.evaluate("() => { window.sameDocument = 1; }")
    further.click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('depth') === '3'", timeout=60_000)
    deadline = time.monotonic() + 180
    after = before
    while after <= before and time.monotonic() < deadline:
        for f in page.frames:
            with contextlib.suppress(Exception):  # a frame being replaced
                if f != page.main_frame and f.evaluate("() => !!window.lineageNetwork"):
                    after = max(after, f.evaluate("() => window.lineageNetwork.body.nodeIndices.length"))
        page.wait_for_timeout(300)
    assert after > before, "the graph is drawn again one level deeper"
    assert page.evaluate("() => window.sameDocument") == 1
    settle(page)
    assert page_errors(page) == []
