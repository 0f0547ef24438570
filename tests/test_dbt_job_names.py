"""dbt-ol's job names and namespace mapped to the one process per dbt node (`lineage.naming.jobs`),
compared with what the real dbt-ol files hold, and the job namespace `lineage collect` uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors.openlineage import map_event
from lineage.cli import main
from lineage.models import Process
from lineage.naming import dbt_job_namespace, dbt_process_name
from lineage.project import load_project
from lineage.store import open_store
from tests.dbt.jaffle import EVENTS, needs_real_dbt


@pytest.mark.parametrize(("job", "process"), [
    ("warehouse.main.jaffle.customers", "jaffle.customers"),  # dbt-ol run
    ("warehouse.main.jaffle.customers.build.run", "jaffle.customers"),  # dbt-ol build
    ("warehouse.snapshots.jaffle.orders_snapshot.build.snapshot", "jaffle.orders_snapshot"),
    ("warehouse.main_raw.jaffle.raw_orders.build.seed", "jaffle.raw_orders"),
    ("warehouse.main.jaffle.customers.build.test", "jaffle.customers.test"),
    ("warehouse.main.jaffle.customers.test", "jaffle.customers.test"),  # dbt-ol test
    ("test.jaffle.assert_positive_amounts", "jaffle.assert_positive_amounts.test"),  # a singular test
    ("my-project.analytics.jaffle.customers", "jaffle.customers"),
    ("a.b.c.main.jaffle.customers.build.run", "jaffle.customers"),  # dots in the database
    ("warehouse.main.jaffle.test", "jaffle.test"),  # a model called `test`
    ("acme.orders.build.run", "acme.orders"),  # a short, hand-written name keeps its parts
    ("dbt-run-jaffle", "dbt-run-jaffle"),  # the command's parent job
])
def test_each_dbt_ol_suffix_maps_to_the_nodes_process(job: str, process: str) -> None:
    assert dbt_process_name(job) == process


@pytest.mark.parametrize("job", ["", ".", "....", ".build.run", "build.run", "a..b.c.d", "test..", "w.m..x.build.run",
                                 "x" * 5000, "a.b.c.d\u202e", "test.a.b.c"])
def test_a_malformed_or_hostile_job_name_is_kept_or_mapped_without_crashing(job: str) -> None:
    assert isinstance(dbt_process_name(job), str)


@given(st.text(alphabet=st.sampled_from("ab.-_ \x00test"), max_size=40))
def test_mapping_never_raises_and_is_idempotent_on_node_names(job: str) -> None:
    once = dbt_process_name(job)
    assert once == job or once.count(".") <= 2


def test_job_namespace_is_openlineage_namespace_else_dbt() -> None:
    assert dbt_job_namespace({}) == "dbt"
    assert dbt_job_namespace({"OPENLINEAGE_NAMESPACE": ""}) == "dbt"
    assert dbt_job_namespace({"OPENLINEAGE_NAMESPACE": "dbt-dev"}) == "dbt-dev"


@needs_real_dbt
def test_every_real_dbt_ol_job_name_maps_to_a_manifest_node() -> None:
    manifest = json.loads((EVENTS.parent / "jaffle-dbt-project" / "target" / "manifest.json").read_bytes())
    nodes = {f"{n['package_name']}.{n['name']}" for n in manifest["nodes"].values()
             if n["resource_type"] in ("model", "snapshot")}
    singular = {f"jaffle.{n['name']}" for n in manifest["nodes"].values()
                if n["resource_type"] == "test" and not n.get("attached_node")}
    seen: dict[str, set[str]] = {}
    for path in sorted(EVENTS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            event = json.loads(line)
            process = [f for f in map_event(event, source="e").facts if isinstance(f, Process)][-1]  # after its parent
            seen.setdefault(process.name, set()).add(event["job"]["name"])
    seen.pop("dbt-run-jaffle")
    models = {name for name in seen if not name.endswith(".test")}
    assert models == nodes, "one process per model and snapshot, named as the manifest names it"
    assert {name.removesuffix(".test") for name in seen if name.endswith(".test")} <= nodes | singular
    assert seen["jaffle.customers"] == {"warehouse.main.jaffle.customers.build.run", "warehouse.main.jaffle.customers"}
    assert seen["jaffle.customers.test"] == {"warehouse.main.jaffle.customers.build.test",
                                             "warehouse.main.jaffle.customers.test"}


def test_project_job_namespace_flag_over_environment_over_file(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    (tmp_path / "lineage.yaml").write_text("dbt: {job_namespace: from-file}\n")
    monkeypatch.delenv("OPENLINEAGE_NAMESPACE", raising=False)
    assert load_project(None).collector_options()["dbt"] == {"job_namespace": "dbt"}
    project = load_project(None, cwd=tmp_path)
    assert project.collector_options()["dbt"] == {"job_namespace": "from-file"}
    monkeypatch.setenv("OPENLINEAGE_NAMESPACE", "from-env")
    assert load_project(None, cwd=tmp_path).collector_options()["dbt"] == {"job_namespace": "from-env"}
    flagged = load_project(None, cwd=tmp_path).with_collector_options({"dbt": {"job_namespace": "from-flag"}})
    assert flagged.collector_options()["dbt"] == {"job_namespace": "from-flag"}


def test_a_job_namespace_that_is_not_a_string_is_a_config_error(tmp_path: Path) -> None:
    from lineage.errors import ConfigError

    (tmp_path / "lineage.yaml").write_text("dbt: {job_namespace: [a]}\n")
    with pytest.raises(ConfigError, match=r"dbt\.job_namespace"):
        load_project(None, cwd=tmp_path).collector_options()


@needs_real_dbt
def test_collect_job_namespace_names_the_manifests_processes(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.delenv("OPENLINEAGE_NAMESPACE", raising=False)
    manifest = EVENTS.parent / "jaffle-dbt-project" / "target" / "manifest.json"
    for flags, expected in (([], "dbt"), (["--job-namespace", "dbt-dev"], "dbt-dev")):
        db = tmp_path / f"{expected}.duckdb"
        assert main(["collect", str(manifest), "--db", str(db), *flags]) == 0
        from lineage.graph import load_graph

        namespaces = {n["namespace"] for n in load_graph(open_store(db)).nodes("process")}
        assert namespaces == {expected}
