"""LM026: monitoring: sensitive classes observed in prompts sent to a processor not approved for them."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._runtime import is_observed_content


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.third_parties():
        if attrs.get("approved") is True:
            continue
        node = str(attrs["id"])
        for source in ctx.reads(node):
            seen = ctx.attrs(source)
            classes = sensitive(set(seen.get("classifications") or ()))
            if not is_observed_content(seen) or not classes:
                continue
            state = "not approved" if attrs.get("approved") is False else "not reviewed (approved is not set)"
            yield ctx.finding(
                rule, nodes=(node, source), path=(source, node),
                severity="critical" if "secret" in classes else None,
                message=f"prompts observed at runtime ({seen.get('name')}) carried {', '.join(classes)} to the "
                        f"third-party {attrs.get('processor_type') or 'processor'} {label(attrs)} (vendor "
                        f"{attrs.get('vendor') or 'unknown'}), which is {state}.")


RULE = BuiltinRule(
    id="LM026", title="Sensitive data seen in prompts to an unapproved processor", severity="high",
    references=("LLM02", "MCP09"),
    fix="Mask or remove the sensitive data before the call (a redaction step in the application), or have "
        "security approve the processor for it (`approved: true` in its spec entry).",
    description="Runtime traces with content capture on show prompts (or tool arguments) holding personal, "
                "financial, secret or health data sent to a third-party processor that is not approved. Only the "
                "classes found and a hash are kept, never the text.",
    check=_check)
