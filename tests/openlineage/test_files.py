"""OpenLineage event files: every layout, bad input, the Marquez seed, and the graphs they give."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from collectors.base import Source, get_collector
from collectors.discover import plan
from collectors.openlineage.files import iter_bytes
from lineage.cli import main
from lineage.errors import CollectorError
from lineage.graph import load_graph
from lineage.models import ColumnLineage, Dataset, Process
from lineage.store import Store, open_store
from tests.openlineage.support import FIXTURES, SHARED, needs_shared

COLLECTOR = get_collector("openlineage")
CLL = sorted((FIXTURES / "compat" / "CLL").glob("*.json"), key=lambda p: int(p.stem))


def jsonl(paths: list[Path]) -> bytes:
    return b"".join(json.dumps(json.loads(p.read_text())).encode() + b"\n" for p in paths)


def collect(name: str, data: bytes):  # type: ignore[no-untyped-def]
    return COLLECTOR.collect(Source(name=name, data=data))


def processes(batch) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.ref.id for f in batch.facts if isinstance(f, Process)}


def test_json_lines_array_single_document_and_gzip_give_the_same_facts() -> None:
    lines = jsonl(CLL)
    array = ("[\n" + ",\n".join(json.dumps(json.loads(p.read_text()), indent=2) for p in CLL) + "\n]").encode()
    variants = {
        "jsonl": lines,
        "array": array,
        "gzip": gzip.compress(lines),
        "concatenated": b"".join(p.read_bytes() for p in CLL),
    }
    facts = {
        name: {f.model_dump_json(exclude={"evidence"}) for f in collect(name, data).facts}
        for name, data in variants.items()
    }
    assert facts["jsonl"] == facts["array"] == facts["gzip"] == facts["concatenated"]
    assert len(facts["jsonl"]) > 20


def test_a_malformed_line_is_reported_with_its_line_and_the_rest_is_kept() -> None:
    lines = jsonl(CLL).split(b"\n")
    lines[3] = lines[3][:80]
    batch = collect("events.jsonl", b"\n".join(lines))
    assert [(p.line, p.severity) for p in batch.problems] == [(4, "error")]
    assert "not valid JSON" in batch.problems[0].message
    assert processes(batch) == processes(collect("rest.jsonl", jsonl(CLL[:3] + CLL[4:])))


def test_json_lines_mixed_with_a_pretty_printed_event_keep_every_event_and_its_line() -> None:
    compact = jsonl(CLL[:2])
    pretty = json.dumps(json.loads(CLL[2].read_text()), indent=2).encode() + b"\n"
    data = compact + pretty + b"\n" + jsonl(CLL[3:5]) + b"{broken\n" + jsonl(CLL[5:6])
    batch = collect("mixed.jsonl", data)
    broken = 2 + pretty.count(b"\n") + 1 + 2 + 1
    assert [(p.line, p.severity) for p in batch.problems] == [(broken, "error")]
    assert processes(batch) == processes(collect("x", jsonl(CLL[:6])))
    events = [i for i in iter_bytes(data) if i.value is not None]
    assert [i.line for i in events] == [1, 2, 3, 3 + pretty.count(b"\n") + 1, broken - 1, broken + 1]


def test_the_size_limit_stops_reading_json_lines_with_a_message() -> None:
    data = jsonl(CLL) * 3
    items = list(iter_bytes(data, max_bytes=len(data) // 2))
    assert items[-1].value is None and "the rest is not read" in (items[-1].error or "")
    assert 0 < len(items) - 1 < len(CLL) * 3


def test_invalid_utf8_refuses_only_the_event_it_is_in() -> None:
    lines = jsonl(CLL[:3]).split(b"\n")
    lines[1] = lines[1].replace(b"testColumnLevelLineage", b"test\xffColumnLevelLineage", 1)
    batch = collect("events.jsonl", b"\n".join(lines))
    assert [(p.line, "UTF-8" in p.message) for p in batch.problems] == [(2, True)]
    assert processes(batch) == processes(collect("x", jsonl([CLL[0], CLL[2]])))


def test_truncated_gzip_keeps_the_events_before_the_cut() -> None:
    data = gzip.compress(jsonl(CLL) * 20)
    batch = collect("events.jsonl.gz", data[: len(data) // 2])
    assert batch.problems[-1].message == "the gzip data is truncated"
    assert processes(batch)


def test_nesting_10000_deep_and_an_array_of_non_events_are_reported_not_raised() -> None:
    deep = collect("deep.json", b"[" * 10_000 + b"]" * 10_000 + b"\n" + CLL[0].read_bytes())
    assert deep.problems and deep.problems[0].severity == "error"
    assert processes(deep) == processes(collect("one.json", CLL[0].read_bytes()))
    junk = collect("junk.json", b'[1, "two", null]')
    assert [p.severity for p in junk.problems] == ["error", "error", "error"]


def test_a_truncated_array_is_reported_and_its_complete_events_kept() -> None:
    array = ("[\n" + ",\n".join(json.dumps(json.loads(p.read_text())) for p in CLL[:3])).encode()
    batch = collect("cut.json", array)
    assert any("not closed" in p.message for p in batch.problems)
    assert processes(batch) == processes(collect("x", jsonl(CLL[:3])))


def test_marquez_seed_placeholders_are_filled_deterministically() -> None:
    data = (FIXTURES / "marquez" / "metadata.template.json").read_bytes()
    first, second = collect("seed.json", data), collect("seed.json", data)
    assert [f.evidence.observed_at for f in first.facts] == [f.evidence.observed_at for f in second.facts]
    assert min(f.evidence.observed_at for f in first.facts).isoformat() == "2020-02-22T22:00:00+00:00"
    assert not [p for p in first.problems if p.severity == "error"]


def test_a_seed_with_an_unknown_placeholder_is_refused_naming_it() -> None:
    data = (
        (FIXTURES / "marquez" / "metadata.template.json")
        .read_bytes()
        .replace(b'"{{RUN_START_TIME}}"', b'"{{DEPLOY_TIME}}"', 1)
    )
    with pytest.raises(CollectorError, match=r"line 4: unknown placeholder \{\{DEPLOY_TIME\}\}"):
        collect("seed.json", data)


def test_marquez_seed_graph_has_exactly_the_described_datasets_jobs_and_column_lineage(store: Store) -> None:
    batch = collect("seed.json", (FIXTURES / "marquez" / "metadata.template.json").read_bytes())
    store.ingest(batch)
    g = load_graph(store)
    tables = {
        "categories",
        "customers",
        "delivery_7_days",
        "discounts",
        "drivers",
        "menu_items",
        "menus",
        "order_status",
        "orders",
        "orders_7_days",
        "popular_orders_day_of_week",
        "restaurants",
        "top_delivery_times",
    }
    jobs = {
        "delivery_times_7_days",
        "email_discounts",
        "etl_categories",
        "etl_customers",
        "etl_delivery_7_days",
        "etl_drivers",
        "etl_menu_items",
        "etl_menus",
        "etl_order_status",
        "etl_orders",
        "etl_orders_7_days",
        "etl_restaurants",
        "orders_popular_day_of_week",
    }
    assert {n["id"] for n in g.nodes("dataset")} == {f"dataset:food_delivery:public.{t}" for t in tables}
    assert {n["id"] for n in g.nodes("process")} == {f"process:food_delivery:{j}" for j in jobs}
    # `public.menu_item_id` (a column the seed names as a table) is no dataset: category_id loses its source.
    # (Column lineage the SQL collector infers from the `sql` facets is evidence of another collector.)
    per_table: dict[str, set[str]] = {}
    for c in batch.facts:
        if isinstance(c, ColumnLineage) and c.evidence.collector == "openlineage":
            per_table.setdefault(c.target.dataset.name.rsplit(".", 1)[-1], set()).add(c.target.column)
    assert {t: len(cols) for t, cols in per_table.items()} == {
        "delivery_7_days": 12,
        "orders_7_days": 7,
        "top_delivery_times": 7,
        "popular_orders_day_of_week": 2,
        "discounts": 2,
    }
    assert "category_id" not in per_table["delivery_7_days"]
    assert ("dataset:food_delivery:public.orders", "process:food_delivery:etl_orders_7_days", "read") in {
        (u, v, k) for u, v, k, _ in g.edges()
    }


def test_spark_column_lineage_scenario_graph_is_exact(store: Store) -> None:
    store.ingest(collect("cll.jsonl", jsonl(CLL)))
    g = load_graph(store)
    assert {n["id"] for n in g.nodes("dataset")} == {
        "dataset:file:/tmp/cll_test/cll_source1",
        "dataset:file:/tmp/cll_test/cll_source2",
        "dataset:file:/tmp/cll_test/tbl1",
    }
    root = "open_lineage_integration_create_table"
    assert {n["name"] for n in g.nodes("process")} == {
        root,
        f"{root}.execute_create_table_command.cll_test_cll_source1",
        f"{root}.execute_create_table_command.cll_test_cll_source2",
        f"{root}.execute_create_hive_table_as_select_command.default_tbl1",
    }
    ctas = f"process:testColumnLevelLineage:{root}.execute_create_hive_table_as_select_command.default_tbl1"
    assert g.node(ctas)["parent"] == f"process:testColumnLevelLineage:{root}"
    assert not g.successors(f"process:testColumnLevelLineage:{root}", "write")
    direct = {
        (c["column"], c["transformation"], tuple(map(tuple, c["sources"])))
        for c in g.column_lineage
        if not c["indirect"]
    }
    src1, src2 = "dataset:file:/tmp/cll_test/cll_source1", "dataset:file:/tmp/cll_test/cll_source2"
    assert direct == {
        ("ident", "identity", ((src1, "a"),)),
        ("trans", "transformation", ((src1, "b"),)),
        ("agg", "aggregation", ((src2, "c"),)),
    }
    assert {c["transformation"] for c in g.column_lineage if c["indirect"]} == {
        "join",
        "filter",
        "aggregation",
    }
    assert sorted(g.node("dataset:file:/tmp/cll_test/tbl1")["aliases"]) == ["dataset:file:/tmp/cll_test/default.tbl1"]


def test_airflow_dag_run_graph_is_exact(store: Store) -> None:
    store.ingest(collect("bq.jsonl", jsonl(sorted((FIXTURES / "compat" / "airflow_bq").glob("*.json")))))
    g = load_graph(store)
    assert {(u, v, k) for u, v, k, _ in g.edges()} == {
        ("dataset:gs://mock-bucket:copied.csv", "process:airflow:BQ.upload", "read"),
        ("dataset:gs://mock-bucket:test.csv", "process:airflow:BQ.upload", "read"),
        ("process:airflow:BQ.upload", "dataset:bigquery:mock-project.test.upload", "write"),
        ("dataset:bigquery:mock-project.test.upload", "process:airflow:BQ.copy", "read"),
        ("process:airflow:BQ.copy", "dataset:bigquery:mock-project.test.upload_cp", "write"),
        ("dataset:bigquery:mock-project.test.upload_cp", "process:airflow:BQ.download", "read"),
        ("process:airflow:BQ.download", "dataset:gs://mock-bucket:result.csv", "write"),
    }
    assert g.node("process:airflow:BQ.upload")["parent"] == "process:airflow:BQ"
    assert g.node("process:airflow:BQ")["run_state"] == "COMPLETE"


@pytest.mark.parametrize("consumer_first", [True, False], ids=["alias-named-first", "symlinks-first"])
def test_an_alias_named_in_another_file_merges_into_its_dataset(tmp_path: Path, consumer_first: bool) -> None:
    canonical, alias = "dataset:file:/tmp/cll_test/cll_source1", "dataset:file:/tmp/cll_test/default.cll_source1"
    consumer = {
        "eventType": "COMPLETE", "eventTime": "2026-02-01T00:00:00Z", "producer": "p", "schemaURL": "u",
        "run": {"runId": "3f1d6c1e-0000-4000-8000-000000000001"}, "job": {"namespace": "reports", "name": "daily"},
        "inputs": [{"namespace": "file:/tmp/cll_test", "name": "default.cll_source1"}],
        "outputs": [{"namespace": "s3://reports", "name": "daily.csv"}],
    }
    files = [collect("consumer.json", json.dumps(consumer).encode()), collect("spark.jsonl", jsonl(CLL))]
    store = open_store(tmp_path / "s.duckdb")
    for batch in files if consumer_first else files[::-1]:
        store.ingest(batch)
    g = load_graph(store)
    assert alias not in g
    assert alias in g.node(canonical)["aliases"]
    assert g.edge(canonical, "process:reports:daily", "read") is not None
    assert g.resolve(alias) == g.resolve("file:/tmp/cll_test/default.cll_source1") == canonical


def test_collecting_the_same_file_twice_stores_nothing_new(store: Store) -> None:
    batch = collect("cll.jsonl", jsonl(CLL))
    assert store.ingest(batch).facts > 0
    assert store.ingest(collect("cll.jsonl", jsonl(CLL))).skipped


def test_a_file_over_the_size_limit_streams_whole_but_a_gzip_bomb_stops_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collectors import discover

    monkeypatch.setattr(discover, "STREAM_OVER_BYTES", 1024)
    monkeypatch.setattr(discover, "STREAM_CHUNK_EVENTS", 50)
    data = jsonl(CLL) * 30
    plain = tmp_path / "big.jsonl"
    plain.write_bytes(data)
    batches = list(discover.collect_file_batches(COLLECTOR, plain, max_bytes=len(data) // 10))
    assert sum(len(b.raw.content.splitlines()) for b in batches if b.raw) == len(CLL) * 30
    assert not any(p.severity == "error" for b in batches for p in b.problems)
    bomb = tmp_path / "big.jsonl.gz"
    bomb.write_bytes(gzip.compress(data * 20))
    batches = list(discover.collect_file_batches(COLLECTOR, bomb, max_bytes=len(data)))
    assert "the rest is not read" in batches[-1].problems[-1].message
    assert sum(len(b.raw.content.splitlines()) for b in batches if b.raw) < len(CLL) * 30 * 20


def test_a_large_file_streams_in_chunks_that_ingest_idempotently(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(jsonl(CLL) * 30)
    batches = list(COLLECTOR.collect_path(path, chunk_events=50))  # type: ignore[attr-defined]
    assert [len(b.raw.content.splitlines()) for b in batches] == [50] * 5 + [20]
    first = sum(store.ingest(b).facts for b in batches)
    again = [store.ingest(b) for b in COLLECTOR.collect_path(path, chunk_events=50)]  # type: ignore[attr-defined]
    assert first > 0 and all(r.skipped for r in again)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"format": "lineage-mapper", "version": 1, "nodes": [], "eventTime": "x", "job": {}}', False),
        (b'{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}}', False),
        (b'{"mcpServers": {"fs": {"command": "npx"}}}', False),
        (b"version: 1\ndatasets: []\n", False),
        (b'{"eventType": "START", "eventTime": "2026-01-01T00:00:00Z", "run": {"runId": "r"}}', True),
        (
            gzip.compress(b'[{"eventTime": "2026-01-01T00:00:00Z", "job": {"name": "j"}, "producer": "p"}]', mtime=0),
            True,
        ),
    ],
)
def test_detect_recognises_openlineage_files_and_not_other_json(content: bytes, expected: bool) -> None:
    assert COLLECTOR.detect(Path("x.json"), content[:4096]) is expected


def test_collect_finds_event_files_in_a_directory_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "run.jsonl").write_bytes(jsonl(CLL[:2]))
    (tmp_path / "a" / "manifest.json").write_text('{"metadata": {"dbt_schema_version": "v12"}}')
    work = plan([tmp_path], kind=None)
    assert [(c.name, p.name) for c, p in work.work if c.name == "openlineage"] == [("openlineage", "run.jsonl")]


def test_strict_collect_refuses_a_file_with_schema_deviations(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_bytes((FIXTURES / "marquez" / "event_without_schema_url.json").read_bytes())
    db = tmp_path / "s.duckdb"
    assert main(["collect", str(path), "--db", str(db), "--strict"]) == 0
    assert open_store(db).counts().get("node_facts", 0) == 0
    assert main(["collect", str(path), "--db", str(db)]) == 0
    assert open_store(db).counts()["node_facts"] > 0


EVENT_FILES = sorted(
    str(p.relative_to(SHARED))
    for p in SHARED.rglob("*.json")
    if "events" in p.parts or p.name == "metadata.template.json"
)


@needs_shared
@pytest.mark.parametrize("relative", EVENT_FILES)
def test_every_shared_event_file_ingests(relative: str, store: Store) -> None:
    path = SHARED / relative
    assert COLLECTOR.detect(path, path.read_bytes()[:4096])
    batch = collect(str(path), path.read_bytes())
    assert not batch.errors
    assert any(isinstance(f, Process | Dataset | ColumnLineage) for f in batch.facts)
    assert store.ingest(batch).facts > 0


@needs_shared
def test_the_sweep_covers_every_event_file() -> None:
    assert len(EVENT_FILES) == 90  # 74 compat events, 15 Marquez events, the Marquez seed


@pytest.mark.parametrize("pipeline", ["warehouse_elt", "feature_store", "fine_tuning"])
def test_sample_pipeline_events_name_the_datasets_their_spec_declares(pipeline: str, store: Store) -> None:
    folder = FIXTURES.parents[2] / "sample_pipelines" / pipeline
    spec = get_collector("spec").collect(Source(str(folder / "pipeline.yaml"), (folder / "pipeline.yaml").read_bytes()))
    events = collect(str(folder / "openlineage_events.jsonl"), (folder / "openlineage_events.jsonl").read_bytes())
    declared = {f.ref.id for f in spec.facts if isinstance(f, Dataset)}
    observed = {f.ref.id for f in events.facts if isinstance(f, Dataset)}
    assert observed and observed <= declared
    assert not events.errors
    store.ingest(spec)
    store.ingest(events)
    assert {n["id"] for n in load_graph(store).nodes("dataset")} == declared


SMALL_EVENT = (b'{"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "run": {"runId": "r1"}, '
               b'"job": {"namespace": "ns", "name": "before_the_spaces"}, "producer": "p", "schemaURL": "u"}\n')


def _event_then_spaces(path: Path, mib: int, *, newlines: bool) -> Path:
    """A gzip file of one event followed by `mib` MiB of spaces, compressed as it is generated."""
    compress = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = ((b" " * 1023 + b"\n") if newlines else b" " * 1024) * 1024
    with path.open("wb") as out:
        out.write(compress.compress(SMALL_EVENT))
        for _ in range(mib):
            out.write(compress.compress(chunk))
        out.write(compress.flush())
    return path


@pytest.mark.parametrize("newlines", [False, True], ids=["one-line", "blank-lines"])
def test_spaces_after_the_events_of_a_small_gzip_count_toward_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], newlines: bool
) -> None:
    bomb = _event_then_spaces(tmp_path / "events.jsonl.gz", 200, newlines=newlines)
    assert bomb.stat().st_size < 1 << 20  # small enough to be read whole, not streamed
    monkeypatch.setenv("LINEAGE_MAX_SOURCE_BYTES", str(1 << 20))
    db = tmp_path / "s.duckdb"
    assert main(["collect", str(bomb), "--db", str(db)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"{bomb}: error: more than 1,048,576 bytes (decompressed); the rest is not read" in err
    names = {n["name"] for n in load_graph(open_store(db)).nodes("process")}
    assert names == {"before_the_spaces"}  # the event before the spaces is kept


def test_reading_gzip_spaces_stops_just_past_the_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from collectors.openlineage import files

    produced = [0]
    readinto = files._Gunzip.readinto

    def counting(self: files._Gunzip, target: Any) -> int:
        size = readinto(self, target)
        produced[0] += size
        return size

    monkeypatch.setattr(files._Gunzip, "readinto", counting)
    bomb = _event_then_spaces(tmp_path / "e.jsonl.gz", 100, newlines=False)
    with bomb.open("rb") as fh:
        items = list(files.iter_events(fh, max_bytes=1 << 20))
    assert [i.value["job"]["name"] for i in items if i.value] == ["before_the_spaces"]
    assert items[-1].error == "more than 1,048,576 bytes (decompressed); the rest is not read"
    assert produced[0] < 3 << 20  # not the 64 MiB of a whole line, nor the 100 MiB of the file
    assert files.gzip_expands_beyond(bomb.read_bytes(), 1 << 20)
    assert not files.gzip_expands_beyond(bomb.read_bytes(), 101 << 20)


def test_strict_refuses_a_small_gzip_that_expands_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = _event_then_spaces(tmp_path / "events.jsonl.gz", 50, newlines=True)
    monkeypatch.setenv("LINEAGE_MAX_SOURCE_BYTES", str(1 << 20))
    db = tmp_path / "s.duckdb"
    assert main(["collect", str(bomb), "--db", str(db), "--strict"]) == 1
    assert open_store(db).counts().get("node_facts", 0) == 0


def _consumer(i: int, input_name: str) -> bytes:
    return json.dumps({
        "eventType": "COMPLETE", "eventTime": "2026-02-01T00:00:00Z", "producer": "p", "schemaURL": "u",
        "run": {"runId": f"3f1d6c1e-0000-4000-8000-{i:012}"}, "job": {"namespace": "reports", "name": f"job{i}"},
        "inputs": [{"namespace": "file:/tmp/cll_test", "name": input_name}],
        "outputs": [{"namespace": "s3://reports", "name": f"out{i}.csv"}],
    }).encode() + b"\n"


def test_a_log_collected_again_maps_only_its_appended_lines_and_keeps_the_aliases_earlier_ones_taught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collectors import discover
    from collectors.openlineage import EventMapper
    from lineage.project import load_project
    from lineage.services.collect import collect as collect_paths

    monkeypatch.setattr(discover, "STREAM_OVER_BYTES", 1024)
    monkeypatch.setattr(discover, "STREAM_CHUNK_EVENTS", 50)
    first = jsonl(CLL) + b"".join(_consumer(i, f"other{i}") for i in range(50 - len(CLL)))
    appended = b"".join(_consumer(100 + i, "default.cll_source1") for i in range(50))  # the alias CLL taught
    log, whole = tmp_path / "events.jsonl", tmp_path / "whole.jsonl"
    log.write_bytes(first)
    whole.write_bytes(first + appended)
    assert collect_paths(load_project(None, db=str(tmp_path / "a.duckdb")), [log]).facts > 0
    log.write_bytes(first + appended)
    mapped: list[int] = []
    real_map = EventMapper.map
    monkeypatch.setattr(EventMapper, "map", lambda self, event, **kw: mapped.append(1) or real_map(self, event, **kw))
    again = collect_paths(load_project(None, db=str(tmp_path / "a.duckdb")), [log])
    assert again.facts > 0 and not again.errors
    assert b"symlinks" in first
    assert len(mapped) == 50, "only the appended events are read; the aliases come from the store"
    untouched = collect_paths(load_project(None, db=str(tmp_path / "a.duckdb")), [log])
    assert (len(mapped), untouched.facts, untouched.unchanged) == (50, 0, 1), "an untouched log is not read"
    collect_paths(load_project(None, db=str(tmp_path / "b.duckdb")), [whole])
    incremental, fresh = (load_graph(open_store(tmp_path / f"{n}.duckdb")) for n in "ab")
    canonical = "dataset:file:/tmp/cll_test/cll_source1"
    assert "dataset:file:/tmp/cll_test/default.cll_source1" not in incremental
    assert incremental.edge(canonical, "process:reports:job100", "read") is not None
    assert sorted(incremental.edges()) == sorted(fresh.edges())
    assert {n["id"] for n in incremental.nodes()} == {n["id"] for n in fresh.nodes()}


def _run(run: int, state: str, error: str | None = None) -> bytes:
    facets = {"errorMessage": {"_producer": "p", "_schemaURL": "u", "message": error,
                               "programmingLanguage": "python"}} if error else {}
    return json.dumps({
        "eventType": state, "eventTime": f"2026-02-01T00:{2 * run + (state != 'START'):02}:00Z", "producer": "p",
        "schemaURL": "u",
        "run": {"runId": f"3f1d6c1e-0000-4000-8000-00000000000{run}", "facets": facets},
        "job": {"namespace": "etl", "name": "nightly"},
        "inputs": [{"namespace": "s3://raw", "name": "orders.csv"}], "outputs": [],
    }).encode() + b"\n"


@pytest.mark.parametrize("order", ["in-order", "reversed-delivery"])
def test_a_run_that_completes_after_a_failed_one_shows_no_error(tmp_path: Path, order: str) -> None:
    failed = _run(1, "START") + _run(1, "FAIL", "disk full")
    completed = _run(2, "START") + _run(2, "COMPLETE")
    store = open_store(tmp_path / "s.duckdb")
    for name, data in [("a.jsonl", failed), ("b.jsonl", completed)][:: 1 if order == "in-order" else -1]:
        store.ingest(collect(name, data))
    node = load_graph(store).node("process:etl:nightly")
    assert node["run_state"] == "COMPLETE" and "error_message" not in node
    history = [(r.run_id[-1], r.state, r.error, r.duration_s) for r in store.runs_of("process:etl:nightly")]
    assert history == [("2", "COMPLETE", None, 60.0), ("1", "FAIL", "disk full", 60.0)]  # both runs, newest first
    store.ingest(collect("c.jsonl", _run(3, "START") + _run(3, "FAIL", "quota exceeded")))
    node = load_graph(store).node("process:etl:nightly")
    assert (node["run_state"], node["error_message"]) == ("FAIL", "quota exceeded")
    assert [r.state for r in store.runs_of("process:etl:nightly", limit=2)] == ["FAIL", "COMPLETE"]


def test_lineage_runs_lists_a_process_runs_as_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "runs.jsonl"
    log.write_bytes(_run(1, "START") + _run(1, "FAIL", "[link](http://evil.example) disk full")
                    + _run(2, "START") + _run(2, "COMPLETE") + _run(3, "START"))
    db = str(tmp_path / "s.duckdb")
    assert main(["collect", str(log), "--db", db]) == 0
    capsys.readouterr()
    assert main(["runs", "nightly", "--db", db, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["node"] == "process:etl:nightly"
    assert [(r["state"], r["ended_at"] is None, r["error"]) for r in shown["runs"]] == [
        ("START", True, None), ("COMPLETE", False, None), ("FAIL", False, "[link](http://evil.example) disk full")]
    assert main(["runs", "nightly", "--db", db]) == 0
    text = capsys.readouterr().out
    assert "[link]" in text  # shown as written: not read as markup
    assert main(["runs", "orders.csv", "--db", db]) == 0
    assert "no runs reported" in capsys.readouterr().out


def test_explain_shows_every_facet_of_a_process_latest_event_and_names_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = json.loads(_run(1, "COMPLETE"))
    event["run"]["facets"] = {"nominalTime": {"_producer": "p", "_schemaURL": "u",
                                              "nominalStartTime": "2026-02-01T00:00:00Z"},
                              "acme_cost": {"_producer": "p", "_schemaURL": "u", "dollars": 12.5, "note": "[b]x[/b]"}}
    event["job"]["facets"] = {"jobType": {"_producer": "p", "_schemaURL": "u", "processingType": "BATCH",
                                          "integration": "AIRFLOW", "jobType": "TASK"}}
    event["inputs"] = [{"namespace": "snowflake://acme", "name": "raw.orders"}]
    log = tmp_path / "events.jsonl"
    log.write_bytes(_run(1, "START") + json.dumps(event).encode() + b"\n")
    db = str(tmp_path / "s.duckdb")
    assert main(["collect", str(log), "--db", db]) == 0
    capsys.readouterr()
    assert main(["explain", "nightly", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "facets of the latest event (COMPLETE" in shown
    rows = {line.split("│")[2].strip(): line.split("│")[3].strip() for line in shown.splitlines()
            if line.count("│") == 4 and line.split("│")[1].strip() in ("job", "run")}
    assert rows["jobType"] == "read into the attributes"
    assert rows["acme_cost"].startswith('{"_producer":"p","_schemaURL":"u","dollars":12.5,"note":"[b]x[/b]"}')
    assert rows["nominalTime"].startswith("{")
    assert "snowflake://acme" in shown and "❄" not in shown  # an id's `:snowflake:` is not an emoji


def test_explain_shows_the_facets_of_a_dataset_from_the_latest_event_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = json.loads(_run(1, "COMPLETE")), json.loads(_run(2, "COMPLETE"))
    for event, rows in ((old, 10), (new, 99)):
        event["outputs"] = [{"namespace": "s3://lake", "name": "orders_clean", "facets": {
            "schema": {"_producer": "p", "_schemaURL": "u", "fields": [{"name": "id", "type": "int"}]},
            "acme_quality": {"_producer": "p", "_schemaURL": "u", "score": rows}},
            "outputFacets": {"outputStatistics": {"_producer": "p", "_schemaURL": "u", "rowCount": rows}}}]
    reader = json.loads(_run(3, "COMPLETE"))  # a later event that names the dataset, with no facets
    reader["job"]["name"], reader["inputs"] = "report", [{"namespace": "s3://lake", "name": "orders_clean"}]
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"".join(json.dumps(e).encode() + b"\n" for e in (old, new, reader)))
    db = str(tmp_path / "s.duckdb")
    assert main(["collect", str(log), "--db", db]) == 0
    capsys.readouterr()

    assert main(["explain", "orders_clean", "--db", db]) == 0

    shown = capsys.readouterr().out
    assert "facets of the latest event naming it (COMPLETE at 2026-02-01T00:05:00Z, job nightly" in shown
    rows = {(line.split("│")[1].strip(), line.split("│")[2].strip()): line.split("│")[3].strip()
            for line in shown.splitlines() if line.count("│") == 4}
    assert rows[("facets", "schema")] == "read into the attributes"
    assert rows[("facets", "acme_quality")] == '{"_producer":"p","_schemaURL":"u","score":99}'  # the newest run's
    assert rows[("outputFacets", "outputStatistics")] == "read into the attributes"


def test_lineage_runs_shows_each_run_facets_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "runs.jsonl"
    completed = json.loads(_run(2, "COMPLETE"))
    completed["run"]["facets"]["acme_cost"] = {"_producer": "p", "_schemaURL": "u", "dollars": 3}
    log.write_bytes(_run(1, "START") + _run(1, "FAIL", "disk full") + _run(2, "START")
                    + json.dumps(completed).encode() + b"\n")
    db = str(tmp_path / "s.duckdb")
    assert main(["collect", str(log), "--db", db]) == 0
    capsys.readouterr()
    assert main(["runs", "nightly", "--facets", "--format", "json", "--db", db]) == 0
    shown = {r["state"]: r["facets"] for r in json.loads(capsys.readouterr().out)["runs"]}
    assert shown["FAIL"] == [{"where": "run", "facet": "errorMessage", "value": "read into the attributes"}]
    assert shown["COMPLETE"] == [{"where": "run", "facet": "acme_cost",
                                  "value": '{"_producer":"p","_schemaURL":"u","dollars":3}'}]
    assert main(["runs", "nightly", "--facets", "--db", db]) == 0
    text = capsys.readouterr().out
    assert "run.errorMessage" in text and "run.acme_cost" in text
    assert main(["runs", "nightly", "--format", "json", "--db", db]) == 0
    assert all("facets" not in r for r in json.loads(capsys.readouterr().out)["runs"])
