"""A store filled with one of everything, and a comparison of everything a store answers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from lineage.store import RunRecord, SourceState, Store
from tests.conftest import chain_batch

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fill(store: Store) -> datetime:
    """Snapshots (one superseded), append-only events delivered twice, a problem, runs of a job,
    reviews, job source states and parse-cache entries; returns a time between the snapshots."""
    store.ingest(chain_batch("p.yaml", ["raw", "clean"], at=T0))
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    bad = chain_batch("p.yaml", ["raw", "features", "model"], at=T0 + timedelta(hours=1))
    bad.problem("role must be origin, store or cache", line=7, field="datasets.0.role")
    store.ingest(bad)
    for i, content in enumerate((b"one", b"two")):
        store.ingest(chain_batch(f"events-{i}.jsonl", ["features", "scores"], at=T0, append_only=True,
                                 content=content, job="etl", collector="openlineage"))
    for i in range(3):
        store.record_run(RunRecord(run_id=f"r{i}", command="jobs run nightly", started_at=T0 + timedelta(days=i),
                                   status="ok", finished_at=T0 + timedelta(days=i, minutes=1), sources=2,
                                   facts=10 * i, detail={"paths": ["a", "b"]}, job="nightly" if i else None))
    store.save_source_states([
        SourceState(job="nightly", source="events.jsonl", size=10, mtime_ns=5, content_sha="abc", offset=10, line=2,
                    detail={"inode": 7}, updated_at=T0),
        SourceState(job="nightly", source="spec.yaml", content_sha="def", updated_at=T0),
    ])
    store.cache_parses({"fp1": '{"tables": 1}', "fp2": '{"tables": 2}'})
    store.add_review("finding-a", "accepted_risk", "ana", "vendor contract signed")
    store.add_review("finding-a", "open", "bob", "contract expired")
    store.add_review("finding-b", "false_positive", "ana", "test data only", expires_at=T0 + timedelta(days=90))
    return between


def _graph(store: Store, as_of: datetime | None) -> dict[str, Any]:
    data = store.graph_data(as_of)
    return {
        "nodes": sorted((n.node_id, n.kind, n.namespace, n.name, repr(sorted(n.body.items())), n.layer,
                         n.observed_at) for n in data.nodes),
        "edges": sorted(data.edges),
        "columns": sorted(repr(sorted(c.items())) for c in data.column_lineage),
    }


def snapshot(store: Store, between: datetime) -> dict[str, Any]:
    """Everything `store` answers about what `fill` stored."""
    return {
        "counts": store.counts(),
        "graph": _graph(store, None),
        "graph_before": _graph(store, between),
        "facts": sorted((tuple(sorted(f.items())) for f in store.facts_about(["dataset:postgres://db:5432:features"])),
                        key=repr),
        "problems": store.problems(),
        "runs": store.runs(),
        "job_runs": store.job_runs("nightly"),
        "states": store.source_states("nightly"),
        "parses": store.cached_parses(["fp1", "fp2", "fp3"]),
        "reviews": store.reviews(),
        "history": store.review_history("finding-a"),
        "raw": [(r.collector, r.source, r.content, r.append_only) for r in store.raw_inputs()],
        "columns": store.dataset_columns(),
    }
