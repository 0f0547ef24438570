"""The current graph the store keeps equals the graph merged from the facts: after every batch, in
any ingest order, after a rebuild, on both backends; and the focused reads answer as the whole
graph does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.errors import NodeNotFound
from lineage.graph import LineageGraph
from lineage.models import (
    ALL_EDGES,
    FLOW_EDGES,
    Column,
    ColumnLineage,
    ColumnRef,
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Identity,
    Layer,
    LineageBatch,
    NodeRef,
    Permission,
    Process,
    RawInput,
    Role,
)
from lineage.store import Store
from tests.pg import BACKENDS, open_backend

T0 = datetime(2026, 5, 1, tzinfo=UTC)
NS = "pg://db"
NAMES = ["a", "b", "c", "d", "e"]
SAMPLES = Path(__file__).resolve().parents[2] / "sample_pipelines"


def snapshot(g: LineageGraph) -> tuple[Any, ...]:
    """Everything a graph says, comparable: nodes with attributes, edges, column lineage."""
    return ({n["id"]: n for n in g.nodes()}, sorted(g.edges()),
            sorted(json.dumps(c, sort_keys=True) for c in g.column_lineage))


def assert_current(store: Store) -> None:
    merged = snapshot(LineageGraph.from_data(store.graph_data()))
    kept = snapshot(LineageGraph.from_current(store.current_graph()))
    assert kept[0] == merged[0]
    assert kept[1] == merged[1]
    assert kept[2] == merged[2]


# -- batches ---------------------------------------------------------------------------------------

_dataset = st.builds(
    lambda name, role, classes, cols, aliases, layer, hours: (name, role, classes, cols, aliases, layer, hours),
    st.sampled_from(NAMES), st.sampled_from([None, Role.STORE, Role.CACHE, Role.ORIGIN]),
    st.lists(st.sampled_from(["pii.email", "pii.name", "secret"]), max_size=2, unique=True),
    st.lists(st.sampled_from(["id", "email", "total"]), max_size=2, unique=True),
    st.lists(st.sampled_from(NAMES), max_size=1), st.sampled_from(list(Layer)), st.integers(0, 3))
_edge = st.tuples(st.sampled_from(NAMES), st.sampled_from(["j1", "j2"]), st.sampled_from(NAMES),
                  st.sampled_from([0.5, 1.0]))
_batch = st.fixed_dictionaries({
    "source": st.sampled_from(["one.yaml", "two.yaml", "log.jsonl"]),
    "content": st.integers(0, 3),
    "datasets": st.lists(_dataset, max_size=3),
    "edges": st.lists(_edge, max_size=3),
    "grant": st.booleans(),
    "columns": st.booleans(),
})


def make_batch(spec: dict[str, Any]) -> LineageBatch:
    """A batch from a drawn spec: a `.jsonl` source is append-only, others are snapshots."""
    source = spec["source"]
    append_only = source.endswith(".jsonl")
    batch = LineageBatch(collector="test", source=source)
    for name, role, classes, cols, aliases, layer, hours in spec["datasets"]:
        ev = Evidence(collector="test", source=source, layer=layer, observed_at=T0 + timedelta(hours=hours))
        batch.add(Dataset(namespace=NS, name=name, role=role, classifications=tuple(classes),
                          columns=tuple(Column(name=c, classifications=tuple(classes[:1])) for c in cols),
                          aliases=tuple(f"dataset:{NS}:{a}" for a in aliases if a != name), evidence=ev))
    ev = Evidence(collector="test", source=source, layer=Layer.OBSERVED, observed_at=T0)
    for src, job, dst, confidence in spec["edges"]:
        proc = Process(namespace="jobs", name=job, evidence=ev)
        batch.add(proc, Edge(source=NodeRef.dataset(NS, src), target=proc.ref, kind=EdgeKind.READ,
                             confidence=confidence, evidence=ev),
                  Edge(source=proc.ref, target=NodeRef.dataset(NS, dst), kind=EdgeKind.WRITE, evidence=ev))
        if spec["columns"]:
            batch.add(ColumnLineage(target=ColumnRef(dataset=NodeRef.dataset(NS, dst), column="total"),
                                    sources=(ColumnRef(dataset=NodeRef.dataset(NS, src), column="id"),),
                                    process=proc.ref, evidence=ev))
    if spec["grant"]:
        ident = Identity(namespace="agents", name="bot", evidence=ev)
        batch.add(ident, Edge(source=ident.ref, target=NodeRef.dataset(NS, "a"), kind=EdgeKind.GRANT,
                              permissions=(Permission.READ,), evidence=ev))
    content = f"{source}:{spec['content']}:{json.dumps(spec, default=str, sort_keys=True)}".encode()
    batch.raw = RawInput(collector="test", source=source, content=content, append_only=append_only)
    return batch


@pytest.mark.parametrize("backend", BACKENDS)
def test_current_graph_equals_the_merged_facts_after_every_batch_in_any_order(backend: str,
                                                                              tmp_path_factory: Any) -> None:
    @settings(max_examples=25 if backend == "duckdb" else 12, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_batch, min_size=1, max_size=6))
    def check(specs: list[dict[str, Any]]) -> None:
        store = open_backend(backend, Path(tmp_path_factory.mktemp("g")))
        try:
            for spec in specs:
                store.ingest(make_batch(spec))
                assert_current(store)
        finally:
            getattr(store, "close", lambda: None)()

    check()


def collect_samples(store: Store, *, check_each: bool = False) -> None:
    """Store every sample pipeline file, as `lineage collect` reads them."""
    from collectors.discover import collect_file_batches, plan

    for collector, path in plan([SAMPLES]).work:
        for batch in collect_file_batches(collector, path, max_bytes=10_000_000):
            store.ingest(batch)
            if check_each:
                assert_current(store)


def test_current_graph_equals_the_merged_facts_for_every_sample_pipeline(store: Store) -> None:
    collect_samples(store, check_each=True)
    before = snapshot(LineageGraph.from_current(store.current_graph()))
    generation = store.generation()
    store.rebuild_current()
    assert snapshot(LineageGraph.from_current(store.current_graph())) == before
    assert store.generation() > generation


def test_focused_reads_answer_as_the_whole_graph_does(store: Store) -> None:
    collect_samples(store)
    g = LineageGraph.from_current(store.current_graph())
    checked = 0
    for node in sorted(n["id"] for n in g.nodes()):
        for depth in (1, 3, None):
            assert store.walk(node, reverse=True, depth=depth, edge_kinds=FLOW_EDGES) == g.upstream(node, depth=depth)
            assert store.walk(node, reverse=False, depth=depth, edge_kinds=ALL_EDGES) == \
                g.downstream(node, depth=depth, edge_kinds=ALL_EDGES)
        checked += 1
    assert checked > 50


def drawn(view: Any) -> tuple[Any, ...]:
    """What a view draws, whatever order its edges were listed in."""
    return (view.nodes, sorted(json.dumps(e, sort_keys=True) for e in view.edges), view.grouped, view.hidden,
            view.total, view.members)


def test_the_parts_the_dashboard_reads_answer_as_the_whole_graph_does(store: Store) -> None:
    from app.components.graph_model import Filters, focus_view
    from lineage import focused
    from lineage.access import GraphLinks, identity_access
    from lineage.tagging import propagate

    collect_samples(store)
    g = LineageGraph.from_current(store.current_graph())
    tags = propagate(g)
    assert store.current_stats() == g.stats()
    for node in sorted(n["id"] for n in g.nodes())[::3]:  # every kind of node, a third of them
        mine = propagate(focused.upstream_part(store, node))
        assert (mine.origin(node), mine.classifications(node), mine.why(node)) == \
            (tags.origin(node), tags.classifications(node), tags.why(node)), node
        for grants in (False, True):
            part = focused.neighbourhood(store, node, depth=2, grants=grants)
            assert drawn(focus_view(part, node, depth=2, filters=Filters(), grants=grants)) == \
                drawn(focus_view(g, node, depth=2, filters=Filters(), grants=grants)), node
    for ident in (n["id"] for n in g.nodes("identity")):
        assert identity_access(GraphLinks(focused.identity_part(store, ident)), ident) == \
            identity_access(GraphLinks(g), ident)
    for node in ("rag.responses", "dataset:redis://rag-cache.internal:6379:rag.responses", "RAG.RESP", "zzz-none"):
        try:
            expected: object = g.resolve(node)
        except NodeNotFound as exc:  # the same error, said the same way
            expected = str(exc)
        try:
            got: object = focused.resolve(store, node)
        except NodeNotFound as exc:
            got = str(exc)
        assert got == expected


def test_searching_takes_wildcard_characters_literally(store: Store) -> None:
    from lineage import focused

    ev = Evidence(collector="test", source="odd.yaml", observed_at=T0)
    batch = LineageBatch(collector="test", source="odd.yaml")
    names = ["50%_off", "plain", "back\\slash", "under_score"]
    batch.extend(Dataset(namespace=NS, name=n, evidence=ev) for n in names)
    batch.add(ColumnLineage(target=ColumnRef(dataset=NodeRef.dataset(NS, "plain"), column="c"),
                            sources=(ColumnRef(dataset=NodeRef.dataset(NS, "50%_off"), column="c"),), evidence=ev))
    store.ingest(batch)
    assert focused.search(store, "%") == [f"dataset:{NS}:50%_off"]
    assert focused.search(store, "_") == [f"dataset:{NS}:50%_off", f"dataset:{NS}:under_score"]
    assert focused.search(store, "\\") == [f"dataset:{NS}:back\\slash"]
    assert focused.search(store, "*_off") == [f"dataset:{NS}:50%_off"]
    assert [c["target"] for c in store.column_lineage_about(f"dataset:{NS}:50%_off")] == [f"dataset:{NS}:plain"]
    assert store.column_lineage_about(f"dataset:{NS}:under_score") == []


def test_a_store_from_before_the_current_graph_gets_it_when_upgraded(tmp_path: Path) -> None:
    import duckdb

    from lineage.store import open_store
    from lineage.store.schema import LATEST_VERSION

    db = tmp_path / "old.duckdb"
    store = open_store(db)
    collect_samples(store)
    before = LineageGraph.from_data(store.graph_data())
    with duckdb.connect(str(db)) as con:  # what the release before kept: facts, no current graph
        for table in ("graph_nodes", "graph_edges", "graph_columns", "graph_aliases", "graph_state",
                      "derived_results", "events", "graph_changes"):
            con.execute(f"DROP TABLE {table}")
        con.execute("DROP INDEX node_facts_node")  # DuckDB alters no table an index depends on
        for table in ("node_facts", "edge_facts", "column_facts"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN first_observed_at")
            con.execute(f"ALTER TABLE {table} DROP COLUMN times")
            con.execute(f"ALTER TABLE {table} DROP COLUMN last_run_id")
        con.execute("CREATE INDEX node_facts_node ON node_facts (node_id)")
        con.execute("DELETE FROM schema_migrations WHERE version >= 7")
    upgraded = open_store(db)
    assert upgraded.schema_version() == LATEST_VERSION
    graph = LineageGraph.from_current(upgraded.current_graph())
    assert snapshot(graph) == snapshot(LineageGraph.from_data(upgraded.graph_data()))
    assert snapshot(graph)[0].keys() == snapshot(before)[0].keys()
    assert snapshot(graph)[1:] == snapshot(before)[1:]


@pytest.mark.parametrize("backend", BACKENDS)
def test_batches_stored_together_give_the_graph_of_storing_them_one_by_one(backend: str,
                                                                            tmp_path_factory: Any) -> None:
    @settings(max_examples=20 if backend == "duckdb" else 8, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_batch, min_size=1, max_size=6), st.integers(1, 6))
    def check(specs: list[dict[str, Any]], size: int) -> None:
        together = open_backend(backend, Path(tmp_path_factory.mktemp("together")))
        apart = open_backend(backend, Path(tmp_path_factory.mktemp("apart")))
        try:
            one_by_one = [apart.ingest(make_batch(spec)) for spec in specs]
            grouped = [r for i in range(0, len(specs), size)
                       for r in together.ingest_all([make_batch(spec) for spec in specs[i:i + size]])]
            assert [(r.facts, r.skipped) for r in grouped] == [(r.facts, r.skipped) for r in one_by_one]
            assert_current(together)
            assert (snapshot(LineageGraph.from_current(together.current_graph()))
                    == snapshot(LineageGraph.from_current(apart.current_graph())))
        finally:
            for store in (together, apart):
                getattr(store, "close", lambda: None)()

    check()
