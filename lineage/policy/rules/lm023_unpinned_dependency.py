"""LM023: a process that reads real sensitive data or can send data outside runs dependencies that are
not pinned to one version, or pinned without hashes."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.components import components
from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._components import exposure, places, with_places

_HASHED = ("pypi", "npm")
"""Ecosystems whose lock files record content hashes."""
_SHOWN = 8


def _names(items: list[str]) -> str:
    return ", ".join(items[:_SHOWN]) + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("process"):
        process = str(attrs["id"])
        libraries = [c for c in components(attrs) if c.get("type", "library") == "library"
                     and c.get("scope") not in ("optional", "excluded")]
        unpinned = [c for c in libraries if c.get("pinned") is False]
        hashless = [c for c in libraries if c.get("pinned") is True and not c.get("hashes")
                    and c.get("ecosystem") in _HASHED]
        if not unpinned and not hashless:
            continue
        reach = exposure(ctx, process)
        if reach is None:
            continue
        what = []
        if unpinned:
            shown = [f"{c['name']} {c.get('version') or '(any)'}" for c in unpinned]
            what.append(f"{len(unpinned)} not pinned to one version ({_names(shown)})")
        if hashless:
            what.append(f"{len(hashless)} pinned without hashes ({_names([str(c['name']) for c in hashless])})")
        finding = ctx.finding(
            rule, nodes=(process,), path=reach.path, severity="medium" if unpinned else "low",
            message=f"{label(attrs)} {reach.words()}, and of its dependencies {'; '.join(what)}: an install may "
                    "run code nobody reviewed.")
        extra = places(c.get("source") for c in (*unpinned, *hashless))
        yield finding.model_copy(update={"evidence": with_places(extra, finding.evidence)})


RULE = BuiltinRule(
    id="LM023", title="Unpinned or hash-less dependency of a process that reaches sensitive data or the outside",
    severity="medium", references=("LLM03",),
    fix="Install from a lock file that pins every package to one version with its hashes (`uv lock`, "
        "`poetry lock`, `pip-compile --generate-hashes`, `npm ci` with package-lock.json).",
    description="A process that reads real sensitive data or can send data outside declares dependencies as "
                "ranges (medium), or pins them without content hashes (low), so an install can bring in a "
                "release, or a replaced file, that nobody reviewed.",
    check=_check)
