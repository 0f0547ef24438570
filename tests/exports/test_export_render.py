"""Real tools read what the exporters write: Graphviz, Chromium, the CycloneDX 1.6 schema, Mermaid."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from lineage.exports import export
from lineage.graph import LineageGraph
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.exports.conftest import IDS, FakeFinding

MERMAID_JS = Path(os.environ.get("LINEAGE_MERMAID_JS", Path.home() / ".cache/lineage-mapper/mermaid/node_modules/"
                                                                     "mermaid/dist/mermaid.min.js"))


def test_the_sample_pipelines_render_with_graphviz(sample_graph: LineageGraph) -> None:
    source = export(sample_graph, "dot")
    result = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('class="node"') == len(sample_graph) + 8  # the nodes plus the legend's eight


def test_the_bom_is_valid_cyclonedx_1_6(sample_graph: LineageGraph, hostile: LineageGraph) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    validator = JsonStrictValidator(SchemaVersion.V1_6)
    for graph in (sample_graph, hostile):
        text = export(graph, "cyclonedx")
        assert validator.validate_str(text) is None  # type: ignore[arg-type]
    bom = json.loads(export(hostile, "cyclonedx"))
    llm = next(s for s in bom["services"] if s["bom-ref"] == IDS["llm"])
    assert llm["x-trust-boundary"] is True and llm["trustZone"] == "third-party"
    assert llm["data"][0]["flow"] == "inbound" and llm["data"][0]["source"][0].endswith("users.parquet")
    assert {c["type"] for c in bom["components"]} == {"data"}


def test_the_cyclonedx_validator_rejects_a_broken_bom(hostile: LineageGraph) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    bom = json.loads(export(hostile, "cyclonedx"))
    del bom["services"][0]["data"][0]["flow"]
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom)) is not None


def _browser():  # type: ignore[no-untyped-def]
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/system-deps.sh"
    return sync_api.sync_playwright()


def test_the_html_page_opens_offline_in_chromium_without_errors(sample_graph: LineageGraph, hostile: LineageGraph,
                                                               findings: list[FakeFinding], tmp_path: Path) -> None:
    with _browser() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, graph, found in (("samples", sample_graph, []), ("hostile", hostile, findings)):
                page_file = tmp_path / f"{name}.html"
                page_file.write_text(export(graph, "html", findings=found), encoding="utf-8")  # type: ignore[arg-type]
                page = browser.new_page()
                problems: list[str] = []
                requests: list[str] = []
                page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)  # noqa: B023
                page.on("pageerror", lambda e: problems.append(str(e)))  # noqa: B023
                page.on("request", lambda r: requests.append(r.url))  # noqa: B023
                page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))  # noqa: B023
                page.goto(page_file.as_uri())
                page.wait_for_selector("body[data-rendered=true]", timeout=120_000)
                assert problems == [], (name, problems)
                assert requests == [page_file.as_uri()], requests
                assert page.locator("canvas").count() == 1
                assert page.locator("#findings tbody tr").count() == len(found)
                assert page.locator("#data-map table").count() == 3
                assert page.evaluate("document.querySelectorAll('img').length") == 0
                if name == "hostile":
                    assert "<script>alert(1)</script>" in page.locator("#data-map").inner_text()
                page.close()
        finally:
            browser.close()


def test_the_real_mermaid_parser_accepts_and_renders_the_flowchart(sample_graph: LineageGraph, hostile: LineageGraph,
                                                                   findings: list[FakeFinding]) -> None:
    with _browser() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content("<html><body><div id='out'></div></body></html>")
            page.add_script_tag(content=MERMAID_JS.read_text(encoding="utf-8"))
            page.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
            for source in (export(sample_graph, "mermaid"), export(hostile, "mermaid", findings=findings)):
                assert page.evaluate("async (s) => !!(await mermaid.parse(s))", source)
                svg = page.evaluate("async (s) => (await mermaid.render('g' + Date.now(), s)).svg", source)
                assert "<script" not in svg and not re.search(r"<img[^>]*onerror", svg)
            with pytest.raises(Exception, match="Parse error"):
                page.evaluate("async (s) => await mermaid.parse(s)", 'flowchart LR\n  n0["a"b"]\n')
        finally:
            browser.close()
