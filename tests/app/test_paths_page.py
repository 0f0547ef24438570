"""The Paths page (every path between two nodes, both ways), run with Streamlit's AppTest against real stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lineage.graph import load_graph
from lineage.models import Dataset, Edge, EdgeKind, Evidence, Layer, LineageBatch, Process, RawInput
from lineage.paths import PATH_LIMIT, paths_between
from lineage.store import open_store
from tests.app.test_app_pages import as_read, frames, run, texts

TICKETS = "dataset:postgres://support-db.internal:5432:support.public.tickets"
OPENAI_CHAT = "process:https://api.openai.com:v1/chat/completions"
TRIAGE_AGENT = "identity:agents:eng-triage-agent"


def test_every_path_from_a_to_b_is_listed_and_none_back(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = paths_between(load_graph(open_store(samples_db)), TICKETS, OPENAI_CHAT)
    assert expected.paths and not expected.truncated
    at = run(samples_db, monkeypatch, "paths", **{"from": TICKETS, "to": OPENAI_CHAT})
    [listed] = frames(at)
    assert [tuple(p.split(" → ")) for p in listed["path"]] == list(expected.paths)
    assert list(listed["steps"]) == [len(p) - 1 for p in expected.paths]
    shown = as_read(texts(at))
    assert f"No path from {OPENAI_CHAT} to {TICKETS}." in shown
    assert f"{len(expected.paths)} path" in shown


def test_swapping_the_ends_lists_the_paths_under_b_to_a(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "paths", **{"from": OPENAI_CHAT, "to": TICKETS})
    [listed] = frames(at)
    assert all(p.startswith(TICKETS) and p.endswith(OPENAI_CHAT) for p in listed["path"])
    assert f"No path from {OPENAI_CHAT} to {TICKETS}." in as_read(texts(at))
    assert [s.value for s in at.subheader] == ["A to B", "B to A"]


def test_paths_through_an_identity_need_the_identity_toggle(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = load_graph(open_store(samples_db))
    process = graph.successors(TRIAGE_AGENT, "runs")[0]
    target = graph.successors(process, "write")[0]
    at = run(samples_db, monkeypatch, "paths", **{"from": TRIAGE_AGENT, "to": target})
    assert not frames(at)  # along reads and writes nothing leads out of an identity
    at.toggle(key="paths-identities").set_value(True).run()
    [listed] = frames(at)
    assert f"{TRIAGE_AGENT} → {process} → {target}" in set(listed["path"])


def diamonds(count: int) -> LineageBatch:
    """A chain of `count` diamonds (two processes between each pair of datasets): 2**count paths."""
    ev = Evidence(collector="test", source="diamonds.yaml", line=1, layer=Layer.DECLARED,
                  observed_at=datetime.now(UTC))
    batch = LineageBatch(collector="test", source="diamonds.yaml")
    datasets = [Dataset(namespace="s3://d", name=f"d{i}", evidence=ev) for i in range(count + 1)]
    batch.add(*datasets)
    for i in range(count):
        for side in ("a", "b"):
            p = Process(namespace="jobs", name=f"p{i}{side}", evidence=ev)
            batch.add(p, Edge(source=datasets[i].ref, target=p.ref, kind=EdgeKind.READ, evidence=ev),
                      Edge(source=p.ref, target=datasets[i + 1].ref, kind=EdgeKind.WRITE, evidence=ev))
    batch.raw = RawInput(collector="test", source="diamonds.yaml", content=b"diamonds")
    return batch


def test_more_paths_than_can_be_listed_are_cut_with_a_message(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "diamonds.duckdb"
    store = open_store(db)
    store.migrate()
    store.ingest(diamonds(9))  # 512 paths
    at = run(str(db), monkeypatch, "paths", **{"from": "dataset:s3://d:d0", "to": "dataset:s3://d:d9"})
    [listed] = frames(at)
    assert len(listed) == PATH_LIMIT and len(set(listed["path"])) == PATH_LIMIT
    [warning] = [as_read(w.value) for w in at.warning]
    assert warning.startswith("More paths lead from dataset:s3://d:d0 to dataset:s3://d:d9 than can be listed")
    assert f"the first {PATH_LIMIT} paths found are shown" in warning


def test_the_node_page_links_to_its_paths_and_its_vendor(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib.parse import parse_qs

    at = run(samples_db, monkeypatch, "node", node=OPENAI_CHAT)
    links = {link.proto.page: parse_qs(link.proto.query_string) for link in at.get("page_link")}
    assert links["paths"] == {"from": [OPENAI_CHAT]} and links["third-parties"] == {"vendor": ["OpenAI"]}
    dataset = run(samples_db, monkeypatch, "node", node=TICKETS)
    assert {link.proto.page for link in dataset.get("page_link")} == {"paths"}


def test_a_missing_node_named_in_the_url_is_an_error_shown_as_text(samples_db: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(samples_db, monkeypatch, "paths", **{"from": "[Click here](http://evil.example/login)", "to": TICKETS})
    [error] = [e.value for e in at.error]
    assert error.startswith("NodeNotFound") and "](" not in error and "http://" not in error
    assert "[Click here](http://evil.example/login)" in as_read(error) and not frames(at)
