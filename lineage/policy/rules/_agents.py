"""What an identity can do, derived from the graph (and from MCP config facts when present).

An identity reads private data when a process it runs reads (or it holds a read grant on) a
dataset with real sensitive or confidential data; it ingests untrusted content when a process it
runs reads a dataset classified `untrusted`, or a public origin; it can send data outside when a
process it runs writes a dataset classified `public`, or is a third-party processor fed with
data. A process's `capabilities` attribute (from an MCP config collector) adds to these.

Example:
    >>> is_destructive({"processor_type": "mcp_tool", "name": "tools/delete_file"}), is_destructive({"name": "x"})
    (True, False)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lineage.policy.context import PRIVATE_LABELS, PUBLIC, UNTRUSTED, PolicyContext, is_third_party, sensitive

_DESTRUCTIVE_NAME = re.compile(
    r"(?:^|[/_.\-\s])(delete|drop|remove|rm|update|write|edit|post|create|insert|upsert|dml|exec|execute|run|"
    r"shell|command|send|push|merge|comment|move|rename|kill|deploy|publish|transfer|pay|truncate|modify|set)"
    r"(?:$|[/_.\-\s])", re.IGNORECASE)
_CAPS = {
    "read_private": {"read_private", "private_data", "reads_private_data", "read_sensitive"},
    "untrusted": {"ingests_untrusted_content", "untrusted_input", "untrusted_content", "reads_untrusted", "web",
                  "inbound_email"},
    "send_outside": {"sends_data_outside", "send_external", "external_communication", "network", "egress",
                     "exfiltration", "send_email"},
    "destructive": {"write", "destructive", "delete", "execute", "exec", "shell"},
}


def capabilities(attrs: Mapping[str, Any]) -> set[str]:
    """The capabilities a config collector recorded on a process, normalised to our four names."""
    given = {str(c).lower() for c in attrs.get("capabilities") or ()}
    return {name for name, aliases in _CAPS.items() if given & aliases}


def is_destructive(attrs: Mapping[str, Any], ctx: PolicyContext | None = None) -> bool:
    """Whether a process is a write or destructive tool: declared so, or an MCP tool named so or
    writing a dataset."""
    if attrs.get("destructive") is True or "destructive" in capabilities(attrs):
        return True
    if attrs.get("destructive") is False or attrs.get("read_only") is True or attrs.get("processor_type") != "mcp_tool":
        return False
    if _DESTRUCTIVE_NAME.search(str(attrs.get("name", ""))):
        return True
    # a tool that writes anything but a cache (the agent's own context) changes the world
    return ctx is not None and any(ctx.attrs(d).get("role") != "cache" for d in ctx.writes(str(attrs["id"])))


@dataclass(frozen=True)
class Reach:
    """One capability with its witness: the process that gives it and the dataset it touches."""

    process: str
    dataset: str | None


def _private(ctx: PolicyContext, dataset: str) -> bool:
    classes = ctx.tags.classifications(dataset)
    return bool((ctx.is_real(dataset) and sensitive(classes)) or classes & PRIVATE_LABELS)


def _untrusted(ctx: PolicyContext, dataset: str) -> bool:
    classes = ctx.tags.classifications(dataset)
    return UNTRUSTED in classes or (PUBLIC in classes and ctx.attrs(dataset).get("role") == "origin")


def reads_private(ctx: PolicyContext, identity: str) -> Reach | None:
    for process in ctx.runs(identity):
        if "read_private" in capabilities(ctx.attrs(process)):
            return Reach(process, None)
        for dataset in ctx.reads(process):
            if _private(ctx, dataset):
                return Reach(process, dataset)
    for target, permissions in ctx.grants(identity):
        if "read" in permissions and ctx.attrs(target).get("kind") == "dataset" and _private(ctx, target):
            return Reach(identity, target)
    return None


def ingests_untrusted(ctx: PolicyContext, identity: str) -> Reach | None:
    for process in ctx.runs(identity):
        if "untrusted" in capabilities(ctx.attrs(process)):
            return Reach(process, None)
        for dataset in ctx.reads(process):
            if _untrusted(ctx, dataset):
                return Reach(process, dataset)
    return None


def sends_outside(ctx: PolicyContext, identity: str) -> Reach | None:
    fallback = None
    for process in ctx.runs(identity):
        attrs = ctx.attrs(process)
        if "send_outside" in capabilities(attrs):
            return Reach(process, None)
        for dataset in ctx.writes(process):
            if PUBLIC in ctx.tags.classifications(dataset):
                return Reach(process, dataset)
        if fallback is None and is_third_party(attrs) and ctx.reads(process):
            fallback = Reach(process, None)
    return fallback


def is_agentic(ctx: PolicyContext, identity: str) -> bool:
    """An agent, an MCP client, or any identity that runs an LLM."""
    if ctx.attrs(identity).get("identity_type") in ("agent", "mcp_client"):
        return True
    return any(ctx.attrs(p).get("processor_type") == "llm_api" for p in ctx.runs(identity))
