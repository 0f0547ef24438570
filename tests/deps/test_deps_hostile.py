"""Hostile and broken dependency files: a clear problem naming the place, the valid rest kept, no
crash and no hang."""

from __future__ import annotations

import json

import pytest

from collectors.base import Source, get_collector
from collectors.deps import MAX_BYTES
from collectors.deps.records import MAX_COMPONENTS
from lineage.models import LineageBatch, Process


def collect(name: str, data: bytes) -> LineageBatch:
    return get_collector("deps").collect(Source(name=name, data=data))


def names(batch: LineageBatch) -> list[str]:
    return sorted(c.name for f in batch.facts if isinstance(f, Process) for c in f.components)


def test_malformed_toml_is_one_error_with_its_line() -> None:
    batch = collect("uv.lock", b'version = 1\n\n[[package]]\nname = "x\n')
    assert [(p.severity, p.line) for p in batch.problems] == [("error", 4)]
    assert "not valid TOML" in batch.problems[0].message
    assert batch.facts == [] and batch.raw is None


@pytest.mark.parametrize("name", ["bom.json", "pip-audit.json", "Pipfile.lock", "package-lock.json"])
def test_truncated_json_is_one_error_with_its_line(name: str) -> None:
    data = b'{"bomFormat": "CycloneDX", "specVersion": "1.6",\n "components": [{"name": "a"'
    batch = collect(name, data)
    assert len(batch.errors) == 1 and batch.errors[0].line == 2
    assert batch.facts == []


def test_bad_entries_are_named_by_path_and_the_rest_kept() -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "library", "name": "good", "version": "1.0"}, "not an object", {"version": "2.0"},
        {"name": 7}]}
    batch = collect("bom.json", json.dumps(doc).encode())
    assert names(batch) == ["good"]
    assert sorted(p.field or "" for p in batch.errors) == ["$.components[1]", "$.components[2]",
                                                           "$.components[3]"]
    schema = [p for p in batch.problems if p.severity == "warning"]  # the schema says so too, by path
    assert schema and all(p.message.startswith("not valid CycloneDX 1.6") for p in schema)
    assert {p.field for p in schema} >= {"$.components[1]", "$.components[3].name"}


def test_bad_requirement_line_is_named_and_the_others_kept() -> None:
    batch = collect("requirements.txt", b"ok==1.0\nthis is !! not a requirement\nalso-ok==2\n")
    assert names(batch) == ["also-ok", "ok"]
    assert [(p.line, p.severity) for p in batch.problems] == [(2, "error")]


def test_huge_sbom_keeps_the_first_components_and_says_so() -> None:
    many = [{"type": "library", "name": f"p{i}", "version": "1"} for i in range(MAX_COMPONENTS + 10)]
    batch = collect("bom.json", json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6",
                                            "components": many}).encode())
    assert len(names(batch)) == MAX_COMPONENTS
    assert any(f"more than {MAX_COMPONENTS}" in p.message for p in batch.problems)


def test_file_over_the_limit_is_refused_before_it_is_parsed() -> None:
    batch = collect("bom.json", b" " * (MAX_BYTES + 1))
    assert len(batch.errors) == 1 and "limit" in batch.errors[0].message


def test_dependency_cycles_and_deep_nesting_do_not_hang() -> None:
    nested: dict[str, object] = {"type": "library", "name": "leaf", "version": "1"}
    for i in range(200):
        nested = {"type": "library", "name": f"n{i}", "version": "1", "components": [nested]}
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [nested],
           "dependencies": [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["a"]}]}
    batch = collect("bom.json", json.dumps(doc).encode())
    assert any("nested deeper" in p.message for p in batch.problems)
    assert "n199" in names(batch)
    lock: dict[str, object] = {"version": "1.0.0"}
    for i in range(100):
        lock = {"version": "1.0.0", "dependencies": {f"d{i}": lock}}
    batch = collect("package-lock.json", json.dumps({"lockfileVersion": 1, "dependencies": {"top": lock}}).encode())
    assert any("nested deeper" in p.message for p in batch.problems) and "top" in names(batch)


def test_vulnerability_that_affects_nothing_in_the_sbom_is_a_warning() -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a",
                                                                           "version": "1"}],
           "vulnerabilities": [{"id": "CVE-1", "affects": [{"ref": "elsewhere"}]}]}
    batch = collect("bom.json", json.dumps(doc).encode())
    assert [(p.severity, p.field) for p in batch.problems] == [("warning", "$.vulnerabilities[0]")]
    assert names(batch) == ["a"]


def test_json_that_is_no_known_report_is_an_error() -> None:
    batch = collect("bom.json", b'{"hello": "world"}')
    assert len(batch.errors) == 1 and "not a CycloneDX or SPDX SBOM" in batch.errors[0].message


def test_long_advisory_text_is_cut() -> None:
    doc = {"dependencies": [{"name": "x", "version": "1", "vulns": [{"id": "V-1", "description": "a" * 100_000,
                                                                      "fix_versions": []}]}]}
    batch = collect("pip-audit.json", json.dumps(doc).encode())
    (vuln,) = [v for f in batch.facts if isinstance(f, Process) for c in f.components for v in c.vulnerabilities]
    assert vuln.summary is not None and len(vuln.summary) <= 500


@pytest.mark.parametrize(("name", "data"), [
    ("bom.json", b'{"bomFormat": "CycloneDX", "components": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ("uv.lock", b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"),
])
def test_absurd_nesting_is_an_error_not_a_crash(name: str, data: bytes) -> None:
    batch = collect(name, data)
    assert len(batch.errors) == 1 and batch.facts == []

