"""Snapshots of distinct sources stored in one transaction are written together (a few statements
for them all); the store ends exactly as when each is written by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collectors.base import Source, get_collector
from lineage.graph import load_graph
from lineage.models import LineageBatch
from lineage.store import facts
from tests.pg import open_backend


def _sql(name: str, text: str) -> LineageBatch:
    return get_collector("sql").collect(Source(name=name, data=text.encode()))


def _round(version: int) -> list[LineageBatch]:
    """Forty SQL files, some changed in `version`, one broken (a problem), and one source twice."""
    batches = [_sql(f"etl/step{i}.sql", f"CREATE TABLE t{i + 1} AS SELECT a, b FROM t{i} "
                                       f"{'WHERE b > 0' if version and i % 3 == 0 else ''}")
               for i in range(40)]
    batches.append(_sql("etl/broken.sql", "CREATE TABLE x AS SELEC FROM"))
    batches.append(_sql("etl/step5.sql", f"CREATE TABLE t6 AS SELECT a FROM t5 -- version {version}"))
    return batches


def _state(store: Any) -> tuple[Any, ...]:
    graph = load_graph(store)
    return (store.counts(), sorted((r.collector, r.source, r.content) for r in store.raw_inputs()),
            sorted((p["source"], p["message"]) for p in store.problems()),
            sorted(graph.edges()), sorted(n["id"] for n in graph.nodes()))


def test_sources_written_together_leave_the_store_as_when_written_one_by_one(
        store: Any, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "alone").mkdir()
    alone = open_backend(request.node.callspec.params["store"], tmp_path / "alone")
    together_results = [store.ingest_all(_round(v)) for v in (0, 1, 1)]
    assert any(len(run) > 1 for run in facts._runs([facts.prepare(b, store.stage_facts) for b in _round(0)]))
    monkeypatch.setattr(facts, "_runs", lambda work: [[p] for p in work])
    alone_results = [alone.ingest_all(_round(v)) for v in (0, 1, 1)]

    def outcome(results: list[Any]) -> list[tuple[bool, int, int]]:
        return [(r.skipped, r.facts, r.problems) for r in results]

    assert [outcome(r) for r in together_results] == [outcome(r) for r in alone_results]
    stored = [[i for i, r in enumerate(results) if not r.skipped] for results in together_results]
    assert stored[0] == list(range(42))
    changed = [i for i in range(40) if i % 3 == 0]
    assert stored[1] == sorted([*changed, 5, 41]), "the changed files, and both versions of the file named twice"
    assert stored[2] == [5, 41], "unchanged files are not stored again"
    assert _state(store) == _state(alone)
