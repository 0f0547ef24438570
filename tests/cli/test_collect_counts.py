"""`lineage collect` reports as new only the facts the store gained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.store import open_store
from tests.conftest import SAMPLES

EVENTS = SAMPLES / "warehouse_elt" / "openlineage_events.jsonl"


def _facts(db: str) -> int:
    """The facts stated to the store: each claim as many times as events made it."""
    return open_store(db).counts()["observations"]


def _reported(out: str) -> int:
    found = re.search(r"(\d+) new fact\(s\)", out)
    assert found, out
    return int(found.group(1))


def test_collecting_a_grown_event_log_reports_the_facts_the_store_gained(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, log = str(tmp_path / "c.duckdb"), tmp_path / "events.jsonl"
    lines = EVENTS.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[: len(lines) // 2]))
    assert main(["collect", str(log), "--db", db]) == 0
    assert _reported(capsys.readouterr().out) == _facts(db) > 0
    before = _facts(db)
    log.write_bytes(b"".join(lines))
    assert main(["collect", str(log), "--db", db]) == 0
    assert _reported(capsys.readouterr().out) == _facts(db) - before > 0
