"""Differential test against openlineage-sql (the Rust parser) on the 121 TPC queries of the corpus.

Table-level lineage must agree. Column-level disagreements are listed, each with its category, in
`fixtures/openlineage_sql_disagreements.json`, whose `categories` explain why; a new disagreement or
one that went away fails the test (`pytest tests/sql --update-goldens` rewrites the list).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import openlineage_sql  # the differential peer, a test-only dependency

from collectors.sql import SqlOptions, collect_script
from tests.sql.conftest import _UPDATE, CORPUS, needs_corpus

FIXTURE = Path(__file__).parent / "fixtures" / "openlineage_sql_disagreements.json"
CATEGORIES = {
    "ol_unknown_origin": "openlineage-sql takes no schema, so an unqualified column read from a FROM with several "
    "tables has no origin; we resolve it with tpc_schema.json.",
    "ol_missing_column": "openlineage-sql reports no lineage for this output column (unaliased aggregates and "
    "expressions); we name it as the dialect's engine does (DuckDB: the expression's text) and trace its sources.",
    "ours_missing_column": "the output column is unaliased and the two tools name it differently (openlineage-sql "
    "_N, we the engine's name), so each side misses the other's name.",
    "different": "openlineage-sql stops at CTE or derived-table columns (e.g. results_rollup.lochierarchy); we "
    "follow them to the base tables they come from.",
}



def _tpc() -> list[tuple[str, str, dict[str, Any]]]:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    schema = json.loads((CORPUS / "tpc_schema.json").read_text())
    return [
        (it["id"], (CORPUS / it["path"]).read_text(), schema[it["schema_ref"].split("#")[1]])
        for it in manifest
        if it["subset"] == "tpc_ctas"
    ]


def _category(ours: set[tuple[str, str]], theirs: set[tuple[str, str]]) -> str:
    if any(t[0] == "?" for t in theirs):
        return "ol_unknown_origin"
    if not theirs:
        return "ol_missing_column"
    if not ours:
        return "ours_missing_column"
    return "different"


def _compare(sql: str, schema: dict[str, Any], sid: str) -> tuple[bool, dict[str, Any]]:
    r = openlineage_sql.parse([sql], dialect="generic")
    batch = collect_script(sql, sid, SqlOptions(dialect="duckdb", schema=schema))
    reads = {f.source.name for f in batch.facts if f.fact == "edge" and f.kind.value == "read"}
    writes = {f.target.name for f in batch.facts if f.fact == "edge" and f.kind.value == "write"}
    tables_agree = (reads, writes) == (
        {t.qualified_name.lower() for t in r.in_tables},
        {t.qualified_name.lower() for t in r.out_tables},
    )
    theirs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for cl in r.column_lineage:
        for s in cl.lineage:
            theirs[cl.descendant.name.lower()].add(
                (s.origin.qualified_name.lower() if s.origin else "?", s.name.lower())
            )
    ours: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for f in batch.facts:
        if f.fact == "column_lineage" and not f.indirect:
            ours[f.target.column.lower()].update((s.dataset.name, s.column.lower()) for s in f.sources)
    diffs = {
        col: _category(ours.get(col, set()), theirs.get(col, set()))
        for col in sorted(set(ours) | set(theirs))
        if ours.get(col, set()) != theirs.get(col, set())
    }
    return tables_agree, diffs


@needs_corpus
def test_column_disagreements_with_openlineage_sql_are_all_explained() -> None:
    found: dict[str, dict[str, str]] = {}
    table_disagreements = []
    for sid, sql, schema in _tpc():
        agree, diffs = _compare(sql, schema, sid)
        if not agree:
            table_disagreements.append(sid)
        if diffs:
            found[sid] = diffs
    assert not table_disagreements, f"table-level lineage differs from openlineage-sql on {table_disagreements}"
    if _UPDATE["on"] or not FIXTURE.exists():
        FIXTURE.write_text(
            json.dumps({"categories": CATEGORIES, "disagreements": found}, indent=1, sort_keys=True) + "\n"
        )
    recorded = json.loads(FIXTURE.read_text())
    assert set(recorded["categories"]) >= {c for d in found.values() for c in d.values()}
    assert found == recorded["disagreements"], "disagreements changed; explain them and rerun with --update-goldens"
