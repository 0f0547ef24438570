"""The graph view's data: levels, styles, grouping above the cap, filters, expansions and opened
groups, and what the graph component is given (names as plain data, vis-network from pyvis)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.components.graph_model import Filters, column_view, focus_view, path_view
from app.components.graph_view import payload
from lineage.graph import LineageGraph
from tests.conftest import REPO_ROOT

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


def test_one_level_more_upstream_of_a_node_adds_its_inputs_to_its_left() -> None:
    view = focus_view(chain(), "dataset:s:focus", depth=1, identities=False, expand_up=["process:j:p"])
    level = {n["id"]: n["level"] for n in view.nodes}
    assert {f"dataset:raw:a{i}" for i in range(3)} <= set(level)
    assert all(level[f"dataset:raw:a{i}"] == level["process:j:p"] - 1 for i in range(3))
    assert "dataset:t:b0" not in level, "downstream stays as deep as it was"


def test_one_level_more_downstream_of_a_node_added_by_another_expansion_follows_it() -> None:
    view = focus_view(chain(), "dataset:s:focus", depth=1, identities=False, upstream=False,
                      expand_down=["dataset:t:b0", "process:api:q"])
    level = {n["id"]: n["level"] for n in view.nodes}
    assert level["dataset:t:b0"] == level["process:api:q"] + 1


def test_an_opened_group_is_drawn_node_by_node() -> None:
    grouped = focus_view(chain(40), "dataset:s:focus", cap=10)
    [group] = [n["id"] for n in grouped.nodes if n.get("kind") == "group"]
    opened = focus_view(chain(40), "dataset:s:focus", cap=100, opened=[group])
    assert not [n for n in opened.nodes if n.get("kind") == "group"]
    assert {f"dataset:raw:a{i}" for i in range(40)} <= set(opened.node_ids())
    still_capped = focus_view(chain(40), "dataset:s:focus", cap=10, opened=[group])
    assert len(still_capped.nodes) <= 10 and still_capped.grouped, "the cap holds, and the caption says so"


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


def test_the_component_gets_names_as_plain_data_with_bidi_controls_shown() -> None:
    name = HOSTILE + "</script><script>alert(2)</script>report\u202eslx.exe [x](http://evil.example)"
    g = LineageGraph.from_records([{"id": f"dataset:s:{name}", "kind": "dataset", "namespace": "s", "name": name}])
    data = payload(focus_view(g, f"dataset:s:{name}"))
    node = data["nodes"][0]
    assert node["id"] == f"dataset:s:{name}", "the id is kept exactly (it is what the app is told back)"
    assert node["title"].startswith(f"dataset: {HOSTILE}</script>") and "[x](http://evil.example)" in node["title"]
    assert "\u202e" not in node["title"] + node["label"] and "report[U+202E]slx.exe" in node["title"]
    assert not re.search(r"https?://(?!evil\.example)", json.dumps(data)), "nothing to load from a server"


def test_the_same_drawing_has_the_same_digest_whatever_is_selected() -> None:
    g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    first, second = payload(focus_view(g, "dataset:s:a")), payload(focus_view(g, "dataset:s:a"), selected="dataset:s:a")
    assert first["digest"] == second["digest"] and second["selected"] == "dataset:s:a"
    assert payload(focus_view(g, "dataset:s:a"), height=300)["digest"] != first["digest"]


def test_the_component_loads_vis_network_from_the_installed_pyvis_package() -> None:
    import pyvis

    from app.components import graph_component

    assert graph_component.VIS_DIR.is_relative_to(Path(pyvis.__file__).parent)
    assert (graph_component.VIS_DIR / "vis-network.min.js").stat().st_size > 400_000
    assert not list((REPO_ROOT / "app").rglob("vis-network*")), "no copy of vis-network in the repository"
    css = graph_component.tooltip_css((graph_component.VIS_DIR / "vis-network.css").read_text(encoding="utf-8"))
    assert css.startswith("div.vis-tooltip{") and "position:absolute" in css and len(css) < 2_000, \
        "of vis-network's CSS, only its tooltip's rule is sent with each drawing"


def test_a_group_of_processes_is_counted_in_plain_english() -> None:
    nodes = [{"id": "dataset:s:focus", "kind": "dataset", "namespace": "s", "name": "focus"}]
    edges = []
    for i in range(30):
        nodes.append({"id": f"process:etl:p{i}", "kind": "process", "namespace": "etl", "name": f"p{i}"})
        edges.append((f"process:etl:p{i}", "dataset:s:focus", "write"))
    view = focus_view(LineageGraph.from_records(nodes, edges), "dataset:s:focus", cap=10)
    groups = [n for n in view.nodes if n.get("kind") == "group"]
    assert len(groups) == 1 and "30 processes" in groups[0]["label"] and "30 processes in etl" in groups[0]["title"]
