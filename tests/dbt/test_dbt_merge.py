"""The evidence of one real dbt project merges into one node per dbt node: dbt-ol's events (a
`dbt-ol build`, then `dbt-ol run` and `dbt-ol test`), the manifest, its catalog and the warehouse
file, collected into one store as a data engineer would (`lineage collect` of the project folder
and of the events)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from collectors.discover import plan
from lineage.cli import main
from lineage.graph import LineageGraph, load_graph
from lineage.store import open_store
from tests.dbt.jaffle import EVENTS, JOB_NAMESPACE, built_nodes, needs_real_dbt, project_copy

pytestmark = needs_real_dbt


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_copy(tmp_path_factory.mktemp("dbt"))


@pytest.fixture(scope="module")
def graph(project: Path, tmp_path_factory: pytest.TempPathFactory) -> LineageGraph:
    db = tmp_path_factory.mktemp("store") / "s.duckdb"
    assert main(["collect", str(project), str(EVENTS), "--db", str(db), "--job-namespace", JOB_NAMESPACE]) == 0
    return load_graph(open_store(db))


def test_collecting_the_project_folder_reads_the_artifacts_not_dbts_own_folders(project: Path) -> None:
    read = {str(path.relative_to(project)) for _, path in plan([project]).work}
    assert {"target/manifest.json", "warehouse.duckdb"} <= read
    assert not [p for p in read if p.startswith(("target/run", "target/compiled", "dbt_packages", "logs"))]


def test_each_model_seed_and_snapshot_is_one_dataset_and_one_process(graph: LineageGraph) -> None:
    tables = Counter(n["name"].rsplit(".", 1)[-1] for n in graph.nodes("dataset") if n["namespace"] != "file")
    processes = Counter(n["name"] for n in graph.nodes("process") if n["namespace"] == JOB_NAMESPACE)
    for node in built_nodes().values():
        assert tables[node["name"]] == 1, (node["name"], sorted(tables))
        assert processes[f"jaffle.{node['name']}"] == 1, (node["name"], sorted(processes))


def test_a_seed_is_loaded_from_its_csv_file_in_the_project(graph: LineageGraph) -> None:
    csv = "dataset:file:/srv/dbt/jaffle/seeds/raw_orders.csv"
    loads = {(u, v) for u, v, _, _ in graph.edges(["read"]) if v.endswith(".raw_orders")}
    assert loads == {(csv, f"process:{JOB_NAMESPACE}:jaffle.raw_orders")}
    assert graph.origins("dataset:duckdb://warehouse.duckdb:warehouse.main_raw.raw_orders") == [csv]


def test_one_warehouse_namespace_and_no_sql_placeholder_nodes(graph: LineageGraph) -> None:
    namespaces = {n["namespace"] for n in graph.nodes("dataset")}
    assert namespaces == {"duckdb://warehouse.duckdb", "file"}  # "file": the seeds' CSV files
    assert not [n["id"] for n in graph.nodes() if n["namespace"].startswith("sql")]
    assert not [n["id"] for n in graph.nodes() if "__dbt_tmp" in n["name"]]


def test_each_dbt_node_has_one_writer_and_tests_are_their_own_process(graph: LineageGraph) -> None:
    writers = Counter(v for u, v, kind, _ in graph.edges(["write"]))
    assert set(writers.values()) == {1}, writers
    processes = {n["name"] for n in graph.nodes("process") if n["namespace"] == JOB_NAMESPACE}
    tests = {name for name in processes if name.endswith(".test")}
    assert tests == {f"jaffle.{m}.test" for m in ("customers", "orders", "daily_revenue", "stg_customers",
                                                   "stg_orders", "stg_payments", "assert_positive_amounts")}
    assert processes - tests == {"dbt-run-jaffle"} | {f"jaffle.{n['name']}" for n in built_nodes().values()}


def test_the_merged_store_traces_a_customers_lifetime_value_to_payment_amounts(graph: LineageGraph) -> None:
    sources = {(source.rsplit(".", 1)[-1], column) for entry in graph.column_lineage
               if entry["target"].endswith(".customers") and entry["column"] == "customer_lifetime_value"
               for source, column in entry["sources"]}
    assert ("stg_payments", "amount") in sources, sources
