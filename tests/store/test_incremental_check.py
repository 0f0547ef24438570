"""After a change, the findings are worked out again for the nodes it reaches only, and equal the
findings worked out on the whole graph: for every sample pipeline added to the others, and for a
pipeline whose source drops a dataset. Both backends."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from lineage.graph import load_graph
from lineage.policy.finding import Finding
from lineage.policy.project import PolicyConfig
from lineage.services.check import check_graph, run_check
from lineage.store import Store
from tests.store.test_current_graph import SAMPLES


def _said(findings: list[Finding]) -> list[dict[str, Any]]:
    return sorted((f.model_dump(mode="json") for f in findings), key=lambda f: f["fingerprint"])


def _ingest(store: Store, folder: Path) -> None:
    from collectors.discover import collect_file_batches, plan

    for collector, path in plan([folder]).work:
        for batch in collect_file_batches(collector, path, max_bytes=10_000_000):
            store.ingest(batch)


def _without(doc: dict[str, Any], dataset: str) -> dict[str, Any]:
    """A pipeline spec without one of its datasets and every mention of it."""

    def drop(value: Any) -> Any:
        if isinstance(value, list):
            return [drop(v) for v in value if v != dataset and not (isinstance(v, dict) and v.get("id") == dataset)]
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items()}
        return value

    out = drop(doc)
    out["column_lineage"] = [c for c in out["column_lineage"] if dataset not in str(c)]
    return out


@pytest.mark.parametrize("added", sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()))
def test_findings_after_adding_a_pipeline_equal_the_whole_graph_findings(
        store: Store, added: str, loads: list[int]) -> None:
    for folder in sorted(SAMPLES.iterdir()):
        if folder.is_dir() and folder.name != added:
            _ingest(store, folder)
    run_check(store, PolicyConfig())
    assert len(loads) == 1
    _ingest(store, SAMPLES / added)

    again = run_check(store, PolicyConfig())

    assert len(loads) == 1, "only the nodes the new pipeline reaches were read"
    assert _said(again) == _said(check_graph(load_graph(store), store, PolicyConfig()))


def test_findings_after_a_source_drops_a_dataset_equal_the_whole_graph_findings(
        store: Store, tmp_path: Path, loads: list[int]) -> None:
    pipeline = tmp_path / "rag"
    shutil.copytree(SAMPLES / "rag_ingestion", pipeline)
    spec = pipeline / "pipeline.yaml"
    _ingest(store, pipeline)
    _ingest(store, SAMPLES / "mcp_agent")
    before = run_check(store, PolicyConfig())
    spec.write_text(yaml.safe_dump(_without(yaml.safe_load(spec.read_text()), "response_cache"), sort_keys=False))
    _ingest(store, pipeline)

    again = run_check(store, PolicyConfig())

    assert len(loads) == 1
    assert _said(again) == _said(check_graph(load_graph(store), store, PolicyConfig()))
    assert _said(again) != _said(before)
