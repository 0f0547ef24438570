"""Literal secrets never leave the collector; bad configs give clear problems and keep the rest."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from collectors.base import Source
from collectors.discover import plan
from collectors.mcp import MAX_BYTES, McpCollector
from lineage.cli import main
from lineage.models import Process, ProcessorType
from lineage.store import open_store

GITHUB = "ghp_" + "Zq8sK2mW9xV4nB7cL1pR5tY3uI6oA0eD2fG4"
SLACK = "xoxb-" + "2840193847-7710298374-Qm3Xn8Bv2Cz5Lk9Wj4Hd"
OPENAI = "sk-proj-" + "Xh3Kd9Lm2Qw8Er5Ty1Ui7Op4As6Df0GhJkLzX"
AWS = "AKIA" + "QX7ZK3M9R2LW5T8B"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
BEARER = "q8Zk2Lm9Xv4Bn7Cw1Rt5Yp3Us6Io0Ae"
ALL = {GITHUB: "github_token", SLACK: "slack_token", OPENAI: "openai_key", AWS: "aws_access_key",
       JWT: "jwt", BEARER: "bearer_token"}

CONFIG = """{
  "mcpServers": {
    "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
               "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "%s"}},
    "slack": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack", "--token=%s"]},
    "llm": {"command": "uvx", "args": ["llm-mcp"], "env": {"OPENAI_API_KEY": "%s", "AWS_ACCESS_KEY_ID": "%s"}},
    "api": {"type": "http", "url": "https://api.example.com/mcp",
            "headers": {"X-Session": "%s", "Authorization": "Bearer %s"}}
  }
}""" % (GITHUB, SLACK, OPENAI, AWS, JWT, BEARER)  # noqa: UP031


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "proj" / ".mcp.json"
    path.parent.mkdir()
    path.write_text(CONFIG)
    return path


def test_secrets_are_recorded_by_place_and_kind_only(config: Path) -> None:
    batch = McpCollector().collect(Source(str(config), config.read_bytes(), config))
    servers = {f.namespace: f for f in batch.facts if isinstance(f, Process)
               and f.processor_type is ProcessorType.MCP_SERVER}
    kinds = sorted(s.kind for p in servers.values() for s in p.secrets)
    assert kinds == sorted(ALL.values())
    token = servers["mcp://github"].secrets[0]
    assert token.location == f"{config}:4 $.mcpServers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN"
    assert servers["mcp://api"].auth_mode == "static_header"
    assert servers["mcp://github"].auth_mode == "static_env"
    dumped = batch.model_dump_json() + "".join(str(p) for p in batch.problems)
    assert batch.raw is not None
    for value in ALL:
        assert value not in dumped
        assert value.encode() not in batch.raw.content
    assert b"[REDACTED:github_token]" in batch.raw.content
    assert all(p.severity == "warning" for p in batch.problems)


def test_no_secret_reaches_the_store_file_or_any_cli_output(config: Path, tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "s.duckdb")
    outputs = []
    assert main(["collect", str(config), "--db", db]) == 0
    outputs.append(capsys.readouterr())
    server = "process:mcp://github:claude-code/proj/github-mcp-server"  # the project folder qualifies it
    for node in (server, "identity:mcp-client://claude-code:proj"):  # named by its project
        assert main(["explain", node, "--db", db]) == 0
        outputs.append(capsys.readouterr())
    assert main(["export", "--db", db]) == 0
    outputs.append(capsys.readouterr())
    text = "".join(o.out + o.err for o in outputs)
    assert "github_token" in text  # the kind is shown
    duckdb.connect(db).close()  # checkpoint: everything is in the file
    stored = Path(db).read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("s.duckdb*") if p.is_file())
    raw = b"".join(r.content for r in open_store(db).raw_inputs())  # stored compressed: read back
    assert b"[REDACTED:" in raw
    stored += raw
    for value in ALL:
        assert value not in text
        assert value.encode() not in stored


@pytest.mark.parametrize(("name", "data", "message"), [
    ("claude_desktop_config.json", b"{mcpServers: nope", "not valid JSON"),
    ("config.toml", b"[mcp_servers.x]\ncommand = \n", "not valid TOML"),
    ("mcp.yaml", b"mcpServers:\n  - name: a\n   bad", "not valid YAML"),
    ("claude_desktop_config.json", b"\x00\x01binary", "binary"),
    ("claude_desktop_config.json", b'{"servers": {}}', "no MCP servers"),
    ("claude_desktop_config.json", b'{"mcpServers": {"a": 1}}', "server 'a' must be an object"),
], ids=["json", "toml", "yaml", "binary", "wrong-root", "wrong-type"])
def test_broken_configs_are_a_clear_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    batch = McpCollector().collect(Source(str(path), data, path))
    assert [p for p in batch.errors if message in p.message], [str(p) for p in batch.problems]
    assert not batch.facts


def test_server_without_command_or_url_is_an_error_naming_its_key_and_the_rest_is_kept(tmp_path: Path) -> None:
    data = b'{"mcpServers": {\n "ok": {"command": "uvx", "args": ["mcp-server-time"]},\n "broken": {"env": {}}}}'
    batch = McpCollector().collect(Source("claude_desktop_config.json", data))
    [error] = batch.errors
    assert (error.line, error.field) == (3, "$.mcpServers.broken")
    assert "neither a command nor a URL" in error.message
    assert {f.namespace for f in batch.facts if isinstance(f, Process)} >= {"mcp://ok"}
    assert "mcp://broken" not in {f.namespace for f in batch.facts if isinstance(f, Process)}


def test_huge_config_is_refused_without_reading_it(tmp_path: Path) -> None:
    data = b'{"mcpServers": {}, "pad": "' + b"x" * MAX_BYTES + b'"}'
    batch = McpCollector().collect(Source("claude_desktop_config.json", data))
    assert "over the" in batch.errors[0].message and not batch.facts


def test_symlink_loop_in_a_searched_directory_ends_and_finds_the_config(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    (tmp_path / "a" / "claude_desktop_config.json").write_text('{"mcpServers": {}}')
    found = plan([tmp_path])
    assert [(c.name, p.name) for c, p in found.work] == [("mcp", "claude_desktop_config.json")]


@pytest.mark.parametrize(("name", "head"), [
    ("events.json", b'{"eventTime": "2026-01-01T00:00:00Z", "eventType": "START", "job": {}, "run": {}}'),
    ("export.json", b'{"format": "lineage-mapper", "version": 1, "nodes": [], "mcpServers": {}}'),
    ("pipeline.yaml", b"version: 1\npipeline: p\ndatasets: []\n"),
    ("lineage.yaml", b"store: x.duckdb\nmcpServers: []\n"),
    ("manifest.json", b'{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}}'),
    ("github.json", b'{"tools": [{"name": "x"}], "mcpServers": {}}'),
])
def test_detect_leaves_other_kinds_of_files_alone(tmp_path: Path, name: str, head: bytes) -> None:
    folder = tmp_path / "mcp-tools" if name == "github.json" else tmp_path
    assert not McpCollector().detect(folder / name, head)


def test_directory_walk_sends_each_config_to_the_mcp_collector(tmp_path: Path) -> None:
    (tmp_path / "claude_desktop_config.json").write_text('{"mcpServers": {}}')
    (tmp_path / "codex.toml").write_text('[mcp_servers.a]\ncommand = "a"\n')
    (tmp_path / "continue.yaml").write_text("mcpServers:\n  - name: a\n    command: a\n")
    found = plan([tmp_path])
    assert sorted((c.name, p.name) for c, p in found.work) == [
        ("mcp", "claude_desktop_config.json"), ("mcp", "codex.toml"), ("mcp", "continue.yaml")]
