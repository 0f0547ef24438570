from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from lineage.errors import StoreError
from lineage.graph import load_graph
from lineage.models import Layer, Origin
from lineage.store import open_store
from lineage.store.schema import LATEST_VERSION
from tests.conftest import chain_batch
from tests.pg import pg_server, store

__all__ = ["pg_server", "store"]  # fixtures: every test taking `store` runs on DuckDB and on PostgreSQL


def test_new_store_is_created_at_the_latest_schema_version(tmp_path: Path) -> None:
    s = open_store(tmp_path / "sub" / "new.duckdb")
    assert s.migrate() == LATEST_VERSION
    assert s.schema_version() == LATEST_VERSION


def test_reading_a_missing_store_creates_an_empty_one(tmp_path: Path) -> None:
    s = open_store(tmp_path / "fresh.duckdb")
    assert s.counts()["node_facts"] == 0


def test_store_written_by_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    open_store(path).migrate()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', now())", [LATEST_VERSION + 1])
    con.close()
    with pytest.raises(StoreError, match="newer than this release"):
        open_store(path).counts()


def test_a_file_that_is_not_a_duckdb_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("just some text, not a database\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.duckdb"):
        open_store(path).migrate()


def test_the_same_input_twice_changes_nothing(store) -> None:
    first = store.ingest(chain_batch("a.yaml", ["x", "y", "z"]))
    before = store.counts()
    second = store.ingest(chain_batch("a.yaml", ["x", "y", "z"]))
    assert not first.skipped and first.facts > 0
    assert second.skipped and second.facts == 0
    assert store.counts() == before


def test_append_only_facts_delivered_twice_in_different_inputs_are_stored_once(store) -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    store.ingest(chain_batch("events-1.jsonl", ["x", "y"], at=at, append_only=True, content=b"one",
                             job="etl"))
    once = store.counts()["edge_facts"]
    store.ingest(chain_batch("events-2.jsonl", ["x", "y"], at=at, append_only=True, content=b"two",
                             job="etl"))
    assert store.counts()["edge_facts"] == once
    assert store.counts()["inputs"] == 2


def test_a_changed_source_replaces_its_previous_version_but_time_travel_keeps_it(store) -> None:
    store.ingest(chain_batch("p.yaml", ["raw", "clean"]))
    between = datetime.now(UTC)
    time.sleep(0.01)
    store.ingest(chain_batch("p.yaml", ["raw", "features"]))
    now_graph = load_graph(store)
    old_graph = load_graph(store, as_of=between)
    assert "dataset:postgres://db:5432:features" in now_graph
    assert "dataset:postgres://db:5432:clean" not in now_graph
    assert "dataset:postgres://db:5432:clean" in old_graph
    assert "dataset:postgres://db:5432:features" not in old_graph


def test_graph_before_anything_was_collected_is_empty(store) -> None:
    store.ingest(chain_batch("p.yaml", ["a", "b"]))
    assert len(load_graph(store, as_of=datetime.now(UTC) - timedelta(days=1))) == 0


def test_declared_facts_win_over_newer_inferred_ones(store) -> None:
    old = datetime(2026, 1, 1, tzinfo=UTC)
    store.ingest(chain_batch("spec.yaml", ["t"], layer=Layer.DECLARED, at=old, origin=Origin.SYNTHETIC))
    store.ingest(chain_batch("q.sql", ["t"], layer=Layer.INFERRED, collector="sql", origin=Origin.REAL))
    node = load_graph(store).node("dataset:postgres://db:5432:t")
    assert node["origin"] == "synthetic"
    assert node["layer"] == int(Layer.DECLARED)


def test_a_statement_said_again_after_another_wins_and_first_and_last_seen_span_all(store) -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    said = [("x", 0), ("x", 1), ("y", 2), ("x", 3), ("x", 4), ("y", 5), ("x", 6)]
    seen = []
    for i, (owner, hours) in enumerate(said):  # A A B A A B A, each from its own run
        store.ingest(chain_batch(f"run{i}.json", ["t"], layer=Layer.OBSERVED, at=day + timedelta(hours=hours),
                                 append_only=True, owner=owner, description=f"said by {owner}"))
        node = load_graph(store).node("dataset:postgres://db:5432:t")
        seen.append((node["owner"], node["description"], node["first_seen"], node["last_seen"]))
    assert seen == [(owner, f"said by {owner}", day, day + timedelta(hours=hours)) for owner, hours in said]


def test_every_fact_keeps_its_evidence(store) -> None:
    store.ingest(chain_batch("spec.yaml", ["a", "b"]))
    store.ingest(chain_batch("other.yaml", ["a", "c"]))
    facts = store.facts_about(["dataset:postgres://db:5432:a"])
    sources = {f["source"] for f in facts}
    assert sources == {"spec.yaml", "other.yaml"}
    assert all(f["observed_at"] is not None and f["collector"] == "test" for f in facts)


def test_problems_are_stored_with_their_place(store) -> None:
    batch = chain_batch("bad.yaml", ["a"])
    batch.problem("role must be origin, store or cache", line=7, field="datasets.0.role")
    store.ingest(batch)
    (problem,) = store.problems()
    assert (problem["source"], problem["line"], problem["field"]) == ("bad.yaml", 7, "datasets.0.role")


def test_raw_inputs_are_kept_for_rebuilding(store) -> None:
    store.ingest(chain_batch("spec.yaml", ["a", "b"], content=b"the original bytes"))
    (raw,) = list(store.raw_inputs())
    assert raw.content == b"the original bytes" and raw.source == "spec.yaml"


def test_an_ingest_killed_midway_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "killed.duckdb"
    s = open_store(path)
    s.ingest(chain_batch("first.yaml", ["a", "b"]))
    before = s.counts()
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from lineage.store import open_store
        from tests.conftest import chain_batch
        batch = chain_batch("huge.yaml", [f"t{{i}}" for i in range(60000)])
        print("ready", flush=True)
        open_store({str(path)!r}).ingest(batch)
        print("done", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.3)  # the insert of ~300,000 rows is under way
    proc.kill()
    proc.wait(timeout=120)
    after = open_store(path).counts()
    assert after == before or after["edge_facts"] == before["edge_facts"] + 2 * 59999
    graph = load_graph(open_store(path))
    assert "dataset:postgres://db:5432:a" in graph


def test_dataset_columns_are_the_columns_the_graph_merges_for_each_dataset(store) -> None:
    from collectors.discover import collect_file, plan
    from tests.conftest import SAMPLES

    for collector, path in plan([SAMPLES]).work:
        store.ingest(collect_file(collector, path, max_bytes=1 << 26))
    expected = {n["name"]: [c["name"] for c in n["columns"]] for n in load_graph(store).nodes("dataset")
                if n["columns"]}
    assert len(expected) > 20
    assert store.dataset_columns() == expected
