"""LM002 names every source of each leg of the trifecta, and its fix says what breaks it.

The project: a Claude Code `.mcp.json` with three MCP servers, each with a saved `tools/list`
response: GitHub (public issues: untrusted content; private repos: private data), Salesforce
(private CRM data) and Slack (channel messages from anyone: untrusted content; posting: a way out).
"""

from __future__ import annotations

import json
from pathlib import Path

from lineage.cli import main
from lineage.graph import load_graph
from lineage.policy import Finding, evaluate
from lineage.store import open_store

SERVERS = {
    "github": ({"type": "http", "url": "https://api.githubcopilot.com/mcp/"}, [
        ("get_issue", {"readOnlyHint": True, "openWorldHint": True}),
        ("get_file_contents", {"readOnlyHint": True, "openWorldHint": False})]),
    "salesforce": ({"command": "npx", "args": ["-y", "@tsmztech/mcp-server-salesforce@0.0.3"]}, [
        ("salesforce_query_records", {"readOnlyHint": True, "openWorldHint": False})]),
    "slack": ({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"]}, [
        ("slack_get_channel_history", {"readOnlyHint": True, "openWorldHint": True}),
        ("slack_post_message", {"readOnlyHint": False, "destructiveHint": False, "openWorldHint": True})]),
}


def trifectas(tmp_path: Path, *servers: str) -> list[Finding]:
    """The LM002 findings of a Claude Code project configured with `servers`, as `lineage collect` maps it."""
    project = tmp_path / "project"
    (project / "mcp-tools").mkdir(parents=True)
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {k: SERVERS[k][0] for k in servers}}))
    for key in servers:
        tools = [{"name": name, "annotations": hints} for name, hints in SERVERS[key][1]]
        (project / "mcp-tools" / f"{key}.json").write_text(json.dumps({"result": {"tools": tools}}))
    db = tmp_path / "lineage.duckdb"
    assert main(["collect", str(project), "--db", str(db)]) == 0
    return [f for f in evaluate(load_graph(open_store(db))) if f.rule_id == "LM002"]


def legs(finding: Finding) -> tuple[str, str, str]:
    """The message's three parts: private data, untrusted content, ways out."""
    private, rest = finding.message.split(" ingests untrusted content through ", 1)
    untrusted, out = rest.split(" can send data outside through ", 1)
    return private, untrusted, out


def test_the_finding_names_every_server_on_each_leg(tmp_path: Path) -> None:
    [finding] = trifectas(tmp_path, "github", "salesforce", "slack")
    private, untrusted, out = legs(finding)
    assert "mcp://github" in private and "mcp://salesforce" in private and "mcp://slack" not in private
    assert "get_file_contents" in private and "salesforce_query_records" in private
    assert "mcp://github" in untrusted and "mcp://slack" in untrusted and "mcp://salesforce" not in untrusted
    assert "get_issue" in untrusted and "slack_get_channel_history" in untrusted
    assert "mcp://slack" in out and "slack_post_message" in out
    assert "mcp://github" not in out and "mcp://salesforce" not in out
    assert {n.split(":")[2].removeprefix("//") for n in finding.path if n.startswith("process:")} == {
        "github", "salesforce", "slack"}  # the path shows every server of every leg


def test_the_fix_says_what_breaks_the_trifecta(tmp_path: Path) -> None:
    [finding] = trifectas(tmp_path, "github", "salesforce", "slack")
    fix = finding.fix
    way_out = fix.split("the way out (", 1)[1].split("), or ", 1)[0]
    untrusted = fix.split("every untrusted source (", 1)[1].split("), or ", 1)[0]
    private = fix.split("every private-data source (", 1)[1].split("). ", 1)[0]
    assert "mcp://slack" in way_out and "slack_post_message" in way_out and "mcp://github" not in way_out
    assert "mcp://github" in untrusted and "get_issue" in untrusted and "mcp://slack" in untrusted
    assert "mcp://github" in private and "mcp://salesforce" in private
    single = fix.split(" is the only way out: a single point that breaks the trifecta.", 1)[0]
    assert "mcp://slack" in single.rsplit(". ", 1)[-1]
    assert "is the only untrusted source" not in fix and "is the only private-data source" not in fix


def test_without_github_salesforce_and_slack_are_still_a_trifecta(tmp_path: Path) -> None:
    [finding] = trifectas(tmp_path, "salesforce", "slack")
    private, untrusted, out = legs(finding)
    assert "mcp://salesforce" in private and "mcp://slack" in untrusted and "mcp://slack" in out
    assert "is the only private-data source" in finding.fix and "is the only untrusted source" in finding.fix


def test_without_the_only_way_out_there_is_no_trifecta(tmp_path: Path) -> None:
    assert trifectas(tmp_path, "github", "salesforce") == []
