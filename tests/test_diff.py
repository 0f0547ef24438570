from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lineage.diff import Flow, GraphDiff, TagChange, diff_graphs, diff_rows, node_tags
from lineage.graph import LineageGraph, load_graph
from lineage.store import Store
from tests.conftest import chain_batch

A, P, B = "dataset:s:a", "process:j:p", "dataset:s:b"


def _graph(*, origin: str | None = None, classes: tuple[str, ...] = (), with_b: bool = True) -> LineageGraph:
    nodes = [{"id": A, "kind": "dataset", "origin": origin, "classifications": list(classes)},
             {"id": P, "kind": "process"}]
    edges = [(A, P, "read")]
    if with_b:
        nodes.append({"id": B, "kind": "dataset"})
        edges.append((P, B, "write"))
    return LineageGraph.from_records(nodes, edges)


class _Tags:
    def __init__(self, origins: dict[str, str]) -> None:
        self.origins = origins

    def origin(self, node_id: str) -> str:
        return self.origins.get(node_id, "unknown")

    def classifications(self, node_id: str) -> frozenset[str]:
        return frozenset()


def test_identical_graphs_have_an_empty_diff() -> None:
    assert diff_graphs(_graph(), _graph()).is_empty()


def test_a_new_output_is_a_node_and_a_flow_added() -> None:
    d = diff_graphs(_graph(with_b=False), _graph())
    assert d.nodes_added == [B] and d.nodes_removed == []
    assert d.flows_added == [Flow(P, B, "write")] and d.flows_removed == []


def test_a_removed_output_is_a_node_and_a_flow_removed() -> None:
    d = diff_graphs(_graph(), _graph(with_b=False))
    assert d.nodes_removed == [B] and d.flows_removed == [Flow(P, B, "write")]


def test_changed_origin_and_classifications_are_tag_changes() -> None:
    d = diff_graphs(_graph(origin="synthetic"), _graph(origin="real", classes=("pii.email",)))
    assert d.tags_changed == [TagChange(A, "origin", "synthetic", "real"),
                              TagChange(A, "classifications", None, ("pii.email",))]


def test_classification_order_is_not_a_change() -> None:
    assert diff_graphs(_graph(classes=("b", "a")), _graph(classes=("a", "b"))).is_empty()


def test_grants_count_only_when_asked() -> None:
    before = LineageGraph.from_records([{"id": "identity:x:i", "kind": "identity"}, {"id": A, "kind": "dataset"}])
    after = LineageGraph.from_records([{"id": "identity:x:i", "kind": "identity"}, {"id": A, "kind": "dataset"}],
                                      [("identity:x:i", A, "grant", {"permissions": ["read"]})])
    assert diff_graphs(before, after).is_empty()
    assert diff_graphs(before, after, edge_kinds={"grant"}).flows_added == [Flow("identity:x:i", A, "grant")]


def test_propagated_tags_are_compared_when_both_sides_are_given() -> None:
    d = diff_graphs(_graph(), _graph(), before_tags=_Tags({B: "synthetic"}), after_tags=_Tags({B: "mixed"}))
    assert d.tags_changed == [TagChange(B, "derived.origin", "synthetic", "mixed")]


def test_node_tags_reads_attributes_as_comparable_values() -> None:
    tags = node_tags(_graph(origin="real", classes=("z", "a")), A)
    assert tags == {"origin": "real", "classifications": ("a", "z"), "environment": None, "role": None}


def test_diff_rows_describe_every_change() -> None:
    d = GraphDiff(nodes_added=[B], flows_removed=[Flow(A, P, "read")],
                  tags_changed=[TagChange(A, "classifications", None, ("pii.email", "secret"))])
    assert diff_rows(d) == [
        {"change": "node added", "subject": B, "detail": ""},
        {"change": "flow removed", "subject": f"{A} -> {P}", "detail": "read"},
        {"change": "tag changed", "subject": A, "detail": "classifications: (none) -> pii.email, secret"},
    ]


def test_the_graph_as_of_two_times_diffs_to_what_was_collected_between(store: Store) -> None:
    t0 = datetime.now(UTC) - timedelta(hours=2)
    store.ingest(chain_batch("one.yaml", ["raw", "clean"], at=t0))
    between = datetime.now(UTC)
    store.ingest(chain_batch("two.yaml", ["clean", "features"]))
    d = diff_graphs(load_graph(store, between), load_graph(store))
    assert "dataset:postgres://db:5432:features" in d.nodes_added
    assert Flow("process:airflow:two.yaml.step0", "dataset:postgres://db:5432:features", "write") in d.flows_added
    assert d.nodes_removed == [] and d.flows_removed == []
