"""LM025: monitoring: a model provider, model or tool seen at runtime that no spec, config or code declares."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._runtime import MODEL_OPERATIONS, callers, declared, models_declared, seen_at_runtime


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("process"):
        if not seen_at_runtime(attrs):
            continue
        node = str(attrs["id"])
        who = callers(ctx, node)
        by = f" by {', '.join(who)}" if who else ""
        model = str(attrs.get("version") or "")
        tool = attrs.get("job_type") not in MODEL_OPERATIONS
        what = "tool" if tool else f"{attrs.get('processor_type') or 'model endpoint'}"
        vendor = "" if tool else f" (vendor {attrs.get('vendor') or 'unknown'}{', model ' + model if model else ''})"
        if not declared(attrs):
            yield ctx.finding(
                rule, nodes=(node,), path=(*who, node),
                message=f"runtime traces show the {what} {label(attrs)}{vendor} called{by}, and no spec, config "
                        "or code declares it (shadow AI).")
            continue
        named = models_declared(attrs)
        if not tool and model and named and model not in named:
            yield ctx.finding(
                rule, nodes=(node,), path=(*who, node), severity="medium",
                message=f"runtime traces show the model {model} called at {label(attrs)}{by}; what declares the "
                        f"endpoint names only {', '.join(named)}.")


RULE = BuiltinRule(
    id="LM025", title="Shadow AI: a provider, model or tool seen at runtime that nothing declares", severity="high",
    references=("LLM03", "LLM06", "MCP09"),
    fix="Declare the integration (a pipeline spec entry with its vendor, region, retention and approval), or stop "
        "the calls; for a model, record it where the endpoint is declared.",
    description="OpenTelemetry GenAI traces (`lineage serve` /v1/traces, or OTLP trace files) show a model endpoint, "
                "a model or a tool in use that no pipeline spec, MCP config or code declares.",
    check=_check)
