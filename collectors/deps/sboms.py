"""SBOMs: CycloneDX JSON (1.4 to 1.6, as `cyclonedx-py`, syft, cdxgen, grype and trivy write it,
with a `vulnerabilities` section) and SPDX JSON (2.2, 2.3).

Components are read field by field, so one bad component is a problem with its JSON path and the
others are kept; where a document breaks its version's schema (cyclonedx-python-lib's strict
validator), each place is a warning with its JSON path; nested `components` are followed to a
bounded depth. A CycloneDX vulnerability attaches to the components its `affects` refs name (a
`bom-ref`, or a package URL as grype and trivy write them), affecting the version the SBOM lists.

Example:
    >>> from lineage.models import LineageBatch
    >>> batch = LineageBatch(collector="deps", source="bom.json")
    >>> doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
    ...     {"type": "library", "name": "jinja2", "version": "3.1.2", "purl": "pkg:pypi/jinja2@3.1.2",
    ...      "bom-ref": "j"}],
    ...     "vulnerabilities": [{"id": "CVE-2024-22195", "ratings": [{"severity": "medium"}],
    ...                          "affects": [{"ref": "j"}]}]}
    >>> [(c.name, [v.id for v in c.vulnerabilities]) for c in cyclonedx(doc, batch).components]
    [('jinja2', ['CVE-2024-22195'])]
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from collectors.deps.python_files import Found
from collectors.deps.records import (
    component,
    severity_of,
    severity_word,
    strings,
    text,
    vulnerability,
    worst,
)
from lineage.models import Component, LineageBatch, Vulnerability

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
MAX_VALIDATED = 1024 * 1024
"""The largest CycloneDX document checked against its JSON schema (larger ones are only read)."""
MAX_SCHEMA_PROBLEMS = 20
MAX_DEPTH = 32
"""How deep nested CycloneDX `components` are followed."""
SPEC_VERSIONS = ("1.4", "1.5", "1.6")
_TYPES = frozenset({"application", "framework", "library", "container", "platform", "operating-system", "device",
                    "device-driver", "firmware", "file", "machine-learning-model", "data", "cryptographic-asset"})


def ecosystem_of(purl: str | None) -> str | None:
    """The package type of a package URL (`pkg:pypi/x@1` -> `pypi`).

    Example:
        >>> ecosystem_of("pkg:npm/%40scope/x@1.0.0"), ecosystem_of("not a purl")
        ('npm', None)
    """
    if not purl or not purl.startswith("pkg:") or "/" not in purl:
        return None
    return purl[4:].split("/", 1)[0].lower() or None


def _purl_base(purl: str) -> str:
    """A package URL without qualifiers and subpath, decoded, for matching refs."""
    return unquote(purl.split("?", 1)[0].split("#", 1)[0])


def _cdx_licenses(value: Any) -> tuple[str, ...]:
    out: list[str] = []
    for entry in value if isinstance(value, list) else ():
        if not isinstance(entry, dict):
            continue
        lic = entry.get("license")
        if isinstance(lic, dict):
            out.extend(strings([lic.get("id") or lic.get("name")]))
        out.extend(strings([entry.get("expression")]))
    return tuple(dict.fromkeys(out))


def _cdx_hashes(value: Any) -> tuple[str, ...]:
    return strings([f"{str(h.get('alg', '')).lower().replace('-', '')}:{h.get('content')}"
                    for h in (value if isinstance(value, list) else ())
                    if isinstance(h, dict) and isinstance(h.get("content"), str)])


def _cdx_component(entry: Mapping[str, Any], batch: LineageBatch, where: str) -> Component | None:
    purl = text(entry.get("purl"), 1000)
    group, name = text(entry.get("group")), text(entry.get("name"))
    if name is None:
        batch.problem("a component with no name", field=where)
        return None
    ctype = entry.get("type") if entry.get("type") in _TYPES else "library"
    eco = ecosystem_of(purl)
    full = f"{group}/{name}" if group and eco in ("npm", "huggingface") else name
    extra: dict[str, Any] = {}
    if eco == "huggingface" or ctype in ("machine-learning-model", "data"):
        # a model or dataset is pinned by its commit, not by a version name such as `main`
        revision = text(entry.get("version"), 100)
        extra = {"revision": revision, "pinned": bool(revision and _COMMIT.match(revision))}
    return component(eco, full, entry.get("version"), type=ctype, purl=purl, hashes=_cdx_hashes(entry.get("hashes")),
                     **extra,
                     licenses=_cdx_licenses(entry.get("licenses")),
                     scope=entry.get("scope") if entry.get("scope") in ("optional", "excluded") else None,
                     source=f"{batch.source}:{where}")


def _cdx_vulnerability(entry: Mapping[str, Any], version: str | None, source: str) -> Vulnerability | None:
    ratings = [r for r in entry.get("ratings") or () if isinstance(r, dict)]
    scores = [float(r["score"]) for r in ratings if isinstance(r.get("score"), int | float)]
    severity = worst([severity_word(r.get("severity")) for r in ratings if r.get("severity")]
                     + [severity_of(s) for s in scores])
    aliases = [r.get("id") for r in entry.get("references") or () if isinstance(r, dict)]
    return vulnerability(entry.get("id"), aliases=aliases, severity=severity, score=max(scores) if scores else None,
                         summary=entry.get("description") or entry.get("detail"),
                         affected=(f"=={version}",) if version else (), source=source)


def schema_problems(doc: Mapping[str, Any], version: str, batch: LineageBatch, size: int) -> None:
    """Where a CycloneDX document breaks its version's JSON schema, as warnings with the JSON path
    (cyclonedx-python-lib's strict validator; documents over `MAX_VALIDATED` bytes are not checked)."""
    if version not in SPEC_VERSIONS or size > MAX_VALIDATED:
        return
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    schema = {"1.4": SchemaVersion.V1_4, "1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}[version]
    try:
        errors = JsonStrictValidator(schema).validate_str(json.dumps(doc), all_errors=True)
    except RecursionError:
        batch.problem(f"nested too deeply to check against the CycloneDX {version} schema", severity="warning")
        return
    for i, error in enumerate(errors or ()):
        if i == MAX_SCHEMA_PROBLEMS:
            batch.problem(f"more CycloneDX {version} schema problems are not listed", severity="warning")
            break
        detail = getattr(error, "data", None)
        batch.problem(f"not valid CycloneDX {version}: {str(getattr(detail, 'message', error))[:300]}",
                      field=str(getattr(detail, "json_path", "") or "") or None, severity="warning")


def cyclonedx(doc: Mapping[str, Any], batch: LineageBatch, size: int = 0) -> Found:
    """The components (and their vulnerabilities) of a CycloneDX JSON document (`size` bytes long:
    documents up to `MAX_VALIDATED` bytes are checked against their schema too)."""
    found = Found()
    version = str(doc.get("specVersion") or "")
    if version not in SPEC_VERSIONS:
        batch.problem(f"CycloneDX {version or '(no specVersion)'} is read as 1.6; "
                      f"versions {', '.join(SPEC_VERSIONS)} are known", severity="warning", field="$.specVersion")
    schema_problems(doc, version, batch, size)
    meta: Mapping[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
    root: Mapping[str, Any] = meta["component"] if isinstance(meta.get("component"), dict) else {}
    found.project = text(root.get("name"))
    by_ref: dict[str, int] = {}
    stack: list[tuple[str, Any, int]] = [("$.components", doc.get("components"), 0)]
    while stack:
        where, entries, depth = stack.pop()
        if entries is None:
            continue
        if not isinstance(entries, list):
            batch.problem("expected a list of components", field=where)
            continue
        if depth > MAX_DEPTH:
            batch.problem(f"components nested deeper than {MAX_DEPTH}: not followed", field=where)
            continue
        for i, entry in enumerate(entries):
            path = f"{where}[{i}]"
            if not isinstance(entry, dict):
                batch.problem("expected a component object", field=path)
                continue
            item = _cdx_component(entry, batch, path)
            if item is not None:
                for ref in (entry.get("bom-ref"), item.purl and _purl_base(item.purl)):
                    if isinstance(ref, str) and ref:
                        by_ref.setdefault(ref, len(found.components))
                found.add(item, batch)
            stack.append((f"{path}.components", entry.get("components"), depth + 1))
    vulns = doc.get("vulnerabilities")
    if vulns is not None and not isinstance(vulns, list):
        batch.problem("expected a list of vulnerabilities", field="$.vulnerabilities")
        vulns = []
    attached: dict[int, list[Vulnerability]] = {}
    for i, entry in enumerate(vulns or ()):
        where = f"$.vulnerabilities[{i}]"
        if not isinstance(entry, dict):
            batch.problem("expected a vulnerability object", field=where)
            continue
        refs = [a.get("ref") for a in entry.get("affects") or () if isinstance(a, dict)]
        targets = {by_ref.get(r) if r in by_ref else by_ref.get(_purl_base(r)) for r in refs if isinstance(r, str)}
        targets.discard(None)
        if not targets:
            batch.problem("a vulnerability that affects no component of this SBOM", field=where, severity="warning")
        for target in sorted(t for t in targets if t is not None and t < len(found.components)):
            vuln = _cdx_vulnerability(entry, found.components[target].version, f"{batch.source}:{where}")
            if vuln is None:
                batch.problem("a vulnerability with no id", field=where)
                break
            attached.setdefault(target, []).append(vuln)
    for target, items in attached.items():
        current = found.components[target]
        found.components[target] = current.model_copy(update={"vulnerabilities": (*current.vulnerabilities, *items)})
    return found.done()


def _spdx_purl(entry: Mapping[str, Any]) -> str | None:
    for ref in entry.get("externalRefs") or ():
        if isinstance(ref, dict) and str(ref.get("referenceType", "")).lower() == "purl":
            return text(ref.get("referenceLocator"), 1000)
    return None


def _spdx_license(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str) or value.strip().upper() in ("NOASSERTION", "NONE", ""):
        return ()
    return (value.strip()[:200],)


def spdx(doc: Mapping[str, Any], batch: LineageBatch) -> Found:
    """The packages of an SPDX JSON document; the package the document describes names the project."""
    found = Found()
    packages = doc.get("packages")
    if not isinstance(packages, list):
        batch.problem("expected a list of packages", field="$.packages")
        return found
    described = set(strings(doc.get("documentDescribes")))
    for rel in doc.get("relationships") or ():
        if isinstance(rel, dict) and rel.get("relationshipType") == "DESCRIBES":
            described.update(strings([rel.get("relatedSpdxElement")]))
    for i, entry in enumerate(packages):
        where = f"$.packages[{i}]"
        if not isinstance(entry, dict):
            batch.problem("expected a package object", field=where)
            continue
        if entry.get("SPDXID") in described:
            found.project = found.project or text(entry.get("name"))
            continue
        purl = _spdx_purl(entry)
        checksums = strings([f"{str(c.get('algorithm', '')).lower().replace('-', '')}:{c.get('checksumValue')}"
                             for c in entry.get("checksums") or () if isinstance(c, dict) and c.get("checksumValue")])
        item = component(ecosystem_of(purl), entry.get("name"), entry.get("versionInfo"), purl=purl, hashes=checksums,
                         licenses=_spdx_license(entry.get("licenseConcluded")) or _spdx_license(
                             entry.get("licenseDeclared")),
                         source=f"{batch.source}:{where}")
        if item is None:
            batch.problem("a package with no name", field=where)
        found.add(item, batch)
    return found.done()
