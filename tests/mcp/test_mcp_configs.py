"""The MCP collector on every client's config format: servers, transports, auth modes, lists, scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.base import Source
from collectors.mcp import McpCollector
from lineage.models import Edge, EdgeKind, Identity, LineageBatch, Process, ProcessorType


def collect(path: Path, text: str) -> LineageBatch:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return McpCollector().collect(Source(str(path), path.read_bytes(), path))


def servers(batch: LineageBatch) -> dict[str, Process]:
    return {f.namespace: f for f in batch.facts
            if isinstance(f, Process) and f.processor_type is ProcessorType.MCP_SERVER}


CASES = [
    ("claude_desktop_config.json", '{"mcpServers": {"slack": {"command": "npx", "args": ["-y", '
     '"@modelcontextprotocol/server-slack"], "env": {"SLACK_BOT_TOKEN": "${SLACK_BOT_TOKEN}"}}}}',
     "claude-desktop", "user", "mcp://slack", "claude-desktop/server-slack", "stdio", "env_token"),
    ("proj/.mcp.json", '{"mcpServers": {"api": {"type": "http", "url": "https://mcp.example.com/mcp?x=1", '
     '"headers": {"Authorization": "Bearer ${API_TOKEN}"}}}}',
     "claude-code", "project", "mcp://api", "claude-code/proj/mcp.example.com/mcp", "http", "env_token"),
    ("proj/.cursor/mcp.json", '{"mcpServers": {"db": {"command": "uvx", "args": ["postgres-mcp==0.3.0"]}}}',
     "cursor", "project", "mcp://db", "cursor/proj/postgres-mcp", "stdio", "none"),
    ("proj/.vscode/mcp.json", '{"inputs": [{"type": "promptString", "id": "k", "password": true}], '
     '"servers": {"gh": {"type": "stdio", "command": "docker", "args": ["run", "-i", "--rm", "-e", "T", '
     '"ghcr.io/github/github-mcp-server"], "env": {"T": "${input:k}"}}}}',
     "vscode", "project", "mcp://gh", "vscode/proj/github-mcp-server", "stdio", "prompted_input"),
    ("Code/User/settings.json", '{"editor.fontSize": 13, "mcp": {"servers": {"time": {"command": "uvx", '
     '"args": ["mcp-server-time"]}}}}', "vscode", "user", "mcp://time", "vscode/mcp-server-time", "stdio", "none"),
    ("codeium/windsurf/mcp_config.json", '{"mcpServers": {"docs": {"serverUrl": "https://docs.example.com/sse"}}}',
     "windsurf", "user", "mcp://docs", "windsurf/docs.example.com/sse", "sse", "none"),
    ("repo/.continue/mcpServers/sqlite.yaml", "name: sqlite\nversion: 0.0.1\nschema: v1\nmcpServers:\n"
     "  - name: sqlite\n    command: uvx\n    args: [mcp-server-sqlite, --db-path, /tmp/x.db]\n",
     "continue", "project", "mcp://sqlite", "continue/repo/mcp-server-sqlite", "stdio", "none"),
    ("zed/settings.json", '// Zed settings\n{\n  "theme": "One Dark",\n  "context_servers": {\n'
     '    "remote": {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer <token>"}},\n'
     '  },\n}', "zed", "user", "mcp://remote", "zed/mcp.example.com/mcp", "http", "static_header"),
    ("goose/config.yaml", "GOOSE_PROVIDER: anthropic\nextensions:\n  search:\n    enabled: true\n"
     "    type: sse\n    uri: https://search.example.com/sse\n    env_keys: [SEARCH_KEY]\n",
     "goose", "user", "mcp://search", "goose/search.example.com/sse", "sse", "env_token"),
    ("home/.gemini/settings.json", '{"mcpServers": {"api": {"httpUrl": "https://api.example.com/mcp", '
     '"includeTools": ["read"], "excludeTools": ["delete"], "trust": true}}}',
     "gemini", "project", "mcp://api", "gemini/home/api.example.com/mcp", "http", "none"),
    ("home/.codex/config.toml", '[mcp_servers.docs]\nurl = "https://docs.example.com/mcp"\n'
     'bearer_token_env_var = "DOCS_TOKEN"\nenabled_tools = ["search"]\n',
     "codex", "project", "mcp://docs", "codex/home/docs.example.com/mcp", "http", "env_token"),
    ("globalStorage/cline_mcp_settings.json", '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", '
     '"@modelcontextprotocol/server-filesystem", "/srv"], "alwaysAllow": ["read_text_file"], "disabled": false}}}',
     "cline", "user", "mcp://fs", "cline/server-filesystem", "stdio", "none"),
    ("repo/.roo/mcp.json", '{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"], '
     '"alwaysAllow": ["fetch"]}}}', "roo", "project", "mcp://fetch", "roo/repo/mcp-server-fetch", "stdio", "none"),
]


@pytest.mark.parametrize(("name", "text", "client", "scope", "namespace", "server", "transport", "auth"),
                         CASES, ids=[c[2] + ":" + c[0].rsplit("/", 1)[-1] for c in CASES])
def test_each_client_format_gives_its_server_with_transport_auth_and_scope(
        tmp_path: Path, name: str, text: str, client: str, scope: str, namespace: str, server: str,
        transport: str, auth: str) -> None:
    batch = collect(tmp_path / name, text)
    assert not batch.errors, [str(p) for p in batch.problems]
    found = servers(batch)[namespace]
    assert (found.name, found.transport, found.auth_mode, found.scope) == (server, transport, auth, scope)
    assert found.auth == (None if auth == "env_token" else auth)  # env_token: where, not what kind
    clients = [f for f in batch.facts if isinstance(f, Identity)]
    assert [c.namespace for c in clients] == [f"mcp-client://{client}"]
    runs = [f for f in batch.facts if isinstance(f, Edge) and f.kind is EdgeKind.RUNS]
    assert [(r.source, r.target) for r in runs] == [(clients[0].ref, found.ref)]


def test_url_keeps_scheme_host_and_path_but_never_query_or_userinfo(tmp_path: Path) -> None:
    batch = collect(tmp_path / ".mcp.json", '{"mcpServers": {"a": {"url": "https://u:pw@h.example.com/mcp?k=v"}}}')
    assert servers(batch)["mcp://a"].url == "https://h.example.com/mcp"


def test_versions_pinned_only_when_exact(tmp_path: Path) -> None:
    batch = collect(tmp_path / "claude_desktop_config.json", """{"mcpServers": {
      "a": {"command": "npx", "args": ["-y", "@scope/a@1.2.3"]},
      "b": {"command": "npx", "args": ["-y", "@scope/b@^1.2"]},
      "c": {"command": "uvx", "args": ["--from", "c-server==0.4.1", "c"]},
      "d": {"command": "docker", "args": ["run", "-i", "--rm", "--name", "x", "ghcr.io/o/d:latest"]},
      "e": {"command": "docker", "args": ["run", "ghcr.io/o/e@sha256:""" + "a" * 64 + """"]},
      "f": {"command": "/usr/local/bin/f-server"}}}""")
    got = {k: (s.launcher, s.package, s.version, s.pinned) for k, s in servers(batch).items()}
    assert got == {
        "mcp://a": ("npx", "@scope/a", "1.2.3", True),
        "mcp://b": ("npx", "@scope/b", "^1.2", False),
        "mcp://c": ("uvx", "c-server", "0.4.1", True),
        "mcp://d": ("docker", "ghcr.io/o/d", "latest", False),
        "mcp://e": ("docker", "ghcr.io/o/e", "sha256:" + "a" * 64, True),
        "mcp://f": ("binary", "f-server", None, None),
    }


def test_gemini_trust_auto_approves_everything_and_lists_are_kept(tmp_path: Path) -> None:
    batch = collect(tmp_path / ".gemini" / "settings.json", CASES[9][1])
    api = servers(batch)["mcp://api"]
    assert (api.auto_approve, api.allowed_tools, api.denied_tools) == (("*",), ("read",), ("delete",))


def test_cline_always_allow_marks_the_tool_auto_approved(tmp_path: Path) -> None:
    batch = collect(tmp_path / "cline_mcp_settings.json", CASES[11][1])
    tools = {f.name: f for f in batch.facts if isinstance(f, Process) and f.processor_type is ProcessorType.MCP_TOOL}
    assert tools["cline/tools/read_text_file"].auto_approve == ("read_text_file",)
    assert tools["cline/tools/write_file"].auto_approve == ()


def test_claude_json_projects_are_local_scope_with_one_client_identity_each(tmp_path: Path) -> None:
    batch = collect(tmp_path / ".claude.json", """{"numStartups": 3,
      "mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}},
      "projects": {"/home/dev/api": {"mcpServers": {"fs": {"command": "npx",
                   "args": ["@modelcontextprotocol/server-filesystem", "/home/dev/api"]}}}}}""")
    found = servers(batch)
    assert (found["mcp://time"].scope, found["mcp://fs"].scope) == ("user", "local")
    names = sorted(f.name for f in batch.facts if isinstance(f, Identity))
    assert names == sorted([str(tmp_path / ".claude.json"), "api"])  # an entry: named like the project's config
    assert {f.name for f in batch.facts if isinstance(f, Process)} >= {"claude-code/api/server-filesystem"}


def test_local_filesystem_server_is_not_third_party_and_touches_its_paths(tmp_path: Path) -> None:
    batch = collect(tmp_path / "claude_desktop_config.json", CASES[11][1].replace("alwaysAllow", "x"))
    fs = servers(batch)["mcp://fs"]
    assert fs.third_party is False
    grants = {(e.target.namespace, e.target.name): e.permissions for e in batch.facts
              if isinstance(e, Edge) and e.kind is EdgeKind.GRANT and e.target.kind.value == "dataset"}
    assert [p.value for p in grants[("file", "/srv")]] == ["read", "edit", "write"]


def test_disabled_server_is_recorded_without_runs_or_grants(tmp_path: Path) -> None:
    batch = collect(tmp_path / "home" / ".codex" / "config.toml",
                    '[mcp_servers.old]\ncommand = "old-server"\nenabled = false\n')
    assert "disabled" in (servers(batch)["mcp://old"].description or "")
    assert not [f for f in batch.facts if isinstance(f, Edge)]
