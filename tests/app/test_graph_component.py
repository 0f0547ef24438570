"""The graph component in a real headless Chromium (Debian's, driven by Playwright): drawn in the
page with no iframe and nothing fetched, a row of "Nodes in view" picks its node out in the graph
and a node clicked in the graph selects its row, a group opens in place, and hostile names (HTML,
a script, a right-to-left override, Markdown) are shown as the text they are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from benchmarks.dashboard_tasks import click_row
from lineage.models import Dataset, Edge, EdgeKind, Evidence, Layer, LineageBatch, Process, RawInput
from lineage.store import open_store
from tests.app.conftest import ARTIFACTS, RunningApp, start_app, stop_app
from tests.app.test_app_browser import browser, graph_frame, main_text, node_point, page, page_errors, settle  # noqa: F401
from tests.app.test_graph_explore import RAG_RESPONSES

ANTHROPIC = "process:https://api.anthropic.com:workspaces/assistant-prod/v1/messages"
RTL = "report\u202eslx.exe"
MARKDOWN = "[Click here](http://evil.example/login) :snowflake: **bold**"
SCRIPT = "<script>window.__pwned=1</script>"


def test_the_graph_is_drawn_in_the_page_with_nothing_fetched(running_app: RunningApp,
                                                             page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}")
    settle(page, graph=True)
    assert page.locator("iframe").count() == 0
    assert page.locator(".lineage-graph canvas").count() == 1
    assert page.evaluate("() => typeof window.vis.Network") == "function", "vis-network, from the pyvis package"
    assert page.outside == [] and page.dialogs == []
    assert page_errors(page) == []


def test_a_row_of_the_table_picks_its_node_out_in_the_graph(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}")
    settle(page, graph=True)
    main_text(page, "Nodes in view")
    table = page.locator("[data-testid='stDataFrame']").first
    table.locator("[role='row']").filter(has_text="v1/messages").first.wait_for(state="attached", timeout=60_000)
    page.evaluate("() => { window.sameDocument = 1; }")
    click_row(page, 0, "v1/messages")
    page.wait_for_function("(id) => Array.isArray(window.lineageChain) && window.lineageChain.includes(id)"
                           " && document.querySelector('[data-testid=stMain]').innerText.includes('v1/messages')",
                           arg=ANTHROPIC, timeout=120_000)
    selected = page.locator(".lineage-graph").first.get_attribute("data-selected")
    assert selected == ANTHROPIC
    assert page.evaluate("() => window.lineageNetwork.getSelectedNodes()") == [ANTHROPIC]
    assert page.locator("#panel").first.is_visible(), "its panel is open, with what to do next"
    assert page.evaluate("() => window.sameDocument") == 1


def test_a_node_clicked_in_the_graph_selects_its_row(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}")
    settle(page, graph=True)
    frame = graph_frame(page)
    page.mouse.click(*node_point(frame, ANTHROPIC, centred=True))
    page.wait_for_function("(id) => document.querySelector('[data-testid=stMain]').innerText"
                           ".replace(/[\\u2060\\u2068\\u2069]/g, '').includes('Selected: ' + id)",
                           arg=ANTHROPIC, timeout=120_000)
    row = page.locator("[data-testid='stDataFrame']").first.locator("[role='row'][aria-selected='true']")
    row.first.wait_for(state="attached", timeout=60_000)
    assert row.count() == 1 and "v1/messages" in row.first.inner_text()
    assert page_errors(page) == []
    page.screenshot(path=str(ARTIFACTS / "graph-selected-row.png"))


def test_a_group_on_the_data_map_opens_in_place(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(running_app.url)
    settle(page, graph=True)
    frame = graph_frame(page)
    groups = frame.evaluate("() => window.lineageNetwork.body.data.nodes.get().filter(n => n.kind === 'group')"
                            ".map(n => n.id)")
    assert groups, "the data map of the samples groups some nodes"
    group = groups[0]
    before = frame.evaluate("() => window.lineageNetwork.body.data.nodes.getIds().length")
    page.mouse.click(*node_point(frame, group, centred=True))
    button = frame.locator("#panel-group")
    button.wait_for(state="visible", timeout=60_000)
    page.evaluate("() => { window.sameDocument = 1; }")
    button.click()
    page.wait_for_function("(id) => new URL(location.href).searchParams.getAll('open').includes(id)", arg=group,
                           timeout=60_000)
    page.wait_for_function("(id) => !window.lineageNetwork.body.data.nodes.get(id)", arg=group, timeout=180_000)
    after = frame.evaluate("() => window.lineageNetwork.body.data.nodes.getIds().length")
    assert after > before, "the group's members are drawn one by one"
    assert page.evaluate("() => window.sameDocument") == 1
    settle(page)
    assert page_errors(page) == []


@pytest.fixture(scope="module")
def names_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app over a store whose names are a script, a right-to-left override and Markdown."""
    db = tmp_path_factory.mktemp("names") / "names.duckdb"
    ev = Evidence(collector="test", source="names.yaml", line=1, layer=Layer.DECLARED, observed_at=datetime.now(UTC))
    src = Dataset(namespace="postgres://db:5432", name=RTL, role="origin", origin="real", evidence=ev)
    dst = Dataset(namespace="s3://bucket", name=MARKDOWN, role="store", evidence=ev)
    job = Process(namespace="airflow", name=SCRIPT, third_party=True, vendor=MARKDOWN, evidence=ev)
    batch = LineageBatch(collector="test", source="names.yaml")
    batch.add(src, dst, job, Edge(source=src.ref, target=job.ref, kind=EdgeKind.READ, evidence=ev),
              Edge(source=job.ref, target=dst.ref, kind=EdgeKind.WRITE, evidence=ev))
    batch.raw = RawInput(collector="test", source="names.yaml", content=b"names")
    store = open_store(db)
    store.migrate()
    store.ingest(batch)
    app = start_app(str(db), Path(db).with_suffix(".log"))
    yield app
    stop_app(app.process)


def test_hostile_names_are_shown_as_text_in_the_graph(names_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{names_app.url}/explore?node={quote('process:airflow:' + SCRIPT)}")
    settle(page, graph=True)
    frame = graph_frame(page)
    seen = []
    for node in frame.evaluate("() => window.lineageNetwork.body.data.nodes.getIds()"):
        page.mouse.click(*node_point(frame, node, centred=True))
        page.wait_for_function("(id) => window.lineageNetwork.getSelectedNodes()[0] === id", arg=node,
                               timeout=60_000)
        seen.append(frame.locator("#panel-body").first.inner_text())
    shown = "\n".join(seen)
    assert SCRIPT in shown, "the script's name, as text"
    assert "report[U+202E]slx.exe" in shown and "\u202e" not in shown, "the override is shown, not obeyed"
    assert MARKDOWN in shown, "Markdown is shown as typed: no link, no emoji, no bold"
    labels = frame.evaluate("() => window.lineageNetwork.body.data.nodes.get().map(n => n.label).join('\\n')")
    assert "\u202e" not in labels and "[U+202E]" in labels
    assert frame.locator(".lineage-graph a, .lineage-graph script, .lineage-graph strong").count() == 0
    assert page.evaluate("() => window.__pwned") is None and page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "graph-hostile-names.png"))


def test_a_row_of_an_identitys_grants_picks_its_node_out_in_its_reach(running_app: RunningApp,
                                                                        page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/identities")
    settle(page, graph=True)
    main_text(page, "Grants against observed use")
    grants = page.locator("[data-testid='stDataFrame']").nth(1)
    first = grants.locator("[role='row']").nth(1)
    first.wait_for(state="attached", timeout=60_000)
    node = first.locator("[role='gridcell']").nth(0).inner_text().strip()
    assert node.startswith(("dataset:", "process:")), node
    click_row(page, 1)
    page.wait_for_function("(id) => window.lineageNetwork.getSelectedNodes()[0] === id", arg=node, timeout=120_000)
    assert page.locator("#panel").first.is_visible()
    assert page_errors(page) == []


def test_explore_from_a_node_of_a_findings_path_opens_explore_in_place(running_app: RunningApp,
                                                                       page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/findings")
    settle(page, graph=True)
    frame = graph_frame(page)
    node = frame.evaluate("() => window.lineageNetwork.body.data.nodes.get().find(n => n.kind !== 'group').id")
    page.mouse.click(*node_point(frame, node, centred=True))
    button = frame.locator("#panel-explore")
    button.wait_for(state="visible", timeout=60_000)
    assert not frame.locator("#panel-focus").first.is_visible(), "the path is not re-focused on this page"
    page.evaluate("() => { window.sameDocument = 1; }")
    button.click()
    page.wait_for_function("(id) => location.pathname.endsWith('/explore') "
                           "&& new URL(location.href).searchParams.get('node') === id", arg=node, timeout=60_000)
    page.wait_for_function("(id) => window.lineageFocus === id", arg=node, timeout=180_000)
    assert page.evaluate("() => window.sameDocument") == 1
    settle(page)
    assert page_errors(page) == []
