"""The deps collector reads each format it knows: real files (an SBOM that cyclonedx-py writes for a
virtualenv made here, lock files and advisory records in their real formats)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from collectors.base import Source, get_collector
from collectors.discover import plan
from lineage.models import Component, LineageBatch, Process

FIXTURES = Path(__file__).parent / "fixtures"


def collect(path: Path) -> LineageBatch:
    return get_collector("deps").collect(Source(name=str(path), data=path.read_bytes(), path=path))


def components(batch: LineageBatch) -> dict[str, Component]:
    return {c.name.lower(): c for f in batch.facts if isinstance(f, Process) for c in f.components}


def detected(path: Path) -> str | None:
    work = plan([path]).work
    return work[0][0].name if work else None


def _fake_distribution(site: Path, name: str, version: str, license_id: str | None = None) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"License: {license_id}"] if license_id else []
    (info / "METADATA").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def cyclonedx_py_sbom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SBOM `cyclonedx-py environment` writes for a virtualenv with two installed distributions."""
    tool = shutil.which("cyclonedx-py")
    if tool is None:
        pytest.fail("cyclonedx-py is not installed: pip install -e '.[test]'")
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    _fake_distribution(site, "Jinja2", "3.1.2", "BSD-3-Clause")
    _fake_distribution(site, "requests", "2.31.0")
    out = root / "bom.json"
    subprocess.run([tool, "environment", "--sv", "1.6", "--of", "JSON", "-o", str(out), str(python)], check=True)
    return out


def test_sbom_written_by_cyclonedx_py_gives_each_installed_distribution(cyclonedx_py_sbom: Path) -> None:
    assert detected(cyclonedx_py_sbom) == "deps"
    batch = collect(cyclonedx_py_sbom)
    assert batch.problems == []
    found = components(batch)
    assert found["jinja2"].version == "3.1.2"
    assert found["jinja2"].purl == "pkg:pypi/jinja2@3.1.2"
    assert found["jinja2"].licenses == ("BSD-3-Clause",)
    assert found["requests"].licenses == ()
    assert batch.raw is not None


def test_uv_lock_gives_locked_versions_and_hashes_and_names_the_project() -> None:
    batch = collect(FIXTURES / "uv.lock")
    assert batch.problems == []
    found = components(batch)
    assert set(found) == {"jinja2", "markupsafe", "requests"}  # the editable project itself is not a dependency
    assert found["jinja2"].pinned and found["jinja2"].version == "3.1.2"
    assert "sha256:6088930bfe239f0e6710546ab9c19c9ef35e29792895fed6e6e31a023a182a61" in found["jinja2"].hashes
    assert found["jinja2"].source == f"{FIXTURES / 'uv.lock'}:21"
    # no spec around it: the project it locks runs them
    assert [f.name for f in batch.facts if isinstance(f, Process)] == ["chat-ingest"]


def test_poetry_lock_gives_versions_and_file_hashes() -> None:
    found = components(collect(FIXTURES / "poetry.lock"))
    assert found["jinja2"].version == "3.1.2"
    assert len(found["jinja2"].hashes) == 2
    assert found["markupsafe"].pinned is True


def test_requirements_with_hashes_ranges_urls_and_continuations(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# pinned and hashed\n"
                   "jinja2==3.1.2 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n"
                   "--index-url https://user:s3cret@pypi.example.com/simple\n"
                   "flask>=2.0  # a range\n"
                   "pkg @ https://example.com/pkg-1.0.tar.gz\n"
                   "-e ./local\n"
                   "torch==2.2.0 ; sys_platform == 'linux'\n")
    batch = collect(req)
    found = components(batch)
    assert found["jinja2"].hashes == ("sha256:aaa", "sha256:bbb") and found["jinja2"].pinned
    assert found["flask"].pinned is False and found["flask"].version == ">=2.0"
    assert found["pkg"].pinned is False
    assert found["torch"].version == "2.2.0"
    assert [(p.line, p.severity) for p in batch.problems] == [(8, "warning")]  # the editable requirement
    assert batch.raw is not None and b"s3cret" not in batch.raw.content


def test_pyproject_lists_declared_optional_and_poetry_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "svc"\ndependencies = ["httpx>=0.27", "pydantic==2.7.1"]\n'
                    '[project.optional-dependencies]\ntest = ["pytest"]\n'
                    '[tool.poetry.dependencies]\npython = "^3.11"\nrich = "13.7.1"\n')
    batch = collect(path)
    found = components(batch)
    assert found["pydantic"].pinned and not found["httpx"].pinned
    assert found["pytest"].scope == "optional"
    assert found["rich"].version == "13.7.1" and "python" not in found
    assert [f.name for f in batch.facts if isinstance(f, Process)] == ["svc"]


def test_project_own_pyproject_is_read_without_errors() -> None:
    root = Path(__file__).parents[2] / "pyproject.toml"
    batch = collect(root)
    assert batch.errors == []
    assert "pydantic" in components(batch)


def test_pipfile_lock_package_json_and_package_lock(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text(json.dumps({"_meta": {}, "default": {"requests": {
        "hashes": ["sha256:abc"], "version": "==2.32.3"}}, "develop": {"pytest": {"version": "==8.0.0"}}}))
    (tmp_path / "package.json").write_text(json.dumps({"name": "srv", "license": "MIT",
                                                       "dependencies": {"zod": "^3.22.0"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps({"name": "srv", "lockfileVersion": 3, "packages": {
        "": {"name": "srv"}, "node_modules/zod": {"version": "3.22.4", "integrity": "sha512-iC+8Io04lddc+A==",
                                                  "license": "MIT"}}}))
    pip = components(collect(tmp_path / "Pipfile.lock"))
    assert pip["requests"].version == "2.32.3" and pip["requests"].hashes == ("sha256:abc",)
    assert pip["pytest"].scope == "optional"
    assert components(collect(tmp_path / "package.json"))["zod"].pinned is False
    zod = components(collect(tmp_path / "package-lock.json"))["zod"]
    assert (zod.version, zod.pinned, zod.hashes, zod.licenses) == ("3.22.4", True, ("sha512:iC+8Io04lddc+A==",),
                                                                    ("MIT",))


def test_pip_audit_report_gives_vulnerabilities_at_installed_versions() -> None:
    batch = collect(FIXTURES / "pip-audit.json")
    jinja = components(batch)["jinja2"]
    (vuln,) = jinja.vulnerabilities
    assert (vuln.id, vuln.aliases, vuln.fixed, vuln.affected) == (
        "GHSA-h5c8-rqwp-cp95", ("CVE-2024-22195",), ("3.1.3",), ("==3.1.2",))
    assert any("skipped chat-ingest" in p.message and p.severity == "warning" for p in batch.problems)


def test_osv_record_gives_affected_ranges_and_severity() -> None:
    batch = collect(FIXTURES / "osv-GHSA-h5c8-rqwp-cp95.json")
    assert batch.errors == []
    jinja = components(batch)["jinja2"]
    (vuln,) = jinja.vulnerabilities
    assert (vuln.severity, vuln.score) == ("medium", 5.4)  # the score from the record's CVSS 3.1 vector
    assert "<3.1.3" in vuln.affected and "==3.1.2" in vuln.affected
    assert jinja.version is None


def test_cyclonedx_vulnerabilities_as_grype_writes_them_attach_by_purl(tmp_path: Path) -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
        {"bom-ref": "pkg:pypi/jinja2@3.1.2?package-id=9f", "type": "library", "name": "jinja2", "version": "3.1.2",
         "purl": "pkg:pypi/jinja2@3.1.2"}],
        "vulnerabilities": [{"bom-ref": "urn:uuid:1", "id": "GHSA-h5c8-rqwp-cp95",
                             "source": {"name": "github"}, "ratings": [{"score": 5.4, "severity": "medium",
                                                                         "method": "CVSSv31"}],
                             "affects": [{"ref": "pkg:pypi/jinja2@3.1.2?package-id=9f"}]}]}
    path = tmp_path / "grype.cdx.json"
    path.write_text(json.dumps(doc))
    (vuln,) = components(collect(path))["jinja2"].vulnerabilities
    assert (vuln.severity, vuln.score, vuln.affected) == ("medium", 5.4, ("==3.1.2",))


def test_spdx_json_packages_with_purls_and_licenses(tmp_path: Path) -> None:
    doc = {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
           "documentDescribes": ["SPDXRef-app"], "packages": [
               {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "1.0"},
               {"SPDXID": "SPDXRef-p1", "name": "numpy", "versionInfo": "1.26.4", "licenseConcluded": "BSD-3-Clause",
                "checksums": [{"algorithm": "SHA256", "checksumValue": "abc"}],
                "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                  "referenceLocator": "pkg:pypi/numpy@1.26.4"}]},
               {"SPDXID": "SPDXRef-p2", "name": "left-pad", "versionInfo": "1.3.0", "licenseConcluded": "NOASSERTION"}]}
    path = tmp_path / "app.spdx.json"
    path.write_text(json.dumps(doc))
    batch = collect(path)
    found = components(batch)
    assert set(found) == {"numpy", "left-pad"}
    assert found["numpy"].ecosystem == "pypi" and found["numpy"].hashes == ("sha256:abc",)
    assert found["left-pad"].licenses == ()
    assert [f.name for f in batch.facts if isinstance(f, Process)] == ["app"]


@pytest.mark.parametrize("name", ["uv.lock", "poetry.lock", "pip-audit.json", "osv-GHSA-h5c8-rqwp-cp95.json"])
def test_detection_claims_dependency_files(name: str) -> None:
    assert detected(FIXTURES / name) == "deps"


def test_ml_bom_models_and_datasets_keep_their_revision_pins(tmp_path: Path) -> None:
    commit = "559062ad13d311b87b2c455e67dcd5f1c8f65111"
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "machine-learning-model", "group": "microsoft", "name": "deberta-v3-base", "version": commit,
         "purl": f"pkg:huggingface/microsoft/deberta-v3-base@{commit}"},
        {"type": "machine-learning-model", "group": "acme", "name": "summariser", "version": "main",
         "purl": "pkg:huggingface/acme/summariser@main"},
        {"type": "data", "name": "support-tickets", "version": "v3"}]}
    path = tmp_path / "ml.cdx.json"
    path.write_text(json.dumps(doc))
    found = components(collect(path))
    deberta = found["microsoft/deberta-v3-base"]
    assert (deberta.type, deberta.ecosystem, deberta.revision, deberta.pinned) == (
        "machine-learning-model", "huggingface", commit, True)
    assert found["acme/summariser"].pinned is False
    assert found["support-tickets"].type == "data" and found["support-tickets"].pinned is False


def test_osv_record_with_only_a_cvss_vector_is_rated_from_its_base_score(tmp_path: Path) -> None:
    record = {"id": "PYSEC-2099-1", "modified": "2099-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                     {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]}
    path = tmp_path / "PYSEC-2099-1.json"
    path.write_text(json.dumps(record))
    (vuln,) = components(collect(path))["demo"].vulnerabilities
    assert (vuln.severity, vuln.score, vuln.affected) == ("critical", 9.8, ("==1.0",))
