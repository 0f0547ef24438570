"""The Node page's upstream list, run with Streamlit's AppTest against the sample pipelines' store."""

from __future__ import annotations

import pytest

from lineage.graph import load_graph
from lineage.store import open_store
from lineage.tagging import propagate
from tests.app.test_app_pages import frames, run

RAG_RESPONSES = "dataset:redis://rag-cache.internal:6379:rag.responses"


def test_the_upstream_list_says_each_nodes_effective_origin(samples_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What feeds a cache, and whether any of it is synthetic: the origin each upstream node has
    along the lineage, not only the one declared on it."""
    graph = load_graph(open_store(samples_db))
    tags = propagate(graph)
    at = run(samples_db, monkeypatch, "node", node=RAG_RESPONSES)
    walks = [t for t in frames(at) if "distance" in t.columns]
    upstream = walks[0]
    assert dict(zip(upstream["id"], upstream["effective origin"], strict=True)) == {
        n: tags.origin(n) for n in upstream["id"]}
    derived = upstream[(upstream["origin"] == "") & (upstream["kind"] == "dataset")]
    assert len(derived) and set(derived["effective origin"]) == {"real"}  # declared nothing, yet real
    assert all("effective origin" not in t.columns for t in walks[1:])  # downstream: its own upstream decides
