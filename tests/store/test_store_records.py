"""Runs, job source states, the parse cache and reviews behave the same on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lineage.errors import PolicyError
from lineage.store import RunRecord, SourceState, Store

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_run_recorded_again_is_updated_not_duplicated(store: Store) -> None:
    run = RunRecord(run_id="r1", command="collect", started_at=T0)
    store.record_run(run)
    run.status, run.finished_at, run.facts = "ok", T0 + timedelta(seconds=5), 12
    store.record_run(run)
    (stored,) = store.runs()
    assert (stored.status, stored.finished_at, stored.facts) == ("ok", T0 + timedelta(seconds=5), 12)
    assert store.counts()["collection_runs"] == 1


def test_job_history_lists_only_that_jobs_runs_newest_first(store: Store) -> None:
    for i, job in enumerate(["nightly", "hourly", "nightly", None]):
        store.record_run(RunRecord(run_id=f"r{i}", command="jobs run", started_at=T0 + timedelta(hours=i), job=job))
    runs = store.job_runs("nightly")
    assert [r.run_id for r in runs] == ["r2", "r0"]
    assert all(r.job == "nightly" for r in runs)
    assert [r.run_id for r in store.runs(limit=2)] == ["r3", "r2"]


def test_source_states_are_replaced_per_job_and_source(store: Store) -> None:
    store.save_source_states([SourceState(job="j", source="a.jsonl", offset=10, line=3, detail={"inode": 1}),
                              SourceState(job="other", source="a.jsonl", offset=99)])
    store.save_source_states([SourceState(job="j", source="a.jsonl", offset=25, line=7, size=25, mtime_ns=123456789)])
    (state,) = store.source_states("j").values()
    assert (state.offset, state.line, state.size, state.mtime_ns, state.detail) == (25, 7, 25, 123456789, {})
    assert state.updated_at is not None
    assert store.source_states("other")["a.jsonl"].offset == 99
    assert store.source_states("nobody") == {}


def test_parse_cache_returns_known_fingerprints_and_replaces_entries(store: Store) -> None:
    store.cache_parses({"a": '{"v": 1}', "b": '{"v": 2}'})
    store.cache_parses({"a": '{"v": 3}'})
    assert store.cached_parses(["a", "b", "c"]) == {"a": '{"v": 3}', "b": '{"v": 2}'}
    assert store.cached_parses([]) == {}


def test_reviews_keep_the_latest_decision_and_the_whole_history(store: Store) -> None:
    store.add_review("f1", "accepted_risk", "ana", "signed DPA", expires_at=T0 + timedelta(days=30))
    store.add_review("f2", "false_positive", "bob", "fixture data")
    store.add_review("f1", "open", "cy", "DPA withdrawn")
    latest = store.reviews()
    assert [(r.fingerprint, r.status, r.reviewer) for r in latest] == [("f1", "open", "cy"),
                                                                       ("f2", "false_positive", "bob")]
    history = store.review_history("f1")
    assert [r.status for r in history] == ["accepted_risk", "open"]
    assert history[0].expires_at == T0 + timedelta(days=30)


def test_an_invalid_review_is_refused_and_not_stored(store: Store) -> None:
    with pytest.raises(PolicyError):
        store.add_review("f1", "maybe", "ana", "unsure")
    assert store.reviews() == []
