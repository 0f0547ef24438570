"""Saved tools lists and the well-known table give tool nodes and grants; the agent sample explains."""

from __future__ import annotations

import json
from pathlib import Path

from collectors.base import Source
from collectors.mcp import McpCollector
from lineage.cli import main
from lineage.models import Edge, EdgeKind, Process, ProcessorType

REPO = Path(__file__).resolve().parents[2]
AGENT = REPO / "sample_pipelines" / "mcp_agent"


def tools_and_grants(batch) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    grants = {e.target.name: tuple(p.value for p in e.permissions) for e in batch.facts
              if isinstance(e, Edge) and e.kind is EdgeKind.GRANT}
    return {f.name: (grants[f.name], f.capabilities) for f in batch.facts
            if isinstance(f, Process) and f.processor_type is ProcessorType.MCP_TOOL}


def test_saved_tools_list_annotations_become_grants_and_capabilities(tmp_path: Path) -> None:
    (tmp_path / "mcp-tools").mkdir()
    (tmp_path / "mcp-tools" / "crm.json").write_text(json.dumps({"result": {"tools": [
        {"name": "find", "annotations": {"readOnlyHint": True, "openWorldHint": False}},
        {"name": "post", "annotations": {"readOnlyHint": False, "destructiveHint": False, "openWorldHint": True}},
        {"name": "purge"},
        {"description": "no name"}]}}))
    config = tmp_path / "claude_desktop_config.json"
    config.write_text('{"mcpServers": {"crm": {"command": "crm-mcp"}}}')
    batch = McpCollector().collect(Source(str(config), config.read_bytes(), config))
    assert tools_and_grants(batch) == {
        "claude-desktop/tools/find": (("read",), ("reads_private_data",)),
        "claude-desktop/tools/post": (("read", "write"), ("ingests_untrusted_content", "sends_data_outside")),
        "claude-desktop/tools/purge": (("read", "edit", "write"), ("ingests_untrusted_content", "sends_data_outside")),
    }
    assert any("tools[3] has no name" in p.message for p in batch.problems)


def test_well_known_table_supplies_tools_filtered_by_the_client_lists(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[mcp_servers.slack]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-slack"]\n'
                      'disabled_tools = ["slack_reply_to_thread"]\n')
    batch = McpCollector().collect(Source(str(config), config.read_bytes(), config))
    assert sorted(tools_and_grants(batch)) == ["codex/tools/slack_get_channel_history",
                                              "codex/tools/slack_list_channels", "codex/tools/slack_post_message"]
    datasets = {(e.target.namespace, e.target.name) for e in batch.facts
                if isinstance(e, Edge) and e.kind is EdgeKind.GRANT and e.target.kind.value == "dataset"}
    assert datasets == {("https://slack.com", "*")}


def test_project_overrides_replace_a_well_known_entry() -> None:
    collector = McpCollector().with_options({"known_servers": {"slack": {
        "match": {"packages": ["@modelcontextprotocol/server-slack"]}, "name": "slack-internal", "local": True,
        "tools": {"read_only": {"readOnlyHint": True, "openWorldHint": False}}}}})
    batch = collector.collect(Source("claude_desktop_config.json",
                                     b'{"mcpServers": {"slack": {"command": "npx", "args": '
                                     b'["@modelcontextprotocol/server-slack"]}}}'))
    server = next(f for f in batch.facts if isinstance(f, Process) and f.processor_type is ProcessorType.MCP_SERVER)
    assert (server.name, server.third_party) == ("claude-desktop/slack-internal", False)
    assert list(tools_and_grants(batch)) == ["claude-desktop/tools/read_only"]


def test_agent_sample_servers_merge_with_the_spec_and_explain_shows_auth_pin_grants_capabilities(
        tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "a.duckdb")
    assert main(["collect", str(AGENT), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out
    for node, expected in {
        "process:mcp://github:claude-desktop/github-mcp-server": [
            "env_token", "v0.13.0", "ghcr.io/github/github-mcp-server", "ingests_untrusted_content",
            "personal_access_token"],
        "process:mcp://salesforce:codex/mcp-server-salesforce": ["env_token", "pinned", "False", "reads_private_data",
                                                                 "salesforce_dml_records"],
        "process:mcp://slack:claude-desktop/server-slack": ["2025.4.25", "sends_data_outside", "claude-desktop"],
        "process:mcp://gdrive:claude-desktop/server-gdrive": ["@modelcontextprotocol/server-gdrive", "claude-desktop"],
    }.items():
        assert main(["explain", node, "--db", db]) == 0
        text = capsys.readouterr().out
        assert "spec" in text and "mcp" in text  # one node, facts from both collectors
        for word in [*expected, "auth_mode", "capabilities", "granted to"]:
            assert word in text, (node, word)


def test_each_client_config_runs_its_own_server_instance(tmp_path: Path, capsys) -> None:
    """Two clients' `github` servers are two integrations; the spec merges with the one it names."""
    from collectors.mcp.facts import instance_name

    assert instance_name("claude-desktop", "user", None) == "claude-desktop"
    assert instance_name("cursor", "project", "Acme API") == "cursor/acme-api"
    assert instance_name("claude-code", "local", None) == "claude-code"
    db = str(tmp_path / "both.duckdb")
    coding = AGENT.parent / "coding_agent"
    assert main(["collect", str(AGENT), str(coding / ".mcp.json"), str(coding / ".cursor" / "mcp.json"),
                 "--db", db]) == 0
    capsys.readouterr()
    assert main(["export", "--db", db]) == 0
    ids = {n["id"] for n in json.loads(capsys.readouterr().out)["nodes"]}
    github = {i for i in ids if i.startswith("process:mcp://github:")}
    assert "process:mcp://github:claude-desktop/github-mcp-server" in github
    assert "process:mcp://github:claude-code/coding-agent/github-mcp-server" in github
    assert "process:mcp://github:claude-code/coding-agent/tools/get_issue" in github
    assert not [i for i in github if i.split(":", 2)[2].startswith(("tools/", "github-mcp-server"))]
    assert {"process:mcp://slack:claude-desktop/server-slack", "process:mcp://slack:goose/server-slack"} <= ids
