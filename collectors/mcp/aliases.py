"""Each MCP client's config format as data: where it keeps its servers and how it spells each field.

| client | servers under | spellings of its own |
| --- | --- | --- |
| claude-desktop, cursor | `mcpServers` | |
| claude-code | `mcpServers`, `projects.*.mcpServers` (scope local) | |
| vscode | `servers`, `mcp.servers` (settings.json) | |
| windsurf | `mcpServers` | url `serverUrl`, `disabled` |
| continue | `mcpServers` (a list of entries with `name`) | |
| zed | `context_servers` | `command` may be `{path, args, env}` |
| goose | `extensions` (entries may nest a `config`) | `cmd`, `envs`, `uri`, `enabled`, `env_keys` |
| gemini | `mcpServers` | `httpUrl`, `includeTools`, `excludeTools`, `trust` |
| codex | `mcp_servers` | `http_headers`, `enabled_tools`, `disabled_tools`, `enabled`, `bearer_token_env_var` |
| cline | `mcpServers` | `alwaysAllow`, `autoApprove`, `disabled` |
| roo | `mcpServers` | `alwaysAllow`, `disabled` |
| mcp (unknown client) | `mcpServers` | `auto_approve` |

An entry is read with every client's spellings, not only its own client's: configs are copied from
one client to another. When an entry holds two spellings of one field, the one earlier in
`PRECEDENCE` wins.

Example:
    >>> CLIENTS["gemini"].url
    ('httpUrl', 'url')
    >>> spellings("url")
    ('httpUrl', 'serverUrl', 'url', 'uri')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ClientFormat:
    """One client's format: the dotted key paths holding its servers (`*` stands for every project
    directory of Claude Code's `~/.claude.json`), and the keys it writes for each field of a server."""

    servers: tuple[str, ...] = ("mcpServers",)
    command: tuple[str, ...] = ("command",)
    args: tuple[str, ...] = ("args",)
    env: tuple[str, ...] = ("env",)
    url: tuple[str, ...] = ("url",)
    headers: tuple[str, ...] = ("headers",)
    auto_approve: tuple[str, ...] = ()
    approve_all: tuple[str, ...] = ()  # true approves every tool
    allowed_tools: tuple[str, ...] = ()
    denied_tools: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()  # true turns the server off
    enabled: tuple[str, ...] = ()  # false turns the server off
    token_env: tuple[str, ...] = ()  # names where in the client's environment the credential is


CLIENTS: Mapping[str, ClientFormat] = {
    "claude-desktop": ClientFormat(),
    "claude-code": ClientFormat(servers=("mcpServers", "projects.*.mcpServers")),
    "cursor": ClientFormat(),
    "vscode": ClientFormat(servers=("servers", "mcp.servers")),
    "windsurf": ClientFormat(url=("serverUrl", "url"), disabled=("disabled",)),
    "continue": ClientFormat(),
    "zed": ClientFormat(servers=("context_servers",)),
    "goose": ClientFormat(servers=("extensions",), command=("cmd",), env=("envs",), url=("uri",),
                          enabled=("enabled",), token_env=("env_keys",)),
    "gemini": ClientFormat(url=("httpUrl", "url"), approve_all=("trust",), allowed_tools=("includeTools",),
                           denied_tools=("excludeTools",)),
    "codex": ClientFormat(servers=("mcp_servers",), headers=("http_headers",), allowed_tools=("enabled_tools",),
                          denied_tools=("disabled_tools",), enabled=("enabled",),
                          token_env=("bearer_token_env_var", "env_http_headers")),
    "cline": ClientFormat(auto_approve=("alwaysAllow", "autoApprove"), disabled=("disabled",)),
    "roo": ClientFormat(auto_approve=("alwaysAllow",), disabled=("disabled",)),
    "mcp": ClientFormat(auto_approve=("auto_approve",)),
}
"""Every supported client by the name `formats.identify` gives it; `mcp` is an unknown client."""

PRECEDENCE = ("command", "cmd", "args", "env", "envs", "httpUrl", "serverUrl", "url", "uri", "headers",
              "http_headers", "alwaysAllow", "autoApprove", "auto_approve", "trust", "includeTools",
              "enabled_tools", "excludeTools", "disabled_tools", "disabled", "enabled", "bearer_token_env_var",
              "env_http_headers", "env_keys")


def _union(field: str) -> tuple[str, ...]:
    found = {key for client in CLIENTS.values() for key in getattr(client, field)}
    return tuple(sorted(found, key=PRECEDENCE.index))  # a spelling missing from PRECEDENCE fails here


_SPELLINGS = {f.name: _union(f.name) for f in fields(ClientFormat) if f.name != "servers"}


def spellings(field: str) -> tuple[str, ...]:
    """Every key any client writes for `field` (a `ClientFormat` field), the one that wins first."""
    return _SPELLINGS[field]


def first_present(entry: Mapping[str, object], field: str) -> object:
    """The value of the first spelling of `field` that is a key of `entry` (None if none is)."""
    return next((entry[key] for key in spellings(field) if key in entry), None)


def first_set(entry: Mapping[str, object], field: str) -> object:
    """The first value of a spelling of `field` that is set (not empty, false or missing); when
    none is, the value of the last spelling (as `a or b` gives `b`)."""
    value = None
    for key in spellings(field):
        value = entry.get(key)
        if value:
            return value
    return value
