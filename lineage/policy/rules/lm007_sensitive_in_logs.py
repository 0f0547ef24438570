"""LM007: sensitive data is written to logs, traces or an observability SaaS."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lineage.policy.context import PolicyContext, is_third_party, label, sensitive
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule

_OBSERVABILITY = re.compile(
    r"langsmith|smith\.langchain|langfuse|helicone|arize|phoenix|datadog|sentry|honeycomb|new ?relic|splunk|"
    r"opentelemetry|otel|grafana|elastic|logz|loggly|papertrail|weights ?& ?biases|wandb|braintrust|lunary",
    re.IGNORECASE)
_LOGS = re.compile(r"(?:^|[^a-z])(logs?|traces?|tracing|transcripts?|telemetry|audit)(?:[^a-z]|$)", re.IGNORECASE)


def _observability(attrs: dict[str, object]) -> bool:
    text = " ".join(str(attrs.get(k) or "") for k in ("namespace", "name", "vendor"))
    return bool(_OBSERVABILITY.search(text))


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    reported: set[str] = set()
    for attrs in ctx.third_parties():
        node = str(attrs["id"])
        classes = sensitive(ctx.tags.classifications(node))
        if not classes or not _observability(attrs):
            continue
        reported.update(ctx.writes(node))
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.class_path(node, classes),
            message=f"data classified {', '.join(classes)} is sent to the observability service {label(attrs)} "
                    f"(vendor {attrs.get('vendor') or 'unknown'}"
                    + (f", retains it {attrs['retention']}" if attrs.get("retention") else "") + ").")
    for attrs in ctx.nodes("dataset"):
        node = str(attrs["id"])
        if node in reported or not (_LOGS.search(f"{attrs.get('namespace')} {attrs.get('name')}")
                                    or _observability(attrs)):
            continue
        classes = sensitive(ctx.tags.classifications(node))
        if not classes:
            continue
        external = _observability(attrs) or any(is_third_party(ctx.attrs(w)) and _observability(ctx.attrs(w))
                                                for w in ctx.writers(node))
        encrypted = attrs.get("encrypted") is True
        yield ctx.finding(
            rule, nodes=(node,), path=ctx.class_path(node, classes),
            severity="high" if external else ("low" if encrypted else "medium"),
            message=f"the log or trace store {label(attrs)} receives data classified {', '.join(classes)}"
                    + (" (encrypted at rest)." if encrypted else "."))


RULE = BuiltinRule(
    id="LM007", title="Sensitive data written to logs, traces or observability SaaS", severity="high",
    references=("LLM02",),
    fix="Redact prompts and tool results before logging or tracing (masking in the callback handler), "
        "sample less, shorten retention, or self-host the trace store.",
    description="Logs, traces, transcripts or an observability service receive data classified sensitive.",
    check=_check)
