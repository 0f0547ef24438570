"""Findings as a SARIF 2.1.0 log, as GitHub code scanning reads it.

Each rule carries its metadata (`shortDescription`, `help`, `properties.security-severity`,
tags with its OWASP references); each result its message, a physical location (the file and
line of the fact that caused it, relative to the repository), the node path as logical
locations, `partialFingerprints`, and a suppression when a person accepted or dismissed it.

Example:
    >>> from lineage.policy.finding import Finding
    >>> f = Finding.make("LM001", title="t", severity="high", message="m", nodes=("x",), evidence=[("p.yaml", 3)])
    >>> log = to_sarif([f], [])
    >>> log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    {'startLine': 3}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from lineage.policy.finding import SECURITY_SEVERITY, Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"low": "note", "medium": "warning", "high": "error", "critical": "error"}
_URI = "https://github.com/lineage-mapper/lineage-mapper/blob/main/docs/policy.md"


def _uri(source: str, root: Path | None) -> str:
    path = Path(source)
    if root is not None and path.is_absolute():
        try:
            return PurePosixPath(path.resolve().relative_to(root.resolve())).as_posix()
        except ValueError:
            return path.as_uri()
    return PurePosixPath(*path.parts).as_posix() if not path.is_absolute() else path.as_uri()


def _rule(meta: Any) -> dict[str, Any]:
    title = str(getattr(meta, "title", "") or meta.id)
    text = str(getattr(meta, "description", "") or title)
    fix = str(getattr(meta, "fix", ""))
    refs = list(getattr(meta, "references", ()))
    return {
        "id": meta.id, "name": "".join(w.capitalize() for w in meta.id.split()) or meta.id,
        "shortDescription": {"text": title}, "fullDescription": {"text": text},
        "help": {"text": f"{text}\nFix: {fix}" if fix else text,
                 "markdown": f"{text}\n\n**Fix:** {fix}" if fix else text},
        "helpUri": f"{_URI}#{meta.id.lower()}",
        "defaultConfiguration": {"level": _LEVEL[meta.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[meta.severity], "precision": "high",
                       "tags": ["security", *refs]},
    }


def _location(finding: Finding, root: Path | None, fallback: str) -> dict[str, Any]:
    source, line = finding.evidence[0] if finding.evidence else (fallback, 1)
    region = {"startLine": max(1, int(line or 1))}
    uri = _uri(source, root)
    artifact = {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def to_sarif(findings: Sequence[Finding], rules: Sequence[Any], *, root: Path | None = None,
             version: str = "0.0.0", fallback: str = "lineage.yaml") -> dict[str, Any]:
    """A SARIF 2.1.0 log of the findings; `rules` are the rules that ran (their metadata).

    Args:
        findings: what to report.
        rules: rule objects with id, title, severity, references, fix (and description).
        root: the repository root; evidence paths under it become relative URIs.
        version: the tool's version.
        fallback: the file to point at when a finding has no evidence.
    """
    metas = {r.id: r for r in rules}
    for f in findings:
        metas.setdefault(f.rule_id, _Meta(f))
    ordered = sorted(metas)
    index = {rule_id: i for i, rule_id in enumerate(ordered)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.rule_id, "ruleIndex": index[f.rule_id], "level": _LEVEL[f.severity],
            "message": {"text": f"{f.message} Fix: {f.fix}" if f.fix else f.message},
            "locations": [_location(f, root, fallback)],
            "partialFingerprints": {"lineageFingerprint/v1": f.fingerprint},
            "properties": {"severity": f.severity, "security-severity": SECURITY_SEVERITY[f.severity],
                           "status": f.status, "path": list(f.path), "references": list(f.references)},
        }
        if f.path:
            result["locations"][0]["logicalLocations"] = [
                {"fullyQualifiedName": node, "kind": "resource"} for node in dict.fromkeys(f.path)]
        if f.review is not None and f.status in ("accepted_risk", "false_positive"):
            result["suppressions"] = [{
                "kind": "external", "status": "accepted",
                "justification": f"{f.status} by {f.review.reviewer}: {f.review.reason}"
                                 + (f" (until {f.review.expires_at.isoformat()})" if f.review.expires_at else ""),
            }]
        results.append(result)
    return {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lineage-mapper", "version": version, "informationUri": _URI,
                                "rules": [_rule(metas[r]) for r in ordered]}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": (root or Path.cwd()).resolve().as_uri() + "/"}},
            "results": results,
        }],
    }


class _Meta:
    """Rule metadata recovered from a finding whose rule is not in the list."""

    def __init__(self, f: Finding) -> None:
        self.id, self.title, self.severity = f.rule_id, f.title, f.severity
        self.references, self.fix, self.description = f.references, f.fix, f.title
