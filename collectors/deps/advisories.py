"""Vulnerability reports collected offline: pip-audit JSON (`pip-audit -f json`) and OSV records
(one record, a list of them, or an OSV query answer `{"vulns": [...]}`, as an offline OSV export
holds them). No advisory service is asked: the advisories are what the files say.

A pip-audit report lists every audited package at its installed version, so its packages are
components with their vulnerabilities. An OSV record says which versions of a package are
affected (ranges and enumerated versions); the package becomes a component without a version
carrying the advisory, which the version from a lock file or SBOM meets when they merge.

Example:
    >>> from lineage.models import LineageBatch
    >>> batch = LineageBatch(collector="deps", source="osv.json")
    >>> record = {"id": "GHSA-x", "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
    ...           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.3"}]}]}],
    ...           "database_specific": {"severity": "MODERATE"}}
    >>> [(c.name, c.version, c.vulnerabilities[0].affected, c.vulnerabilities[0].severity)
    ...  for c in osv(record, batch).components]
    [('jinja2', None, ('<3.1.3',), 'medium')]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collectors.deps.cvss import base_score
from collectors.deps.python_files import Found
from collectors.deps.records import component, severity_of, severity_word, strings, text, vulnerability
from lineage.models import LineageBatch

MAX_VERSIONS = 200
"""The most enumerated affected versions kept per package of an OSV record (ranges say the rest)."""
_ECOSYSTEMS = {"pypi": "pypi", "npm": "npm", "go": "golang", "crates.io": "cargo", "maven": "maven",
               "rubygems": "gem", "nuget": "nuget", "packagist": "composer"}


def is_pip_audit(doc: Any) -> bool:
    """Whether a JSON document is a pip-audit report: `{"dependencies": [{"name", "version", "vulns"}]}`."""
    deps = doc.get("dependencies") if isinstance(doc, dict) else doc if isinstance(doc, list) else None
    return isinstance(deps, list) and any(isinstance(d, dict) and "vulns" in d for d in deps[:50])


def is_osv(doc: Any) -> bool:
    """Whether a JSON document is an OSV record, a list of them or `{"vulns": [...]}`."""
    records = _osv_records(doc)
    return bool(records) and all(isinstance(r, dict) and "id" in r and ("affected" in r or "modified" in r)
                                 for r in records[:20])


def _osv_records(doc: Any) -> list[Any]:
    if isinstance(doc, dict):
        return list(doc["vulns"]) if isinstance(doc.get("vulns"), list) else [doc] if "id" in doc else []
    return list(doc) if isinstance(doc, list) else []


def pip_audit(doc: Any, batch: LineageBatch) -> Found:
    """Every package of a pip-audit report at its version, with the vulnerabilities found in it."""
    found = Found()
    deps = doc.get("dependencies") if isinstance(doc, dict) else doc
    for i, entry in enumerate(deps if isinstance(deps, list) else ()):
        where = f"$.dependencies[{i}]"
        if not isinstance(entry, dict):
            batch.problem("expected a dependency object", field=where)
            continue
        if entry.get("skip_reason"):
            batch.problem(f"pip-audit skipped {text(entry.get('name'), 100)}: {text(entry.get('skip_reason'))}",
                          field=where, severity="warning")
        version = text(entry.get("version"), 100)
        vulns = []
        for j, item in enumerate(entry.get("vulns") or ()):
            vuln = vulnerability(item.get("id"), aliases=item.get("aliases"), summary=item.get("description"),
                                 severity="unknown", affected=(f"=={version}",) if version else (),
                                 fixed=strings(item.get("fix_versions")), source=f"{batch.source}:{where}") \
                if isinstance(item, dict) else None
            if vuln is None:
                batch.problem("a vulnerability with no id", field=f"{where}.vulns[{j}]")
                continue
            vulns.append(vuln)
        item = component("pypi", entry.get("name"), version, pinned=None, vulnerabilities=tuple(vulns),
                         source=f"{batch.source}:{where}")
        if item is None:
            batch.problem("a dependency with no name", field=where)
        found.add(item, batch)
    return found.done()


def _ranges(affected: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(affected version specifiers, fixed versions) of one `affected` entry."""
    specs: list[str] = []
    fixed: list[str] = []
    for rng in affected.get("ranges") or ():
        if not isinstance(rng, dict) or rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        low: str | None = None
        for event in rng.get("events") or ():
            if not isinstance(event, dict):
                continue
            if "introduced" in event:
                low = str(event["introduced"])
            elif "fixed" in event or "last_affected" in event:
                high = str(event.get("fixed") or event.get("last_affected"))
                op = "<" if "fixed" in event else "<="
                specs.append(f"{op}{high}" if low in (None, "0") else f">={low},{op}{high}")
                if "fixed" in event:
                    fixed.append(high)
                low = None
        if low is not None:
            specs.append(">=0" if low == "0" else f">={low}")
    versions = strings(affected.get("versions"), 100)
    specs.extend(f"=={v}" for v in versions[:MAX_VERSIONS])
    return tuple(dict.fromkeys(specs)), tuple(dict.fromkeys(fixed))


def _osv_score(record: Mapping[str, Any]) -> float | None:
    """The highest base score of the record's `severity` entries (a number, or a CVSS 3 vector)."""
    scores = []
    for entry in record.get("severity") or ():
        value = entry.get("score") if isinstance(entry, dict) else None
        if isinstance(value, int | float):
            scores.append(float(value))
        elif isinstance(value, str):
            try:
                scores.append(float(value))
            except ValueError:
                if (score := base_score(value)) is not None:
                    scores.append(score)
    return max(scores) if scores else None


def _osv_severity(record: Mapping[str, Any], affected: Mapping[str, Any]) -> tuple[str, float | None]:
    """(severity, score): the database's own rating when it gives one, else the score's rating."""
    score = _osv_score(record)
    for block in (affected.get("ecosystem_specific"), affected.get("database_specific"),
                  record.get("database_specific")):
        if isinstance(block, dict) and block.get("severity"):
            return severity_word(block["severity"]), score
    return (severity_of(score), score) if score is not None else ("unknown", None)


def osv(doc: Any, batch: LineageBatch) -> Found:
    """The packages OSV records name, each carrying the advisory with its affected versions."""
    found = Found()
    for i, record in enumerate(_osv_records(doc)):
        where = f"$[{i}]" if not isinstance(doc, dict) or "vulns" in doc else "$"
        where = f"$.vulns[{i}]" if isinstance(doc, dict) and "vulns" in doc else where
        if not isinstance(record, dict) or not text(record.get("id")):
            batch.problem("an OSV record with no id", field=where)
            continue
        if record.get("withdrawn"):
            continue
        affected_list = record.get("affected")
        if not isinstance(affected_list, list) or not affected_list:
            batch.problem("an OSV record that names no affected package", field=f"{where}.affected",
                          severity="warning")
            continue
        for j, affected in enumerate(affected_list):
            package = affected.get("package") if isinstance(affected, dict) else None
            if not isinstance(package, dict):
                batch.problem("an affected entry with no package", field=f"{where}.affected[{j}]")
                continue
            eco = _ECOSYSTEMS.get(str(package.get("ecosystem", "")).split(":", 1)[0].lower())
            specs, fixed = _ranges(affected)
            severity, score = _osv_severity(record, affected)
            vuln = vulnerability(record.get("id"), aliases=record.get("aliases"), severity=severity, score=score,
                                 summary=record.get("summary") or record.get("details"), affected=specs, fixed=fixed,
                                 source=f"{batch.source}:{where}")
            item = component(eco, package.get("name"), None, pinned=None, purl=None,
                             vulnerabilities=(vuln,) if vuln else ())
            if item is None:
                batch.problem("an affected package with no name", field=f"{where}.affected[{j}].package")
            found.add(item, batch)
    return found.done()
