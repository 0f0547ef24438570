"""Findings as JSON: the `lineage check --format json` output, also read back as a baseline.

Example:
    >>> from lineage.policy.finding import Finding
    >>> f = Finding.make("LM001", title="t", severity="high", message="m", nodes=("x",))
    >>> import json; json.loads(dumps([f]))["findings"][0]["fingerprint"] == f.fingerprint
    True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from lineage.errors import PolicyError
from lineage.policy.finding import SEVERITIES, Finding

FORMAT_VERSION = 1


def as_data(findings: Sequence[Finding], *, generated_at: datetime | None = None) -> dict[str, Any]:
    """The findings and a summary as plain data."""
    counts = {s: sum(1 for f in findings if f.severity == s and f.is_open) for s in SEVERITIES}
    return {
        "format": "lineage-findings", "version": FORMAT_VERSION,
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(),
        "summary": {"findings": len(findings), "open": sum(f.is_open for f in findings), "open_by_severity": counts},
        "findings": [f.model_dump(mode="json") for f in findings],
    }


def dumps(findings: Sequence[Finding], *, generated_at: datetime | None = None) -> str:
    """The findings as indented JSON text."""
    return json.dumps(as_data(findings, generated_at=generated_at), indent=2, ensure_ascii=False) + "\n"


def baseline_fingerprints(text: str, source: str) -> tuple[frozenset[str], datetime | None]:
    """Fingerprints (and the time it was made) of a baseline: a JSON report or a SARIF log.

    Raises:
        PolicyError: the text is neither.

    Example:
        >>> baseline_fingerprints('{"format": "lineage-findings", "findings": [{"fingerprint": "ab"}]}', "b.json")
        (frozenset({'ab'}), None)
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{source}:{exc.lineno}: not JSON: {exc.msg}") from exc
    if isinstance(data, dict) and data.get("format") == "lineage-findings":
        prints = frozenset(str(f["fingerprint"]) for f in data.get("findings", []) if "fingerprint" in f)
        made = data.get("generated_at")
        return prints, datetime.fromisoformat(made) if isinstance(made, str) else None
    if isinstance(data, dict) and isinstance(data.get("runs"), list):
        prints = frozenset(
            str(r["partialFingerprints"]["lineageFingerprint/v1"])
            for run in data["runs"] for r in run.get("results", [])
            if "lineageFingerprint/v1" in r.get("partialFingerprints", {}))
        return prints, None
    raise PolicyError(f"{source}:1: not a findings report (lineage check --format json or sarif)")
