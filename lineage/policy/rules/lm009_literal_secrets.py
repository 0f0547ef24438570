"""LM009: a literal secret (API key, token, password) written in a config."""

from __future__ import annotations

from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding, Place
from lineage.policy.rule import BuiltinRule


def _place(location: str) -> Place:
    head, _, tail = location.rpartition(":")
    return (head, int(tail)) if head and tail.isdigit() else (location, None)


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for kind in ("process", "identity", "dataset"):
        for attrs in ctx.nodes(kind):
            for secret in attrs.get("secrets") or ():
                location = str(secret.get("location") or "?") if isinstance(secret, dict) else str(secret)
                what = str(secret.get("kind") or "secret") if isinstance(secret, dict) else "secret"
                node = str(attrs["id"])
                finding = ctx.finding(
                    rule, nodes=(node, location),
                    path=(node,), message=f"a literal {what} for {label(attrs)} is written in {location}.")
                yield finding.model_copy(update={"evidence": (_place(location), *finding.evidence)})


RULE = BuiltinRule(
    id="LM009", title="Literal secret in a config", severity="high", references=("MCP01", "LLM02"),
    fix="Rotate the secret now, then load it from the environment or a secret manager "
        "(`${env:NAME}`, a vault reference) instead of writing it in the file.",
    description="A config file (an MCP client config, a pipeline config) holds a credential in clear text.",
    check=_check)
