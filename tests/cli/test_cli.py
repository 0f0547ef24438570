from __future__ import annotations

import json
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.store import open_store
from lineage.store.schema import LATEST_VERSION
from tests.conftest import SAMPLES

SPEC = """\
version: 1
pipeline: tiny
datasets:
  - {id: src, namespace: "postgres://db:5432", name: app.public.users, role: origin, origin: real,
     classifications: [pii.email], columns: [{name: email, type: text}]}
  - {id: dst, namespace: "s3://bucket", name: exports/users.parquet, role: store}
processes:
  - {id: job, namespace: airflow, name: export_users}
flows:
  - {from: src, through: job, to: dst}
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.duckdb")


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return path


def test_demo_collects_every_sample_pipeline_and_prints_the_summary(db: str, capsys) -> None:
    assert main(["demo", "--no-serve", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out
    assert "Third-party processors" in out and "embedding_api" in out
    assert "datasets of origin real" in out and "datasets of origin synthetic" in out
    specs = {Path(raw.source).parent.name for raw in open_store(db).raw_inputs() if raw.collector == "spec"}
    assert specs == {"rag_ingestion", "fine_tuning", "mcp_agent", "feature_store", "warehouse_elt", "rag_code"}
    code = {Path(raw.source).name for raw in open_store(db).raw_inputs() if raw.collector == "code"}
    assert code == {"ingest.py", "answer.py"}


def test_collecting_the_same_folder_twice_stores_nothing_new(db: str, capsys) -> None:
    assert main(["collect", str(SAMPLES), "--db", db]) == 0
    before = open_store(db).counts()
    sources = capsys.readouterr().out.split("Collected ")[1].split(" source(s)")[0]
    assert main(["collect", str(SAMPLES), "--db", db]) == 0
    assert f"Collected {sources} source(s): 0 new fact(s), {sources} unchanged" in capsys.readouterr().out
    after = open_store(db).counts()
    assert {k: v for k, v in after.items() if k != "collection_runs"} == \
        {k: v for k, v in before.items() if k != "collection_runs"}


def test_a_missing_path_is_a_usage_error_naming_it(db: str, tmp_path: Path, spec: Path, capsys) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert main(["collect", str(missing), str(spec), "--db", db]) == 2
    captured = capsys.readouterr()
    assert f"{missing}: error: no such file or directory" in captured.err
    stored = {row.node_id for row in open_store(db).graph_data().nodes}
    assert "dataset:postgres://db:5432:app.public.users" in stored, "the valid file is still collected"


def test_a_folder_without_sources_is_a_usage_error(db: str, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing to see")
    assert main(["collect", str(folder), "--db", db]) == 2
    assert "no sources of any known kind found" in capsys.readouterr().err


def test_an_unknown_kind_is_a_usage_error_listing_the_known_ones(db: str, spec: Path, capsys) -> None:
    assert main(["collect", str(spec), "--kind", "nope", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "unknown collector kind 'nope'" in err and "spec" in err


def test_a_binary_file_read_as_a_spec_is_a_problem_and_stores_nothing(db: str, tmp_path: Path, capsys) -> None:
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(bytes(range(256)) * 40)
    assert main(["collect", str(junk), "--kind", "spec", "--db", db]) == 1
    assert str(junk) in capsys.readouterr().err
    assert open_store(db).counts()["node_facts"] == 0


def test_a_yaml_bomb_is_refused_and_the_store_keeps_what_it_had(db: str, spec: Path, tmp_path: Path, capsys) -> None:
    assert main(["collect", str(spec), "--db", db]) == 0
    before = open_store(db).counts()
    bomb = tmp_path / "bomb.yaml"
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines += ["datasets: *a8"]
    bomb.write_text("\n".join(lines) + "\n")
    assert main(["collect", str(bomb), "--db", db]) == 1
    assert "bomb.yaml" in capsys.readouterr().err
    after = open_store(db).counts()
    assert after["node_facts"] == before["node_facts"] and after["edge_facts"] == before["edge_facts"]


def test_strict_mode_stores_nothing_from_a_source_with_problems(db: str, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.replace("role: store", "role: warehouse"))
    assert main(["collect", str(bad), "--strict", "--db", db]) == 1
    assert "refused (--strict)" in capsys.readouterr().out
    assert open_store(db).counts()["inputs"] == 0


def test_upstream_lists_the_origin_of_an_export_as_json(db: str, spec: Path, capsys) -> None:
    main(["collect", str(spec), "--db", db])
    capsys.readouterr()
    assert main(["graph", "upstream", "exports/users.parquet", "--format", "json", "--db", db]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["node"] == "dataset:s3://bucket:exports/users.parquet"
    assert [(n["id"], n["distance"]) for n in doc["nodes"]] == [
        ("process:airflow:export_users", 1), ("dataset:postgres://db:5432:app.public.users", 2)]


def test_downstream_with_a_kind_filter_skips_processes(db: str, spec: Path, capsys) -> None:
    main(["collect", str(spec), "--db", db])
    capsys.readouterr()
    assert main(["graph", "downstream", "users", "--kind", "dataset", "--db", db]) == 2
    assert "matches 3 nodes" in capsys.readouterr().err
    assert main(["graph", "downstream", "app.public.users", "--kind", "dataset", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "exports/users.parquet" in out and "export_users" not in out


def test_an_unknown_node_is_a_usage_error(db: str, spec: Path, capsys) -> None:
    main(["collect", str(spec), "--db", db])
    assert main(["explain", "no-such-table", "--db", db]) == 2
    assert "no node matches 'no-such-table'" in capsys.readouterr().err


def test_explain_shows_each_fact_with_file_and_line(db: str, spec: Path, capsys) -> None:
    main(["collect", str(spec), "--db", db])
    capsys.readouterr()
    assert main(["explain", "app.public.users", "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"{spec}:4" in out, out
    assert "declared" in out and "pii.email" in out and "read export_users" not in out
    assert "process:airflow:export_users" in out


def test_an_invalid_as_of_time_is_a_usage_error(db: str, capsys) -> None:
    assert main(["export", "--as-of", "yesterday", "--db", db]) == 2
    assert "ISO 8601" in capsys.readouterr().err


def test_export_json_writes_the_documented_format(db: str, tmp_path: Path) -> None:
    main(["demo", "--no-serve", "--db", db])
    out = tmp_path / "graph.json"
    assert main(["export", "--format", "json", "-o", str(out), "--db", db]) == 0
    doc = json.loads(out.read_text())
    assert (doc["format"], doc["version"]) == ("lineage-mapper", 1)
    node_keys = {"id", "kind", "namespace", "name", "role", "origin", "classifications", "environment",
                 "third_party", "processor_type", "columns"}
    assert all(node_keys <= set(n) for n in doc["nodes"])
    assert {n["kind"] for n in doc["nodes"]} == {"dataset", "process", "identity"}
    ids = {n["id"] for n in doc["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in doc["edges"])
    assert {e["kind"] for e in doc["edges"]} == {"read", "write", "runs", "grant"}
    assert all(e["permissions"] for e in doc["edges"] if e["kind"] == "grant")
    assert doc["column_lineage"], "the samples declare column lineage"
    entry = doc["column_lineage"][0]
    assert set(entry) >= {"target", "sources", "transformation", "process"}
    assert set(entry["target"]) == {"dataset", "column"}


def test_export_is_byte_for_byte_stable(db: str, capsys) -> None:
    main(["collect", str(SAMPLES), "--db", db])
    capsys.readouterr()
    main(["export", "--db", db])
    first = capsys.readouterr().out
    main(["export", "--db", db])
    assert capsys.readouterr().out == first


def test_hostile_names_survive_export_verbatim(db: str, tmp_path: Path, capsys) -> None:
    hostile = '<img src=x onerror=alert(1)> "quoted" \\ back `code` [link](x)'
    path = tmp_path / "hostile.yaml"
    path.write_text(SPEC.replace("exports/users.parquet", json.dumps(hostile)))
    assert main(["collect", str(path), "--db", db]) == 0
    capsys.readouterr()
    main(["export", "--db", db])
    names = {n["name"] for n in json.loads(capsys.readouterr().out)["nodes"]}
    assert hostile in names


def test_help_teaches_with_examples(capsys) -> None:
    assert main(["collect", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples:" in out and "lineage collect sample_pipelines/" in out


def test_the_command_list_shows_each_commands_own_summary_without_importing_it(capsys) -> None:
    import subprocess
    import sys

    import click

    from lineage.cli.main import COMMANDS, cli

    ctx = click.Context(cli)
    for name, (_, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None
        assert command.get_short_help_str(limit=1000) == summary, name
    assert main(["--help"]) == 0
    assert "Look after the store." in capsys.readouterr().out
    loaded = subprocess.run([sys.executable, "-c", "import sys; from lineage.cli import main; main(['--help']); "
                             "print(sorted(m for m in sys.modules if m.startswith(('lineage.cli.', 'pydantic'))))"],
                            capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    assert "lineage.cli.collect" not in loaded and "pydantic_settings" not in loaded, loaded


def test_store_info_reports_the_schema_version(db: str, capsys) -> None:
    assert main(["store", "info", "--db", db]) == 0
    assert f"schema version {LATEST_VERSION}" in capsys.readouterr().out


def test_the_db_can_come_from_the_environment(tmp_path: Path, spec: Path, monkeypatch) -> None:
    target = tmp_path / "from-env.duckdb"
    monkeypatch.setenv("LINEAGE_DB", str(target))
    assert main(["collect", str(spec)]) == 0
    assert target.exists()


def test_rebuilding_from_raw_inputs_gives_the_same_graph(db: str, tmp_path: Path, capsys) -> None:
    main(["collect", str(SAMPLES), "--db", db])
    rebuilt = str(tmp_path / "rebuilt.duckdb")
    capsys.readouterr()
    assert main(["store", "rebuild", "--db", db, "--to", rebuilt]) == 0
    assert "Rebuilt" in capsys.readouterr().out
    main(["export", "--db", db])
    original = json.loads(capsys.readouterr().out)
    main(["export", "--db", rebuilt])
    assert json.loads(capsys.readouterr().out) == original


def test_rebuilding_in_place_restores_a_damaged_current_graph(db: str, capsys) -> None:
    import duckdb

    main(["collect", str(SAMPLES), "--db", db])
    capsys.readouterr()
    main(["export", "--db", db])
    original = json.loads(capsys.readouterr().out)
    with duckdb.connect(db) as con:  # lose part of what the store keeps, as a crash of old software might
        con.execute("DELETE FROM graph_edges WHERE kind = 'read'")
        con.execute("UPDATE graph_nodes SET attrs = '{}'")
    main(["export", "--db", db])
    assert json.loads(capsys.readouterr().out) != original
    assert main(["store", "rebuild", "--db", db]) == 0
    assert "Rebuilt the current graph" in capsys.readouterr().out
    main(["export", "--db", db])
    assert json.loads(capsys.readouterr().out) == original


def test_rebuild_refuses_to_overwrite_a_store(db: str, spec: Path, capsys) -> None:
    main(["collect", str(spec), "--db", db])
    assert main(["store", "rebuild", "--db", db, "--to", db]) == 2
    assert "exists" in capsys.readouterr().err


def test_collecting_a_folder_finds_mcp_configs_in_hidden_files_and_folders(db: str) -> None:
    assert main(["collect", str(SAMPLES / "coding_agent"), "--db", db]) == 0
    sources = {Path(raw.source).relative_to(SAMPLES / "coding_agent").as_posix()
               for raw in open_store(db).raw_inputs()}
    assert {".mcp.json", ".cursor/mcp.json", ".vscode/mcp.json"} <= sources


def test_a_large_event_file_gets_its_own_progress_bar_on_a_terminal(tmp_path: Path, monkeypatch) -> None:
    import io

    from rich.console import Console

    import lineage.cli.show
    from collectors import discover

    monkeypatch.setattr(discover, "STREAM_OVER_BYTES", 1024)
    screen = Console(file=io.StringIO(), force_terminal=True, width=100)
    monkeypatch.setattr(lineage.cli.show, "err_console", screen)
    events = SAMPLES / "warehouse_elt" / "openlineage_events.jsonl"
    big = tmp_path / "big_events.jsonl"
    big.write_bytes(events.read_bytes())
    assert main(["collect", str(big), "--db", str(tmp_path / "s.duckdb")]) == 0
    shown = screen.file.getvalue()  # type: ignore[attr-defined]
    assert "collecting big_events.jsonl" in shown and "  big_events.jsonl" in shown


def test_explain_as_of_a_past_time_evaluates_findings_only_when_asked(db: str, capsys) -> None:
    main(["demo", "--no-serve", "--db", db])
    capsys.readouterr()
    node = "identity:agents:eng-triage-agent"
    assert main(["explain", node, "--db", db]) == 0
    now = capsys.readouterr().out
    assert f"Findings on {node}" in now
    later = "2100-01-01T00:00:00+00:00"
    assert main(["explain", node, "--as-of", later, "--db", db]) == 0
    skipped = capsys.readouterr().out
    assert "findings: not evaluated for a past time" in skipped and "Findings on" not in skipped
    assert main(["explain", node, "--as-of", later, "--findings", "--db", db]) == 0
    past = capsys.readouterr().out
    assert f"Findings on {node}" in past
    rows = [[line for line in text.splitlines() if "LM0" in line] for text in (now, past)]
    assert rows[0] and rows[0] == rows[1], "the same findings (rule ids), the whole graph being the same then"
