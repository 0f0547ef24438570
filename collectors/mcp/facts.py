"""Facts for the servers of one MCP client config: the client identity, server and tool processors,
the datasets their tools touch, and the runs/grant edges between them. Pure: no I/O.

Naming. A server node is one *integration*: the server as one client config runs it. A local
(stdio) server is a separate process per client config, with that config's credentials; a remote
one is reached with that config's credentials (token, OAuth grant). So two clients' `github`
servers are two nodes, and data one client's server returns never joins another client's flows.
A spec that declares the same integration uses the same name and merges with it.

- a server is the process `mcp://<key>` / `<instance>/<name>`: `<key>` is its name in the config
  (lower-case, non-alphanumerics as `-`); `<instance>` names the client config (`instance_name`):
  the client (`claude-desktop`), followed for a project config by its project's name
  (`claude-code/acme-api`, see `places`); `<name>` is the well-known table's name, else the package's last path
  part (`@modelcontextprotocol/server-slack` -> `server-slack`, `ghcr.io/github/github-mcp-server`
  -> `github-mcp-server`), else the URL's host and path, else the command;
- a tool is `mcp://<key>` / `<instance>/tools/<tool>`;
- the client is the identity `mcp-client://<client>` / the config's name (`places`): its project's
  name for a project config (and for a `~/.claude.json` project entry: the same identity as that
  project's config), its place under the home folder for a user config (`~/.codex/config.toml`).

Example:
    >>> server_name("github", package="ghcr.io/github/github-mcp-server", url=None, command="docker")
    'github-mcp-server'
    >>> instance_name("claude-code", "project", "acme-api")
    'claude-code/acme-api'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from collectors.mcp.formats import KeyPath
from collectors.mcp.known import KnownServer, KnownTable
from collectors.mcp.servers import ServerInfo
from collectors.mcp.tools import Tool, known_tools
from lineage.models import (
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Identity,
    IdentityType,
    Layer,
    NodeRef,
    Permission,
    Process,
    ProcessorType,
    SecretRef,
)
from lineage.naming import normalize

COLLECTOR = "mcp"
Fact = Dataset | Process | Identity | Edge


def slug(key: str) -> str:
    """A config key as a namespace part.

    Example:
        >>> slug("GitHub Enterprise")
        'github-enterprise'
    """
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "server"


def json_path(path: KeyPath) -> str:
    """`("mcpServers", "gh", "env", "TOKEN")` as `$.mcpServers.gh.env.TOKEN`."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if re.fullmatch(r"[\w-]+", part) else f"[{part!r}]"
    return out


def server_name(key: str, *, package: str | None, url: str | None, command: str | None) -> str:
    if package:
        return re.split(r"[\\/]", package)[-1] or package
    if url:
        parts = urlsplit(url)
        return f"{parts.hostname}{parts.path.rstrip('/')}"
    if command:
        return re.split(r"[\\/]", command)[-1] or command
    return key


def instance_name(client: str, scope: str, project: str | None) -> str:
    """The client config a server belongs to: `<client>` for a user or managed config (one per
    user), `<client>/<project name>` for a project or local one when its project is known."""
    return f"{client}/{slug(project)}" if scope in ("project", "local") and project else client


def _vendor(info: ServerInfo, known: KnownServer | None) -> str | None:
    if known and known.vendor:
        return known.vendor
    if info.package and info.package.startswith("@"):
        return f"npm {info.package.split('/')[0]}"
    if info.package and info.launcher == "docker" and "/" in info.package:
        return info.package.rsplit("/", 1)[0]
    return info.host


@dataclass
class Context:
    """What the builder needs besides the servers: where the config is and when it was read."""

    source: str
    client: str
    lines: Any  # a callable KeyPath -> int | None
    table: KnownTable
    project: str | None = None  # the project of a project config (its name qualifies the servers)
    identity: str | None = None  # the config's name (`places`); the source when not given
    local: Mapping[str, str] = field(default_factory=dict)  # `~/.claude.json` project directory -> name
    tools: Mapping[str, Sequence[Tool]] = field(default_factory=dict)
    observed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def evidence(self, path: KeyPath) -> Evidence:
        return Evidence(collector=COLLECTOR, source=self.source, line=self.lines(path),
                        observed_at=self.observed_at, layer=Layer.DECLARED)


def _datasets(info: ServerInfo, known: KnownServer, ctx: Context) -> list[tuple[str, str, tuple[str, ...]]]:
    out = []
    for spec in known.datasets:
        perms = tuple(p for p in spec.get("permissions") or ("read",) if p in ("read", "edit", "write"))
        namespace = str(spec.get("namespace") or "")
        if namespace == "args:paths":
            out += [("file", a, perms) for a in info.args if a.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", a)]
        elif namespace == "args:url":
            url = next((a for a in info.args if "://" in a), None)
            if url:
                database = urlsplit(url).path.strip("/") or None
                out.append((url, f"{database}.*" if database else "*", perms))
        elif namespace:
            out.append((namespace, str(spec.get("name") or "*"), perms))
    return out


def _tools(info: ServerInfo, known: KnownServer | None, ctx: Context) -> list[Tool]:
    """The tools the client offers: a saved tools list, else the well-known table's, narrowed by
    the config's allowed and denied tools."""
    tools = list(ctx.tools.get(info.key) or (known_tools(known.tools) if known else []))
    if info.allowed_tools and "*" not in info.allowed_tools:
        tools = [t for t in tools if t.name in info.allowed_tools]
    return [t for t in tools if t.name not in info.denied_tools]


def _instance(info: ServerInfo, ctx: Context) -> str:
    project = (ctx.local.get(info.project) or info.project) if info.project else ctx.project
    return instance_name(ctx.client, info.scope, project)


def _server(info: ServerInfo, known: KnownServer | None, ctx: Context, tools: list[Tool]) -> Process:
    """The server's process, named `<instance>/<name>` (see the module docstring)."""
    name = _instance(info, ctx) + "/" + (
        (known.name if known and known.name else None)
        or server_name(info.key, package=info.package, url=info.url, command=info.command))
    capabilities = set(known.capabilities if known and not ctx.tools.get(info.key) else ())
    for tool in tools:
        capabilities.update(tool.capabilities)
    auth = info.auth_mode
    if auth == "none" and info.transport in ("http", "sse") and known and known.auth:
        auth = known.auth
    secrets = tuple(SecretRef(location=f"{ctx.source}:{ctx.lines(s.path) or 1} {json_path(s.path)}", kind=s.kind)
                    for s in info.secrets)
    # `env_token` says where the credential comes from, not what it is (a PAT, an API key, ...):
    # leave `auth` to a spec that knows, and keep the collector's view in `auth_mode`.
    return Process(
        namespace=f"mcp://{slug(info.key)}", name=name, third_party=not _local(info, known),
        processor_type=ProcessorType.MCP_SERVER, vendor=_vendor(info, known),
        auth=None if auth == "env_token" else auth, auth_mode=auth, transport=info.transport,
        launcher=info.launcher, package=info.package, version=info.version, pinned=info.pinned, url=info.url,
        scope=info.scope, auto_approve=info.auto_approve, allowed_tools=info.allowed_tools,
        denied_tools=info.denied_tools, capabilities=tuple(sorted(capabilities)), secrets=secrets,
        description=f"MCP server {info.key!r} in a {ctx.client} config" + ("" if info.enabled else " (disabled)"),
        evidence=ctx.evidence(info.path),
    )


def _local(info: ServerInfo, known: KnownServer | None) -> bool:
    """Whether the server runs on this machine on local data (the well-known table says so)."""
    return bool(known and known.local and info.transport == "stdio")


def _tool_facts(info: ServerInfo, server: Process, tools: list[Tool], identity: NodeRef, instance: str,
                local: bool) -> list[Fact]:
    """Each tool's process and the client's grant on it, then the grant on the server (the union
    of the tools' permissions; read when there are none)."""
    facts: list[Fact] = []
    ev = server.evidence
    perms_all: set[str] = set()
    for tool in tools:
        ref = NodeRef.process(server.namespace, f"{instance}/tools/{tool.name}")
        approved = "*" in info.auto_approve or tool.name in info.auto_approve
        facts.append(Process(
            namespace=server.namespace, name=ref.name, third_party=not local, processor_type=ProcessorType.MCP_TOOL,
            vendor=server.vendor, auth=server.auth, parent=server.ref.id, capabilities=tool.capabilities,
            auto_approve=(tool.name,) if approved else (), description=tool.description, evidence=ev))
        facts.append(Edge(source=identity, target=ref, kind=EdgeKind.GRANT,
                          permissions=tuple(Permission(p) for p in tool.permissions), evidence=ev))
        perms_all.update(tool.permissions)
    facts.append(Edge(source=identity, target=server.ref, kind=EdgeKind.GRANT,
                      permissions=tuple(Permission(p) for p in ("read", "edit", "write") if p in perms_all) or (
                          Permission.READ,), evidence=ev))
    return facts


def _dataset_facts(info: ServerInfo, known: KnownServer, ctx: Context, server: Process,
                   identity: NodeRef) -> list[Fact]:
    """The datasets the well-known table says the server reaches, the client's grant on each, and
    the server's likely reads and writes (confidence 0.5)."""
    facts: list[Fact] = []
    ev = server.evidence
    for ns, dname, perms in _datasets(info, known, ctx):
        try:
            ns, dname = normalize(ns, dname)
        except ValueError:
            continue
        dataset = Dataset(namespace=ns, name=dname, evidence=ev,
                          description=f"reached through the MCP server {info.key!r}")
        facts += [dataset, Edge(source=identity, target=dataset.ref, kind=EdgeKind.GRANT,
                                permissions=tuple(Permission(p) for p in perms), evidence=ev)]
        if "read" in perms:
            facts.append(Edge(source=dataset.ref, target=server.ref, kind=EdgeKind.READ, confidence=0.5, evidence=ev))
        if "write" in perms or "edit" in perms:
            facts.append(Edge(source=server.ref, target=dataset.ref, kind=EdgeKind.WRITE, confidence=0.5,
                              evidence=ev))
    return facts


def server_facts(info: ServerInfo, ctx: Context, identity: NodeRef) -> list[Fact]:
    """The facts of one server as `identity` (the client) uses it; a disabled server is only its process."""
    known = ctx.table.match(package=info.package, host=info.host, command=info.command)
    tools = _tools(info, known, ctx)
    server = _server(info, known, ctx, tools)
    if not info.enabled:
        return [server]
    facts: list[Fact] = [server, Edge(source=identity, target=server.ref, kind=EdgeKind.RUNS,
                                      evidence=server.evidence)]
    facts += _tool_facts(info, server, tools, identity, _instance(info, ctx), _local(info, known))
    return facts + (_dataset_facts(info, known, ctx, server, identity) if known else [])


def client_facts(servers: Sequence[ServerInfo], ctx: Context) -> list[Fact]:
    """Every fact of one config: one client identity per project (one for the file otherwise)."""
    facts: list[Fact] = []
    identities: dict[str | None, NodeRef] = {}
    for info in servers:
        if info.project not in identities:
            name = (ctx.local.get(info.project) or info.project) if info.project else (ctx.identity or ctx.source)
            ref = NodeRef.identity(f"mcp-client://{ctx.client}", name)
            identities[info.project] = ref
            facts.append(Identity(namespace=ref.namespace, name=ref.name, identity_type=IdentityType.MCP_CLIENT,
                                  description=f"{ctx.client} ({info.scope} scope)",
                                  evidence=ctx.evidence(info.path[:1])))
        facts += server_facts(info, ctx, identities[info.project])
    return facts
