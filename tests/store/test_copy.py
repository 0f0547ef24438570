"""`lineage store copy`: DuckDB to PostgreSQL and back keeps everything the store answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage.cli import main
from lineage.errors import StoreError
from lineage.store import open_store
from lineage.store.copy import copy_store
from tests.conftest import chain_batch
from tests.store.support import T0, fill, snapshot


def test_duckdb_to_postgresql_and_back_keeps_everything(tmp_path: Path, pg_schema_url: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    source = open_store(tmp_path / "laptop.duckdb")
    source.migrate()
    between = fill(source)
    expected = snapshot(source, between)

    assert main(["store", "copy", "--from", str(tmp_path / "laptop.duckdb"), "--to", pg_schema_url]) == 0
    assert "Copied" in capsys.readouterr().out
    server = open_store(pg_schema_url)
    assert snapshot(server, between) == expected

    back = open_store(tmp_path / "back.duckdb")
    copy_store(server, back)
    assert snapshot(back, between) == expected


def test_a_copied_postgresql_store_still_stores_each_event_once(tmp_path: Path, pg_schema_url: str) -> None:
    source = open_store(tmp_path / "laptop.duckdb")
    source.ingest(chain_batch("events-1.jsonl", ["x", "y"], at=T0, append_only=True, content=b"one"))
    copy_store(source, open_store(pg_schema_url))
    server = open_store(pg_schema_url)
    before = server.counts()
    again = server.ingest(chain_batch("events-1.jsonl", ["x", "y"], at=T0, append_only=True,
                                       content=b"one, resent"))
    assert not again.skipped
    after = server.counts()
    assert after["edge_facts"] == before["edge_facts"] and after["inputs"] == before["inputs"] + 1


def test_copy_into_a_store_that_holds_data_is_refused(tmp_path: Path, pg_schema_url: str) -> None:
    source = open_store(tmp_path / "a.duckdb")
    source.ingest(chain_batch("a.yaml", ["x", "y"]))
    target = open_store(pg_schema_url)
    target.ingest(chain_batch("b.yaml", ["z", "w"]))
    with pytest.raises(StoreError, match="not empty"):
        copy_store(source, target)
    assert target.counts()["inputs"] == 1


def test_copy_from_a_missing_file_is_a_usage_error(tmp_path: Path, pg_schema_url: str) -> None:
    assert main(["store", "copy", "--from", str(tmp_path / "missing.duckdb"), "--to", pg_schema_url]) == 2
    assert not (tmp_path / "missing.duckdb").exists()
