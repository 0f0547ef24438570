"""LM024: a component whose license the project's policy forbids, or with no license where the SBOM
lists licenses for the others.

The forbidden licenses are the project's (`policy: {forbidden_licenses: [AGPL-3.0-only, ...]}` in
`lineage.yaml`, SPDX ids, case-insensitive); `RULE` forbids none and flags only missing licenses,
`forbidding(licenses)` is the rule for a project's list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from lineage.components import component_ref, components
from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding, Severity
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._components import forbidden_by, places, with_places


def _check_with(forbidden: frozenset[str]) -> Callable[[BuiltinRule, PolicyContext], Iterator[Finding]]:
    def check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
        for attrs in ctx.nodes("process"):
            process = str(attrs["id"])
            found = components(attrs)
            listed = any(c.get("licenses") for c in found)  # an SBOM that states licenses was collected
            for component in found:
                licenses = [str(x) for x in component.get("licenses") or ()]
                severity: Severity
                bad = [x for x in licenses if forbidden and forbidden_by(x, set(forbidden))]
                if bad:
                    message = f"{label(attrs)} runs {component['name']} under {', '.join(bad)}, which the " \
                              "project's policy forbids."
                    severity = "high"
                elif not licenses and listed and component.get("type", "library") == "library":
                    message = f"{label(attrs)} runs {component['name']}, whose license nobody recorded."
                    severity = "low"
                else:
                    continue
                finding = ctx.finding(rule, nodes=(process, component_ref(component, attrs)), path=(process,),
                                      severity=severity, message=message)
                extra = places([component.get("source")])
                yield finding.model_copy(update={"evidence": with_places(extra, finding.evidence)})

    return check


def forbidding(licenses: Iterable[str]) -> BuiltinRule:
    """LM024 for a project that forbids `licenses` (SPDX ids)."""
    return BuiltinRule(**{**RULE.__dict__, "check": _check_with(frozenset(x.strip().lower() for x in licenses))})


RULE = BuiltinRule(
    id="LM024", title="Component with a forbidden or unknown license", severity="high", references=("LLM03",),
    fix="Replace the component, get the license cleared, or record its license in the SBOM.",
    description="A component's license is one the project forbids (`policy.forbidden_licenses` in lineage.yaml; "
                "high), or an SBOM lists licenses but none for this component (low).",
    check=_check_with(frozenset()))
