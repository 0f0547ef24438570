"""The CycloneDX 1.6 export carries the components processes run and their vulnerabilities next to
the data flows: valid against the 1.6 schema (cyclonedx-python-lib's strict validator), in the
fields Dependency-Track reads, and read back by the deps collector."""

from __future__ import annotations

import json
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from collectors.base import Source, get_collector
from lineage.exports import export
from lineage.models import Process
from tests.policy.support import graph

JOB = "process:airflow-prod:ingest"
COMPONENTS: list[dict[str, Any]] = [
    {"ecosystem": "pypi", "name": "jinja2", "version": "3.1.2", "purl": "pkg:pypi/jinja2@3.1.2", "pinned": True,
     "hashes": ["sha256:" + "ab" * 32], "licenses": ["BSD-3-Clause"], "source": "requirements.txt:3",
     "vulnerabilities": [{"id": "GHSA-h5c8-rqwp-cp95", "aliases": ["CVE-2024-22195"], "severity": "medium",
                          "score": 5.4, "affected": ["<3.1.3"], "fixed": ["3.1.3"], "summary": "xmlattr <keys>"},
                         {"id": "GHSA-old", "affected": ["<2.0"]}]},
    {"ecosystem": "pypi", "name": "flask", "version": ">=2", "pinned": False,
     "vulnerabilities": [{"id": "PYSEC-2023-62", "affected": ["<2.2.5"]}]},
    {"ecosystem": "npm", "name": "@scope/x</script>", "version": "1.0.0", "hashes": ["sha512:iC+8Io04lddc+A=="],
     "licenses": ["MIT OR GPL-3.0-only"]},
    {"type": "machine-learning-model", "ecosystem": "huggingface", "name": "acme/summariser", "revision": "4f1c2e9",
     "formats": ["pytorch-pickle"]},
]


def bom() -> dict[str, Any]:
    g = graph([{"id": "dataset:pg:crm.contacts", "origin": "real", "classifications": ["pii.email"]},
               {"id": JOB, "components": COMPONENTS}], [("dataset:pg:crm.contacts", JOB, "read")])
    text = export(g, "cyclonedx")
    assert isinstance(text, str)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    return dict(json.loads(text))


def test_components_with_vulnerabilities_validate_against_cyclonedx_1_6() -> None:
    doc = bom()
    refs = {c["bom-ref"]: c for c in doc["components"]}
    jinja = refs["pkg:pypi/jinja2@3.1.2"]
    assert jinja["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert jinja["licenses"] == [{"license": {"name": "BSD-3-Clause"}}]
    npm = refs["npm:@scope/x</script>@1.0.0"]
    assert npm["licenses"] == [{"expression": "MIT OR GPL-3.0-only"}]
    assert {"name": "lineage:hash", "value": "sha512:iC+8Io04lddc+A=="} in npm["properties"]
    model = refs["huggingface:acme/summariser"]
    assert model["type"] == "machine-learning-model"
    assert {"name": "lineage:format", "value": "pytorch-pickle"} in model["properties"]


def test_vulnerabilities_affect_the_versions_run_in_dependency_track_fields() -> None:
    vulns = {v["id"]: v for v in bom()["vulnerabilities"]}
    assert set(vulns) == {"GHSA-h5c8-rqwp-cp95", "PYSEC-2023-62"}  # GHSA-old does not affect 3.1.2
    ghsa = vulns["GHSA-h5c8-rqwp-cp95"]
    assert ghsa["source"]["name"] == "GitHub"
    assert ghsa["references"] == [{"id": "CVE-2024-22195", "source": {
        "name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2024-22195"}}]
    assert ghsa["ratings"] == [{"severity": "medium", "score": 5.4}]
    assert ghsa["recommendation"] == "Upgrade to 3.1.3 or later."
    assert ghsa["affects"] == [{"ref": "pkg:pypi/jinja2@3.1.2",
                                "versions": [{"version": "3.1.2", "status": "affected"}]}]
    assert vulns["PYSEC-2023-62"]["affects"][0]["versions"] == [{"version": ">=2", "status": "unknown"}]


def test_the_process_depends_on_its_components_and_the_data_it_reads() -> None:
    [job] = [d for d in bom()["dependencies"] if d["ref"] == JOB]
    assert "dataset:pg:crm.contacts" in job["dependsOn"] and "pkg:pypi/jinja2@3.1.2" in job["dependsOn"]
    assert len(job["dependsOn"]) == 5


def test_the_deps_collector_reads_the_exported_bom_back() -> None:
    text = json.dumps(bom()).encode()
    batch = get_collector("deps").collect(Source(name="export.cdx.json", data=text))
    back = {c.name: c for f in batch.facts if isinstance(f, Process) for c in f.components}
    assert back["jinja2"].version == "3.1.2"
    assert [v.id for v in back["jinja2"].vulnerabilities] == ["GHSA-h5c8-rqwp-cp95"]


def test_model_loads_are_machine_learning_model_components() -> None:
    model = {"id": "process:https://huggingface.co:acme/summariser", "job_type": "model",
             "namespace": "https://huggingface.co", "name": "acme/summariser", "version": "main", "pinned": False,
             "capabilities": ["code_executing_format"]}
    pinned = {"id": "process:https://huggingface.co:acme/embedder", "job_type": "model",
              "namespace": "https://huggingface.co", "name": "acme/embedder", "version": "4f1c2e9" * 5 + "abcde"}
    text = export(graph([model, pinned]), "cyclonedx")
    assert isinstance(text, str)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    models = {c["bom-ref"]: c for c in doc["components"] if c["type"] == "machine-learning-model"}
    loose = models["pkg:huggingface/acme/summariser@main"]
    assert {"name": "lineage:on-load", "value": "code_executing_format"} in loose["properties"]
    assert {"name": "lineage:pinned-to-commit", "value": "false"} in loose["properties"]
    strict = models[f"pkg:huggingface/acme/embedder@{pinned['version']}"]
    assert {"name": "lineage:pinned-to-commit", "value": "true"} in strict["properties"]
    [dep] = [d for d in doc["dependencies"] if d["ref"] == model["id"]]
    assert dep["dependsOn"] == ["pkg:huggingface/acme/summariser@main"]
