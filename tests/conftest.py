"""Shared fixtures: a fresh store file per test, and small batch builders."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from lineage.models import Dataset, Edge, EdgeKind, Evidence, Layer, LineageBatch, Process, RawInput
from lineage.store import Store, open_store

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "sample_pipelines"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "lineage.duckdb", lock_timeout=30)
    s.migrate()
    return s


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the whole-graph loads (`lineage.graph.load_graph`) a test makes."""
    import lineage.graph

    calls: list[int] = []
    real = lineage.graph.load_graph

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lineage.graph, "load_graph", counted)
    return calls


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options for every test directory (registered here so they work whichever paths are given)."""
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files (tests/goldens/**)")


def chain_batch(source: str, names: list[str], *, layer: Layer = Layer.DECLARED,
                at: datetime | None = None, collector: str = "test", content: bytes | None = None,
                append_only: bool = False, job: str | None = None, **dataset_fields: object) -> LineageBatch:
    """A batch for the flow names[0] -> job -> names[1] -> job -> names[2] ..."""
    ev = Evidence(collector=collector, source=source, line=1, layer=layer,
                  observed_at=at or datetime.now(UTC))
    batch = LineageBatch(collector=collector, source=source)
    datasets = [Dataset(namespace="postgres://db:5432", name=n, evidence=ev, **dataset_fields) for n in names]
    batch.extend(datasets)
    for i, (a, b) in enumerate(pairwise(datasets)):
        step = Process(namespace="airflow", name=f"{job or source}.step{i}", evidence=ev)
        batch.add(step, Edge(source=a.ref, target=step.ref, kind=EdgeKind.READ, evidence=ev),
                  Edge(source=step.ref, target=b.ref, kind=EdgeKind.WRITE, evidence=ev))
    raw = content if content is not None else ("|".join([source, *names])).encode()
    batch.raw = RawInput(collector=collector, source=source, content=raw, append_only=append_only)
    return batch
