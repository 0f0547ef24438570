"""The table of client formats (`collectors.mcp.aliases`): every client has a row, each client's
own spellings are read, and the spelling that wins when an entry holds two is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.mcp.aliases import CLIENTS, spellings
from collectors.mcp.clients import RawServer, server_entries
from collectors.mcp.formats import _RULES, identify
from collectors.mcp.servers import read_server


def test_every_client_identify_names_has_a_row() -> None:
    assert {client for client, _, _ in _RULES} | {"mcp"} == set(CLIENTS)
    assert identify(Path("somewhere/tools.json"), {}) == ("mcp", "project")


@pytest.mark.parametrize(("field", "order"), [
    ("command", ("command", "cmd")),
    ("env", ("env", "envs")),
    ("url", ("httpUrl", "serverUrl", "url", "uri")),
    ("headers", ("headers", "http_headers")),
    ("auto_approve", ("alwaysAllow", "autoApprove", "auto_approve")),
    ("allowed_tools", ("includeTools", "enabled_tools")),
    ("denied_tools", ("excludeTools", "disabled_tools")),
])
def test_the_spelling_read_first_is_fixed(field: str, order: tuple[str, ...]) -> None:
    assert spellings(field) == order


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_each_client_own_spellings_are_read(client: str) -> None:
    fmt = CLIENTS[client]
    entry: dict[str, object] = {fmt.url[0]: "https://mcp.example.com/mcp/"}
    entry.update({key: ["search"] for key in fmt.auto_approve[:1] + fmt.allowed_tools[:1]})
    entry.update({key: ["delete"] for key in fmt.denied_tools[:1]})
    entry.update({key: True for key in fmt.disabled[:1]})
    entry.update({key: False for key in fmt.enabled[:1]})
    root = fmt.servers[0].split(".")[0]
    data = {root: {"srv": entry}} if "*" not in fmt.servers[0] else {"mcpServers": {"srv": entry}}
    if client == "continue":
        data = {"mcpServers": [{"name": "srv", **entry}]}
    raws, problems = server_entries(client, data, "user")
    assert problems == [] and len(raws) == 1
    info = read_server(raws[0])
    assert (info.url, info.host) == ("https://mcp.example.com/mcp/", "mcp.example.com")
    assert info.auto_approve == (("search",) if fmt.auto_approve else ())
    assert info.allowed_tools == (("search",) if fmt.allowed_tools else ())
    assert info.denied_tools == (("delete",) if fmt.denied_tools else ())
    assert info.enabled is not bool(fmt.disabled or fmt.enabled)


def test_goose_spellings_for_command_env_and_token() -> None:
    raw = RawServer("gh", {"cmd": "npx", "args": ["-y", "gh-mcp@1.0.0"], "envs": {"A": "1"},
                           "env_keys": ["GITHUB_TOKEN"]}, ("extensions", "gh"), "user")
    info = read_server(raw)
    assert (info.command, info.package, info.env_names, info.auth_mode) == ("npx", "gh-mcp", ("A",), "env_token")


def test_claude_code_project_entries_are_local_and_named_by_their_directory() -> None:
    data = {"mcpServers": {"a": {"command": "x"}}, "projects": {"/w/p": {"mcpServers": {"b": {"command": "y"}}}}}
    raws, _ = server_entries("claude-code", data, "user")
    assert [(r.key, r.scope, r.project, r.path) for r in raws] == [
        ("a", "user", None, ("mcpServers", "a")), ("b", "local", "/w/p", ("projects", "/w/p", "mcpServers", "b"))]
