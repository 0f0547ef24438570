"""Components go on the processes that run them: named by a spec, beside a spec's jobs, an MCP
server's own package, else the application the file describes; a rebuild attaches them alike."""

from __future__ import annotations

import json
from pathlib import Path

from collectors.base import Source, get_collector
from lineage.models import LineageBatch, Process

SPEC = """version: 1
pipeline: support
defaults: {{process_namespace: airflow-prod}}
processes:
  - {{id: ingest, name: tickets.ingest{declared}}}
  - {{id: report, name: tickets.report}}
  - {{id: llm, name: v1/messages, namespace: https://api.anthropic.com, processor_type: llm_api, vendor: anthropic}}
"""


def collect(path: Path) -> LineageBatch:
    return get_collector("deps").collect(Source(name=str(path), data=path.read_bytes(), path=path))


def owners(batch: LineageBatch) -> dict[tuple[str, str], list[str]]:
    return {(f.namespace, f.name): [c.name for c in f.components] for f in batch.facts if isinstance(f, Process)}


def test_lock_file_beside_a_spec_goes_to_its_jobs_not_to_vendors(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").write_text(SPEC.format(declared=""))
    (tmp_path / "requirements.txt").write_text("jinja2==3.1.2\n")
    assert owners(collect(tmp_path / "requirements.txt")) == {
        ("airflow-prod", "tickets.ingest"): ["jinja2"], ("airflow-prod", "tickets.report"): ["jinja2"]}


def test_spec_that_names_the_file_decides_alone(tmp_path: Path) -> None:
    (tmp_path / "deps").mkdir()
    (tmp_path / "pipeline.yaml").write_text(SPEC.format(declared=", requirements: deps/requirements.txt"))
    (tmp_path / "deps" / "requirements.txt").write_text("jinja2==3.1.2\n")
    assert owners(collect(tmp_path / "deps" / "requirements.txt")) == {("airflow-prod", "tickets.ingest"): ["jinja2"]}


def test_invalid_spec_beside_is_ignored_and_the_application_keeps_the_components(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").write_text("version: 1\nprocesses: [oops\n")
    (tmp_path / "requirements.txt").write_text("jinja2==3.1.2\n")
    assert owners(collect(tmp_path / "requirements.txt")) == {("deps", tmp_path.name): ["jinja2"]}


def test_mcp_server_gets_its_own_package_and_its_lock(tmp_path: Path) -> None:
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"fs": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.1.1", "/data"]}}}))
    (tmp_path / "package-lock.json").write_text(json.dumps({
        "name": "@modelcontextprotocol/server-filesystem", "lockfileVersion": 3, "packages": {
            "": {}, "node_modules/zod": {"version": "3.22.4"}}}))
    batch = collect(tmp_path / "package-lock.json")
    ((namespace, _), names), = owners(batch).items()
    assert namespace.startswith("mcp://") and names == ["zod"]


def test_rebuild_from_the_kept_input_attaches_to_the_same_processes(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").write_text(SPEC.format(declared=""))
    (tmp_path / "requirements.txt").write_text("jinja2==3.1.2\n")
    first = collect(tmp_path / "requirements.txt")
    assert first.raw is not None
    again = get_collector("deps").collect(Source(name=first.source, data=first.raw.content))
    assert owners(again) == owners(first)
    assert again.raw is not None and again.raw.content == first.raw.content


def test_lock_file_next_to_code_goes_to_the_jobs_the_code_collector_maps(tmp_path: Path) -> None:
    project = tmp_path / "ingest"
    project.mkdir()
    (project / "job.py").write_text(
        "import psycopg\n\n\ndef run():\n"
        "    conn = psycopg.connect('postgresql://db:5432/shop')\n"
        "    return conn.execute('SELECT email FROM customers').fetchall()\n")
    (project / "requirements.txt").write_text("psycopg==3.1.18\n")
    found = owners(collect(project / "requirements.txt"))
    assert found == {("python://ingest", "job.run"): ["psycopg"]}
