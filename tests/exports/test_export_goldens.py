"""Every format on a graph of hostile names matches its golden file, byte for byte."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from lineage.exports import FORMATS, export
from lineage.graph import LineageGraph
from tests.exports.conftest import FakeFinding, assert_golden

TEXT_FORMATS = [f for f in FORMATS if f not in ("csv", "html")]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_format_matches_its_golden(fmt: str, hostile: LineageGraph, findings: list[FakeFinding],
                                   request: pytest.FixtureRequest) -> None:
    options = {"findings": findings} if FORMATS[fmt].shows_findings else {}
    assert_golden(f"{fmt}.{FORMATS[fmt].extension}", export(hostile, fmt, **options), request)


def test_csv_tables_match_their_goldens(hostile: LineageGraph, request: pytest.FixtureRequest) -> None:
    archive = zipfile.ZipFile(io.BytesIO(export(hostile, "csv")))  # type: ignore[arg-type]
    assert archive.namelist() == ["nodes.csv", "edges.csv", "impact.csv"]
    for name in archive.namelist():
        assert_golden(f"csv-{name}", archive.read(name), request)


def test_html_page_matches_its_golden_apart_from_the_inlined_library(
        hostile: LineageGraph, findings: list[FakeFinding], request: pytest.FixtureRequest) -> None:
    page = export(hostile, "html", findings=findings)
    assert isinstance(page, str)
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    assert "vis-network" in scripts[0] and len(scripts[0]) > 100_000
    assert ".vis-network" in styles[0]
    assert_golden("html.html", page.replace(scripts[0], "/* vis-network */").replace(styles[0], "/* vis css */"),
                  request)


def test_every_export_is_byte_for_byte_stable(hostile: LineageGraph, findings: list[FakeFinding]) -> None:
    for fmt, info in FORMATS.items():
        options = {"findings": findings} if info.shows_findings else {}
        assert export(hostile, fmt, **options) == export(hostile, fmt, **options), fmt
