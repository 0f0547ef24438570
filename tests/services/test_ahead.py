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
from lineage.services.ahead import WorkerDied, ahead
from lineage.store import open_store
from tests.openlineage.test_files import _consumer


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
    log = tmp_path / "events.jsonl"
    first = b"".join(_consumer(i, f"in{i % 7}") for i in range(300))
    appended = b"".join(_consumer(1000 + i, f"in{i % 5}") for i in range(200))

    def collect_twice(name: str, over: int) -> tuple[int, int]:
        monkeypatch.setattr(collect_service, "AHEAD_OVER_BYTES", over)
        project = load_project(None, db=str(tmp_path / f"{name}.duckdb"))
        log.write_bytes(first)
        facts = collect_service.collect(project, [log]).facts
        log.write_bytes(first + appended)
        again = collect_service.collect(project, [log])
        assert not again.errors
        return facts, again.facts

    alone = collect_twice("alone", 1 << 62)
    worker = collect_twice("worker", 0)
    assert worker == alone and alone[0] > 0 and alone[1] > 0
    one, two = (open_store(tmp_path / f"{n}.duckdb") for n in ("alone", "worker"))
    assert two.counts() == one.counts()
    assert [(s.offset, s.line) for s in two.source_states(collect_service.LOGS).values()] == [
        (s.offset, s.line) for s in one.source_states(collect_service.LOGS).values()] == [(len(first + appended), 501)]
    a, b = load_graph(one), load_graph(two)
    assert sorted(b.edges()) == sorted(a.edges())
    assert {n["id"] for n in b.nodes()} == {n["id"] for n in a.nodes()}
