"""Questions about the past, part by part: the graph read from the facts valid at a time equals
the graph merged from every fact of that time, node by node and walk by walk, on both backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from lineage import focused
from lineage.errors import NodeNotFound
from lineage.graph import LineageGraph
from lineage.models import FLOW_EDGES
from lineage.store import Store
from tests.store.support import fill
from tests.store.test_current_graph import collect_samples, snapshot


def _times(store: Store) -> list[datetime]:
    """Before anything, after the samples, between two snapshots of one source, and now."""
    start = datetime.now(UTC) - timedelta(seconds=1)
    collect_samples(store)
    time.sleep(0.01)
    samples = datetime.now(UTC)
    time.sleep(0.01)
    between = fill(store)
    return [start, samples, between, datetime.now(UTC) + timedelta(days=1)]


def test_the_past_read_part_by_part_equals_the_facts_merged_then(store: Store) -> None:
    for at in _times(store):
        merged = LineageGraph.from_data(store.graph_data(at))
        past = store.as_of(at)
        ids = sorted(n["id"] for n in merged.nodes())
        assert past.node_ids() == ids
        whole = merged.stats()
        assert past.stats() == {key: whole[key] for key in ("nodes", "edges", "by_kind", "edges_by_kind")}
        assert snapshot(LineageGraph.from_current(past.current_part(ids))) == snapshot(merged)
        for node in ids[::4]:
            for upstream in (True, False):
                walk = merged.upstream if upstream else merged.downstream
                assert past.walk(node, reverse=upstream, depth=None, edge_kinds=FLOW_EDGES) == walk(node), node
            assert focused.walk(past, node, upstream=True, depth=2)[0] == merged.upstream(node, depth=2)


def test_the_past_finds_nodes_by_id_name_and_part_of_the_id(store: Store) -> None:
    at = _times(store)[1]
    past = store.as_of(at)
    merged = LineageGraph.from_data(store.graph_data(at))
    names = [n["name"] for n in merged.nodes()]
    some = sorted(n["id"] for n in merged.nodes() if names.count(n["name"]) == 1)[7]
    assert focused.resolve(past, some) == merged.resolve(some) == some
    name = merged.node(some)["name"]
    assert focused.resolve(past, name) == merged.resolve(name) == some
    with pytest.raises(NodeNotFound, match="matches 4 nodes"):  # as the merged graph says
        merged.resolve("*")
    with pytest.raises(NodeNotFound, match="matches 4 nodes"):
        focused.resolve(past, "*")
    ids = sorted(n["id"] for n in merged.nodes())
    assert focused.search(past, "customer") == [n for n in ids if "customer" in n.casefold()][:50]


def test_a_node_not_yet_there_is_not_found_in_the_past(store: Store) -> None:
    start, samples, _, _ = _times(store)
    later = "dataset:postgres://db:5432:scores"  # made by `fill`, after the samples
    with pytest.raises(NodeNotFound):
        store.as_of(samples).walk(later, reverse=True, depth=None, edge_kinds=FLOW_EDGES)
    assert store.as_of(start).node_ids() == []


def test_the_changes_between_two_times_read_part_by_part_equal_those_of_the_whole_graphs(store: Store) -> None:
    from lineage.diff import diff_graphs

    kinds = {"read", "write", "runs", "grant"}
    times: list[datetime | None] = [*_times(store), None]
    compared = 0
    for before in times:
        for after in times:
            whole = diff_graphs(*(load(store, t) for t in (before, after)), edge_kinds=kinds)
            part = diff_graphs(*focused.changes(store, before, after), edge_kinds=kinds)
            assert part == whole, (before, after)
            compared += not whole.is_empty()
    assert compared >= 10, "most pairs of times differ"


def load(store: Store, at: datetime | None) -> LineageGraph:
    from lineage.graph import load_graph

    return load_graph(store, at)


def test_the_changes_read_part_by_part_follow_a_name_that_became_an_alias(store: Store) -> None:
    from lineage.diff import diff_graphs
    from lineage.models import Dataset, Edge, EdgeKind, Evidence, LineageBatch, Process, RawInput

    def batch(name: str, *facts: object) -> LineageBatch:
        out = LineageBatch(collector="test", source=name)
        out.add(*facts)  # type: ignore[arg-type]
        out.raw = RawInput(collector="test", source=name, content=name.encode())
        return out

    ev = Evidence(collector="test", source="a", observed_at=datetime.now(UTC) - timedelta(seconds=5))
    hive, job = Dataset(namespace="hive://metastore", name="sales.orders", evidence=ev), Process(
        namespace="etl", name="report", evidence=ev)
    store.ingest(batch("a", hive, job, Edge(source=hive.ref, target=job.ref, kind=EdgeKind.READ, evidence=ev)))
    time.sleep(0.01)
    first = datetime.now(UTC)
    time.sleep(0.01)
    store.ingest(batch("b", Dataset(namespace="s3://lake", name="orders", aliases=(hive.ref.id,), evidence=ev)))

    whole = diff_graphs(load(store, first), load(store, None))
    assert ("dataset:s3://lake:orders", "process:etl:report", "read") in whole.flows_added
    assert diff_graphs(*focused.changes(store, first, None)) == whole
