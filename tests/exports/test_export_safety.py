"""Hostile names come out escaped in every format; secrets never come out at all."""

from __future__ import annotations

import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest

from lineage.exports import FORMATS, export
from lineage.exports.mermaid import escape as mermaid_escape
from lineage.graph import LineageGraph
from tests.exports.conftest import EVIL_DATASET, EVIL_IDENTITY, EVIL_JOB, IDS, PLANTED, FakeFinding


def _all_bytes(content: str | bytes) -> bytes:
    if isinstance(content, str):
        return content.encode("utf-8")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(n) for n in archive.namelist())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_planted_secret_value_never_appears(
        fmt: str, hostile: LineageGraph, findings: list[FakeFinding]) -> None:
    options = {"findings": findings} if FORMATS[fmt].shows_findings else {}
    data = _all_bytes(export(hostile, fmt, **options))
    assert PLANTED.encode() not in data


def test_graphml_keeps_the_secret_location_and_kind_only(hostile: LineageGraph) -> None:
    from lineage.exports.graphml import read

    secrets = read(export(hostile, "graphml")).node(IDS["job"])["secrets"]  # type: ignore[arg-type]
    assert secrets == [{"location": "env:AWS_SECRET_ACCESS_KEY", "kind": "aws_key"}]


def test_dot_with_hostile_names_renders_and_shows_them_verbatim(hostile: LineageGraph,
                                                                findings: list[FakeFinding]) -> None:
    source = export(hostile, "dot", findings=findings)
    result = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    svg = ET.fromstring(result.stdout)
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "<script>alert(1)</script>" in texts and '"prod"' in texts and "\\N" in texts
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert "n0" in titles and not any(EVIL_JOB in (t or "") for t in titles)


_LABEL = r'"(?:[^"#<>&`\n]|#(?:quot|amp|lt|gt|35|96);|<br/>)*"'
_NODE = re.compile(rf"^  n\d+(?:\[\({_LABEL}\)\]|\[{_LABEL}\]|\{{\{{{_LABEL}\}}\}}|\(\[{_LABEL}\]\))$")
_EDGE = re.compile(rf"^  n\d+ (?:-->|-\.->)\|{_LABEL}\| n\d+$")
_CLASSDEF = re.compile(r"^  classDef [a-z_]+ [a-z-]+:#?[0-9a-z]+(?:,[a-z-]+:#?[0-9a-z]+)*$")
_CLASS = re.compile(r"^  class n\d+(?:,n\d+)* [a-z_]+$")


def assert_strict_mermaid(source: str) -> None:
    """A strict check of the subset of the flowchart grammar the exporter writes."""
    lines = source.rstrip("\n").split("\n")
    assert re.fullmatch(r"flowchart (LR|TD|TB|RL|BT)", lines[0]), lines[0]
    declared: set[str] = set()
    for line in lines[1:]:
        if _NODE.match(line):
            declared.add(line.split()[0].split("[")[0].split("{")[0].split("(")[0])
        elif _EDGE.match(line):
            ends = re.findall(r"\bn\d+\b", line.replace(line[line.index("|"):line.rindex("|") + 1], ""))
            assert set(ends) <= declared, f"edge to an undeclared node: {line}"
        else:
            assert _CLASSDEF.match(line) or _CLASS.match(line), f"not in the grammar: {line!r}"


def test_mermaid_with_hostile_names_passes_the_strict_grammar(hostile: LineageGraph,
                                                              findings: list[FakeFinding]) -> None:
    source = export(hostile, "mermaid", findings=findings)
    assert isinstance(source, str)
    assert_strict_mermaid(source)
    assert mermaid_escape(EVIL_DATASET) in source and "class n" in source


def test_the_strict_mermaid_check_rejects_an_unescaped_quote() -> None:
    with pytest.raises(AssertionError):
        assert_strict_mermaid('flowchart LR\n  n0["a"b"]\n')


def _cells(row: str) -> list[str]:
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_rows_keep_their_columns_and_no_html_or_mentions_leak(hostile: LineageGraph,
                                                                         findings: list[FakeFinding]) -> None:
    report = export(hostile, "markdown", findings=findings, baseline=LineageGraph.from_records([]))
    assert isinstance(report, str)
    rows = [line for line in report.splitlines() if line.startswith("|")]
    for row in rows:
        width = len(_cells(rows[0])) if row in rows[:2] else None
        assert width is None or len(_cells(row)) == width
    header_widths = {len(_cells(r)) for r in rows}
    assert header_widths <= {3, 5}
    assert "<script>" not in report and "<img" not in report and "@admin" not in report and "#1 " not in report
    assert "&lt;script&gt;" in report and "@\u200bsecurity" in report


def test_csv_cells_round_trip_and_formulas_are_defused(hostile: LineageGraph) -> None:
    import csv

    rows = list(csv.DictReader(io.StringIO(export(hostile, "csv", table="nodes"))))  # type: ignore[arg-type]
    by_id = {r["id"]: r for r in rows}
    assert by_id[IDS["src"]]["name"] == EVIL_DATASET
    assert by_id[IDS["job"]]["name"] == "'" + EVIL_JOB  # a leading = would run as a spreadsheet formula
    assert json.loads(by_id[IDS["src"]]["classifications"]) == ["pii.email"]


def test_html_escapes_names_in_tables_and_in_the_embedded_json(hostile: LineageGraph,
                                                               findings: list[FakeFinding]) -> None:
    page = export(hostile, "html", findings=findings)
    assert isinstance(page, str)
    body, _, scripts = page.partition('<script type="application/json"')
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    data = scripts.split(">", 1)[1].split("</script>", 1)[0]
    assert "<" not in data and json.loads(data)["nodes"]
    names = {a["id"]: a["name"] for a in json.loads(data)["attributes"].values()}
    assert names[IDS["bot"]] == EVIL_IDENTITY
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", page, flags=re.IGNORECASE)
