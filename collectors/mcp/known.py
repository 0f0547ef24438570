"""The table of well-known MCP servers (`known_servers.yaml`): defaults when no tools list is saved.

The table is data. A project overrides or extends it in its `lineage.yaml` under
`mcp: known_servers:` with entries of the same shape; an entry with the same key replaces the
built-in one.

Example:
    >>> table = load_table()
    >>> table.match(package="@modelcontextprotocol/server-slack", host=None, command=None).key
    'slack'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from lineage.yamlsafe import load_yaml

CAPABILITIES = ("reads_private_data", "ingests_untrusted_content", "sends_data_outside")


@dataclass(frozen=True)
class KnownServer:
    key: str
    name: str | None = None
    vendor: str | None = None
    local: bool = False
    auth: str | None = None
    capabilities: tuple[str, ...] = ()
    datasets: tuple[Mapping[str, Any], ...] = ()
    tools: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    packages: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()


def _entry(key: str, raw: Mapping[str, Any]) -> KnownServer:
    match: Mapping[str, Any] = raw["match"] if isinstance(raw.get("match"), Mapping) else {}
    tools: Mapping[str, Any] = raw["tools"] if isinstance(raw.get("tools"), Mapping) else {}
    return KnownServer(
        key=key, name=raw.get("name"), vendor=raw.get("vendor"), local=bool(raw.get("local")), auth=raw.get("auth"),
        capabilities=tuple(c for c in raw.get("capabilities") or () if c in CAPABILITIES),
        datasets=tuple(d for d in raw.get("datasets") or () if isinstance(d, Mapping)),
        tools={str(k): v if isinstance(v, Mapping) else {} for k, v in tools.items()},
        packages=tuple(p.lower() for p in match.get("packages") or ()),
        hosts=tuple(h.lower() for h in match.get("hosts") or ()),
        commands=tuple(c.lower() for c in match.get("commands") or ()),
    )


@dataclass(frozen=True)
class KnownTable:
    servers: tuple[KnownServer, ...]

    def match(self, *, package: str | None, host: str | None, command: str | None) -> KnownServer | None:
        """The entry for a server launched from `package`, reached at `host` or run as `command`."""
        package = (package or "").lower()
        for server in self.servers:
            if (package and package in server.packages) or (host and host.lower() in server.hosts) or (
                    command and command.lower() in server.commands):
                return server
        return None

    def with_overrides(self, overrides: Mapping[str, Any]) -> KnownTable:
        """This table with entries added or replaced by `overrides` (key -> entry)."""
        replaced = {k: _entry(str(k), v) for k, v in overrides.items() if isinstance(v, Mapping)}
        kept = [s for s in self.servers if s.key not in replaced]
        return KnownTable((*replaced.values(), *kept))


def table_from(data: Any) -> KnownTable:
    """A table from parsed YAML (`{"servers": {key: entry}}`); other shapes give an empty table."""
    servers = data.get("servers") if isinstance(data, Mapping) else None
    if not isinstance(servers, Mapping):
        return KnownTable(())
    return KnownTable(tuple(_entry(str(k), v) for k, v in servers.items() if isinstance(v, Mapping)))


def load_table() -> KnownTable:
    """The built-in table shipped with the package."""
    text = resources.files("collectors.mcp").joinpath("known_servers.yaml").read_bytes()
    data, _ = load_yaml(text, "known_servers.yaml")
    return table_from(data)
