"""The dbt collector on manifests real dbt produced (scripts/make_dbt_fixture.py): naming as dbt-ol,
sources/seeds/models/snapshots/exposures, tags, catalog types, column lineage, bad input."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from collectors.base import Source
from collectors.dbt import DbtCollector
from collectors.dbt.profiles import namespace_of
from collectors.discover import plan
from collectors.spec import SpecCollector
from lineage.models import ColumnLineage, Dataset, Edge, EdgeKind, LineageBatch, NodeRef, Origin, Process, Role
from tests.shared import SHARED, needs

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MANIFEST = HERE / "project" / "target" / "manifest.json"
PARSED = HERE / "fixtures" / "manifest_parse.json"
SAMPLE = REPO / "sample_pipelines" / "warehouse_elt"
NS = "duckdb://warehouse.duckdb"
REAL_TARGET = SHARED / "fixtures" / "openlineage" / "real" / "jaffle-dbt-project" / "target"


@cache
def collected(path: Path = MANIFEST) -> LineageBatch:
    return DbtCollector().collect(Source(str(path), path.read_bytes(), path))


def datasets(batch: LineageBatch) -> dict[str, Dataset]:
    return {f.name: f for f in batch.facts if isinstance(f, Dataset)}


def lineage(batch: LineageBatch) -> set[tuple[str, str, tuple[str, ...], str]]:
    return {(f.target.dataset.name, f.target.column, tuple(sorted(f"{s.dataset.name}.{s.column}" for s in f.sources)),
             f.transformation.value) for f in batch.facts if isinstance(f, ColumnLineage)}


def test_fixture_manifest_was_written_by_dbt_core_with_duckdb() -> None:
    meta = json.loads(MANIFEST.read_text())["metadata"]
    assert meta["dbt_version"].startswith("1.11.") and meta["adapter_type"] == "duckdb"
    assert meta["dbt_schema_version"].endswith("/manifest/v12.json")


def test_datasets_are_named_as_dbt_ol_names_them_for_the_profile_target() -> None:
    found = {name: d for name, d in datasets(collected()).items() if d.namespace != "file"}  # seeds' CSV files
    assert set(found) == {"warehouse.app.users", "warehouse.app.tickets", "warehouse.seeds.synthetic_tickets",
                          "warehouse.analytics.stg_users", "warehouse.analytics.all_tickets",
                          "warehouse.analytics.ticket_context", "warehouse.snapshots.users_snapshot"}
    assert {d.namespace for d in found.values()} == {NS}


def test_sources_are_origins_and_meta_declares_origin_and_pii() -> None:
    found = datasets(collected())
    users = found["warehouse.app.users"]
    assert (users.role, users.origin, users.classifications) == (Role.ORIGIN, Origin.REAL, ("pii",))
    assert found["warehouse.app.tickets"].classifications == ("untrusted",)
    email = next(c for c in users.columns if c.name == "email")
    assert email.classifications == ("pii.email",)
    assert found["warehouse.analytics.ticket_context"].role is Role.STORE


def test_a_seed_is_loaded_from_its_csv_file_the_origin_by_its_own_process() -> None:
    batch = collected()
    seed = datasets(batch)["warehouse.seeds.synthetic_tickets"]
    manifest = json.loads(MANIFEST.read_text())["nodes"]["seed.support_ai.synthetic_tickets"]
    csv = datasets(batch)[f"{manifest['root_path']}/{manifest['original_file_path']}"]
    assert (csv.namespace, csv.role, csv.origin, csv.storage) == ("file", Role.ORIGIN, Origin.SYNTHETIC, "csv")
    assert (seed.role, seed.origin) == (Role.STORE, Origin.SYNTHETIC)
    loader = next(f for f in batch.facts if isinstance(f, Process) and f.name == "support_ai.synthetic_tickets")
    assert loader.job_type == "dbt seed"
    edges = {(e.source, e.kind, e.target) for e in batch.facts if isinstance(e, Edge)}
    assert {(csv.ref, EdgeKind.READ, loader.ref), (loader.ref, EdgeKind.WRITE, seed.ref)} <= edges
    assert ("warehouse.seeds.synthetic_tickets", "body", (f"{csv.name}.body",), "identity") in lineage(batch)


def test_a_seed_without_the_project_root_is_the_origin_itself() -> None:
    manifest = json.loads(MANIFEST.read_text())
    for node in manifest["nodes"].values():
        node.pop("root_path", None)
    batch = DbtCollector().collect(Source("m.json", json.dumps(manifest).encode()))
    assert datasets(batch)["warehouse.seeds.synthetic_tickets"].role is Role.ORIGIN
    assert not [d for d in datasets(batch).values() if d.namespace == "file"]


def test_catalog_gives_column_types_the_manifest_lacks() -> None:
    columns = {c.name: c.type for c in datasets(collected())["warehouse.analytics.all_tickets"].columns}
    assert columns == {"ticket_id": "INTEGER", "user_id": "INTEGER", "body": "VARCHAR", "status": "VARCHAR"}


def test_models_and_snapshots_are_processes_reading_parents_and_writing_their_table() -> None:
    edges = {(e.source.name, e.kind.value, e.target.name) for e in collected().facts if isinstance(e, Edge)}
    assert ("warehouse.app.tickets", "read", "support_ai.all_tickets") in edges
    assert ("warehouse.seeds.synthetic_tickets", "read", "support_ai.all_tickets") in edges
    assert ("support_ai.all_tickets", "write", "warehouse.analytics.all_tickets") in edges
    assert ("support_ai.users_snapshot", "write", "warehouse.snapshots.users_snapshot") in edges
    procs = {f.name: f for f in collected().facts if isinstance(f, Process)}
    assert procs["support_ai.all_tickets"].namespace == "dbt", "dbt-ol's job namespace without OPENLINEAGE_NAMESPACE"


def test_exposure_is_a_third_party_consumer_of_its_models() -> None:
    copilot = next(f for f in collected().facts if isinstance(f, Process) and f.name == "support_ai.support_copilot")
    assert (copilot.third_party, copilot.vendor, copilot.job_type) == (True, "OpenAI", "dbt exposure (application)")
    reads = [e.source.name for e in collected().facts if isinstance(e, Edge) and e.target == copilot.ref]
    assert reads == ["warehouse.analytics.ticket_context"]


def test_compiled_sql_gives_column_lineage_through_the_model() -> None:
    found = lineage(collected())
    assert ("warehouse.analytics.ticket_context", "email", ("warehouse.analytics.stg_users.email",),
            "identity") in found
    assert ("warehouse.analytics.all_tickets", "body", ("warehouse.app.tickets.body",
                                                        "warehouse.seeds.synthetic_tickets.body"), "identity") in found
    via = {f.process.name for f in collected().facts if isinstance(f, ColumnLineage) if f.process}
    assert "support_ai.ticket_context" in via


def test_parse_only_manifest_resolves_ref_and_source_in_raw_code_to_the_same_lineage() -> None:
    parsed = collected(PARSED)
    raw = json.loads(PARSED.read_text())["nodes"]["model.support_ai.ticket_context"]
    assert "compiled_code" not in raw or not raw.get("compiled_code")
    models = {row for row in lineage(collected()) if ".analytics." in row[0]}  # not snapshots or seeds' loads
    assert {row for row in lineage(parsed) if ".analytics." in row[0]} == models
    assert not parsed.errors


def test_sample_project_names_match_the_spec_and_dbt_ol_events() -> None:
    batch = collected(SAMPLE / "dbt" / "target" / "manifest.json")
    assert not batch.problems, [str(p) for p in batch.problems]
    spec = SpecCollector().collect(Source("pipeline.yaml", (SAMPLE / "pipeline.yaml").read_bytes()))
    spec_refs = {f.ref for f in spec.facts if isinstance(f, Dataset | Process)}
    dbt_refs = {f.ref for f in batch.facts if isinstance(f, Dataset | Process)}
    assert dbt_refs <= spec_refs, dbt_refs - spec_refs
    events = [json.loads(line) for line in (SAMPLE / "openlineage_events.jsonl").read_text().splitlines()]
    ol = {NodeRef.dataset(d["namespace"], d["name"]) for e in events for d in e.get("inputs", []) + e.get("outputs", [])
          if e["producer"].endswith("/integration/dbt")}
    assert ol <= {r for r in dbt_refs if r.kind.value == "dataset"}
    stg = datasets(batch)["ANALYTICS.STAGING.STG_ZENDESK__TICKETS"]
    assert stg.namespace == "snowflake://acme-prod" and stg.environment.value == "prod"


@pytest.mark.parametrize(("target", "namespace"), [
    ({"type": "snowflake", "account": "xy12345.us-east-1"}, "snowflake://xy12345.us-east-1.aws"),
    ({"type": "postgres", "host": "db", "port": 5432}, "postgres://db:5432"),
    ({"type": "redshift", "host": "c1.abc123.us-west-2.redshift.amazonaws.com", "port": 5439},
     "redshift://c1.us-west-2:5439"),
    ({"type": "bigquery", "project": "p"}, "bigquery"),
    ({"type": "duckdb", "path": "{{ env_var('DB', 'dev.duckdb') }}"}, "duckdb://dev.duckdb"),
    ({"type": "athena", "region_name": "eu-west-1"}, "awsathena://athena.eu-west-1.amazonaws.com"),
])
def test_profile_targets_give_the_namespaces_dbt_ol_emits(target: dict[str, object], namespace: str) -> None:
    assert namespace_of(target) == namespace


@pytest.mark.parametrize(("manifest", "message", "severity"), [
    ({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v3.json"}, "nodes": {}},
     "unknown manifest schema version 3", "error"),
    ({"metadata": {}, "nodes": {}}, "unknown manifest schema version (none)", "error"),
    ({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v13.json"}, "nodes": {}},
     "newer than v12", "warning"),
    ({"metadata": {}}, "no `nodes` object", "error"),
])
def test_unusable_manifests_say_why(manifest: dict[str, object], message: str, severity: str) -> None:
    batch = DbtCollector().collect(Source("m.json", json.dumps(manifest).encode()))
    assert [p.severity for p in batch.problems if message in p.message] == [severity], batch.problems


def test_truncated_manifest_is_an_error() -> None:
    batch = DbtCollector().collect(Source("m.json", MANIFEST.read_bytes()[:5000]))
    assert "not valid JSON" in batch.errors[0].message and not batch.facts


def test_walking_a_project_reads_the_manifest_once_and_claims_its_jinja_sql() -> None:
    found = plan([SAMPLE / "dbt"])
    kinds = {(c.name, p.name) for c, p in found.work}
    assert ("dbt", "manifest.json") in kinds
    assert {c for c, _ in kinds} == {"dbt"}
    assert not DbtCollector().detect(Path("run_results.json"), b'{"metadata": {"dbt_schema_version": '
                                     b'"https://schemas.getdbt.com/dbt/run-results/v6.json"')


def test_without_a_profile_the_datasets_get_a_project_namespace_and_a_warning(tmp_path: Path) -> None:
    data = MANIFEST.read_bytes()
    batch = DbtCollector().collect(Source("manifest.json", data))
    assert {d.namespace for d in datasets(batch).values()} == {"dbt://support_ai", "file"}  # "file": a seed's CSV
    assert any("no dataset namespace" in p.message for p in batch.problems)
    named = DbtCollector().with_options({"namespace": "duckdb://warehouse.duckdb"}).collect(Source("m.json", data))
    assert {d.namespace for d in datasets(named).values()} == {NS, "file"}


def test_reads_stay_consistent_with_edges() -> None:
    reads = [e for e in collected().facts if isinstance(e, Edge) and e.kind is EdgeKind.READ]
    assert reads and all(e.source.namespace == NS for e in reads if e.target.name != "support_ai.synthetic_tickets")


def _warnings(batch: LineageBatch, about: str) -> list[str]:
    return [p.message for p in batch.problems if about in p.message and p.severity == "warning"]


def test_partial_column_lineage_says_why_once_per_manifest(tmp_path: Path) -> None:
    assert not _warnings(collected(), "partial") and not _warnings(collected(), "no compiled code")
    (uncompiled,) = _warnings(collected(PARSED), "no compiled code")
    assert uncompiled.startswith("4 model(s)") and "dbt compile" in uncompiled
    lone = tmp_path / "manifest.json"  # the project's manifest without the catalog beside it
    lone.write_bytes(MANIFEST.read_bytes())
    batch = DbtCollector().collect(Source(str(lone), lone.read_bytes(), lone))
    assert not _warnings(batch, "partial")  # its models' SQL reads no `*` of an unknown table


@needs(REAL_TARGET)
def test_a_manifest_without_its_catalog_warns_that_star_models_lose_column_lineage(tmp_path: Path) -> None:
    real = REAL_TARGET
    with_catalog = DbtCollector().collect(Source(str(real / "manifest.json"), (real / "manifest.json").read_bytes(),
                                                 real / "manifest.json"))
    assert not _warnings(with_catalog, "partial")
    lone = tmp_path / "manifest.json"
    lone.write_bytes((real / "manifest.json").read_bytes())
    batch = DbtCollector().collect(Source(str(lone), lone.read_bytes(), lone))
    (partial,) = _warnings(batch, "partial")
    assert "catalog.json" in partial and "model.jaffle.stg_payments" in partial
    assert len(batch.problems) == len({p.message for p in batch.problems})  # said once, not per model
