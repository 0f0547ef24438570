"""Helpers for the policy tests: small graphs from records, and the sample pipelines' graph (every
sample folder collected into ONE DuckDB file, as `lineage demo` and `lineage check` see them)."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from collectors.base import Source
from collectors.spec import SpecCollector
from lineage.graph import LineageGraph, load_graph
from lineage.store import open_store

REPO = Path(__file__).resolve().parent.parent.parent
SAMPLES = REPO / "sample_pipelines"
NAMES = ("rag_ingestion", "fine_tuning", "mcp_agent", "feature_store", "warehouse_elt")
GOLDENS = REPO / "tests" / "goldens" / "policy"


def graph(nodes: Iterable[dict[str, Any]], edges: Iterable[Sequence[Any]] = (),
          column_lineage: Iterable[dict[str, Any]] = ()) -> LineageGraph:
    """A graph from records; `kind`, `namespace` and `name` are taken from the id when not given."""
    def full(n: dict[str, Any]) -> dict[str, Any]:
        kind, _, rest = n["id"].partition(":")
        namespace, _, name = rest.rpartition(":")
        return {"kind": kind, "namespace": namespace, "name": name, **n}

    return LineageGraph.from_records(nodes=[full(n) for n in nodes], edges=edges, column_lineage=column_lineage)


def spec_batch(name: str) -> Any:
    path = SAMPLES / name / "pipeline.yaml"
    return SpecCollector().collect(Source(name=f"sample_pipelines/{name}/pipeline.yaml", data=path.read_bytes()))


@cache
def samples_store() -> Any:
    """One store holding every sample folder, collected as `lineage collect sample_pipelines/` does
    (specs, MCP configs, OpenLineage events, SQL, dbt, catalogs), built once per test session."""
    from lineage.cli import main

    db = Path(tempfile.mkdtemp(prefix="policy-samples-")) / "lineage.duckdb"
    with contextlib.chdir(REPO):  # relative sources, so names do not depend on where the checkout is
        assert main(["collect", "sample_pipelines", "--db", str(db)]) == 0
    return open_store(db)


@cache
def samples_graph() -> LineageGraph:
    return load_graph(samples_store())


def assert_golden(name: str, data: object, *, update: bool = False) -> None:
    """Compare `data` with tests/goldens/policy/<name>.json; write it when missing or asked to."""
    path = GOLDENS / f"{name}.json"
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"wrote the missing golden {path}; check it and rerun")
        return
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8")), (
        f"findings differ from {path}; rerun with --update-goldens if the change is intended")
