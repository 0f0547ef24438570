"""Formats that can be read back give the same graph: json through `lineage collect`, GraphML and
GEXF through networkx and through our readers, OpenLineage events through the OpenLineage collector."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from collectors.base import Source
from collectors.interchange import InterchangeCollector
from collectors.openlineage.validate import validate_event
from lineage.cli import main
from lineage.exports import ExportError, export, interchange, read
from lineage.graph import LineageGraph, load_graph
from lineage.naming import normalize
from lineage.store import open_store
from tests.exports.conftest import EVIL_NS, IDS


def test_json_export_collected_into_a_fresh_store_exports_the_same_file(sample_db: str, tmp_path: Path) -> None:
    first, second, fresh = tmp_path / "first.json", tmp_path / "second.json", str(tmp_path / "fresh.duckdb")
    assert main(["export", "--format", "json", "-o", str(first), "--db", sample_db]) == 0
    assert main(["collect", str(first), "--db", fresh]) == 0
    assert main(["export", "--format", "json", "-o", str(second), "--db", fresh]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert len(json.loads(first.read_text())["nodes"]) > 100


def test_hostile_names_survive_the_json_round_trip_through_a_store(hostile: LineageGraph, tmp_path: Path) -> None:
    path, fresh = tmp_path / "hostile.json", str(tmp_path / "h.duckdb")
    path.write_text(interchange.dumps(hostile))
    assert main(["collect", str(path), "--db", fresh]) == 0
    assert interchange.dumps(load_graph(open_store(fresh))) == interchange.dumps(hostile)


def test_the_interchange_reader_refuses_an_unknown_version(hostile: LineageGraph) -> None:
    doc = interchange.to_document(hostile) | {"version": 2}
    with pytest.raises(ExportError, match="version 2 is not supported"):
        read(json.dumps(doc), "json")
    batch = InterchangeCollector().collect(Source("v2.json", json.dumps(doc).encode()))
    assert batch.facts == [] and "version 2 is not supported" in batch.problems[0].message


def test_the_interchange_collector_keeps_valid_entries_and_reports_bad_ones_with_their_place() -> None:
    doc = {"format": "lineage-mapper", "version": 1, "nodes": [
        {"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"},
        {"id": "dataset:s:b", "kind": "dataset", "namespace": "s", "name": "b", "role": "lake"}],
        "edges": [{"source": "dataset:s:a", "target": "dataset:s:zz", "kind": "read"}]}
    batch = InterchangeCollector().collect(Source("bad.json", json.dumps(doc).encode()))
    assert [type(f).__name__ for f in batch.facts] == ["Dataset"]
    assert sorted(p.field for p in batch.problems) == ["edges.0.target", "nodes.1.role"]


def test_the_interchange_collector_detects_exports_and_nothing_else(tmp_path: Path) -> None:
    collector = InterchangeCollector()
    assert collector.detect(tmp_path / "x.json", b'{\n  "format": "lineage-mapper",\n  "version": 1,')
    assert not collector.detect(tmp_path / "x.json", b'{"eventTime": "2026-01-01T00:00:00Z", "job": {}}')
    assert not collector.detect(tmp_path / "x.json", b'["format", "lineage-mapper"]')


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_our_reader_gives_back_the_same_graph(fmt: str, hostile: LineageGraph, sample_graph: LineageGraph) -> None:
    for graph in (hostile, sample_graph):
        assert interchange.dumps(read(export(graph, fmt), fmt)) == interchange.dumps(graph)


def _decoded(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes with JSON text decoded (a column holding an XML-illegal character is all JSON)."""
    return {k: (json.loads(v) if isinstance(v, str) and v[:1] in '[{"' else v) for k, v in attrs.items()}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_networkx_reads_every_node_attribute(fmt: str, hostile: LineageGraph, tmp_path: Path) -> None:
    path = tmp_path / f"g.{fmt}"
    path.write_text(export(hostile, fmt), encoding="utf-8")  # type: ignore[arg-type]
    g = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path, version="1.3")
    nodes = {_decoded(dict(a))["id"]: _decoded(dict(a)) for _, a in g.nodes(data=True)}
    assert set(nodes) == {IDS["src"], IDS["dst"], IDS["job"], IDS["llm"], IDS["bot"]}
    assert IDS["src"] in g  # ids XML can hold are the node keys too
    src = nodes[IDS["src"]]
    assert src["name"] == hostile.node(IDS["src"])["name"]
    assert src["columns"] == [{"classifications": ["pii.email"], "name": 'e"mail', "type": "text"},
                              {"name": "id", "type": "int"}]
    assert src["classifications"] == ["pii.email"] and src["role"] == "origin"
    assert nodes[IDS["bot"]]["name"] == hostile.node(IDS["bot"])["name"]
    llm = nodes[IDS["llm"]]
    assert llm["third_party"] is True and llm["approved"] is False and llm["vendor"] == "OpenAI"
    kinds = sorted(d["kind"] for _, _, d in g.edges(data=True))
    assert kinds == ["grant", "grant", "read", "read", "runs", "write"]


def test_graphml_keeps_a_name_with_characters_xml_cannot_hold(tmp_path: Path) -> None:
    g = LineageGraph.from_records([{"id": "dataset:s:a\x00b\x1b", "kind": "dataset", "namespace": "s",
                                    "name": "a\x00b\x1b"}])
    path = tmp_path / "nul.graphml"
    path.write_text(export(g, "graphml"), encoding="utf-8")  # type: ignore[arg-type]
    h = nx.read_graphml(path)
    assert [json.loads(a["name"]) for _, a in h.nodes(data=True)] == ["a\x00b\x1b"]
    assert read(path.read_text(), "graphml").node("dataset:s:a\x00b\x1b")["name"] == "a\x00b\x1b"


def test_xml_readers_refuse_entity_declarations() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><graphml xmlns="http://graphml.graphdrawing.org/xmlns"/>'
    with pytest.raises(ExportError, match="DTD"):
        read(bomb, "graphml")


# OpenLineage carries datasets, jobs, read/write edges, column lineage and these attributes only.
_CARRIED = {"dataset": {"id", "kind", "namespace", "name", "origin", "classifications", "environment", "columns",
                        "description", "owner", "retired"},
            "process": {"id", "kind", "namespace", "name", "description", "owner"}}


def _flow_view(doc: dict[str, Any]) -> tuple[Any, ...]:
    nodes = {n["id"]: {k: v for k, v in n.items() if k in _CARRIED[n["kind"]]}
             for n in doc["nodes"] if n["kind"] in _CARRIED}
    edges = sorted((e["source"], e["target"], e["kind"]) for e in doc["edges"] if e["kind"] in ("read", "write"))
    # OpenLineage lists one set of input fields per output column: column lineage compares as
    # column-to-column edges; its joins and filters are always indirect.
    lineage = sorted({(c["target"]["dataset"], c["target"]["column"], s["dataset"], s["column"], c["process"],
                       c["transformation"], c["indirect"] or c["transformation"] in ("join", "filter"))
                      for c in doc["column_lineage"] for s in c["sources"]})
    return nodes, edges, lineage


def test_openlineage_events_validate_and_collect_into_the_same_flow_graph(sample_graph: LineageGraph,
                                                                          tmp_path: Path) -> None:
    # Only nodes whose names are canonical under lineage.naming: the SQL collector keeps a Snowflake
    # stage (@analytics.marts.exports) unfolded, which the OpenLineage collector folds.
    canonical = [n["id"] for n in sample_graph.nodes()
                 if n["kind"] != "dataset" or normalize(n["namespace"], n["name"]) == (n["namespace"], n["name"])]
    graph = sample_graph.restricted_to(canonical)
    text = export(graph, "openlineage")
    assert isinstance(text, str)
    events = [json.loads(line) for line in text.splitlines()]
    assert len(events) >= 50
    assert [d for e in events for d in validate_event(e)] == []
    path, fresh = tmp_path / "events.jsonl", str(tmp_path / "ol.duckdb")
    path.write_text(text)
    assert main(["collect", str(path), "--db", fresh]) == 0
    back = interchange.to_document(load_graph(open_store(fresh)))
    assert _flow_view(back) == _flow_view(interchange.to_document(graph))


def test_openlineage_events_of_hostile_names_validate_and_collect(hostile: LineageGraph, tmp_path: Path) -> None:
    # The OpenLineage collector refuses dataset names with control characters, so these have none.
    # and postgres names fold to lower case, so the dataset moves to a bucket, where keys keep their case.
    text = interchange.dumps(hostile).replace("\\n", " ").replace("\\r", " ").replace(EVIL_NS, "s3://evil")
    graph = read(text, "json")
    text = export(graph, "openlineage")
    assert isinstance(text, str)
    assert [d for line in text.splitlines() for d in validate_event(json.loads(line))] == []
    path, fresh = tmp_path / "events.jsonl", str(tmp_path / "ol.duckdb")
    path.write_text(text)
    assert main(["collect", str(path), "--db", fresh]) == 0
    back = interchange.to_document(load_graph(open_store(fresh)))
    assert _flow_view(back) == _flow_view(interchange.to_document(graph))
