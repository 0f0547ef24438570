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
