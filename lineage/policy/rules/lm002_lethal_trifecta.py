"""LM002: the lethal trifecta: one agent reads private data, ingests untrusted content and can send
data outside."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._agents import Reach, ingests_untrusted, is_agentic, reads_private, sends_outside


def _where(reach: Reach) -> str:
    return reach.process + (f" ({reach.dataset})" if reach.dataset else "")


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("identity"):
        node = str(attrs["id"])
        if not is_agentic(ctx, node):
            continue
        private, untrusted, outside = reads_private(ctx, node), ingests_untrusted(ctx, node), sends_outside(ctx, node)
        if private is None or untrusted is None or outside is None:
            continue
        path = [x for r in (untrusted, private) for x in (r.dataset, r.process) if x and x != node]
        path = [*dict.fromkeys([*path, node, outside.process, *([outside.dataset] if outside.dataset else [])])]
        yield ctx.finding(
            rule, nodes=(node,), path=path,
            message=f"{label(attrs)} can read private data through {_where(private)}, ingests untrusted content "
                    f"through {_where(untrusted)}, and can send data outside through {_where(outside)}: "
                    "injected instructions can make it leak the private data.")


RULE = BuiltinRule(
    id="LM002", title="Lethal trifecta: private data, untrusted content and a way out in one agent",
    severity="critical", references=("LLM01", "LLM02", "LLM06", "MCP06", "MCP10"),
    fix="Remove one leg: split the agent so the one that reads untrusted content cannot read private data, "
        "or cannot send data outside (no public writes, no external tools) without a person approving.",
    description="An agent (or any identity that runs an LLM) can read private or real sensitive data, ingests "
                "untrusted content (web pages, public issues, inbound email, uploads), and can send data outside.",
    check=_check)
