"""LM018: untrusted content reaches an LLM's prompt (indirect prompt injection)."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import UNTRUSTED, PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("process"):
        node = str(attrs["id"])
        if attrs.get("processor_type") != "llm_api" or UNTRUSTED not in ctx.tags.classifications(node):
            continue
        path = ctx.class_path(node, [UNTRUSTED])
        yield ctx.finding(
            rule, nodes=(node,), path=path,
            message=f"untrusted content from {path[0]} reaches the prompt of {label(attrs)}: instructions "
                    "hidden in it can steer the model.")


RULE = BuiltinRule(
    id="LM018", title="Untrusted content reaches an LLM prompt", severity="medium",
    references=("LLM01", "MCP06"),
    fix="Treat the content as data: isolate it (spotlighting, separate context), filter it, and make sure "
        "the model's output cannot trigger actions without checks.",
    description="Content anyone can write (crawled pages, public issues, inbound email, uploads) reaches an "
                "LLM's prompt.",
    check=_check)
