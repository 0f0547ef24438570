"""LM002: the lethal trifecta: one agent reads private data, ingests untrusted content and can send
data outside.

A finding names every source of each leg (every way the agent reads private data, every way it
ingests untrusted content, every way out), and its fix says what breaks the trifecta: removing or
restricting every source of one leg. A source that is the only one of its leg is a single point
that breaks it; when every leg has several, no one server or process does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule
from lineage.policy.rules._agents import Source, is_agentic, outside_sources, private_sources, untrusted_sources

RULE_ID = "LM002"

# (leg, one source, several sources): the legs in the order the fix lists them when sizes tie
_LEGS = (("out", "the way out", "every way out"),
         ("untrusted", "the untrusted source", "every untrusted source"),
         ("private", "the private-data source", "every private-data source"))
_SPLIT = ("split the agent so the one that reads untrusted content cannot read private data, or cannot send data "
          "outside (no public writes, no external tools) without a person approving.")
_ONLY = {"out": "the only way out", "untrusted": "the only untrusted source",
         "private": "the only private-data source"}


def _name(ctx: PolicyContext, source: Source) -> str:
    """A process as the finding names it, with what gives it the capability (its tools or datasets)."""
    if source.tools:
        via = ("tool " if len(source.tools) == 1 else "tools ") + ", ".join(source.tools)
    elif source.datasets:
        via = ", ".join(label(ctx.attrs(d)) for d in source.datasets)
    else:
        via = "a third party fed with data" if source.fed else ""
    return label(ctx.attrs(source.node)) + (f" ({via})" if via else "")


def _names(ctx: PolicyContext, sources: Sequence[Source]) -> list[str]:
    """The sources of one leg by name; the identity's own read grants named together, last."""
    grants = [label(ctx.attrs(s.node)) for s in sources if s.grant]
    names = [_name(ctx, s) for s in sources if not s.grant]
    if grants:
        names.append(("its read grant on " if len(grants) == 1 else "its read grants on ") + ", ".join(grants))
    return names


def _listing(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else "; ".join(names[:-1]) + "; and " + names[-1]


def _fix(ctx: PolicyContext, legs: dict[str, list[Source]]) -> str:
    order = sorted(_LEGS, key=lambda leg: len(legs[leg[0]]))  # stable: the smallest leg first
    options = [f"{one if len(legs[key]) == 1 else every} ({'; '.join(_names(ctx, legs[key]))})"
               for key, one, every in order]
    text = "Break one leg by removing or restricting every source of it: " + ", or ".join(options) + ". "
    singles = [f"{_names(ctx, legs[key])[0]} is {_ONLY[key]}" for key, _, _ in order if len(legs[key]) == 1]
    if singles:
        text += "; ".join(singles) + ": a single point that breaks the trifecta. "
    else:
        text += "No single source breaks it: every leg has more than one. "
    return text + "Or " + _SPLIT


def _path(node: str, legs: dict[str, list[Source]]) -> list[str]:
    """The datasets, then the processes, that bring in untrusted content and private data; the
    identity; the ways out and the datasets they write."""
    inbound = [*legs["untrusted"], *legs["private"]]
    datasets = [d for s in inbound for d in ((s.node,) if s.grant else s.datasets)]
    processes = [s.node for s in inbound if not s.grant]
    outbound = [*(s.node for s in legs["out"]), *(d for s in legs["out"] for d in s.datasets)]
    return [*dict.fromkeys([*datasets, *processes, node, *outbound])]


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for attrs in ctx.nodes("identity"):
        node = str(attrs["id"])
        if not is_agentic(ctx, node):
            continue
        legs = {"private": private_sources(ctx, node), "untrusted": untrusted_sources(ctx, node),
                "out": outside_sources(ctx, node)}
        if not all(legs.values()):
            continue
        names = {key: _names(ctx, sources) for key, sources in legs.items()}
        yield ctx.finding(
            rule, nodes=(node,), path=_path(node, legs), fix=_fix(ctx, legs),
            message=f"{label(attrs)} can read private data through {_listing(names['private'])}, ingests untrusted "
                    f"content through {_listing(names['untrusted'])}, and can send data outside through "
                    f"{_listing(names['out'])}: injected instructions can make it leak the private data.")


RULE = BuiltinRule(
    id=RULE_ID, title="Lethal trifecta: private data, untrusted content and a way out in one agent",
    severity="critical", references=("LLM01", "LLM02", "LLM06", "MCP06", "MCP10"),
    fix="Break one leg by removing or restricting every source of it (each finding lists them), or " + _SPLIT,
    description="An agent (or any identity that runs an LLM) can read private or real sensitive data, ingests "
                "untrusted content (web pages, public issues, inbound email, uploads), and can send data outside. "
                "Each finding names every source of each leg.",
    check=_check)
