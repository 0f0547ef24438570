"""Every server entry of a config, found where its client keeps them (`aliases.CLIENTS`).

Example:
    >>> found, problems = server_entries("cursor", {"mcpServers": {"gh": {"command": "gh-mcp"}}}, "project")
    >>> [(s.key, s.path) for s in found], problems
    ([('gh', ('mcpServers', 'gh'))], [])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from collectors.mcp.aliases import CLIENTS
from collectors.mcp.formats import KeyPath

MAX_SERVERS = 1000


@dataclass(frozen=True)
class RawServer:
    """One server entry as the client wrote it, with its key path and scope."""

    key: str
    entry: Mapping[str, Any]
    path: KeyPath
    scope: str
    project: str | None = None


def _from_object(servers: Any, path: KeyPath, scope: str, problems: list[tuple[str, KeyPath]],
                 project: str | None = None) -> list[RawServer]:
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
        out.append(RawServer(str(key), entry, (*path, key), scope, project))
    return out


def _places(data: Mapping[str, Any], root: str) -> Iterator[tuple[Any, KeyPath, str | None]]:
    """Each value under the dotted key path `root` that is there: (servers, key path, project);
    a `*` part stands for every project directory, whose name is the entries' project."""
    parts = root.split(".")
    if parts[1:2] == ["*"]:
        projects = data.get(parts[0])
        if isinstance(projects, Mapping):
            for directory, settings in projects.items():
                if isinstance(settings, Mapping) and parts[2] in settings:
                    yield settings[parts[2]], (parts[0], directory, parts[2]), str(directory)
        return
    holder: Any = data
    for part in parts[:-1]:
        holder = holder.get(part)
        if not isinstance(holder, Mapping):
            return
    if parts[-1] in holder:
        yield holder[parts[-1]], tuple(parts), None


def server_entries(client: str, data: Any, scope: str) -> tuple[list[RawServer], list[tuple[str, KeyPath]]]:
    """Every server entry of one config, and the problems met (message, key path).

    Entries under a project directory (`projects.*.mcpServers`) have the scope `local`. A config
    with none of its client's root keys is a problem naming the keys expected.
    """
    if not isinstance(data, Mapping):
        return [], [("the config must be an object (a mapping) at its root", ())]
    problems: list[tuple[str, KeyPath]] = []
    found: list[RawServer] = []
    roots = CLIENTS[client].servers
    for root in roots:
        for servers, path, project in _places(data, root):
            found += _from_object(servers, path, "local" if project is not None else scope, problems, project=project)
    if not found and not problems and not any(r.split(".")[0] in data for r in roots):
        keys = ", ".join(sorted(map(str, data))[:8]) or "none"
        problems.append((f"no MCP servers: a {client} config keeps them under {' or '.join(roots)} "
                         f"(root keys found: {keys})", ()))
    if len(found) > MAX_SERVERS:
        problems.append((f"{len(found)} servers; only the first {MAX_SERVERS} are read", ()))
        found = found[:MAX_SERVERS]
    return found, problems
