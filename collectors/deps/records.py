"""Building components and vulnerabilities: package URLs, exact pins, severities, bounded text.

Example:
    >>> purl("pypi", "Requests", "2.31.0")
    'pkg:pypi/requests@2.31.0'
    >>> severity_of(9.8), severity_word("MODERATE")
    ('critical', 'medium')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from lineage.models import Component, Vulnerability

MAX_TEXT = 500
"""The longest summary kept from an advisory (the rest is cut, marked by an ellipsis)."""
MAX_COMPONENTS = 50_000
"""The most components one file may give; the rest is reported, not kept."""

_SEVERITY_WORDS = {"critical": "critical", "high": "high", "important": "high", "moderate": "medium",
                   "medium": "medium", "low": "low", "negligible": "low", "info": "low", "none": "low",
                   "unknown": "unknown"}
_EXACT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+!_-]*$")


def text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """A string value cut to `limit` characters, or None for anything that is not a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        return None
    clean = str(value).strip()
    return clean if len(clean) <= limit else clean[: limit - 1] + "\u2026"


def strings(values: Any, limit: int = 200) -> tuple[str, ...]:
    """The non-empty strings of a list (anything else ignored), each cut to `limit`, in order, once."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        return ()
    out: dict[str, None] = {}
    for value in values:
        if (t := text(value, limit)) is not None:
            out.setdefault(t, None)
    return tuple(out)


def purl(ecosystem: str, name: str, version: str | None) -> str:
    """A package URL (`pkg:pypi/name@version`); PyPI names as PEP 503 normalises them."""
    if ecosystem == "pypi":
        name = re.sub(r"[-_.]+", "-", name).lower()
    namespace, _, base = name.rpartition("/") if ecosystem in ("npm", "huggingface") else ("", "", name)
    path = f"{quote(namespace, safe='@')}/{quote(base, safe='')}" if namespace else quote(base, safe="")
    return f"pkg:{ecosystem}/{path}" + (f"@{quote(version, safe='')}" if version else "")


def exact(version: str | None) -> bool:
    """Whether a version is one exact release (`1.2.3`), not a range or a tag such as `latest`.

    Example:
        >>> exact("1.2.3"), exact("^1.2"), exact("latest"), exact(None)
        (True, False, False, False)
    """
    return bool(version) and bool(_EXACT.match(str(version))) and str(version).lower() not in (
        "latest", "next", "canary", "beta", "x", "*") and any(c.isdigit() for c in str(version))


def severity_of(score: Any) -> str:
    """The CVSS qualitative rating of a base score (0 none/low, 4 medium, 7 high, 9 critical)."""
    try:
        value = float(score)
    except (TypeError, ValueError):
        return "unknown"
    return "critical" if value >= 9 else "high" if value >= 7 else "medium" if value >= 4 else "low"


def severity_word(word: Any) -> str:
    """A severity word as scanners write it (`CRITICAL`, `Moderate`, `important`) in our words."""
    return _SEVERITY_WORDS.get(str(word or "").strip().lower(), "unknown")


def worst(severities: Iterable[str]) -> str:
    """The worst of several severities ("unknown" when none is known)."""
    order = ("critical", "high", "medium", "low")
    found = set(severities)
    return next((s for s in order if s in found), "unknown")


def vulnerability(vuln_id: Any, *, aliases: Any = (), severity: str | None = None, score: float | None = None,
                  summary: Any = None, affected: Iterable[str] = (), fixed: Iterable[str] = (),
                  source: str | None = None) -> Vulnerability | None:
    """A `Vulnerability`, or None when it has no usable id."""
    ident = text(vuln_id, 200)
    if ident is None:
        return None
    return Vulnerability(id=ident, aliases=tuple(a for a in strings(aliases) if a != ident), severity=severity,
                         score=score, summary=text(summary), affected=tuple(affected), fixed=tuple(fixed),
                         source=source)


def component(ecosystem: str | None, name: Any, version: Any = None, **fields: Any) -> Component | None:
    """A `Component` with its package URL and pin worked out, or None when it has no usable name."""
    clean = text(name, 300)
    if clean is None:
        return None
    ver = text(version, 100)
    if "purl" not in fields and ecosystem:
        fields["purl"] = purl(ecosystem, clean, ver)
    fields.setdefault("pinned", exact(ver))
    return Component(ecosystem=ecosystem, name=clean, version=ver, **fields)


def licenses_of(value: Any) -> tuple[str, ...]:
    """Licenses from an npm/PyPI `license` field: a string, `{"type": ...}`, `{"text": ...}` or a list."""
    if isinstance(value, Mapping):
        return strings([value.get("type") or value.get("text") or value.get("expression")])
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(licenses_of(item))
        return tuple(dict.fromkeys(out))
    return strings(value)
