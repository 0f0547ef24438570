"""LM022: a known-vulnerable component runs in a process that reads real sensitive data or can send
data outside; the severity follows the data the process reaches. An advisory applies wherever its
package runs (an OSV export collected in a folder of its own meets the lock files of every job), and
an MCP server's launcher package is one of the components it runs."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.components import advisory_index, component_ref, known_vulnerabilities, run_components, version_of
from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._components import exposure, places, with_places


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    advisories = advisory_index(ctx.nodes("process"))
    for attrs in ctx.nodes("process"):
        process = str(attrs["id"])
        found = [(c, known_vulnerabilities(c, attrs, advisories)) for c in run_components(attrs)]
        found = [(c, vulns) for c, vulns in found if vulns]
        if not found:
            continue
        reach = exposure(ctx, process)
        if reach is None:
            continue
        for component, vulns in found:
            ids = sorted({str(v["id"]) for v in vulns})
            fixed = sorted({str(f) for v in vulns for f in v.get("fixed") or ()})
            rated = sorted({str(v["severity"]) for v in vulns if v.get("severity") not in (None, "unknown")})
            ref = component_ref(component, attrs)
            finding = ctx.finding(
                rule, nodes=(process, ref), path=reach.path, severity=reach.severity,
                fix=f"Upgrade {component['name']} to {' or '.join(fixed)} (or later), rebuild the lock file and "
                    "the SBOM, and collect them again." if fixed else None,
                message=f"{label(attrs)} runs {component['name']} {version_of(component, attrs) or ''}".rstrip()
                        + f", known vulnerable ({', '.join(ids)}"
                        + (f"; rated {', '.join(rated)}" if rated else "") + f"), and {reach.words()}.")
            extra = places([component.get("source"), *(v.get("source") for v in vulns)])
            yield finding.model_copy(update={"evidence": with_places(extra, finding.evidence)})


RULE = BuiltinRule(
    id="LM022", title="Known-vulnerable component in a process that reaches sensitive data or the outside",
    severity="high", references=("LLM03", "MCP04"),
    fix="Upgrade the component to a fixed version, rebuild the lock file and the SBOM, and collect them again.",
    description="A library (or MCP server package) with a known vulnerability, from an SBOM, scanner report or "
                "OSV advisory, runs in a process that reads real sensitive data or can send data outside: "
                "critical when it reads secrets, high for other sensitive data, medium for a way out only.",
    check=_check)
