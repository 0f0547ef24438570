"""The Explore graph on the store of the sample pipelines, run with AppTest and in a real headless
Chromium: nodes drawn by their effective origin (hatched when derived) with PII badges, grants
with their permissions (unused ones dashed red), depth enough to reach rag.responses' origins, a
column node that opens its dataset's page, and labels never drawn below 11 px."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import pytest
from streamlit.testing.v1 import AppTest

from app.components.graph_style import ORIGIN_FILL, UNUSED_GRANT_COLOUR
from lineage import focused
from lineage.store import open_store
from tests.app.conftest import RunningApp
from tests.app.test_app_browser import browser, graph_frame, main_text, node_point, page, page_errors, settle  # noqa: F401
from tests.app.test_app_pages import run

RAG_RESPONSES = "dataset:redis://rag-cache.internal:6379:rag.responses"
DECLARED_REAL = "dataset:postgres://chat-db.internal:5432:assistant.public.messages"
CHUNK_EMBEDDINGS = "dataset:postgres://vector-db.internal:5432:rag.public.chunk_embeddings"
ASSISTANT_API = "identity:k8s://prod:assistant-api"
TICKETS = "dataset:snowflake://acme-prod:ANALYTICS.MARTS.FCT_SUPPORT_TICKETS"


def drawn(at: AppTest) -> dict[str, Any]:
    """The data the graph component was given (nodes, edges, options), as the browser gets it."""
    [graph] = [e for e in at.get("bidi_component") if e.proto.component_name == "lineage_graph"]
    data: dict[str, Any] = json.loads(graph.proto.json)
    return data


def test_rag_responses_is_filled_by_its_propagated_origin_hatched_with_a_pii_badge(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES)
    nodes = {n["id"]: n for n in drawn(at)["nodes"]}
    focus = nodes[RAG_RESPONSES]
    assert focused.node(open_store(samples_db), RAG_RESPONSES).get("origin") is None, "nothing is declared on it"
    assert focus["color"]["background"] == ORIGIN_FILL["real"]
    assert focus["hatch"] is True and focus["badge"] == "PII"
    assert "real, derived" in focus["label"]
    declared = nodes[DECLARED_REAL]
    assert declared["color"]["background"] == ORIGIN_FILL["real"] and "hatch" not in declared


def test_an_unused_grant_is_drawn_dashed_red_with_its_permissions(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=CHUNK_EMBEDDINGS)
    at.toggle(key="explore-grants").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    grants = {(e["from"], e["to"]): e for e in drawn(at)["edges"] if e.get("grants")}
    unused = grants[(ASSISTANT_API, CHUNK_EMBEDDINGS)]  # granted read/edit/write, seen only reading
    assert unused["label"] == "read/edit/write\nunused: edit/write"
    assert unused["dashes"] and unused["color"]["color"] == UNUSED_GRANT_COLOUR
    used = [e for e in grants.values() if not e.get("unused")]
    assert used, "some grants in view are used"
    for edge in used:
        assert edge["label"] and not edge["dashes"] and edge["color"]["color"] != UNUSED_GRANT_COLOUR


def test_explore_reaches_the_origins_of_rag_responses(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    found, _ = focused.walk(open_store(samples_db), RAG_RESPONSES, upstream=True)
    farthest = max(found.values())
    assert farthest > 6
    at = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES)
    at.slider(key="explore-depth").set_value(farthest).run()
    assert not at.exception, [e.message for e in at.exception]
    shown = set(at.dataframe[0].value["id"])
    assert {n for n, d in found.items() if d == farthest} <= shown


# -- in Chromium --------------------------------------------------------------------------------------


def test_a_column_node_opens_its_dataset_page(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(TICKETS)}")
    settle(page, graph=True)
    page.get_by_text("Column-level lineage").click()
    page.wait_for_function("""() => !!window.lineageNetwork && window.lineageNetwork.body.data.nodes.get()
        .some(n => n.kind === 'column')""", timeout=180_000)
    settle(page, graph=True)
    frame = graph_frame(page)
    target = frame.evaluate("""() => window.lineageNetwork.body.data.nodes.get()
        .filter(n => n.kind === 'column' && n.id.startsWith('dataset:snowflake'))[0].id""")
    page.mouse.click(*node_point(frame, target, centred=True))
    frame.locator("#panel").wait_for(state="visible", timeout=60_000)
    dataset = target.split("#", 1)[0]
    frame.locator("#panel-page").click()
    page.wait_for_function("(id) => new URL(location.href).searchParams.get('node') === id "
                           "&& location.pathname.endsWith('/node')", arg=dataset, timeout=60_000)
    settle(page)
    name = dataset.rsplit(":", 1)[1]
    assert name in main_text(page, name)
    assert page_errors(page) == []


def polled(frame: Any, script: str, arg: Any, done: Any, deadline: float = 60) -> Any:
    """What `script` returns in the graph's frame once `done` holds for it (the view may still be
    settling: drawn, then moved to a readable scale), or at the deadline."""
    end = time.monotonic() + deadline
    while True:
        found = frame.evaluate(script, arg)
        if done(found) or time.monotonic() > end:
            return found
        frame.wait_for_timeout(250)


def label_px(frame: Any) -> float:
    """The smallest size, in screen pixels, at which the graph draws a node or edge label now."""
    return float(frame.evaluate("""() => { const n = window.lineageNetwork; const s = n.getScale();
        const sizes = Object.values(n.body.nodes).map(x => x.options.font.size)
            .concat(Object.values(n.body.edges).map(e => e.options.font.size));
        return Math.min(...sizes) * s; }"""))


def test_labels_are_never_drawn_below_11_px(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(running_app.url)  # the data map: many nodes, which used to be fitted at a third of their size
    settle(page, graph=True)
    frame = graph_frame(page)
    assert frame.evaluate("() => window.lineageNetwork.body.nodeIndices.length") > 20
    assert label_px(frame) >= 11
    box = frame.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(8):
        page.mouse.wheel(0, 600)  # zoom out
        page.wait_for_timeout(100)
    assert label_px(frame) >= 11
    for _ in range(5):
        frame.locator("#zoom-out").click()
    assert label_px(frame) >= 11
    frame.locator("#zoom-fit").click()
    assert label_px(frame) >= 11
    before = label_px(frame)
    frame.locator("#zoom-in").click()
    assert label_px(frame) > before
    page.screenshot(path="/tmp/graph-labels.png")


def test_derived_nodes_are_hatched_and_sensitive_ones_badged_on_the_canvas(
        running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(RAG_RESPONSES)}")
    settle(page, graph=True)
    frame = graph_frame(page)
    counts = polled(frame, """(id) => {
        const n = window.lineageNetwork, shape = n.body.nodes[id].shape;
        const canvas = n.canvas.frame.canvas, ctx = canvas.getContext("2d");
        const ratio = canvas.width / canvas.clientWidth;
        function count(x0, y0, x1, y1, test) {  // canvas coordinates of the network
            const a = n.canvasToDOM({x: x0, y: y0}), b = n.canvasToDOM({x: x1, y: y1});
            const px = ctx.getImageData(Math.round(a.x * ratio), Math.round(a.y * ratio),
                                        Math.max(1, Math.round((b.x - a.x) * ratio)),
                                        Math.max(1, Math.round((b.y - a.y) * ratio))).data;
            let found = 0;
            for (let i = 0; i < px.length; i += 4) { if (test(px[i], px[i + 1], px[i + 2])) { found += 1; } }
            return found;
        }
        const dark = (r, g, b) => r < 215 && r > 80 && Math.abs(r - g) < 60;  // hatch lines over the fill
        const red = (r, g, b) => r > 150 && g < 70 && b < 70;
        const label = n.body.nodes[id].labelModule.size;  // the strip left of the label, inside the border
        return {hatch: count(shape.left + 5, shape.top + 5, Math.max(shape.left + 6, label.left - 2),
                             shape.top + shape.height - 5, dark),
                badge: count(shape.left + shape.width - 40, shape.top - 10, shape.left + shape.width + 8,
                             shape.top + 8, red)};
    }""", RAG_RESPONSES, lambda c: c["hatch"] > 10 and c["badge"] > 20)
    assert counts["hatch"] > 10, counts
    assert counts["badge"] > 20, counts


def test_an_unused_grant_is_labelled_in_red_over_the_nodes(running_app: RunningApp, page: Any) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/explore?node={quote(CHUNK_EMBEDDINGS)}&grants=true&depth=1")
    settle(page, graph=True)
    frame = graph_frame(page)
    red = polled(frame, """([a, b]) => {
        const n = window.lineageNetwork, box = window.lineageCaptions.find(c => c.from === a && c.to === b);
        if (!box) { return -1; }
        const canvas = n.canvas.frame.canvas, ctx = canvas.getContext("2d");
        const ratio = canvas.width / canvas.clientWidth;
        const p = n.canvasToDOM({x: box.left, y: box.top}), q = n.canvasToDOM({x: box.left + box.width,
                                                                              y: box.top + box.height});
        const px = ctx.getImageData(Math.round(p.x * ratio), Math.round(p.y * ratio),
                                    Math.round((q.x - p.x) * ratio), Math.round((q.y - p.y) * ratio)).data;
        let found = 0;
        for (let i = 0; i < px.length; i += 4) { if (px[i] > 150 && px[i + 1] < 90 && px[i + 2] < 90) { found += 1; } }
        return found; }""", [ASSISTANT_API, CHUNK_EMBEDDINGS], lambda found: found > 50)
    assert red > 50, "the caption's red text is drawn, not covered by a node"


@pytest.mark.parametrize("path", ["", f"explore?node={quote(RAG_RESPONSES)}&depth=9&grants=true",
                                  f"explore?node={quote(CHUNK_EMBEDDINGS)}&grants=true",
                                  f"explore?node={quote(TICKETS)}&columns=true"],
                         ids=["data map", "rag.responses, depth 9, grants", "chunk_embeddings, grants", "columns"])
def test_no_two_nodes_overlap(running_app: RunningApp, page: Any, path: str) -> None:  # noqa: F811
    page.goto(f"{running_app.url}/{path}")
    settle(page, graph=True)
    frame = graph_frame(page)
    overlaps = frame.evaluate("""() => {
        const n = window.lineageNetwork, ids = n.body.nodeIndices;
        const box = id => { const s = n.body.nodes[id].shape;
            return {l: s.left, t: s.top, r: s.left + s.width, b: s.top + s.height}; };
        const found = [];
        for (let i = 0; i < ids.length; i++) {
            for (let j = i + 1; j < ids.length; j++) {
                const a = box(ids[i]), c = box(ids[j]);
                if (a.l < c.r && c.l < a.r && a.t < c.b && c.t < a.b) { found.push([ids[i], ids[j]]); }
            }
        }
        return found; }""")
    assert overlaps == []


def test_column_lineage_shows_the_third_party_step_that_writes_a_summary(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    summaries = "dataset:snowflake://acme-prod:ANALYTICS.MARTS.TICKET_SUMMARIES"
    mistral = "process:https://api.mistral.ai:v1/chat/completions"
    at = run(samples_db, monkeypatch, "explore", node=summaries, columns="true")
    data = drawn(at)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[mistral]["color"]["border"] == "#c1121f", "drawn as a third party"
    edges = {(e["from"], e["to"]) for e in data["edges"]}
    assert (f"{TICKETS}#DESCRIPTION", mistral) in edges and (mistral, f"{summaries}#SUMMARY") in edges


def test_clicking_a_column_brightens_its_whole_chain_through_the_third_party_step(
        running_app: RunningApp, page: Any) -> None:  # noqa: F811
    summaries = "dataset:snowflake://acme-prod:ANALYTICS.MARTS.TICKET_SUMMARIES"
    mistral = "process:https://api.mistral.ai:v1/chat/completions"
    page.goto(f"{running_app.url}/explore?node={quote(summaries)}&columns=true")
    settle(page, graph=True)
    frame = graph_frame(page)
    description = f"{TICKETS}#DESCRIPTION"
    before = frame.evaluate("(id) => window.lineageNetwork.getPosition(id)", description)
    page.mouse.click(*node_point(frame, description))
    frame.wait_for_function("() => Array.isArray(window.lineageChain) && window.lineageChain.length > 1",
                            timeout=60_000)
    chain = set(frame.evaluate("() => window.lineageChain"))
    assert {description, mistral, f"{summaries}#SUMMARY"} <= chain
    assert f"{summaries}#TICKET_ID" not in chain, "a column the description does not feed is not in its chain"
    opacity = frame.evaluate("""() => { const n = window.lineageNetwork;
        return Object.fromEntries(n.body.nodeIndices.map(id => [id, n.body.nodes[id].options.opacity])); }""")
    outside = [n for n in opacity if n not in chain]
    assert outside, "some columns are not in the chain"
    assert all(opacity[n] < 0.5 for n in outside) and all(opacity[n] in (None, 1) for n in chain)
    assert frame.evaluate("(id) => window.lineageNetwork.getPosition(id)", description) == before, "nothing moved"
    page.screenshot(path="/tmp/graph-chain.png")


def test_one_walk_from_all_the_nodes_shown_finds_what_each_walk_finds(samples_db: str) -> None:
    from app.components.graph_facts import upstream_of

    store = open_store(samples_db)
    shown = [RAG_RESPONSES, CHUNK_EMBEDDINGS, TICKETS, ASSISTANT_API]
    expected = set(shown)
    for node in shown:
        expected |= set(focused.walk(store, node, upstream=True)[0])
    assert upstream_of(store, shown) == expected and len(expected) > 20


def test_explore_offers_the_in_place_actions_and_keeps_the_drawing_when_only_the_selection_changes(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "explore", node=RAG_RESPONSES)
    first = drawn(at)
    assert first["actions"] == ["focus", "upstream", "downstream", "group", "page"]
    assert first["focus"] == RAG_RESPONSES and first["selected"] is None
    at.session_state["explore-picked"] = DECLARED_REAL  # as a row of the table, or a click, picks it
    at.run()
    again = drawn(at)
    assert again["selected"] == DECLARED_REAL and again["digest"] == first["digest"]


def test_the_data_map_offers_to_open_its_groups_and_opens_one_from_the_url(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch)
    grouped = drawn(at)
    assert grouped["actions"] == ["group", "explore", "page"]
    groups = [n["id"] for n in grouped["nodes"] if n.get("kind") == "group"]
    assert groups
    opened = drawn(run(samples_db, monkeypatch, open=groups[0]))
    assert groups[0] not in {n["id"] for n in opened["nodes"]}
    assert len(opened["nodes"]) > len(grouped["nodes"])


def test_an_endpoint_selected_on_third_parties_is_picked_out_in_its_paths_drawing(
        samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app.test_third_parties_page import OPENAI_CHAT, select, third_parties

    at = third_parties(samples_db, monkeypatch, vendor="OpenAI")
    assert drawn(at)["selected"] is None, "several endpoints: none picked"
    select(at, "tp-endpoints-OpenAI-False", list(at.dataframe[1].value["endpoint"]).index(OPENAI_CHAT))
    picked = drawn(at)
    assert picked["selected"] == OPENAI_CHAT and OPENAI_CHAT in {n["id"] for n in picked["nodes"]}
