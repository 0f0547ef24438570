"""Acknowledged means visible: events an endpoint answered 201 for are seen by every command that
opens the store, even when the endpoint was killed before it stored them and is not restarted."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState

from lineage.errors import StoreError
from lineage.graph import load_graph
from lineage.services.fold import JournalState, fold, open_current
from lineage.services.journal import FOLD, SERVE, Journal, JournalBusy, JournalLock, journal_holder, segment_name
from lineage.store import open_store
from tests.openlineage.support import REPO_ROOT, Server, start_server
from tests.server.test_server import NOW, PRODUCER, client

RUNS = 12


def _cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINEAGE_", "OPENLINEAGE"))}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run([sys.executable, "-m", "lineage.cli", *args], cwd=tmp, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@contextmanager
def _locked(db: Path) -> Iterator[None]:
    """Another process holds the store, so the endpoint can only journal what it acknowledges."""
    locker = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(120)",
         str(db)],
        stdout=subprocess.PIPE)
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == b"locked"
        yield
    finally:
        locker.kill()
        locker.wait()


def _emit_then_kill(tmp: Path) -> Server:
    """An endpoint acknowledges RUNS events (source.raw_<i> -> job-<i> -> mart.out_<i>), then is
    SIGKILLed before it could store any of them."""
    tmp.mkdir()
    s = start_server(tmp)
    with _locked(s.db):
        ol = client(s)
        for i in range(RUNS):  # the client raises unless the endpoint answers 201
            ol.emit(RunEvent(
                eventType=RunState.COMPLETE, eventTime=NOW, run=Run(runId=str(uuid.uuid4())),
                job=Job(namespace="crash", name=f"job-{i}"), producer=PRODUCER,
                inputs=[InputDataset(namespace="postgres://db:5432", name=f"source.raw_{i}")],
                outputs=[OutputDataset(namespace="postgres://db:5432", name=f"mart.out_{i}")]))
        s.stop(signal.SIGKILL)
    assert s.process.returncode == -signal.SIGKILL
    return s


def _copy_of(s: Server, to: Path) -> Path:
    """The store and its journal, as the crash left them, in a folder of their own."""
    to.mkdir()
    db = to / s.db.name
    shutil.copy(s.db, db)
    shutil.copytree(s.db.with_name(s.db.name + ".journal"), db.with_name(db.name + ".journal"))
    return db


def _processes(db: Path) -> set[str]:
    """What the store holds, read without folding anything."""
    return {n["name"] for n in load_graph(open_store(db)).nodes("process") if n["namespace"] == "crash"}


def test_events_acknowledged_before_sigkill_are_seen_by_graph_export_and_check_without_a_restart(
        tmp_path: Path) -> None:
    s = _emit_then_kill(tmp_path / "served")
    journal = s.db.with_name(s.db.name + ".journal")
    assert list(journal.glob("*.jsonl")), "the endpoint stored before the kill; the test proves nothing"
    assert _processes(s.db) == set()  # the crash left every acknowledged event in the journal only
    expected = {f"job-{i}" for i in range(RUNS)}

    db = _copy_of(s, tmp_path / "graph")
    result = _cli(db.parent, "graph", "upstream", "mart.out_3", "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    walked = {node["id"] for node in json.loads(result.stdout)["nodes"]}
    assert "process:crash:job-3" in walked and "dataset:postgres://db:5432:source.raw_3" in walked
    assert f"stored {RUNS} event(s) an endpoint had acknowledged" in result.stderr
    assert _processes(db) == expected

    db = _copy_of(s, tmp_path / "export")
    result = _cli(db.parent, "export", "--format", "json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)
    assert {n["name"] for n in exported["nodes"] if n.get("namespace") == "crash"} == expected
    assert not db.with_name(db.name + ".journal").exists()

    db = _copy_of(s, tmp_path / "check")
    result = _cli(db.parent, "check", "--format", "json", "--fail-on", "critical", "--db", str(db))
    assert result.returncode == 0, result.stderr
    flagged = {node for f in json.loads(result.stdout)["findings"] for node in f["nodes"]}
    assert {f"dataset:postgres://db:5432:source.raw_{i}" for i in range(RUNS)} <= flagged  # no known origin
    assert _processes(db) == expected


def test_a_reader_of_a_store_whose_live_endpoint_is_behind_is_told_how_many_events_are_journaled(
        tmp_path: Path) -> None:
    s = start_server(tmp_path)
    try:
        with _locked(s.db):
            ol = client(s)
            for i in range(3):
                ol.emit(RunEvent(eventType=RunState.COMPLETE, eventTime=NOW, run=Run(runId=str(uuid.uuid4())),
                                 job=Job(namespace="crash", name=f"job-{i}"), producer=PRODUCER))
            state = fold(open_store(s.db), s.db.with_name(s.db.name + ".journal"), wait=1)
            assert state == JournalState(pending=3, endpoint=s.process.pid)
            assert state.message() is not None and "3 event(s) acknowledged by the endpoint" in state.message()
        s.settled()
        assert _processes(s.db) == {"job-0", "job-1", "job-2"}  # the live endpoint stored them itself
    finally:
        s.stop()


def _journal_of(db: Path, events: int) -> Path:
    folder = db.with_name(db.name + ".journal")
    folder.mkdir()
    lines = b"".join(
        b"http:127.0.0.1\t" + json.dumps({
            "eventType": "COMPLETE", "eventTime": NOW, "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "crash", "name": f"job-{i}"}, "producer": PRODUCER}).encode() + b"\n"
        for i in range(events))
    (folder / segment_name(1)).write_bytes(lines)
    return folder


def test_concurrent_folds_store_each_event_once_and_every_reader_sees_them(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    open_store(db).migrate()
    folder = _journal_of(db, 40)
    seen: list[set[str]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            open_current(db, lock_timeout=60, say=None)
            seen.append(_processes(db))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert seen == [{f"job-{i}" for i in range(40)}] * 4  # each reader saw every event once it had the store
    assert not folder.exists()
    assert open_store(db).counts()["inputs"] == 1  # one fold stored the events, once


def test_an_endpoint_starting_while_a_command_folds_waits_for_the_fold(tmp_path: Path) -> None:
    folder = tmp_path / "s.duckdb.journal"
    lock = JournalLock(folder, FOLD)
    assert journal_holder(folder) is not None and journal_holder(folder).role == FOLD  # type: ignore[union-attr]
    with pytest.raises(JournalBusy, match="another command"):
        Journal(folder, wait=0.2)
    threading.Timer(0.3, lambda: lock.release(remove_if_empty=True)).start()
    journal = Journal(folder, wait=120)  # gets the journal once the fold lets go
    assert journal_holder(folder) is not None and journal_holder(folder).role == SERVE  # type: ignore[union-attr]
    with pytest.raises(JournalBusy, match="another `lineage serve`"):
        JournalLock(folder, FOLD, wait=30)  # a live endpoint is never waited for
    journal.close()
    assert not folder.exists()


def test_a_journal_that_cannot_be_stored_now_is_kept_and_stored_by_the_next_command(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    open_store(db).migrate()
    folder = _journal_of(db, 2)
    with _locked(db), pytest.raises(StoreError, match=r"s\.duckdb"):
        open_current(db, lock_timeout=1, say=None)
    assert list(folder.glob("*.jsonl"))  # nothing acknowledged is lost
    assert journal_holder(folder) is None
    open_current(db, lock_timeout=30, say=None)
    assert _processes(db) == {"job-0", "job-1"}
