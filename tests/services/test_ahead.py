"""Work handed over by a worker process (`lineage.services.ahead`), and event logs read that way."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from lineage.errors import CollectorError
from lineage.graph import load_graph
from lineage.project import load_project
from lineage.services import collect as collect_service
from lineage.services import logs
from lineage.services.ahead import WorkerDied, ahead
from lineage.store import open_store
from tests.openlineage.test_files import _consumer
from tests.pg import PgServer, schema_url

FIRST = b"".join(_consumer(i, f"in{i % 7}") for i in range(300))
APPENDED = b"".join(_consumer(1000 + i, f"in{i % 5}") for i in range(200))


def _collect_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, *, worker: bool) -> tuple[int, int]:
    """The facts stored by collecting a log, then the same log with lines appended, into `db`."""
    monkeypatch.setattr(logs, "AHEAD_OVER_BYTES", 0 if worker else 1 << 62)
    log = tmp_path / f"events-{worker}.jsonl"
    project = load_project(None, db=db)
    log.write_bytes(FIRST)
    facts = collect_service.collect(project, [log]).facts
    log.write_bytes(FIRST + APPENDED)
    again = collect_service.collect(project, [log])
    assert not again.errors
    return facts, again.facts


def _numbers(count: int) -> Iterator[int]:
    yield from range(count)


def _fails_after(count: int) -> Iterator[int]:
    yield from range(count)
    raise CollectorError("the source went away at item 3")


def _kills_itself() -> Iterator[int]:
    yield 1
    os.kill(os.getpid(), signal.SIGKILL)
    yield 2


def _endless() -> Iterator[int]:
    n = 0
    while True:
        yield n
        n += 1


def test_items_arrive_in_the_order_the_worker_made_them() -> None:
    assert list(ahead(_numbers, 500)) == list(range(500))


def test_an_error_in_the_worker_is_raised_here_with_its_type_after_the_items_before_it() -> None:
    got: list[int] = []
    with pytest.raises(CollectorError, match="went away at item 3"):
        got.extend(ahead(_fails_after, 3))
    assert got == [0, 1, 2]


def test_a_worker_that_dies_is_reported_not_waited_for() -> None:
    with pytest.raises(WorkerDied, match="exit code -9"):
        list(ahead(_kills_itself))


def test_leaving_early_stops_the_worker() -> None:
    import multiprocessing

    items = ahead(_endless)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert not [p for p in multiprocessing.active_children() if p.name == "lineage-ahead"]


def test_a_large_log_read_by_a_worker_stores_what_one_process_stores_and_resumes_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _collect_twice(tmp_path, monkeypatch, str(tmp_path / "alone.duckdb"), worker=False)
    worker = _collect_twice(tmp_path, monkeypatch, str(tmp_path / "worker.duckdb"), worker=True)
    assert worker == alone and alone[0] > 0 and alone[1] > 0
    one, two = (open_store(tmp_path / f"{n}.duckdb") for n in ("alone", "worker"))
    assert two.counts() == one.counts()
    assert [(s.offset, s.line) for s in two.source_states(collect_service.LOGS).values()] == [
        (s.offset, s.line) for s in one.source_states(collect_service.LOGS).values()] == [(len(FIRST + APPENDED), 501)]
    a, b = load_graph(one), load_graph(two)
    assert sorted(b.edges()) == sorted(a.edges())
    assert {n["id"] for n in b.nodes()} == {n["id"] for n in a.nodes()}


def test_a_log_read_by_a_worker_into_postgresql_stores_what_one_process_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_server: PgServer
) -> None:
    urls = [schema_url(pg_server) for _ in range(2)]
    alone = _collect_twice(tmp_path, monkeypatch, urls[0], worker=False)
    assert _collect_twice(tmp_path, monkeypatch, urls[1], worker=True) == alone and alone[0] > 0
    one, two = (open_store(url) for url in urls)
    assert two.counts() == one.counts()
    assert sorted(load_graph(two).edges()) == sorted(load_graph(one).edges())
