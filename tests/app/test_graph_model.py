"""The graph view's data: levels, styles, grouping above the cap, filters, and the offline HTML."""

from __future__ import annotations

import json
import re

from app.components.graph_model import Filters, column_view, focus_view, path_view
from app.components.graph_view import to_html
from lineage.graph import LineageGraph

HOSTILE = "<img src=x onerror=alert(1)>"


def chain(n_side: int = 3) -> LineageGraph:
    """a0 -> p -> focus -> q -> b0, plus n_side extra inputs of p in one namespace."""
    nodes = [{"id": "dataset:s:focus", "kind": "dataset", "namespace": "s", "name": "focus", "role": "store"},
             {"id": "process:j:p", "kind": "process", "namespace": "j", "name": "p"},
             {"id": "process:api:q", "kind": "process", "namespace": "api", "name": "q", "third_party": True,
              "vendor": "V"},
             {"id": "dataset:t:b0", "kind": "dataset", "namespace": "t", "name": "b0", "role": "cache"},
             {"id": "identity:agents:bot", "kind": "identity", "namespace": "agents", "name": "bot"}]
    edges = [("process:j:p", "dataset:s:focus", "write"), ("dataset:s:focus", "process:api:q", "read"),
             ("process:api:q", "dataset:t:b0", "write"), ("identity:agents:bot", "process:api:q", "runs")]
    for i in range(n_side):
        nodes.append({"id": f"dataset:raw:a{i}", "kind": "dataset", "namespace": "raw", "name": f"a{i}",
                      "role": "origin", "origin": "real" if i % 2 else "synthetic"})
        edges.append((f"dataset:raw:a{i}", "process:j:p", "read"))
    return LineageGraph.from_records(nodes, edges)


def test_upstream_is_left_and_downstream_right_of_the_focus() -> None:
    view = focus_view(chain(), "dataset:s:focus", depth=2)
    level = {n["id"]: n["level"] for n in view.nodes}
    assert level["dataset:s:focus"] == 0
    assert level["process:j:p"] < 0 and level["dataset:raw:a0"] < level["process:j:p"]
    assert 0 < level["process:api:q"] < level["dataset:t:b0"]
    assert level["identity:agents:bot"] == level["process:api:q"], "in the column of the process it runs"


def test_depth_limits_the_walk() -> None:
    ids = focus_view(chain(), "dataset:s:focus", depth=1, identities=False).node_ids()
    assert sorted(ids) == ["dataset:s:focus", "process:api:q", "process:j:p"]


def test_third_parties_caches_and_origins_are_marked() -> None:
    nodes = {n["id"]: n for n in focus_view(chain(), "dataset:s:focus").nodes}
    third = nodes["process:api:q"]
    assert third["color"]["border"] == "#c1121f" and "third party: V" in third["label"]
    assert nodes["dataset:t:b0"]["shapeProperties"]["borderDashes"]
    assert nodes["dataset:raw:a1"]["color"]["background"] != nodes["dataset:raw:a0"]["color"]["background"]
    assert "(origin · real)" in nodes["dataset:raw:a1"]["label"]


def test_above_the_cap_the_biggest_namespace_is_grouped_and_said() -> None:
    view = focus_view(chain(40), "dataset:s:focus", cap=10)
    assert len(view.nodes) <= 10
    groups = [n for n in view.nodes if n.get("kind") == "group"]
    assert len(groups) == 1 and "40 datasets" in groups[0]["label"]
    assert "group" not in groups[0], "vis-network would read it as a style group's name"
    assert view.grouped == ["40 nodes of raw into 1 group"]
    assert any(e["from"] == groups[0]["id"] and e["to"] == "process:j:p" for e in view.edges)


def test_filters_hide_nodes_but_keep_the_focus() -> None:
    view = focus_view(chain(), "dataset:s:focus", filters=Filters(origins=frozenset({"real"})), identities=False)
    assert "dataset:s:focus" in view.node_ids() and "dataset:raw:a1" in view.node_ids()
    assert "dataset:raw:a0" not in view.node_ids() and "dataset:t:b0" not in view.node_ids()
    assert view.hidden == 3  # a0 and a2 are synthetic, b0's origin is unknown


def test_a_path_is_drawn_in_order() -> None:
    view = path_view(chain(), ["dataset:raw:a0", "process:j:p", "dataset:s:focus"])
    assert [n["id"] for n in sorted(view.nodes, key=lambda n: n["level"])] == [
        "dataset:raw:a0", "process:j:p", "dataset:s:focus"]
    assert len(view.edges) == 2


def test_column_view_draws_one_node_per_column() -> None:
    g = LineageGraph.from_records(
        [{"id": "dataset:s:a", "kind": "dataset", "name": "a"}, {"id": "dataset:s:b", "kind": "dataset", "name": "b"}],
        column_lineage=[{"target": "dataset:s:b", "column": "y", "sources": [("dataset:s:a", "x")],
                         "transformation": "masking", "process": None}])
    view = column_view(g, {"dataset:s:a": -1, "dataset:s:b": 0})
    assert sorted(n["id"] for n in view.nodes) == ["dataset:s:a#x", "dataset:s:b#y"]
    assert view.edges[0]["title"] == "masking"


def test_the_html_is_self_contained_and_carries_names_only_as_escaped_json() -> None:
    g = LineageGraph.from_records([{"id": f"dataset:s:{HOSTILE}", "kind": "dataset", "namespace": "s",
                                    "name": HOSTILE + "</script><script>alert(2)</script>"}])
    html = to_html(focus_view(g, f"dataset:s:{HOSTILE}"))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html), "nothing is loaded from a server"
    assert "<img src=x" not in html and "</script><script>alert" not in html
    data = json.loads(html.split("const DATA = ", 1)[1].split(";\n", 1)[0])
    assert data["nodes"][0]["title"].startswith(f"dataset: {HOSTILE}")
    assert "vis-network" in html and len(html) > 400_000, "vis-network is inlined"


def test_a_group_of_processes_is_counted_in_plain_english() -> None:
    nodes = [{"id": "dataset:s:focus", "kind": "dataset", "namespace": "s", "name": "focus"}]
    edges = []
    for i in range(30):
        nodes.append({"id": f"process:etl:p{i}", "kind": "process", "namespace": "etl", "name": f"p{i}"})
        edges.append((f"process:etl:p{i}", "dataset:s:focus", "write"))
    view = focus_view(LineageGraph.from_records(nodes, edges), "dataset:s:focus", cap=10)
    groups = [n for n in view.nodes if n.get("kind") == "group"]
    assert len(groups) == 1 and "30 processes" in groups[0]["label"] and "30 processes in etl" in groups[0]["title"]
