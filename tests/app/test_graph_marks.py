"""What the graph draws from the rest of the map: effective origins (hatched when derived), badges
for sensitive data, grants with their permissions (unused ones dashed red), the page a column
opens, and one level per edge."""

from __future__ import annotations

from app.components.graph_marks import grant_edges_with_use, marked
from app.components.graph_model import column_view, focus_view, path_view
from app.components.graph_style import ORIGIN_FILL, UNUSED_GRANT_COLOUR, EffectiveTags
from lineage.graph import LineageGraph


def flow() -> LineageGraph:
    """src (declared real, PII) -> job -> out (nothing declared); an agent runs job and holds grants."""
    return LineageGraph.from_records(
        [{"id": "dataset:s:src", "kind": "dataset", "namespace": "s", "name": "src", "role": "origin",
          "origin": "real", "classifications": ["pii.email"]},
         {"id": "process:j:job", "kind": "process", "namespace": "j", "name": "job"},
         {"id": "dataset:s:out", "kind": "dataset", "namespace": "s", "name": "out", "role": "cache"},
         {"id": "identity:a:agent", "kind": "identity", "namespace": "a", "name": "agent"}],
        [("dataset:s:src", "process:j:job", "read"), ("process:j:job", "dataset:s:out", "write"),
         ("identity:a:agent", "process:j:job", "runs"),
         ("identity:a:agent", "dataset:s:out", "grant", {"permissions": ["write", "read", "edit"]})])


REAL_PII = EffectiveTags("real", derived=True, classifications=("pii.email",), sensitive=("pii.email",))


def test_a_node_with_a_derived_origin_is_filled_by_it_hatched_and_badged() -> None:
    view = focus_view(flow(), "dataset:s:out", identities=False)
    before = {n["id"]: n for n in view.nodes}["dataset:s:out"]
    assert before["color"]["background"] == ORIGIN_FILL["unknown"] and "hatch" not in before
    after = {n["id"]: n for n in marked(view, {"dataset:s:out": REAL_PII}).nodes}["dataset:s:out"]
    assert after["color"]["background"] == ORIGIN_FILL["real"]
    assert after["hatch"] is True and after["badge"] == "PII"
    assert "real, derived" in after["label"] and "derived from upstream" in after["title"]
    assert after["borderWidth"] == 4, "the focus keeps its border"


def test_a_declared_origin_is_not_hatched_and_a_node_without_sensitive_data_has_no_badge() -> None:
    view = focus_view(flow(), "dataset:s:out", identities=False)
    tags = {"dataset:s:src": EffectiveTags("real", derived=False), "dataset:s:out": EffectiveTags("synthetic", True)}
    nodes = {n["id"]: n for n in marked(view, tags).nodes}
    assert "hatch" not in nodes["dataset:s:src"] and "badge" not in nodes["dataset:s:src"]
    assert nodes["dataset:s:out"]["color"]["background"] == ORIGIN_FILL["synthetic"]


def test_a_process_that_reads_personal_data_gets_a_badge() -> None:
    view = focus_view(flow(), "dataset:s:out", identities=False)
    nodes = {n["id"]: n for n in marked(view, {"process:j:job": REAL_PII}).nodes}
    assert nodes["process:j:job"]["badge"] == "PII" and "hatch" not in nodes["process:j:job"]


def test_grant_edges_are_labelled_with_their_permissions() -> None:
    view = focus_view(flow(), "dataset:s:out", grants=True)
    grant = next(e for e in view.edges if e.get("grants"))
    assert grant["label"] == "read/edit/write" and grant["grants"] == [["identity:a:agent", "dataset:s:out"]]
    assert grant["title"] == "grant: read/edit/write"


def test_unused_grants_are_dashed_red_and_named() -> None:
    view = focus_view(flow(), "dataset:s:out", grants=True)
    edges = grant_edges_with_use(view.edges, {("identity:a:agent", "dataset:s:out"): ["edit", "read"]})
    grant = next(e for e in edges if e.get("grants"))
    assert grant["dashes"] and grant["color"]["color"] == UNUSED_GRANT_COLOUR
    assert grant["label"] == "read/edit/write\nunused: read/edit" and "never seen in use" in grant["title"]
    used = next(e for e in grant_edges_with_use(view.edges, {}) if e.get("grants"))
    assert not used["dashes"] and used["color"]["color"] != UNUSED_GRANT_COLOUR


def test_a_column_node_opens_its_dataset_page_and_takes_its_effective_origin() -> None:
    g = LineageGraph.from_records(
        [{"id": "dataset:s:a", "kind": "dataset", "name": "a"}, {"id": "dataset:s:b", "kind": "dataset", "name": "b"}],
        column_lineage=[{"target": "dataset:s:b", "column": "y", "sources": [("dataset:s:a", "x")],
                         "transformation": "identity", "process": None}])
    view = column_view(g, {"dataset:s:a": -1, "dataset:s:b": 0})
    assert {n["id"]: n["page"] for n in view.nodes} == {"dataset:s:a#x": "dataset:s:a", "dataset:s:b#y": "dataset:s:b"}
    nodes = {n["id"]: n for n in marked(view, {"dataset:s:b": REAL_PII}).nodes}
    assert nodes["dataset:s:b#y"]["color"]["background"] == ORIGIN_FILL["real"]
    assert nodes["dataset:s:a#x"]["color"]["background"] == ORIGIN_FILL["unknown"]


def test_levels_are_one_per_edge_with_an_identity_in_the_column_of_the_process_it_runs() -> None:
    view = focus_view(flow(), "dataset:s:out")
    level = {n["id"]: n["level"] for n in view.nodes}
    assert level == {"dataset:s:out": 0, "process:j:job": -1, "dataset:s:src": -2, "identity:a:agent": -1}
    path = path_view(flow(), ["dataset:s:src", "process:j:job", "dataset:s:out"])
    assert sorted(n["level"] for n in path.nodes) == [0, 1, 2]


def test_column_lineage_is_drawn_through_the_process_that_makes_it_styled_by_transformation() -> None:
    g = LineageGraph.from_records(
        [{"id": "dataset:s:a", "kind": "dataset", "name": "a"}, {"id": "dataset:s:b", "kind": "dataset", "name": "b"},
         {"id": "process:api:llm", "kind": "process", "name": "llm", "third_party": True, "vendor": "V"}],
        [("dataset:s:a", "process:api:llm", "read"), ("process:api:llm", "dataset:s:b", "write")],
        column_lineage=[
            {"target": "dataset:s:b", "column": "summary", "sources": [("dataset:s:a", "body")],
             "transformation": "transformation", "process": "process:api:llm"},
            {"target": "dataset:s:b", "column": "email", "sources": [("dataset:s:a", "email")],
             "transformation": "masking", "process": None},
            {"target": "dataset:s:b", "column": "summary", "sources": [("dataset:s:a", "kind")],
             "transformation": "filter", "indirect": True, "process": "process:api:llm"}])
    view = column_view(g, {"dataset:s:a": -1, "dataset:s:b": 0})
    level = {n["id"]: n["level"] for n in view.nodes}
    assert level["dataset:s:a#body"] < level["process:api:llm"] < level["dataset:s:b#summary"]
    assert {n["id"]: n for n in view.nodes}["process:api:llm"]["color"]["border"] == "#c1121f"
    edges = {(e["from"], e["to"]): e for e in view.edges}
    assert ("dataset:s:a#body", "process:api:llm") in edges and ("process:api:llm", "dataset:s:b#summary") in edges
    assert ("dataset:s:a#body", "dataset:s:b#summary") not in edges
    masking = edges[("dataset:s:a#email", "dataset:s:b#email")]
    assert masking["dashes"] and masking["label"] == "masking"
    assert edges[("dataset:s:a#kind", "process:api:llm")]["dashes"] == [2, 4]


def test_the_legend_names_hatching_badges_and_grants_only_when_they_are_drawn() -> None:
    from app.components.graph_style import legend_for

    plain = focus_view(flow(), "dataset:s:out", identities=False)
    texts = [text for _, _, text in legend_for(plain.nodes, plain.edges)]
    assert "dataset: real" in texts and not any("hatched" in t or "PII" in t or "grant" in t for t in texts)
    rich = focus_view(flow(), "dataset:s:out", grants=True)
    rich = marked(rich, {"dataset:s:out": REAL_PII}, {("identity:a:agent", "dataset:s:out"): ["edit"]})
    texts = [text for _, _, text in legend_for(rich.nodes, rich.edges)]
    assert {"hatched: origin derived from upstream", "PII: holds sensitive data", "grant never used"} <= set(texts)
