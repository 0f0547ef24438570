"""The components processes run, and their vulnerabilities, as CycloneDX 1.6 (the part of the BOM
`cyclonedx_bom` adds to its services and data flows).

- Each component (`Process.components`) is one `components` entry, however many processes run it:
  `type` (library, framework, application, machine-learning-model, data), `name`, `version`,
  `purl`, `hashes` (hex digests as `alg`/`content`; others as a `lineage:hash` property),
  `licenses` (a license name each, or one SPDX `expression`), `scope`; the `bom-ref` is the
  package URL (else `ecosystem:name@version`). A model records its revision and file formats as
  `lineage:revision` and `lineage:format` properties.
- A model load the code collector found (a process with `job_type: model`) is a
  `machine-learning-model` component as well: a Hugging Face repository as
  `pkg:huggingface/<repo>@<revision>`, with `lineage:pinned-to-commit` and what loading it runs
  (`lineage:on-load`: `trust_remote_code`, `code_executing_format`). Datasets are `data` components
  already (see `cyclonedx_bom`).
- An MCP server launched from a package (npx, uvx, ...) runs that package: an `application`
  component at the server's version. An advisory collected for a package anywhere in the map
  (an OSV export) applies to every process that runs the package.
- A process's `dependencies` entry depends on the components it runs, next to the datasets it reads.
- Each vulnerability is one `vulnerabilities` entry as Dependency-Track reads them: `id`, `source`
  (NVD for CVE ids, GitHub for GHSA, OSV otherwise), `references` to its aliases, `ratings`
  (`severity`, `score`), `description`, `recommendation` (the fixed versions) and `affects` (the
  components, with the version `affected`, or `unknown` when the version is a range).

Example:
    >>> comps, refs, vulns = bom_parts([{"id": "process:a:job", "components": [
    ...     {"ecosystem": "pypi", "name": "jinja2", "version": "3.1.2", "purl": "pkg:pypi/jinja2@3.1.2",
    ...      "vulnerabilities": [{"id": "CVE-2024-22195", "affected": ["<3.1.3"], "fixed": ["3.1.3"]}]}]}])
    >>> comps[0]["bom-ref"], refs["process:a:job"], vulns[0]["source"]["name"]
    ('pkg:pypi/jinja2@3.1.2', ['pkg:pypi/jinja2@3.1.2'], 'NVD')
    >>> vulns[0]["affects"]
    [{'ref': 'pkg:pypi/jinja2@3.1.2', 'versions': [{'version': '3.1.2', 'status': 'affected'}]}]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from lineage.components import (
    advisory_index,
    all_vulnerabilities,
    component_ref,
    run_components,
    version_of,
    vulnerability_status,
)
from lineage.exports.attributes import text

_TYPES = frozenset({"application", "framework", "library", "container", "platform", "operating-system", "device",
                    "device-driver", "firmware", "file", "machine-learning-model", "data", "cryptographic-asset"})
_ALGS = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512",
         "sha3256": "SHA3-256", "sha3512": "SHA3-512", "blake2b256": "BLAKE2b-256", "blake3": "BLAKE3"}
_HEX = re.compile(r"^(?:[a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$")
_SEVERITIES = frozenset({"critical", "high", "medium", "low", "info", "none", "unknown"})
_EXPRESSION = re.compile(r"\s(?:OR|AND|WITH)\s", re.IGNORECASE)


def _hashes(values: Iterable[Any]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(CycloneDX hashes, properties for hashes CycloneDX cannot hold, such as base64 npm integrity)."""
    out, other = [], []
    for value in values:
        alg, _, content = str(value).partition(":")
        name = _ALGS.get(alg.lower().replace("-", "").replace("_", ""))
        if name and _HEX.match(content):
            out.append({"alg": name, "content": content.lower()})
        else:
            other.append({"name": "lineage:hash", "value": text(value)})
    return out, other


def _licenses(values: list[str]) -> list[dict[str, Any]]:
    if len(values) == 1 and _EXPRESSION.search(values[0]):
        return [{"expression": text(values[0])}]
    return [{"license": {"name": text(v)}} for v in values]


def _component(component: Mapping[str, Any], attrs: Mapping[str, Any], ref: str) -> dict[str, Any]:
    kind = str(component.get("type") or "library")
    out: dict[str, Any] = {"type": kind if kind in _TYPES else "library", "bom-ref": ref,
                           "name": text(component["name"])}
    version = version_of(component, attrs)
    if version:
        out["version"] = text(version)
    if component.get("purl"):
        out["purl"] = text(component["purl"])
    hashes, props = _hashes(component.get("hashes") or ())
    if hashes:
        out["hashes"] = hashes
    licenses = [str(x) for x in component.get("licenses") or ()]
    if licenses:
        out["licenses"] = _licenses(licenses)
    if component.get("scope") in ("optional", "excluded"):
        out["scope"] = component["scope"]
    if component.get("revision"):
        props.append({"name": "lineage:revision", "value": text(component["revision"])})
    props += [{"name": "lineage:format", "value": text(f)} for f in component.get("formats") or ()]
    if component.get("ecosystem"):
        props.append({"name": "lineage:ecosystem", "value": text(component["ecosystem"])})
    if component.get("source"):
        props.append({"name": "lineage:source", "value": text(component["source"])})
    if props:
        out["properties"] = props
    return out


def _source(vuln_id: str) -> dict[str, str]:
    upper = vuln_id.upper()
    if upper.startswith("CVE-"):
        return {"name": "NVD", "url": f"https://nvd.nist.gov/vuln/detail/{vuln_id}"}
    if upper.startswith("GHSA-"):
        return {"name": "GitHub", "url": f"https://github.com/advisories/{vuln_id}"}
    return {"name": "OSV", "url": f"https://osv.dev/vulnerability/{vuln_id}"}


def _vulnerability(vuln: Mapping[str, Any]) -> dict[str, Any]:
    vuln_id = text(vuln["id"])
    out: dict[str, Any] = {"id": vuln_id, "source": _source(vuln_id)}
    aliases = [text(a) for a in vuln.get("aliases") or ()]
    if aliases:
        out["references"] = [{"id": a, "source": _source(a)} for a in aliases]
    severity = str(vuln.get("severity") or "unknown")
    rating: dict[str, Any] = {"severity": severity if severity in _SEVERITIES else "unknown"}
    if isinstance(vuln.get("score"), int | float):
        rating["score"] = float(vuln["score"])
    out["ratings"] = [rating]
    if vuln.get("summary"):
        out["description"] = text(vuln["summary"])
    fixed = [text(f) for f in vuln.get("fixed") or ()]
    if fixed:
        out["recommendation"] = f"Upgrade to {' or '.join(fixed)} or later."
    out["affects"] = []
    return out


_HUB = "https://huggingface.co"
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def model_component(attrs: Mapping[str, Any]) -> dict[str, Any] | None:
    """A model load (a process with `job_type: model`, as the code collector records it) as a
    machine-learning-model component of its own: a Hugging Face repository by its package URL at
    the revision loaded, whether that revision is a commit, and whether its format runs code.

    Example:
        >>> model_component({"id": "process:https://huggingface.co:acme/m", "job_type": "model",
        ...                  "namespace": "https://huggingface.co", "name": "acme/m", "version": "main"})["purl"]
        'pkg:huggingface/acme/m@main'
    """
    if attrs.get("job_type") != "model":
        return None
    name, revision = str(attrs.get("name") or attrs["id"]), attrs.get("version")
    found: dict[str, Any] = {"type": "machine-learning-model", "name": name, "version": revision,
                             "revision": revision, "source": None}
    if str(attrs.get("namespace", "")).rstrip("/") == _HUB:
        found["ecosystem"] = "huggingface"
        found["purl"] = f"pkg:huggingface/{quote(name, safe='/')}" + (f"@{quote(str(revision), safe='')}"
                                                                      if revision else "")
    entry = _component(found, attrs, found.get("purl") or f"model:{attrs['id']}")
    props = entry.setdefault("properties", [])
    props.append({"name": "lineage:pinned-to-commit", "value": str(bool(revision and _COMMIT.match(str(revision))))
                  .lower()})
    for capability in attrs.get("capabilities") or ():
        props.append({"name": "lineage:on-load", "value": text(capability)})
    return entry


def bom_parts(processes: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]],
                                                               list[dict[str, Any]]]:
    """(component entries, the component refs of each process, vulnerability entries), in ref order;
    a model load is a component too (`model_component`), which its process depends on."""
    entries: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[str]] = {}
    vulns: dict[str, dict[str, Any]] = {}
    affected: dict[str, dict[tuple[str, str], str]] = {}
    processes = list(processes)
    advisories = advisory_index(processes)
    for attrs in processes:
        if (model := model_component(attrs)) is not None:
            entries.setdefault(model["bom-ref"], model)
            runs.setdefault(str(attrs["id"]), []).append(model["bom-ref"])
        for component in run_components(attrs):
            ref = component_ref(component, attrs)
            entries.setdefault(ref, _component(component, attrs, ref))
            runs.setdefault(str(attrs["id"]), [])
            if ref not in runs[str(attrs["id"])]:
                runs[str(attrs["id"])].append(ref)
            for vuln in all_vulnerabilities(component, advisories):
                status = vulnerability_status(vuln, component, attrs)
                if status is False:
                    continue
                vulns.setdefault(str(vuln["id"]), _vulnerability(vuln))
                version = version_of(component, attrs) or ""
                affected.setdefault(str(vuln["id"]), {})[(ref, version)] = "affected" if status else "unknown"
    for vuln_id, entry in vulns.items():
        for (ref, version), state in sorted(affected[vuln_id].items()):
            item: dict[str, Any] = {"ref": ref}
            if version:
                item["versions"] = [{"version": text(version), "status": state}]
            entry["affects"].append(item)
    return ([entries[k] for k in sorted(entries)], {k: sorted(v) for k, v in runs.items()},
            [vulns[k] for k in sorted(vulns)])
