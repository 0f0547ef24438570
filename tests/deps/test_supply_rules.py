"""The supply-chain rules on real collected folders: a spec, a lock file and an advisory file
collected into a real DuckDB store, checked by `lineage check`; and the rules' judgement on small
graphs (severity by the data reached, versions against affected ranges, licenses)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from lineage.cli import main
from lineage.exports import export
from lineage.policy import evaluate
from lineage.policy.context import PolicyContext
from lineage.policy.rules.lm024_component_license import forbidding
from tests.policy.support import graph

FIXTURES = Path(__file__).parent / "fixtures"
SPEC = """version: 1
pipeline: support
defaults: {process_namespace: airflow-prod}
datasets:
  - {id: tickets, namespace: "postgres://db:5432", name: support.public.tickets, role: origin, origin: real,
     classifications: [pii.email]}
  - {id: summaries, namespace: "postgres://db:5432", name: support.public.summaries, role: store}
processes:
  - {id: ingest, name: tickets.summarise}
flows:
  - {from: tickets, through: ingest, to: summaries}
"""


def checked(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    db = str(tmp_path / "l.duckdb")
    assert main(["collect", str(tmp_path / "pipeline"), "--db", db]) == 0
    capsys.readouterr()
    main([*extra, "check", "--db", db, "--format", "json"])
    return list(json.loads(capsys.readouterr().out)["findings"])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pipeline"
    folder.mkdir()
    (folder / "pipeline.yaml").write_text(SPEC)
    return folder


def test_osv_advisory_meets_the_locked_version_and_lm022_names_the_path_and_files(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "requirements.txt").write_text("jinja2==3.1.2 --hash=sha256:aa\nrequests==2.32.3 --hash=sha256:bb\n")
    shutil.copy(FIXTURES / "osv-GHSA-h5c8-rqwp-cp95.json", folder / "GHSA-h5c8-rqwp-cp95.json")
    findings = checked(tmp_path, capsys)
    [lm022] = [f for f in findings if f["rule_id"] == "LM022"]
    assert lm022["severity"] == "high"
    assert "GHSA-h5c8-rqwp-cp95" in lm022["message"] and "pii.email" in lm022["message"]
    assert lm022["path"] == ["dataset:postgres://db:5432:support.public.tickets",
                             "process:airflow-prod:tickets.summarise"]
    places = [e[0] for e in lm022["evidence"]]
    assert str(folder / "requirements.txt") in places and str(folder / "GHSA-h5c8-rqwp-cp95.json") in places
    assert "3.1.3" in lm022["fix"]
    assert not [f for f in findings if f["rule_id"] == "LM023"]  # pinned with hashes


def test_fixed_version_is_not_vulnerable(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "requirements.txt").write_text("jinja2==3.1.4 --hash=sha256:aa\n")
    shutil.copy(FIXTURES / "osv-GHSA-h5c8-rqwp-cp95.json", folder / "GHSA-h5c8-rqwp-cp95.json")
    assert [f for f in checked(tmp_path, capsys) if f["rule_id"] == "LM022"] == []


def test_unpinned_and_hashless_dependencies_of_a_pii_job_are_lm023(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "requirements.txt").write_text("jinja2>=3\nrequests==2.32.3\n")
    [lm023] = [f for f in checked(tmp_path, capsys) if f["rule_id"] == "LM023"]
    assert lm023["severity"] == "medium"
    assert "jinja2 >=3" in lm023["message"] and "requests" in lm023["message"]
    assert [str(folder / "requirements.txt"), 1] in lm023["evidence"]


def test_forbidden_license_from_the_project_file(folder: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "bom.json").write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "library", "name": "copyleft", "version": "1.0", "purl": "pkg:pypi/copyleft@1.0",
         "licenses": [{"license": {"id": "AGPL-3.0-only"}}]}]}))
    project = tmp_path / "lineage.yaml"
    project.write_text("policy:\n  forbidden_licenses: [agpl-3.0-only]\n")
    [lm024] = [f for f in checked(tmp_path, capsys, "--project", str(project)) if f["rule_id"] == "LM024"]
    assert lm024["severity"] == "high" and "AGPL-3.0-only" in lm024["message"]
    assert [f for f in checked(tmp_path, capsys) if f["rule_id"] == "LM024"] == []


SECRET_SOURCE: dict[str, Any] = {"id": "dataset:vault:keys", "origin": "real", "classifications": ["secret"]}
VULN = {"ecosystem": "pypi", "name": "jinja2", "version": "3.1.2",
        "vulnerabilities": [{"id": "V-1", "affected": ["==3.1.2"], "severity": "critical"}]}


def lm022(nodes: list[dict[str, Any]], edges: list[tuple[str, str, str]]) -> list[Any]:
    return [f for f in evaluate(graph(nodes, edges)) if f.rule_id == "LM022"]


def test_severity_follows_the_data_reached() -> None:
    job: dict[str, Any] = {"id": "process:a:job", "components": [VULN]}
    [secret] = lm022([SECRET_SOURCE, job], [(SECRET_SOURCE["id"], job["id"], "read")])
    assert secret.severity == "critical"
    tp: dict[str, Any] = {"id": "process:https://api.x.com:v1", "processor_type": "llm_api", "vendor": "x"}
    out: dict[str, Any] = {"id": "dataset:s3:out"}
    [outside] = lm022([{"id": "dataset:s3:in"}, job, out, tp],
                      [("dataset:s3:in", job["id"], "read"), (job["id"], out["id"], "write"),
                       (out["id"], tp["id"], "read")])
    assert outside.severity == "medium" and outside.path == (job["id"], out["id"], tp["id"])
    assert lm022([{"id": "dataset:s3:in"}, job], [("dataset:s3:in", job["id"], "read")]) == []


def test_mcp_server_advisory_meets_the_launcher_version() -> None:
    server = {"id": "process:mcp://fs:claude/fs", "processor_type": "mcp_server", "vendor": "x",
              "package": "@modelcontextprotocol/server-filesystem@0.6.0", "version": "0.6.0",
              "components": [{"ecosystem": "npm", "name": "@modelcontextprotocol/server-filesystem",
                              "vulnerabilities": [{"id": "GHSA-q66q", "affected": ["<0.6.3"]}]}]}
    [finding] = lm022([server], [])
    assert "0.6.0" in finding.message and finding.severity == "medium"


def test_license_expressions_are_forbidden_only_without_an_allowed_choice() -> None:
    rule = forbidding(["GPL-3.0-only"])
    job = {"id": "process:a:job", "components": [
        {"ecosystem": "pypi", "name": "dual", "licenses": ["MIT OR GPL-3.0-only"]},
        {"ecosystem": "pypi", "name": "both", "licenses": ["(MIT AND GPL-3.0-only)"]}]}
    found = list(rule(PolicyContext.build(graph([job]))))
    assert [f.message.split(" runs ")[1].split(" ")[0] for f in found] == ["both"]


def test_advisory_beside_an_mcp_config_meets_the_launcher_pin(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "pipeline"
    folder.mkdir()
    (folder / ".mcp.json").write_text(json.dumps({"mcpServers": {"github": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@0.6.0"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}"}}}}))
    (folder / "osv-github-server.json").write_text(json.dumps({
        "schema_version": "1.6.0", "id": "GHSA-test-mcp1-0001", "modified": "2025-01-01T00:00:00Z",
        "summary": "path traversal", "database_specific": {"severity": "HIGH"},
        "affected": [{"package": {"ecosystem": "npm", "name": "@modelcontextprotocol/server-github"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.6.3"}]}]}]}))
    [lm022] = [f for f in checked(tmp_path, capsys) if f["rule_id"] == "LM022"]
    assert "GHSA-test-mcp1-0001" in lm022["message"] and "0.6.0" in lm022["message"]
    assert lm022["nodes"][0].startswith("process:mcp://github")


def test_an_osv_export_in_a_folder_of_its_own_meets_every_job_that_runs_the_package(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "requirements.txt").write_text("jinja2==3.1.2 --hash=sha256:aa\n")
    advisories = folder / "advisories"
    advisories.mkdir()
    shutil.copy(FIXTURES / "osv-GHSA-h5c8-rqwp-cp95.json", advisories / "GHSA-h5c8-rqwp-cp95.json")
    [lm022] = [f for f in checked(tmp_path, capsys) if f["rule_id"] == "LM022"]
    assert lm022["nodes"] == ["process:airflow-prod:tickets.summarise", "pkg:pypi/jinja2@3.1.2"]
    assert str(advisories / "GHSA-h5c8-rqwp-cp95.json") in [e[0] for e in lm022["evidence"]]


def test_mcp_launcher_package_is_a_component_that_advisories_meet() -> None:
    server = {"id": "process:mcp://github:claude/github", "processor_type": "mcp_server", "vendor": "x",
              "launcher": "npx", "package": "@modelcontextprotocol/server-github@0.6.0", "version": "0.6.0"}
    advisory_db = {"id": "process:deps:advisories", "components": [
        {"ecosystem": "npm", "name": "@modelcontextprotocol/server-github",
         "vulnerabilities": [{"id": "GHSA-q66q", "affected": ["<0.6.3"], "source": "osv/GHSA-q66q.json:$"}]}]}
    [finding] = lm022([server, advisory_db], [])
    assert finding.nodes == (server["id"], "npm:@modelcontextprotocol/server-github@0.6.0")
    text = export(graph([server, advisory_db]), "cyclonedx")
    assert isinstance(text, str)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    assert {"ref": "npm:@modelcontextprotocol/server-github@0.6.0",
            "versions": [{"version": "0.6.0", "status": "affected"}]} in doc["vulnerabilities"][0]["affects"]
