"""Many writers on one PostgreSQL store: each fact stored once, one current snapshot per source,
and a reader that always sees whole batches."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from lineage.errors import StoreError
from lineage.graph import load_graph
from lineage.models import RawInput
from lineage.store import open_store
from tests.conftest import chain_batch

T0 = datetime(2026, 4, 1, tzinfo=UTC)
EVENTS = 40


def _event(i: int) -> Any:
    """One append-only 'event': its own run of a job reading one table and writing the next."""
    return chain_batch(f"event-{i}", [f"t{i}", f"t{i + 1}"], at=T0 + timedelta(seconds=i), append_only=True,
                       content=f"event {i}".encode(), collector="openlineage", job=f"job{i % 7}")


def _grouped(order: list[int], size: int) -> list[Any]:
    """The events in `order`, delivered in groups of `size` (as a replica's group commit does)."""
    batches = []
    for start in range(0, len(order), size):
        group = [_event(i) for i in order[start:start + size]]
        batch = group[0]
        for other in group[1:]:
            batch.facts.extend(other.facts)
        batch.raw = RawInput(collector="openlineage", source="http", append_only=True,
                             content=b"\n".join(g.raw.content for g in group))
        batches.append(batch)
    return batches


def _run_all(work: list[Any]) -> None:
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def _fact_keys(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url) as con:
        return {table: [r[0] for r in con.execute(f"SELECT fact_key FROM {table}").fetchall()]
                for table in ("node_facts", "edge_facts", "column_facts")}


def test_the_same_events_from_four_writers_in_different_groups_are_stored_once(pg_server: Any) -> None:
    from tests.pg import schema_url

    shared, reference = schema_url(pg_server), schema_url(pg_server)
    for batch in _grouped(list(range(EVENTS)), 1):
        open_store(reference).ingest(batch)
    orders = [list(range(EVENTS)), list(reversed(range(EVENTS))), list(range(0, EVENTS, 2)) + list(range(1, EVENTS, 2)),
              list(range(EVENTS))]
    writers = []
    for n, order in enumerate(orders):
        store = open_store(shared)
        batches = _grouped(order, 3 + n)
        writers.append(lambda store=store, batches=batches: [store.ingest(b) for b in batches])
    _run_all(writers)
    got, want = _fact_keys(shared), _fact_keys(reference)
    for table in got:
        assert len(got[table]) == len(set(got[table])), f"{table}: a fact was stored twice"
        assert sorted(got[table]) == sorted(want[table]), table
    graph, expected = load_graph(open_store(shared)), load_graph(open_store(reference))
    assert sorted(n["id"] for n in graph.nodes()) == sorted(n["id"] for n in expected.nodes())
    assert graph.number_of_edges() == expected.number_of_edges() == 2 * EVENTS


def test_the_same_input_from_two_writers_at_once_is_stored_once(pg_schema_url: str) -> None:
    stores = [open_store(pg_schema_url) for _ in range(6)]
    results: list[Any] = []
    _run_all([lambda s=s: results.append(s.ingest(chain_batch("spec.yaml", ["a", "b"], at=T0))) for s in stores])
    assert sorted(r.skipped for r in results) == [False] + [True] * 5
    assert stores[0].counts()["inputs"] == 1


def test_concurrent_snapshots_of_one_source_leave_exactly_one_current(pg_schema_url: str) -> None:
    stores = [open_store(pg_schema_url) for _ in range(5)]
    _run_all([lambda s=s, i=i: s.ingest(chain_batch("spec.yaml", ["a", f"v{i}"], at=T0)) for i, s in enumerate(stores)])
    with psycopg.connect(pg_schema_url) as con:
        current = con.execute("SELECT count(*) FROM inputs WHERE superseded_at IS NULL").fetchone()
    assert current == (1,)
    assert len([n for n in load_graph(stores[0]).nodes() if ":v" in n["id"]]) == 1


def test_a_reader_sees_whole_batches_while_writers_ingest(pg_schema_url: str) -> None:
    batches, edges_per_batch = 12, 2 * 20
    seen: list[int] = []
    done = threading.Event()

    def write(offset: int) -> None:
        store = open_store(pg_schema_url)
        for i in range(offset, batches, 2):
            store.ingest(chain_batch(f"batch{i}.yaml", [f"b{i}_t{j}" for j in range(21)]))

    def read() -> None:
        store = open_store(pg_schema_url)
        while not done.is_set():
            seen.append(load_graph(store).number_of_edges())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _run_all([lambda: write(0), lambda: write(1)])
    finally:
        done.set()
        reader.join(60)
    seen.append(load_graph(open_store(pg_schema_url)).number_of_edges())
    assert len(seen) >= 2
    assert seen == sorted(seen), "the graph never goes backwards"
    assert all(n % edges_per_batch == 0 for n in seen), f"a reader saw half a batch: {seen}"
    assert seen[-1] == batches * edges_per_batch


def test_a_write_after_the_server_dropped_the_connection_is_redone_on_a_new_one(pg_schema_url: str) -> None:
    store = open_store(pg_schema_url)
    store.ingest(chain_batch("a.yaml", ["a", "b"], at=T0))
    with store._pool.connection() as con:  # the pooled connection the next write would use
        pid = con.info.backend_pid
    with psycopg.connect(pg_schema_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    store.ingest(chain_batch("b.yaml", ["c", "d"], at=T0))
    assert store.counts()["inputs"] == 2


def test_a_read_only_role_can_read_the_graph_and_cannot_write(pg_schema_url: str) -> None:
    from urllib.parse import parse_qs, urlsplit

    writer = open_store(pg_schema_url)
    writer.ingest(chain_batch("a.yaml", ["a", "b"], at=T0))
    schema = parse_qs(urlsplit(pg_schema_url).query)["options"][0].split("=", 1)[1]
    role = f"ro_{schema}"
    with psycopg.connect(pg_schema_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
        admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
    reader = open_store(pg_schema_url.replace("postgres@", f"{role}@", 1))
    assert load_graph(reader).number_of_edges() == 2
    assert reader.counts()["inputs"] == 1 and reader.reviews() == []
    with pytest.raises(StoreError, match="may only read"):
        reader.ingest(chain_batch("b.yaml", ["c", "d"], at=T0))
    from lineage.policy.project import PolicyConfig
    from lineage.services.check import run_check

    found = run_check(reader, PolicyConfig())  # worked out, and not kept: the reader may not write
    with psycopg.connect(pg_schema_url, autocommit=True) as admin:
        admin.execute(f'SET search_path = "{schema}"')
        assert admin.execute("SELECT count(*) FROM derived_results").fetchone() == (0,)
    assert found == run_check(writer, PolicyConfig())
