"""Where each client keeps its servers: the root keys of every supported config format.

| client | root | notes |
| --- | --- | --- |
| claude-desktop, cursor, cline, roo, gemini, windsurf, mcp | `mcpServers` (object) | |
| claude-code | `mcpServers`; `~/.claude.json` also `projects.<dir>.mcpServers` (scope local) | |
| vscode | `servers` + `inputs` (`.vscode/mcp.json`), or `mcp.servers` in settings.json | |
| zed | `context_servers` | |
| goose | `extensions` (entries may nest a `config`) | |
| continue | `mcpServers` (a list of entries with `name`) | |
| codex | `[mcp_servers.<name>]` TOML tables | |

Example:
    >>> found, problems = server_entries("cursor", {"mcpServers": {"gh": {"command": "gh-mcp"}}}, "project")
    >>> [(s.key, s.path) for s in found], problems
    ([('gh', ('mcpServers', 'gh'))], [])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from collectors.mcp.formats import KeyPath

ROOTS: Mapping[str, tuple[str, ...]] = {
    "vscode": ("servers", "mcp"),
    "zed": ("context_servers",),
    "goose": ("extensions",),
    "codex": ("mcp_servers",),
}
MAX_SERVERS = 1000


@dataclass(frozen=True)
class RawServer:
    """One server entry as the client wrote it, with its key path and scope."""

    key: str
    entry: Mapping[str, Any]
    path: KeyPath
    scope: str
    project: str | None = None
    inputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _inputs(value: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(value, list):
        return {}
    return {str(i["id"]): i for i in value if isinstance(i, Mapping) and "id" in i}


def _from_object(servers: Any, path: KeyPath, scope: str, problems: list[tuple[str, KeyPath]],
                 project: str | None = None, inputs: Mapping[str, Mapping[str, Any]] | None = None) -> list[RawServer]:
    if isinstance(servers, list):  # Continue: a list of entries with names
        out = []
        for i, entry in enumerate(servers):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                problems.append(("a server entry must be a mapping with a name", (*path, i)))
                continue
            out.append(RawServer(entry["name"], entry, (*path, i), scope, project))
        return out
    if not isinstance(servers, Mapping):
        problems.append((f"{path[-1]} must be an object of servers by name", path))
        return []
    out = []
    for key, entry in servers.items():
        if not isinstance(entry, Mapping):
            problems.append((f"server {key!r} must be an object", (*path, key)))
            continue
        out.append(RawServer(str(key), entry, (*path, key), scope, project, inputs or {}))
    return out


def server_entries(client: str, data: Any, scope: str) -> tuple[list[RawServer], list[tuple[str, KeyPath]]]:
    """Every server entry of one config, and the problems met (message, key path).

    A config with none of its client's root keys is a problem naming the keys expected.
    """
    problems: list[tuple[str, KeyPath]] = []
    if not isinstance(data, Mapping):
        return [], [("the config must be an object (a mapping) at its root", ())]
    found: list[RawServer] = []
    if client == "vscode":
        if "servers" in data:
            found += _from_object(data["servers"], ("servers",), scope, problems, inputs=_inputs(data.get("inputs")))
        mcp = data.get("mcp")
        if isinstance(mcp, Mapping) and "servers" in mcp:
            found += _from_object(mcp["servers"], ("mcp", "servers"), scope, problems,
                                  inputs=_inputs(mcp.get("inputs")))
        roots: tuple[str, ...] = ("servers", "mcp.servers")
    elif client in ROOTS and client != "vscode":
        key = ROOTS[client][0]
        if key in data:
            found += _from_object(data[key], (key,), scope, problems)
        roots = (key,)
    else:
        if "mcpServers" in data:
            found += _from_object(data["mcpServers"], ("mcpServers",), scope, problems)
        projects = data.get("projects") if client == "claude-code" else None
        if isinstance(projects, Mapping):
            for directory, settings in projects.items():
                if isinstance(settings, Mapping) and "mcpServers" in settings:
                    found += _from_object(settings["mcpServers"], ("projects", directory, "mcpServers"), "local",
                                          problems, project=str(directory))
        roots = ("mcpServers", "projects.*.mcpServers") if client == "claude-code" else ("mcpServers",)
    if not found and not problems and not any(r.split(".")[0] in data for r in roots):
        keys = ", ".join(sorted(map(str, data))[:8]) or "none"
        problems.append((f"no MCP servers: a {client} config keeps them under {' or '.join(roots)} "
                         f"(root keys found: {keys})", ()))
    if len(found) > MAX_SERVERS:
        problems.append((f"{len(found)} servers; only the first {MAX_SERVERS} are read", ()))
        found = found[:MAX_SERVERS]
    return found, problems
