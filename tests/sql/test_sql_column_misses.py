"""The column-label misses fixture lists exactly the labelled cases where our column pairs differ.

A case fixed by a new rule must leave the fixture, and a new difference must be added with its
reason, so the fixture stays an accurate account of what the benchmark's column figures miss.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from tests.sql.conftest import CORPUS, needs_corpus

FIXTURE = Path(__file__).parent / "fixtures" / "column_label_misses.json"
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "sql_lineage.py"


def _listed(fixture: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for key, group in fixture.items():
        if key == "about":
            continue
        if "ids" in group:
            ids.update(group["ids"])
        else:
            for members in group.values():
                ids.update(members)
    return ids


@needs_corpus
def test_fixture_lists_exactly_the_differing_cases() -> None:
    spec = importlib.util.spec_from_file_location("sql_lineage_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    items = bench.column_items(bench.load(CORPUS))
    misses: list[str] = []
    bench.score_columns("ours", items, misses)
    differing = {m.split(":", 1)[0] for m in misses}
    listed = _listed(json.loads(FIXTURE.read_text()))
    assert sorted(listed - differing) == [], "fixed: remove these ids from the fixture"
    assert sorted(differing - listed) == [], "new differences: add them to the fixture with a reason"
