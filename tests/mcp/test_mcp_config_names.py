"""Client identities and server names do not depend on where a checkout or a home folder lies: a
project config is named by its project, a user config by its place under the home folder."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.base import Source
from collectors.discover import recollect
from collectors.mcp import McpCollector
from lineage.models import Dataset, Identity, LineageBatch, Process
from lineage.store.base import RawInputRow

MCP = '{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}'
CURSOR = '{"mcpServers": {"pw": {"command": "npx", "args": ["@playwright/mcp@latest"]}}}'
VSCODE = '{"servers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def collect(path: Path) -> LineageBatch:
    return McpCollector().collect(Source(str(path), path.read_bytes(), path))


def ids(batch: LineageBatch) -> set[str]:
    return {f.ref.id for f in batch.facts if isinstance(f, Dataset | Process | Identity)}


def identities(batch: LineageBatch) -> list[str]:
    return [f.ref.id for f in batch.facts if isinstance(f, Identity)]


def project(root: Path) -> list[Path]:
    (root / ".git").mkdir(parents=True)
    return [write(root / ".mcp.json", MCP), write(root / ".cursor" / "mcp.json", CURSOR),
            write(root / ".vscode" / "mcp.json", VSCODE)]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home" / "dev"
    folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    return folder


def test_the_same_project_in_two_checkouts_has_the_same_ids(tmp_path: Path) -> None:
    first = project(tmp_path / "a" / "src" / "acme-api")
    second = [tmp_path / "b" / "work" / "checkouts" / "acme-api" / p.relative_to(tmp_path / "a" / "src" / "acme-api")
              for p in first]
    shutil.copytree(tmp_path / "a" / "src" / "acme-api", tmp_path / "b" / "work" / "checkouts" / "acme-api")
    for one, other in zip(first, second, strict=True):
        a, b = collect(one), collect(other)
        assert ids(a) == ids(b)
        assert not [i for i in ids(a) if str(tmp_path) in i]
    assert [identities(collect(p))[0] for p in first] == [
        "identity:mcp-client://claude-code:acme-api", "identity:mcp-client://cursor:acme-api",
        "identity:mcp-client://vscode:acme-api"]
    assert "process:mcp://fetch:claude-code/acme-api/mcp-server-fetch" in ids(collect(first[0]))


def test_a_workspace_inside_a_repository_is_the_repository_qualified_by_its_path(tmp_path: Path) -> None:
    (tmp_path / "acme" / ".git").mkdir(parents=True)
    config = write(tmp_path / "acme" / "services" / "api" / ".cursor" / "mcp.json", CURSOR)
    batch = collect(config)
    assert identities(batch) == ["identity:mcp-client://cursor:acme/services/api"]
    assert "process:mcp://pw:cursor/acme-services-api/mcp" in ids(batch)


def test_without_a_repository_the_project_is_the_folder_the_client_folder_sits_in(tmp_path: Path) -> None:
    batch = collect(write(tmp_path / "x" / ".cursor" / "mcp.json", CURSOR))
    assert identities(batch) == ["identity:mcp-client://cursor:x"]


def test_a_project_file_names_the_project(tmp_path: Path) -> None:
    root = tmp_path / "checkout-7"
    project(root)
    write(root / "lineage.yaml", "mcp:\n  project: acme-api\n")
    assert identities(collect(root / ".mcp.json")) == ["identity:mcp-client://claude-code:acme-api"]


def test_a_user_config_under_home_is_named_with_a_tilde(home: Path) -> None:
    codex = write(home / ".codex" / "config.toml", '[mcp_servers.time]\ncommand = "uvx"\nargs = ["mcp-server-time"]\n')
    desktop = write(home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json", MCP)
    assert identities(collect(codex)) == ["identity:mcp-client://codex:~/.codex/config.toml"]
    assert identities(collect(desktop)) == [
        "identity:mcp-client://claude-desktop:~/Library/Application Support/Claude/claude_desktop_config.json"]
    assert "process:mcp://time:codex/mcp-server-time" in ids(collect(codex))


def test_a_home_folder_under_version_control_does_not_name_the_projects_in_it(home: Path) -> None:
    (home / ".git").mkdir()
    (home / ".config" / ".git").mkdir(parents=True)
    assert identities(collect(write(home / "scratch" / ".mcp.json", MCP))) == [
        "identity:mcp-client://claude-code:scratch"]
    goose = write(home / ".config" / "goose" / "config.yaml",
                  "extensions:\n  time:\n    type: stdio\n    cmd: uvx\n    args: [mcp-server-time]\n")
    assert identities(collect(goose)) == ["identity:mcp-client://goose:~/.config/goose/config.yaml"]


def test_a_claude_json_project_entry_is_the_same_client_as_that_projects_config(home: Path, tmp_path: Path) -> None:
    root = tmp_path / "src" / "acme-api"
    project(root)
    claude = write(home / ".claude.json", json.dumps({
        "mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}},
        "projects": {str(root): {"mcpServers": {"fs": {"command": "npx", "args": [
            "@modelcontextprotocol/server-filesystem", str(root)]}}}}}))
    batch = collect(claude)
    assert sorted(identities(batch)) == ["identity:mcp-client://claude-code:acme-api",
                                         "identity:mcp-client://claude-code:~/.claude.json"]
    assert identities(collect(root / ".mcp.json")) == ["identity:mcp-client://claude-code:acme-api"]
    assert "process:mcp://fs:claude-code/acme-api/server-filesystem" in ids(batch)


def test_a_rebuild_elsewhere_keeps_the_names_read_from_the_disk(
        tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configs = [*project(tmp_path / "a" / "acme-api"), write(home / ".codex" / "config.toml",
                                                            '[mcp_servers.t]\ncommand = "t"\n')]
    first = [collect(config) for config in configs]
    shutil.move(tmp_path / "a", tmp_path / "moved")  # the checkout and the home folder are gone
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    for batch in first:
        assert batch.raw is not None
        again = recollect(RawInputRow("mcp", batch.raw.source, batch.raw.content, False, datetime.now(UTC)))
        assert ids(again) == ids(batch)
        assert again.raw is not None and again.raw.content == batch.raw.content
