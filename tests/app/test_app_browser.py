"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): every page renders
without errors and offline, a click on a node in Explore shows its detail and opens its page in
place, and hostile names run no script anywhere."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.app.conftest import AGENT_CONTEXT, ARTIFACTS, HOSTILE, HOSTILE_SCRIPT, RunningApp, start_app, stop_app
from tests.browser import CHROMIUM, CHROMIUM_ARGS

PAGES = {"overview": "", "explore": f"explore?node={quote(AGENT_CONTEXT)}", "node": f"node?node={quote(AGENT_CONTEXT)}",
         "findings": "findings", "identities": "identities", "history": "history", "collectors": "collectors"}
ERROR_MARKERS = ("Traceback", "Exception", "Error:", "Page not found")

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/system-deps.sh"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    pg.outside = []  # requests that left the machine
    pg.dialogs = []
    pg.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
          else pg.outside.append(r.url))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def settle(pg: Any, *, graph: bool = False) -> None:
    """Wait until the script has run (a title is shown and nothing is running), and the graph is drawn."""
    pg.wait_for_selector("h1", timeout=180_000)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=180_000)
    if graph:
        pg.locator(".lineage-graph[data-drawn='1']").first.wait_for(state="attached", timeout=120_000)


def page_errors(pg: Any) -> list[str]:
    found = pg.locator("[data-testid='stException'], [data-testid='stAlertContentError']").all_inner_texts()
    text = pg.locator("[data-testid='stMain']").inner_text()
    return found + [m for m in ERROR_MARKERS if m in text]


def main_text(pg: Any, awaited: str) -> str:
    """The page's text once it shows `awaited` (the title shows before what the page reads from the
    store: wait for it, generously), or as it is after the deadline."""
    main = "[data-testid='stMain']"
    with contextlib.suppress(Exception):
        pg.wait_for_function("([sel, text]) => document.querySelector(sel).innerText.includes(text)",
                             arg=[main, awaited], timeout=180_000)
    return str(pg.locator(main).inner_text())


def graph_frame(pg: Any) -> Any:
    """Where the graph is: the page itself (the component is drawn in the page, not in an iframe),
    once the graph is there."""
    pg.wait_for_function("() => !!window.lineageNetwork", timeout=120_000)
    assert pg.locator("iframe").count() == 0, "the graph is drawn in the page, with no iframe"
    return pg


def node_point(frame: Any, node_id: str, *, centred: bool = False) -> tuple[float, float]:
    """Where a node of the drawn graph is on the page; with `centred`, once the view is focused on
    it at scale 1 (and the graph scrolled into view)."""
    graph = frame.locator(".lineage-graph .graph").last
    graph.scroll_into_view_if_needed()
    x, y = frame.evaluate("""([id, centred]) => { const n = window.lineageNetwork;
        if (centred) n.focus(id, {scale: 1, animation: false});
        const p = n.canvasToDOM(n.getPosition(id)); return [p.x, p.y]; }""", [node_id, centred])
    box = graph.bounding_box()
    return box["x"] + x, box["y"] + y


def test_every_page_renders_offline_without_errors(running_app: RunningApp, page: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        page.goto(f"{running_app.url}/{path}")
        settle(page, graph=name in ("overview", "explore"))
        assert page_errors(page) == [], name
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.outside == [], "the dashboard fetched something from outside the machine"
    assert page.dialogs == []


def test_clicking_a_node_in_explore_shows_its_detail_and_opens_its_page_in_place(running_app: RunningApp,
                                                                                 page: Any) -> None:
    page.goto(f"{running_app.url}/{PAGES['explore']}")
    settle(page, graph=True)
    frame = graph_frame(page)
    target = "process:https://api.anthropic.com:workspaces/triage-agent/v1/messages"
    page.mouse.click(*node_point(frame, target))
    panel = frame.locator("#panel")
    panel.wait_for(state="visible", timeout=60_000)
    assert "v1/messages" in panel.inner_text() and "third party: yes" in panel.inner_text()
    page.evaluate("() => { window.sameDocument = 1; }")
    frame.locator("#panel-page").click()
    page.wait_for_url("**/node?node=*", timeout=60_000)
    settle(page)
    assert "v1/messages" in main_text(page, "v1/messages")
    assert page.evaluate("() => window.sameDocument") == 1, "in place: the page was not loaded again"
    assert page_errors(page) == []
    page.screenshot(path=str(ARTIFACTS / "clicked-node-detail.png"), full_page=True)


def test_hostile_names_run_no_script(hostile_db: str, browser: Any, page: Any,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    app = start_app(hostile_db, tmp_path_factory.mktemp("hostile-app") / "app.log")
    try:
        node = f"dataset:postgres://db:5432:{HOSTILE}"
        for path in (f"explore?node={quote(node)}", f"node?node={quote(node)}", "", "identities", "history"):
            page.goto(f"{app.url}/{path}")
            settle(page, graph=path.startswith("explore") or path == "")
            if path.startswith("explore"):
                frame = graph_frame(page)
                for target in frame.evaluate("() => window.lineageNetwork.body.nodeIndices"):
                    point = node_point(frame, target)
                    page.mouse.move(*point)  # the tooltip
                    page.wait_for_timeout(400)
                    page.mouse.click(*point)  # the detail panel
                    page.wait_for_timeout(200)
                panel = frame.locator("#panel-body").inner_text()
                assert "<" in panel, "names are shown as text, with their angle brackets"
                assert frame.locator(".lineage-graph img, .lineage-graph svg, .lineage-graph b").count() == 0
            if path.startswith("node"):
                assert HOSTILE in main_text(page, HOSTILE), "shown as text"
            flags = [f.evaluate("() => window.__pwned") for f in page.frames]
            assert flags == [None] * len(flags)
            assert page.dialogs == [], page.dialogs
        page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
        assert HOSTILE_SCRIPT  # the store also holds a name that closes a script block
    finally:
        stop_app(app.process)


def test_a_process_page_lists_its_runs(samples_db: str, running_app: RunningApp, page: Any) -> None:
    from lineage.store import open_store

    process = "process:airflow-prod:support_analytics.summarize_tickets"  # failed on a 429, then completed
    runs = open_store(samples_db).runs_of(process)
    assert [r.state for r in runs] == ["COMPLETE", "FAIL"] and "429" in (runs[1].error or "")
    page.goto(f"{running_app.url}/node?node={quote(process)}")
    settle(page)
    main_text(page, "summarize_tickets")
    tab = page.get_by_role("tab", name="Runs")
    deadline = time.monotonic() + 180
    while tab.get_attribute("aria-selected") != "true" and time.monotonic() < deadline:
        tab.click()  # a click while the page still reruns can be undone by the rerun: click until it holds
        page.wait_for_timeout(500)
    text = main_text(page, "newest first")
    assert "No runs reported" not in text
    runs_table = page.locator("[role='tabpanel']:visible [data-testid='stDataFrame']")
    runs_table.first.wait_for(state="visible", timeout=180_000)  # the runs, as a table (its content: AppTest)
    runs_table.nth(1).wait_for(state="visible", timeout=180_000)  # then the latest event's facets
    assert runs_table.count() == 2
    assert page_errors(page) == []
    page.screenshot(path=str(ARTIFACTS / "node-runs.png"), full_page=True)


def test_groups_are_drawn_as_the_legend_says_and_keep_third_party_borders(
        samples_db: str, running_app: RunningApp, page: Any) -> None:
    """A group on the data map is a white box with a dotted border, red when its members are third
    parties, as drawn by vis-network (not its default blue of a style group)."""
    from lineage.store import open_store

    third = {str(a["namespace"]) for a in open_store(samples_db).current_nodes(kind="process", flag="third_party")}
    page.goto(running_app.url)
    settle(page, graph=True)
    frame = graph_frame(page)
    drawn = frame.evaluate("""() => { const n = window.lineageNetwork;
        return n.body.data.nodes.getIds().filter(id => n.body.data.nodes.get(id).kind === "group").map(id => {
            const o = n.body.nodes[id].options;
            return {id: id, background: o.color.background, border: o.color.border,
                    dashes: o.shapeProperties.borderDashes, group: o.group}; }); }""")
    assert drawn, "the data map of the samples groups some nodes"
    third_party_groups = [g for g in drawn if g["id"].split(":process:")[0].removeprefix("group:") in third]
    assert third_party_groups, drawn
    for group in drawn:
        assert group["background"] == "#ffffff" and group["dashes"], group
        assert group["group"] in (None, ""), group
    for group in third_party_groups:
        assert group["border"] == "#c1121f", group
    page.screenshot(path=str(ARTIFACTS / "overview-groups.png"), full_page=True)
