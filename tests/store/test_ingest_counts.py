"""An ingest reports as new only the facts the store gained: facts an earlier delivery stored
already (a job read the first part of a log, then the whole log is collected) are not new. A
claim repeated by many events is one row; the facts it stands for are its observations."""

from __future__ import annotations

from typing import Any

from collectors.base import Source, get_collector
from collectors.openlineage import OpenLineageCollector
from tests.conftest import SAMPLES

EVENTS = SAMPLES / "warehouse_elt" / "openlineage_events.jsonl"


def _facts(store: Any) -> int:
    """The facts stated to the store: each claim as many times as events made it."""
    return store.counts()["observations"]


def test_collecting_a_whole_log_after_a_job_read_its_parts_reports_only_the_facts_gained(store: Any) -> None:
    lines = EVENTS.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 4
    half = len(lines) // 2
    source = str(EVENTS)
    # a scheduled job reads the log in two parts, each from the offset the last one ended at
    reported = 0
    for first, part in ((1, lines[:half]), (half + 1, lines[half:])):
        before = _facts(store)
        result = store.ingest(OpenLineageCollector().collect_lines(source, b"".join(part), first_line=first))
        assert not result.skipped
        assert result.facts == _facts(store) - before
        reported += result.facts
    assert reported == _facts(store) > 0
    # then `lineage collect` reads the whole file: every fact in it is stored already
    whole = get_collector("openlineage").collect(Source(name=source, data=EVENTS.read_bytes()))
    assert whole.facts and whole.raw is not None and whole.raw.append_only
    before = _facts(store)
    result = store.ingest(whole)
    assert not result.skipped
    assert _facts(store) == before
    assert result.facts == 0


def test_a_log_collected_in_halves_then_whole_reports_what_each_ingest_added(store: Any) -> None:
    data = EVENTS.read_bytes()
    lines = data.splitlines(keepends=True)
    collector = get_collector("openlineage")
    first = collector.collect(Source(name=str(EVENTS), data=b"".join(lines[: len(lines) // 2])))
    stored = store.ingest(first).facts
    assert stored == _facts(store) > 0
    before = _facts(store)
    again = store.ingest(collector.collect(Source(name=str(EVENTS), data=data)))
    assert not again.skipped
    assert again.facts == _facts(store) - before > 0
