"""`lineage export --format csv` writes what the file name says: a zip only for `.zip`, one CSV
per table in a folder, and one CSV table anywhere else (standard output included)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.exports.tables import DEFAULT_TABLE, TABLES, layout

EDGES_HEADER = ["source", "target", "kind", "permissions", "confidence", "source_name", "target_name"]


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_a_csv_file_gets_the_edges_table_with_node_names_and_the_message_says_so(
        sample_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "graph.csv"
    assert main(["export", "--format", "csv", "-o", str(out), "--db", sample_db]) == 0
    data = out.read_bytes()
    assert not zipfile.is_zipfile(out) and not data.startswith(b"PK")
    assert data.decode().splitlines()[0].split(",") == EDGES_HEADER
    rows = _rows(data)
    assert rows and all(r["source_name"] and r["target_name"] for r in rows)
    assert any(r["target_name"] == "rag.public.chunk_embeddings" for r in rows)
    err = capsys.readouterr().err
    assert f"wrote {out}" in err and "edges table" in err and ".zip" in err


@pytest.mark.parametrize("table", TABLES)
def test_table_picks_the_one_csv_a_file_or_standard_output_gets(
        table: str, sample_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{table}.csv"
    assert main(["export", "--format", "csv", "--table", table, "-o", str(out), "--db", sample_db]) == 0
    assert f"the {table} table" in capsys.readouterr().err
    assert main(["export", "--format", "csv", "--table", table, "--db", sample_db]) == 0
    assert capsys.readouterr().out.encode() == out.read_bytes()
    assert not zipfile.is_zipfile(out)


def test_standard_output_gets_the_same_single_table_as_a_csv_file(
        sample_db: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out = tmp_path / "graph.csv"
    assert main(["export", "--format", "csv", "-o", str(out), "--db", sample_db]) == 0
    capsysbinary.readouterr()
    assert main(["export", "--format", "csv", "--db", sample_db]) == 0
    printed = capsysbinary.readouterr().out
    assert not printed.startswith(b"PK") and printed == out.read_bytes()


def test_a_zip_file_gets_every_table(sample_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "Lineage.ZIP"
    assert main(["export", "--format", "csv", "-o", str(out), "--db", sample_db]) == 0
    assert zipfile.ZipFile(out).namelist() == [f"{t}.csv" for t in TABLES]
    assert "a zip of nodes.csv, edges.csv, impact.csv" in capsys.readouterr().err


def test_table_with_a_zip_file_is_a_usage_error(sample_db: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nodes.zip"
    assert main(["export", "--format", "csv", "--table", "nodes", "-o", str(out), "--db", sample_db]) == 2
    assert "not a zip" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("existing", [True, False])
def test_a_folder_gets_one_csv_per_table(existing: bool, sample_db: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "tables"
    if existing:
        folder.mkdir()
    target = str(folder) if existing else f"{folder}/"
    assert main(["export", "--format", "csv", "-o", target, "--db", sample_db]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    assert (folder / "edges.csv").read_text().splitlines()[0].split(",") == EDGES_HEADER
    assert (folder / "nodes.csv").read_text().startswith("id,kind,namespace,name,")
    assert (folder / "impact.csv").read_text().startswith("start,node,kind,name,depth,path")
    assert "nodes.csv, edges.csv, impact.csv in" in capsys.readouterr().err
    only = tmp_path / "only"
    only.mkdir()
    assert main(["export", "--format", "csv", "--table", "impact", "-o", str(only), "--db", sample_db]) == 0
    assert [p.name for p in only.iterdir()] == ["impact.csv"]


def test_a_one_file_format_refuses_a_folder(sample_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "json", "-o", str(tmp_path), "--db", sample_db]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_help_says_what_a_csv_export_holds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "FILE.zip" in text and "DIR/" in text and "default: edges" in text


def test_layout_follows_the_file_name() -> None:
    assert DEFAULT_TABLE == "edges"
    assert [layout(o, None) for o in (None, "g.csv", "g", "g.txt", "g.zip", "G.Zip", "d/")] == \
        ["table", "table", "table", "table", "zip", "zip", "folder"]
    assert layout("g.csv", "nodes") == "table" and layout("d/", "nodes") == "folder"
    with pytest.raises(ValueError, match="not a zip"):
        layout("g.zip", "nodes")
