"""What an identity can do, derived from the graph (and from MCP config facts when present).

An identity reads private data when a process it runs reads (or it holds a read grant on) a
dataset with real sensitive or confidential data; it ingests untrusted content when a process it
runs reads a dataset classified `untrusted`, or a public origin; it can send data outside when a
process it runs writes a dataset classified `public`, or is a third-party processor fed with
data whose capabilities nobody recorded. A process's `capabilities` attribute (from an MCP config
collector: the server's, and its tools') adds to these, and where it is recorded it says whether
the process is a way out. `private_sources`, `untrusted_sources` and `outside_sources` list every
source of a leg, so a finding can say what removing each would (not) break.

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


@dataclass(frozen=True)
class Source:
    """One member of a leg (private data, untrusted content, a way out) of an identity: a process
    it runs, or (`grant`) the dataset it holds a read grant on, with what gives it the capability.

    `declared`: the process's recorded capabilities say so; `tools`: the names of its MCP tools
    (granted to the identity) that declare it; `datasets`: the datasets it reads or writes that
    make it so; `fed`: a third-party processor that is fed with data (a way out by default, when
    nothing recorded what it does).
    """

    node: str
    declared: bool = False
    tools: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    grant: bool = False
    fed: bool = False

    @property
    def reach(self) -> Reach:
        """The first witness, as `Reach` (the dataset is None when the capability is declared)."""
        if self.grant:
            return Reach(self.node, None)
        return Reach(self.node, None if self.declared or not self.datasets else self.datasets[0])


def _private(ctx: PolicyContext, dataset: str) -> bool:
    classes = ctx.tags.classifications(dataset)
    return bool((ctx.is_real(dataset) and sensitive(classes)) or classes & PRIVATE_LABELS)


def _untrusted(ctx: PolicyContext, dataset: str) -> bool:
    classes = ctx.tags.classifications(dataset)
    return UNTRUSTED in classes or (PUBLIC in classes and ctx.attrs(dataset).get("role") == "origin")


def _tools(ctx: PolicyContext, identity: str) -> dict[str, list[tuple[str, set[str]]]]:
    """The MCP tools granted to `identity`, by their server: (tool name, its capabilities)."""
    out: dict[str, list[tuple[str, set[str]]]] = {}
    for target, _ in ctx.grants(identity):
        attrs = ctx.attrs(target)
        if attrs.get("parent"):
            name = str(attrs.get("name") or target).rsplit("/", 1)[-1]
            out.setdefault(str(attrs["parent"]), []).append((name, capabilities(attrs)))
    return out


def _sources(ctx: PolicyContext, identity: str, capability: str) -> list[Source]:
    """Every process `identity` runs that has `capability`, in run order."""
    out = []
    tools = _tools(ctx, identity)
    for process in ctx.runs(identity):
        attrs = ctx.attrs(process)
        declared = capability in capabilities(attrs)
        if capability == "send_outside":
            datasets = tuple(d for d in ctx.writes(process) if PUBLIC in ctx.tags.classifications(d))
        else:
            test = _private if capability == "read_private" else _untrusted
            datasets = tuple(d for d in ctx.reads(process) if test(ctx, d))
        # what a third party does with the data it is fed is unknown unless a collector recorded its capabilities
        fed = (capability == "send_outside" and not declared and not datasets and is_third_party(attrs)
               and not attrs.get("capabilities") and bool(ctx.reads(process)))
        if declared or datasets or fed:
            named = tuple(name for name, caps in tools.get(process, ()) if capability in caps) if declared else ()
            out.append(Source(process, declared=declared, tools=named, datasets=datasets, fed=fed))
    return out


def private_sources(ctx: PolicyContext, identity: str) -> list[Source]:
    """Every way `identity` reads private data: processes it runs, then read grants it holds."""
    out = _sources(ctx, identity, "read_private")
    for target, permissions in ctx.grants(identity):
        if "read" in permissions and ctx.attrs(target).get("kind") == "dataset" and _private(ctx, target):
            out.append(Source(target, grant=True))
    return out


def untrusted_sources(ctx: PolicyContext, identity: str) -> list[Source]:
    """Every process `identity` runs that ingests untrusted content."""
    return _sources(ctx, identity, "untrusted")


def outside_sources(ctx: PolicyContext, identity: str) -> list[Source]:
    """Every process `identity` runs that can send data outside."""
    return _sources(ctx, identity, "send_outside")


def ingests_untrusted(ctx: PolicyContext, identity: str) -> Reach | None:
    """The first process `identity` runs that ingests untrusted content, with its witness."""
    found = untrusted_sources(ctx, identity)
    return found[0].reach if found else None


def is_agentic(ctx: PolicyContext, identity: str) -> bool:
    """An agent, an MCP client, or any identity that runs an LLM."""
    if ctx.attrs(identity).get("identity_type") in ("agent", "mcp_client"):
        return True
    return any(ctx.attrs(p).get("processor_type") == "llm_api" for p in ctx.runs(identity))
