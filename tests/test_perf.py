"""Pauses of the cyclic garbage collector, and what a short-lived command does when one ends."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lineage import perf
from lineage.cli import main


@pytest.fixture
def unfrozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(perf, "_FREEZE", False)
    yield
    gc.unfreeze()


def test_a_pause_leaves_objects_to_the_collector_unless_the_process_ends_soon(unfrozen: None) -> None:
    with perf.paused_gc():
        kept = [[i] for i in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    perf.freeze_after_pauses()
    with perf.paused_gc():
        kept += [[i] for i in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() >= 2000


def test_commands_run_inside_another_program_never_freeze_its_objects(unfrozen: None, tmp_path: Path) -> None:
    main(["check", "--db", str(tmp_path / "s.duckdb")])  # a test, a notebook: argv given, not this process's
    assert not perf._FREEZE and gc.get_freeze_count() == 0


@pytest.mark.parametrize(("command", "frozen"), [("check", True), ("serve", False)])
def test_a_command_in_its_own_process_freezes_after_pauses_unless_it_runs_for_long(
        tmp_path: Path, command: str, frozen: bool) -> None:
    script = ("import json, sys; from lineage import perf; from lineage.cli import main; "
              f"sys.argv = ['lineage', {command!r}, '--help']; code = main(); "
              "print(json.dumps([code, perf._FREEZE]))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [0, frozen]
