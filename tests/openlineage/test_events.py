"""Mapping one OpenLineage event to core facts (the pure core of the collector)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from collectors.openlineage.events import map_event
from collectors.openlineage.mapping import AliasMap
from collectors.openlineage.sql import repoint
from lineage.models import ColumnLineage, Dataset, Edge, EdgeKind, Evidence, NodeRef, Process, Transformation
from tests.openlineage.support import SHARED, load, needs_shared

BASE: dict[str, Any] = {
    "eventType": "COMPLETE",
    "eventTime": "2026-02-01T08:00:00Z",
    "run": {"runId": "0192c7a6-8f2b-7c3d-9e4f-a1b2c3d4e5f6"},
    "job": {"namespace": "dbt", "name": "shop.analytics.orders"},
    "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/dbt",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "inputs": [
        {"namespace": "postgres://db:5432", "name": "shop.public.raw_orders"},
        {"namespace": "postgres://db:5432", "name": "shop.public.raw_payments"},
    ],
    "outputs": [{"namespace": "postgres://db:5432", "name": "shop.analytics.orders"}],
}
PG = "postgres://db:5432"


def event(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    out.update(changes)
    return out


def of(kind: type, facts: list[Any]) -> list[Any]:
    return [f for f in facts if isinstance(f, kind)]


def test_run_event_maps_job_to_process_and_datasets_to_read_and_write_edges() -> None:
    mapped = map_event(event(), source="e.json", line=3)
    edges = {(e.source.id, e.target.id, e.kind) for e in of(Edge, mapped.facts)}
    assert edges == {
        (f"dataset:{PG}:shop.public.raw_orders", "process:dbt:shop.analytics.orders", EdgeKind.READ),
        (f"dataset:{PG}:shop.public.raw_payments", "process:dbt:shop.analytics.orders", EdgeKind.READ),
        ("process:dbt:shop.analytics.orders", f"dataset:{PG}:shop.analytics.orders", EdgeKind.WRITE),
    }
    process = of(Process, mapped.facts)[0]
    assert (
        process.run_state,
        process.evidence.run_id,
        process.evidence.line,
        process.evidence.collector,
    ) == ("COMPLETE", BASE["run"]["runId"], 3, "openlineage")
    assert process.evidence.observed_at.isoformat() == "2026-02-01T08:00:00+00:00"
    assert mapped.problems == []


def test_dataset_names_are_normalised_by_the_naming_rules() -> None:
    mapped = map_event(
        event(inputs=[{"namespace": "postgresql://DB:5432", "name": "Shop.Public.Raw_Orders"}], outputs=[]),
        source="e",
    )
    assert [d.ref.id for d in of(Dataset, mapped.facts)] == [f"dataset:{PG}:shop.public.raw_orders"]


def _cll(input_fields: list[dict[str, Any]], **facet: Any) -> dict[str, Any]:
    outputs = copy.deepcopy(BASE["outputs"])
    outputs[0]["facets"] = {"columnLineage": {"fields": {"total": {"inputFields": input_fields}}, **facet}}
    return event(outputs=outputs)


def _field(name: str, field: str, *transformations: tuple[str, str, bool]) -> dict[str, Any]:
    return {
        "namespace": PG,
        "name": name,
        "field": field,
        "transformations": [{"type": t, "subtype": s, "masking": m} for t, s, m in transformations],
    }


def test_column_lineage_keeps_transformation_types_subtypes_masking_and_indirect() -> None:
    mapped = map_event(
        _cll(
            [
                _field("shop.public.raw_orders", "amount", ("DIRECT", "AGGREGATION", False)),
                _field("shop.public.raw_orders", "status", ("INDIRECT", "FILTER", False)),
                _field(
                    "shop.public.raw_payments",
                    "order_id",
                    ("INDIRECT", "JOIN", False),
                    ("INDIRECT", "GROUP_BY", False),
                ),
                _field("shop.public.raw_payments", "card", ("DIRECT", "TRANSFORMATION", True)),
            ]
        ),
        source="e",
    )
    got = {(c.transformation, c.indirect, tuple(s.column for s in c.sources)) for c in of(ColumnLineage, mapped.facts)}
    assert got == {
        (Transformation.AGGREGATION, False, ("amount",)),
        (Transformation.FILTER, True, ("status",)),
        (Transformation.JOIN, True, ("order_id",)),
        (Transformation.AGGREGATION, True, ("order_id",)),
        (Transformation.MASKING, False, ("card",)),
    }
    assert {c.process.id for c in of(ColumnLineage, mapped.facts) if c.process} == {"process:dbt:shop.analytics.orders"}


def test_dataset_level_column_lineage_applies_indirectly_to_every_output_column() -> None:
    mapped = map_event(
        _cll(
            [_field("shop.public.raw_orders", "amount", ("DIRECT", "IDENTITY", False))],
            dataset=[_field("shop.public.raw_orders", "status", ("INDIRECT", "FILTER", False))],
        ),
        source="e",
    )
    indirect = [c for c in of(ColumnLineage, mapped.facts) if c.indirect]
    assert [(c.target.column, c.transformation, c.sources[0].column) for c in indirect] == [
        ("total", Transformation.FILTER, "status")
    ]


def test_dbt_cte_alias_in_column_lineage_is_dropped_with_a_warning_not_made_a_dataset() -> None:
    mapped = map_event(
        _cll(
            [
                _field("orders", "amount", ("DIRECT", "IDENTITY", False)),
                _field("shop.public.raw_orders", "amount", ("DIRECT", "IDENTITY", False)),
            ]
        ),
        source="e",
    )
    sources = {s.dataset.name for c in of(ColumnLineage, mapped.facts) for s in c.sources}
    assert sources == {"shop.public.raw_orders"}
    cte = [(p.severity, p.field) for p in mapped.problems if "CTE" in p.message]
    assert cte == [("warning", "outputs.0.facets.columnLineage.fields.total.inputFields.0")]
    assert not mapped.refused


def test_dbt_build_and_dbt_run_name_one_model_process() -> None:
    run = map_event(event(job={"namespace": "dbt", "name": "shop.analytics.jaffle.orders"}), source="e")
    build = map_event(event(job={"namespace": "dbt", "name": "shop.analytics.jaffle.orders.build.run"}), source="e")
    assert of(Process, run.facts)[0].ref == of(Process, build.facts)[0].ref
    assert of(Process, run.facts)[0].name == "jaffle.orders"
    assert "dbt build" in (of(Process, build.facts)[0].job_type or "")


def test_parent_run_facet_links_the_model_to_its_dbt_run_without_a_data_flow_edge() -> None:
    parent = {
        "run": {"runId": "0192c7a6-0000-7000-8000-000000000001"},
        "job": {"namespace": "dbt", "name": "dbt-run-shop"},
    }
    run = {
        "runId": BASE["run"]["runId"],
        "facets": {"parent": {"_producer": "p", "_schemaURL": "u", **parent}},
    }
    mapped = map_event(event(run=run), source="e")
    processes = {p.ref.id: p for p in of(Process, mapped.facts)}
    assert processes["process:dbt:shop.analytics.orders"].parent == "process:dbt:dbt-run-shop"
    assert processes["process:dbt:dbt-run-shop"].evidence.run_id == parent["run"]["runId"]
    assert all("dbt-run-shop" not in (e.source.id + e.target.id) for e in of(Edge, mapped.facts))


def test_tags_become_classifications_origin_and_environment() -> None:
    outputs = [
        {
            "namespace": PG,
            "name": "shop.analytics.orders",
            "facets": {
                "tags": {
                    "tags": [
                        {"key": "pii", "value": "true"},
                        {"key": "classification:pii.email", "value": "", "field": "email"},
                        {"key": "origin", "value": "synthetic"},
                        {"key": "environment", "value": "production"},
                    ]
                },
                "schema": {
                    "fields": [
                        {"name": "email", "type": "text"},
                        {"name": "phone", "tags": [{"key": "classification", "value": "pii.phone"}]},
                    ]
                },
            },
        }
    ]
    ds = of(Dataset, map_event(event(outputs=outputs), source="e").facts)[-1]
    assert (ds.classifications, ds.origin.value if ds.origin else None, ds.environment) == (
        ("pii",),
        "synthetic",
        ds.environment,
    )
    assert ds.environment is not None and ds.environment.value == "prod"
    assert {c.name: c.classifications for c in ds.columns} == {
        "email": ("pii.email",),
        "phone": ("pii.phone",),
    }


def test_symlink_aliases_merge_into_the_dataset_named_by_the_producer() -> None:
    aliases = AliasMap()
    first = load("compat/CLL/5.json")
    mapped = map_event(first, source="e", aliases=aliases)
    source1 = next(d for d in of(Dataset, mapped.facts) if d.name == "/tmp/cll_test/cll_source1")
    assert source1.aliases == ("dataset:file:/tmp/cll_test/default.cll_source1",)
    by_alias = event(inputs=[{"namespace": "file:/tmp/cll_test", "name": "default.cll_source1"}], outputs=[])
    later = map_event(by_alias, source="e", aliases=aliases)
    assert [d.ref.id for d in of(Dataset, later.facts)] == ["dataset:file:/tmp/cll_test/cll_source1"]


def test_error_message_owner_storage_quality_and_documentation_are_kept() -> None:
    run = {
        "runId": BASE["run"]["runId"],
        "facets": {"errorMessage": {"message": "boom", "programmingLanguage": "SQL"}},
    }
    job = {
        "namespace": "dbt",
        "name": "m",
        "facets": {
            "ownership": {"owners": [{"name": "team:data", "type": "TEAM"}]},
            "documentation": {"description": "builds orders"},
            "jobType": {"integration": "DBT", "jobType": "MODEL", "processingType": "BATCH"},
        },
    }
    inputs = [
        {
            "namespace": PG,
            "name": "shop.public.raw_orders",
            "facets": {"storage": {"storageLayer": "iceberg", "fileFormat": "parquet"}},
            "inputFacets": {
                "dataQualityMetrics": {"rowCount": 10, "bytes": 2048, "columnMetrics": {}},
                "dataQualityAssertions": {"assertions": [{"assertion": "not_null", "success": False, "column": "id"}]},
            },
        }
    ]
    mapped = map_event(event(eventType="FAIL", run=run, job=job, inputs=inputs, outputs=[]), source="e")
    process = of(Process, mapped.facts)[0]
    ds = of(Dataset, mapped.facts)[0]
    assert (
        process.run_state,
        process.error_message,
        process.owner,
        process.description,
        process.job_type,
    ) == ("FAIL", "boom", "team:data", "builds orders", "DBT/MODEL/BATCH")
    assert (ds.storage, ds.row_count, ds.size_bytes, ds.quality) == (
        "iceberg/parquet",
        10,
        2048,
        ("not_null(id): failed",),
    )


def test_old_and_odd_producer_events_are_accepted_with_warnings() -> None:
    no_zone = map_event(load("marquez/event_required_no_timezone.json"), source="e")
    no_url = map_event(load("marquez/event_without_schema_url.json"), source="e")
    assert not no_zone.refused and not no_url.refused
    assert [p.field for p in no_zone.problems] == ["eventTime"]
    assert [p.field for p in no_url.problems] == ["schemaURL"]
    assert {p.severity for p in no_zone.problems + no_url.problems} == {"warning"}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"job": {"namespace": "n"}}, "job.name"),
        ({"run": {}}, "run.runId"),
        ({"eventTime": "yesterday"}, "eventTime"),
        ({"inputs": "shop.public.raw_orders"}, "inputs"),
        ({"outputs": [{"namespace": PG}]}, "outputs.0.name"),
        ({"outputs": [{"namespace": "postgres://d\x07b:5432", "name": "x"}]}, "outputs.0"),
    ],
)
def test_an_event_missing_what_identifies_it_is_refused_naming_the_field(bad: dict[str, Any], field: str) -> None:
    mapped = map_event(event(**bad), source="e", line=7)
    assert mapped.refused and mapped.facts == []
    errors = [p for p in mapped.problems if p.severity == "error"]
    assert [(p.field, p.line) for p in errors] == [(field, 7)]


@pytest.mark.parametrize("value", [[], "text", 3, None])
def test_a_non_object_event_is_refused(value: Any) -> None:
    assert map_event(value, source="e").refused


def test_dataset_event_maps_to_a_dataset_without_a_process() -> None:
    mapped = map_event(load("marquez/event_dataset_event.json"), source="e")
    assert [type(f).__name__ for f in mapped.facts] == ["Dataset"]
    assert [c.name for c in of(Dataset, mapped.facts)[0].columns] == ["col_a"]


def test_sql_facts_are_repointed_at_the_events_job_and_datasets() -> None:
    ev = Evidence(collector="sql", source="q")
    job, menus = (
        NodeRef.process("food_delivery", "etl_menus"),
        NodeRef.dataset("food_delivery", "public.menus"),
    )
    facts = [
        Edge(
            source=NodeRef.dataset("food_delivery", "tmp_menus"),
            target=NodeRef.process("sql", "x#1"),
            kind=EdgeKind.READ,
            evidence=ev,
        ),
        Edge(
            source=NodeRef.process("sql", "x#1"),
            target=NodeRef.dataset("food_delivery", "menus"),
            kind=EdgeKind.WRITE,
            evidence=ev,
        ),
    ]
    kept, notes = repoint(facts, [menus], job)
    assert [(f.source.id, f.target.id) for f in kept] == [(job.id, menus.id)]
    assert notes == ["the SQL names 'tmp_menus', which is not a dataset of this event; not made a dataset"]


@needs_shared
@pytest.mark.parametrize(
    "example", sorted(f"{p.parent.name}/{p.name}" for p in (SHARED / "spec-examples").glob("*/*.json"))
)
def test_every_spec_facet_example_maps_without_refusing_the_event(example: str) -> None:
    path = SHARED / "spec-examples" / example
    facet_kind = path.parent.name
    facets = json.loads(path.read_text())
    e = event()
    if facet_kind.endswith("RunFacet"):
        e["run"]["facets"] = facets
    elif facet_kind.endswith("JobFacet"):
        e["job"]["facets"] = facets
    elif facet_kind.endswith("InputDatasetFacet"):
        e["inputs"][0]["inputFacets"] = facets
    elif facet_kind.endswith("OutputDatasetFacet"):
        e["outputs"][0]["outputFacets"] = facets
    else:
        e["outputs"][0]["facets"] = facets
    mapped = map_event(e, source=str(path))
    assert not mapped.refused
    assert of(Process, mapped.facts)



CONTROL_CHARACTERS = ["\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u200f", "\u202a", "\u202e", "\u2066",
                      "\u2069", "\u061c"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["namespace", "name"])
def test_a_job_name_with_a_control_character_refuses_the_event_naming_the_field(char: str, field: str) -> None:
    job = {**BASE["job"], field: f"shop{char}orders"}
    mapped = map_event(event(job=job), source="e.json")
    assert mapped.refused and not mapped.facts
    assert [p.field for p in mapped.problems if p.severity == "error"] == [f"job.{field}"]
    assert f"contains control character {char!r} at 4" in mapped.problems[-1].message


@pytest.mark.parametrize("char", ["\x00", "\u202e"], ids=["NUL", "U+202E"])
def test_a_dataset_name_follows_the_same_rule_as_a_job_name(char: str) -> None:
    mapped = map_event(event(inputs=[{"namespace": PG, "name": f"shop.public.raw{char}orders"}]), source="e.json")
    assert mapped.refused and [p.field for p in mapped.problems] == ["inputs.0"]
    assert f"control character {char!r}" in mapped.problems[0].message


def test_a_parent_job_with_a_control_character_is_ignored_with_a_warning() -> None:
    run = {"runId": BASE["run"]["runId"], "facets": {"parent": {
        "job": {"namespace": "airflow", "name": "dag\u202e.task"}, "run": {"runId": "p1"}}}}
    mapped = map_event(event(run=run), source="e.json")
    assert not mapped.refused
    ignored = [p for p in mapped.problems if "ignored" in p.message]
    assert [(p.field, p.severity) for p in ignored] == [("run.facets.parent.job.name", "warning")]
    assert all("\u202e" not in f.name for f in of(Process, mapped.facts))


def test_an_event_with_a_bad_job_name_is_refused_and_the_rest_of_the_file_kept() -> None:
    from collectors.base import Source
    from collectors.openlineage import OpenLineageCollector

    events = [event(job={"namespace": "dbt", "name": name}) for name in ("first", "evil\x00name", "third\u202e")]
    events.append(event(job={"namespace": "dbt", "name": "last"}))
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    batch = OpenLineageCollector().collect(Source(name="events.jsonl", data=data))
    assert {f.name for f in of(Process, batch.facts)} == {"first", "last"}
    errors = [(p.line, p.field, p.source) for p in batch.problems if p.severity == "error"]
    assert errors == [(2, "job.name", "events.jsonl"), (3, "job.name", "events.jsonl")]


def _with_sql(query: str, *, output_fields: list[str] | None = None, outputs: int = 1) -> dict[str, Any]:
    schema = {"_producer": "p", "_schemaURL": "u", "fields": [{"name": f} for f in output_fields or []]}
    out = event(
        job={"namespace": "etl", "name": "totals",
             "facets": {"sql": {"_producer": "p", "_schemaURL": "u", "query": query}}},
        inputs=[{"namespace": PG, "name": "shop.public.orders"}],
        outputs=[{"namespace": PG, "name": f"shop.public.totals{i or ''}",
                  "facets": {"schema": schema} if output_fields else {}} for i in range(outputs)],
    )
    return out


def _column_sources(facts: list[Any]) -> dict[tuple[str, str], set[tuple[str, str]]]:
    out: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for c in of(ColumnLineage, facts):
        out.setdefault((c.target.dataset.name, c.target.column), set()).update(
            (s.dataset.name, s.column) for s in c.sources)
    return out


def test_an_insert_without_a_column_list_fills_the_columns_the_events_schema_lists() -> None:
    from collectors.openlineage import sql_hook

    query = "INSERT INTO totals SELECT customer_id, sum(amount) FROM orders GROUP BY 1"
    mapped = map_event(_with_sql(query, output_fields=["customer_id", "total"]), source="e", sql_hook=sql_hook())
    columns = _column_sources(mapped.facts)
    assert columns[("shop.public.totals", "total")] == {("shop.public.orders", "amount")}
    assert not any(column == "sum" for _, column in columns)  # no phantom column named after the function


def test_a_bare_select_is_the_query_of_the_events_one_output_through_its_ctes() -> None:
    from collectors.openlineage import sql_hook

    query = ("WITH paid AS (SELECT customer_id, amount FROM orders) "
             "SELECT customer_id, sum(amount) AS lifetime_value FROM paid GROUP BY 1")
    mapped = map_event(_with_sql(query), source="e", sql_hook=sql_hook())
    columns = _column_sources(mapped.facts)
    assert columns[("shop.public.totals", "lifetime_value")] == {("shop.public.orders", "amount")}
    assert "paid" not in {name for name, _ in columns}  # the CTE is resolved, not made a dataset
    two = map_event(_with_sql(query, outputs=2), source="e", sql_hook=sql_hook())
    assert not of(ColumnLineage, two.facts)  # with two outputs a SELECT says nothing of which it fills


@pytest.mark.parametrize("name", ['we"ird; DROP TABLE x', "a.b.c.d.e", "", "ünïcode.`t`"])
def test_a_select_into_an_output_of_any_name_never_reads_the_name_as_sql(name: str) -> None:
    from collectors.openlineage import sql_hook

    raw = _with_sql("SELECT customer_id FROM orders")
    raw["outputs"][0]["name"] = name
    mapped = map_event(raw, source="e", sql_hook=sql_hook())
    if not name:
        assert mapped.refused
        return
    written = {e.target.id for e in of(Edge, mapped.facts) if e.kind is EdgeKind.WRITE}
    assert len(written) == 1
    assert {c.target.dataset.id for c in of(ColumnLineage, mapped.facts)} == written  # the output, however named


@needs_shared
def test_dbt_ol_compiled_selects_give_column_lineage_through_their_ctes() -> None:
    from collectors.openlineage import OpenLineageCollector

    path = SHARED / "real" / "dbt-ol-1.54" / "dbt-ol-build.jsonl"
    batch = OpenLineageCollector().collect_lines(str(path), path.read_bytes())
    sources = {s for (target, column), found in _column_sources(batch.facts).items()
               if target.endswith(".customers") and column == "customer_lifetime_value" for s in found}
    assert any(name.endswith(".stg_payments") and column == "amount" for name, column in sources), sources


def _query_child(task: str, query: str, *, dag: str = "shop_sql", parent: bool = True) -> dict[str, Any]:
    facets = {"parent": {"_producer": "p", "_schemaURL": "u",
                         "job": {"namespace": "airflow", "name": f"{dag}.{task}"},
                         "run": {"runId": "01a24dcc-d800-72ff-bf3b-1e98c13e12ca"},
                         "root": {"job": {"namespace": "airflow", "name": dag},
                                  "run": {"runId": "01a24dcc-d800-71bd-ab3d-94eb3aa1e2f0"}}}} if parent else {}
    return event(job={"namespace": "airflow", "name": f"{dag}.{task}.query.1",
                      "facets": {"sql": {"_producer": "p", "_schemaURL": "u", "query": query}}},
                 run={"runId": "01a24dcc-d800-7000-8000-000000000001", "facets": facets}, inputs=[], outputs=[],
                 producer="https://github.com/apache/airflow/tree/providers-openlineage/2.20.3")


def test_a_query_child_jobs_tables_belong_to_its_task_in_an_unresolved_namespace_of_its_pipeline() -> None:
    from collectors.openlineage import sql_hook

    query = "CREATE TABLE totals AS SELECT c.id, sum(o.amount) AS total FROM customers c JOIN orders o ON o.cid = c.id"
    mapped = map_event(_query_child("build", query), source="e", sql_hook=sql_hook())
    processes = {p.ref.id for p in of(Process, mapped.facts)}
    assert processes == {"process:airflow:shop_sql.build"}  # no node for the statement's own child job
    edges = {(e.source.id, e.target.id) for e in of(Edge, mapped.facts)}
    ns = "dataset:unresolved://airflow/shop_sql"
    assert edges == {(f"{ns}:customers", "process:airflow:shop_sql.build"),
                     (f"{ns}:orders", "process:airflow:shop_sql.build"),
                     ("process:airflow:shop_sql.build", f"{ns}:totals")}
    other = map_event(_query_child("load", "INSERT INTO orders SELECT * FROM staging", dag="billing"), source="e",
                      sql_hook=sql_hook())
    assert "dataset:unresolved://airflow/billing:orders" in {e.target.id for e in of(Edge, other.facts)}
    alone = map_event(_query_child("load", "INSERT INTO orders SELECT * FROM staging", parent=False), source="e",
                      sql_hook=sql_hook())
    assert {(e.source.id, e.target.id) for e in of(Edge, alone.facts) if e.kind is EdgeKind.WRITE} == {
        ("process:airflow:shop_sql.load.query.1", "dataset:unresolved://airflow/shop_sql.load.query.1:orders")}


@needs_shared
def test_airflow_sql_tasks_give_their_tables_and_column_lineage_under_the_task() -> None:
    from collectors.openlineage import OpenLineageCollector

    path = SHARED / "real" / "airflow-3.3.2" / "sql-dag-sqlite.jsonl"
    batch = OpenLineageCollector().collect_lines(str(path), path.read_bytes())
    assert not [p for p in of(Process, batch.facts) if ".query." in p.name]
    assert not [d for d in of(Dataset, batch.facts) if d.namespace in ("sql", "sql:")]
    task = "process:airflow-dev:shop_sql.build_customer_totals"
    read = {e.source.name for e in of(Edge, batch.facts) if e.target.id == task}
    assert {"customers", "orders"} <= read
    assert any(e.source.id == task and e.target.name == "customer_totals" for e in of(Edge, batch.facts))
    totals = _column_sources(batch.facts)
    assert ("orders", "amount") in totals[("customer_totals", "total")]


@needs_shared
def test_an_airflow_task_run_names_its_dag_run_as_parent(tmp_path: Path) -> None:
    from collectors.openlineage import OpenLineageCollector
    from lineage.store import open_store

    path = SHARED / "real" / "airflow-3.3.2" / "sql-dag-sqlite.jsonl"
    dag_run = next(e["run"]["runId"] for e in map(json.loads, path.read_text().splitlines())
                   if e["job"]["name"] == "shop_sql")
    store = open_store(tmp_path / "s.duckdb")
    store.ingest(OpenLineageCollector().collect_lines(str(path), path.read_bytes()))
    runs = store.runs_of("process:airflow-dev:shop_sql.build_customer_totals")
    assert [(r.state, r.parent, r.parent_run) for r in runs] == [
        ("COMPLETE", "process:airflow-dev:shop_sql", dag_run)]
    (dag,) = store.runs_of("process:airflow-dev:shop_sql")
    assert (dag.run_id, dag.parent, dag.parent_run) == (dag_run, None, None)
