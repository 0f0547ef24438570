"""SQL collector test helpers: golden files, the dialect list, and the corpus location.

`assert_lineage_golden(sql, dialect=..., golden=...)` runs the collector and compares a normalised
view of the batch (sorted facts without times, plus problems) with `tests/goldens/sql/<golden>.json`.
A missing golden is written and the test fails; `pytest --update-goldens` rewrites them
(the option is registered in the top-level `tests/conftest.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from collectors.sql import SqlOptions, collect_script
from lineage.models import Dataset, LineageBatch
from tests.shared import SHARED, needs

GOLDENS = Path(__file__).resolve().parent.parent / "goldens" / "sql"
CORPUS = SHARED / "benchmarks" / "sql-lineage"
needs_corpus = needs(CORPUS / "manifest.json")
DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "databricks", "spark", "redshift", "tsql", "mysql", "trino")
_UPDATE = {"on": False}


def pytest_configure(config: pytest.Config) -> None:
    _UPDATE["on"] = bool(config.getoption("--update-goldens", default=False))


def normalised(batch: LineageBatch) -> dict[str, Any]:
    """The batch as sorted plain data, without observation times."""
    facts = []
    for f in batch.facts:
        d = f.model_dump(mode="json", exclude={"evidence"}, exclude_defaults=True)
        d["fact"], d["line"] = f.fact, f.evidence.line
        facts.append(d)
    facts.sort(key=lambda d: json.dumps(d, sort_keys=True))
    unique = [f for i, f in enumerate(facts) if i == 0 or f != facts[i - 1]]
    problems = sorted(f"{p.line}: {p.severity}: {p.message}" for p in batch.problems)
    return {"facts": unique, "problems": problems}


def run(sql: str, dialect: str, **options: Any) -> LineageBatch:
    return collect_script(sql, "case.sql", SqlOptions.from_mapping({"dialect": dialect, **options}))


NAMESPACE = "<namespace>"
"""What a golden shared by several dialects says for the namespace of the datasets it names."""


def with_placeholder(got: dict[str, Any], namespace: str) -> dict[str, Any]:
    """`got` with the datasets' `namespace` written as NAMESPACE, so one golden serves every dialect
    that differs only by its namespace."""
    given, placeholder = (json.dumps({"namespace": ns})[1:-1] for ns in (namespace, NAMESPACE))
    result: dict[str, Any] = json.loads(json.dumps(got).replace(given, placeholder))
    return result


def assert_lineage_golden(
    sql: str, *, dialect: str, golden: str, schemas: Mapping[str, Any] | None = None,
    namespace: str | None = None, **options: Any
) -> LineageBatch:
    """Compare the batch with the golden; with `namespace`, the datasets must all be in it and the
    golden names it NAMESPACE."""
    batch = run(sql, dialect, schema=schemas, **options)
    got = normalised(batch)
    if namespace is not None:
        named = {f.namespace for f in batch.facts if isinstance(f, Dataset)}
        assert named <= {namespace}, f"{dialect}: datasets in {named}, not in {namespace}"
        got = with_placeholder(got, namespace)
    path = GOLDENS / f"{golden}.json"
    text = json.dumps(got, indent=1, sort_keys=True) + "\n"
    if _UPDATE["on"] or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if not _UPDATE["on"]:
            pytest.fail(f"golden {path.name} was missing and has been written; check it and rerun")
        return batch
    assert got == json.loads(path.read_text()), f"lineage differs from {path}; rerun with --update-goldens"
    return batch


def edges(batch: LineageBatch, kind: str) -> set[tuple[str, str]]:
    """(source name, target name) of the batch's edges of one kind."""
    return {(f.source.name, f.target.name) for f in batch.facts if f.fact == "edge" and f.kind.value == kind}


def reads_writes(batch: LineageBatch) -> tuple[set[str], set[str]]:
    """Names of the datasets read and written by SQL statement processes."""
    reads = {
        f.source.name
        for f in batch.facts
        if f.fact == "edge" and f.kind.value == "read" and f.target.namespace == "sql"
    }
    writes = {
        f.target.name
        for f in batch.facts
        if f.fact == "edge" and f.kind.value == "write" and f.source.namespace == "sql"
    }
    return reads, writes
