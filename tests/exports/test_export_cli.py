"""`lineage export`: every format, focus, tables, baselines, and clear errors."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.exports import FORMATS


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_is_written_to_a_file(fmt: str, sample_db: str, tmp_path: Path) -> None:
    out = tmp_path / f"out.{FORMATS[fmt].extension}"
    assert main(["export", "--format", fmt, "-o", str(out), "--db", sample_db]) == 0
    assert out.stat().st_size > 500


def test_a_focus_node_that_does_not_exist_exits_2_with_a_clear_message(sample_db: str, capsys) -> None:
    assert main(["export", "--format", "dot", "--focus", "no-such-table", "--db", sample_db]) == 2
    assert "no node matches 'no-such-table'" in capsys.readouterr().err


def test_focus_keeps_only_the_neighbourhood_in_the_asked_direction(sample_db: str, capsys) -> None:
    assert main(["export", "--focus", "rag.public.chunk_embeddings", "--depth", "2", "--upstream",
                 "--db", sample_db]) == 0
    ids = {n["id"] for n in json.loads(capsys.readouterr().out)["nodes"]}
    assert "dataset:s3://acme-rag-staging:chunks" in ids and "process:https://api.openai.com:v1/embeddings" in ids
    assert "dataset:redis://rag-cache.internal:6379:rag.context" not in ids  # downstream
    assert "dataset:https://acme.atlassian.net:wiki/spaces/ENG" not in ids  # 4 edges up


def test_csv_writes_a_zip_of_three_tables_and_the_impact_of_the_focus(sample_db: str, tmp_path: Path) -> None:
    out = tmp_path / "lineage.zip"
    assert main(["export", "--format", "csv", "--focus", "s3://acme-rag-staging:chunks", "-o", str(out),
                 "--db", sample_db]) == 0
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    assert archive.namelist() == ["nodes.csv", "edges.csv", "impact.csv"]
    impact = archive.read("impact.csv").decode().splitlines()
    assert impact[0] == "start,node,kind,name,depth,path"
    assert any(",rag.public.chunk_embeddings,2," in row for row in impact)


def test_options_for_another_format_are_usage_errors(sample_db: str, capsys) -> None:
    assert main(["export", "--format", "dot", "--table", "nodes", "--db", sample_db]) == 2
    assert "--table is for the csv format" in capsys.readouterr().err
    assert main(["export", "--format", "json", "--depth", "2", "--db", sample_db]) == 2


def _flows(path: Path) -> set[tuple[str, str, str]]:
    return {(e["source"], e["target"], e["kind"]) for e in json.loads(path.read_text())["edges"]
            if e["kind"] in ("read", "write")}


def test_markdown_against_a_baseline_lists_only_new_flows(sample_db: str, tmp_path: Path, capsys) -> None:
    base, now = tmp_path / "base.json", tmp_path / "now.json"
    focus = ["--focus", "rag.public.chunk_embeddings"]
    assert main(["export", *focus, "--depth", "2", "-o", str(base), "--db", sample_db]) == 0
    assert main(["export", *focus, "--depth", "3", "-o", str(now), "--db", sample_db]) == 0
    capsys.readouterr()
    assert main(["export", "--format", "markdown", *focus, "--depth", "3", "--baseline", str(base),
                 "--db", sample_db]) == 0
    report = capsys.readouterr().out
    added = _flows(now) - _flows(base)
    assert report.startswith("## Lineage report") and "### New findings" in report
    assert 0 < len(added) < len(_flows(now))
    assert f"### New flows ({len(added)})" in report


def test_json_export_adds_each_process_run_history_when_asked(sample_db: str, capsys) -> None:
    assert main(["export", "--db", sample_db]) == 0
    assert "runs" not in json.loads(capsys.readouterr().out), "a plain export round-trips: no run history"
    assert main(["export", "--runs", "5", "--db", sample_db]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    (summarize,) = [node for node in runs if node.endswith("summarize_tickets")]
    assert [(r["state"], r["error"] is not None) for r in runs[summarize]] == [("COMPLETE", False), ("FAIL", True)]
    assert main(["export", "--runs", "1", "--db", sample_db]) == 0
    assert [len(found) for found in json.loads(capsys.readouterr().out)["runs"].values()] == [1] * len(runs)
    assert main(["export", "--format", "dot", "--runs", "5", "--db", sample_db]) == 2
    assert "--runs is for the json format" in capsys.readouterr().err
