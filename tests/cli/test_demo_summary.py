"""The demo's summary names what it counts in correct English plurals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.words import counted, plural


@pytest.mark.parametrize(("noun", "expected"), [
    ("dataset", "datasets"), ("process", "processes"), ("identity", "identities"), ("key", "keys"),
    ("flow", "flows"), ("batch", "batches"), ("index", "indexes"), ("Identity", "Identities"),
])
def test_plural_follows_the_regular_english_rules(noun: str, expected: str) -> None:
    assert plural(noun) == expected
    assert plural(noun, 1) == noun
    assert counted(1, noun) == f"1 {noun}" and counted(0, noun) == f"0 {expected}"


def test_the_demo_summary_counts_processes_and_identities_in_plain_english(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-serve", "--db", str(tmp_path / "demo.duckdb")]) in (0, 1)
    out = capsys.readouterr().out
    summary = out.split("Lineage map", 1)[1].split("Third-party processors", 1)[0]
    rows = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\W*([a-z][a-z ]*?)\s+\W?\s*(\d+)\s*\W*$", summary,
                                                           re.MULTILINE)}
    assert {"datasets", "processes", "identities"} <= set(rows), summary
    assert all(rows[k] > 0 for k in ("datasets", "processes", "identities"))
    assert "processs" not in out and "identitys" not in out
