"""The MCP collector: MCP client configs into client identities, server and tool processors, grants.

Reads the config formats of Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Continue, Zed,
Goose, Gemini CLI, Codex, Cline and Roo (see `docs/collectors.md` for each file and its default
locations); JSON with comments, TOML and YAML. Modules: `jsonc` and `formats` parse and identify
the client, `clients` finds each client's server entries, `servers` reads one entry, `secrets`
finds literal credentials, `known` is the table of well-known servers, `tools` maps tool
annotations to grants, `facts` builds the facts.

Literal secrets are recorded by place and kind only; the raw input kept for the store is the
config with every secret replaced by `[REDACTED:<kind>]`. A saved `tools/list` response for the
server `<key>` is read from `mcp-tools/<key>.json` beside the config.

Example:
    >>> batch = McpCollector().collect(Source("mcp.json",
    ...     b'{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"]}}}'))
    >>> sorted(f.name for f in batch.facts if f.fact == "process")
    ['mcp/mcp-server-fetch', 'mcp/tools/fetch']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from collectors.base import Source, register_collector
from collectors.mcp.clients import server_entries
from collectors.mcp.facts import COLLECTOR, Context, client_facts, json_path
from collectors.mcp.formats import FormatError, identify, load_document
from collectors.mcp.known import KnownTable, load_table, table_from
from collectors.mcp.secrets import redact
from collectors.mcp.servers import ServerInfo, read_server
from collectors.mcp.tools import Tool, read_tools_list
from lineage.models import LineageBatch, RawInput

__all__ = ["COLLECTOR", "McpCollector"]

MAX_BYTES = 5 * 1024 * 1024
ENVELOPE = "lineage-mcp-config"
TOOLS_DIR = "mcp-tools"
_NAMES = frozenset({"claude_desktop_config.json", ".mcp.json", ".claude.json", "managed-mcp.json",
                    "cline_mcp_settings.json", "mcp_settings.json", "mcp_config.json"})
_JSON_KEYS = re.compile(rb'"(mcpServers|context_servers|mcp_servers)"\s*:')
_VSCODE_KEYS = re.compile(rb'"(servers|mcp)"\s*:\s*\{')
_YAML_KEYS = re.compile(rb"^(mcpServers|extensions)\s*:", re.M)


def _project_overrides() -> Mapping[str, Any]:
    from lineage.settings import find_project_file
    from lineage.yamlsafe import YamlError, load_yaml

    try:
        path = find_project_file()
        if path is None:
            return {}
        data, _ = load_yaml(path.read_bytes(), str(path))
    except (OSError, YamlError, ValueError):
        return {}
    section = data.get("mcp") if isinstance(data, Mapping) else None
    known = section.get("known_servers") if isinstance(section, Mapping) else None
    return known if isinstance(known, Mapping) else {}


def project_folder(path: Path) -> str | None:
    """The project folder of a project-scope config: the folder holding it, or the one above a
    client's dot-folder (`.cursor/mcp.json`, `.vscode/mcp.json`, `.continue/mcpServers/x.yaml`)."""
    folder = path.parent
    for above in (path.parent, path.parent.parent):  # `.continue/mcpServers/x.yaml` too
        if above.name.startswith(".") and above.name not in (".", ".."):
            folder = above.parent
            break
    return folder.name or None


def _saved_tools(path: Path | None, servers: list[ServerInfo], batch: LineageBatch) -> dict[str, list[Tool]]:
    found: dict[str, list[Tool]] = {}
    if path is None:
        return found
    for info in servers:
        file = path.parent / TOOLS_DIR / f"{info.key}.json"
        if not file.is_file() or file.is_symlink():
            continue
        try:
            if file.stat().st_size > MAX_BYTES:
                batch.problem(f"{file}: over {MAX_BYTES:,} bytes; tools list ignored", severity="warning")
                continue
            tools, problems = read_tools_list(json.loads(file.read_bytes()))
        except (OSError, ValueError) as exc:
            batch.problem(f"{file}: cannot read the saved tools list: {type(exc).__name__}", severity="warning")
            continue
        for message in problems:
            batch.problem(f"{file}: {message}", severity="warning")
        found[info.key] = tools
    return found


@register_collector
class McpCollector:
    """MCP client configs of every supported client; see the module docstring."""

    name = COLLECTOR

    def __init__(self, table: KnownTable | None = None) -> None:
        self._table = table

    @property
    def table(self) -> KnownTable:
        if self._table is None:
            self._table = load_table().with_overrides(_project_overrides())
        return self._table

    def with_options(self, options: Mapping[str, Any]) -> McpCollector:
        """A collector whose well-known table is extended by `known_servers` (a mapping, or a YAML file)."""
        known = options.get("known_servers")
        if isinstance(known, str | Path):
            from lineage.yamlsafe import load_yaml

            known = table_from(load_yaml(Path(known).read_bytes(), str(known))[0]).servers
            return McpCollector(KnownTable((*known, *self.table.servers)))
        return McpCollector(self.table.with_overrides(known) if isinstance(known, Mapping) else self.table)

    def detect(self, path: Path, head: bytes) -> bool:
        """Configs by their well-known names or their root keys; never OpenLineage events, the
        project's own export, pipeline specs, `lineage.yaml` or saved tools lists."""
        name, suffix = path.name.lower(), path.suffix.lower()
        if name in ("lineage.yaml", "lineage.yml") or path.parent.name == TOOLS_DIR:
            return False
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if b'"format": "lineage-mapper"' in text or b'"format":"lineage-mapper"' in text or b'"eventTime"' in text:
            return False
        if suffix in (".json", ".jsonc"):
            if name in _NAMES or _JSON_KEYS.search(text):
                return True
            folder = path.parent.name.lower()
            return folder in (".vscode", ".cursor", ".roo", ".zed", ".gemini", "user") and bool(
                _VSCODE_KEYS.search(text)) and name in ("mcp.json", "settings.json")
        if suffix == ".toml":
            return b"[mcp_servers" in text
        if suffix in (".yaml", ".yml"):
            keys = {m.group(1) for m in _YAML_KEYS.finditer(text)}
            return b"mcpServers" in keys or (b"extensions" in keys and (
                "goose" in str(path).lower() or b"cmd:" in text or b"GOOSE_" in text))
        return False

    def collect(self, source: Source) -> LineageBatch:
        batch = LineageBatch(collector=COLLECTOR, source=source.name)
        if len(source.data) > MAX_BYTES:
            batch.problem(f"the file is {len(source.data):,} bytes, over the {MAX_BYTES:,}-byte limit for a config")
            return batch
        data, kept_tools = source.data, None
        if source.data[:40].lstrip().startswith(b'{"format":"' + ENVELOPE.encode()):
            try:  # a kept raw input: the redacted config and the tools lists read beside it
                envelope = json.loads(source.data)
                data, kept_tools = envelope["config"].encode(), envelope.get("tools") or {}
            except (ValueError, KeyError, AttributeError):
                batch.problem("a kept MCP raw input is damaged")
                return batch
        try:
            doc = load_document(data, source.name)
        except FormatError as exc:
            batch.problem(exc.reason, line=exc.line)
            return batch
        where = source.path or Path(source.name)
        client, scope = identify(where, doc.data)
        project = project_folder(where) or (project_folder(where.resolve()) if source.path else None)
        raws, problems = server_entries(client, doc.data, scope)
        for message, path in problems:
            batch.problem(message, line=doc.line(path), field=json_path(path) if path else None)
        servers = [read_server(raw) for raw in raws]
        secrets = []
        for info in servers:
            for message, path in info.problems:
                batch.problem(message, line=doc.line(path), field=json_path(path))
            for secret in info.secrets:
                secrets.append(secret.found)
                batch.problem(f"a literal {secret.kind} is written in the config; it was not stored (move it to "
                              "an environment variable or a prompted input)", line=doc.line(secret.path),
                              field=json_path(secret.path), severity="warning")
        if kept_tools is not None:
            tools = {k: [Tool(t["name"], t.get("description"), tuple(t["permissions"]), tuple(t["capabilities"]))
                         for t in v] for k, v in kept_tools.items()}
        else:
            tools = _saved_tools(source.path, servers, batch)
        ctx = Context(source=source.name, client=client, lines=doc.line, table=self.table, tools=tools,
                      project=project)
        batch.extend(client_facts([s for s in servers if s.transport != "unknown"], ctx))
        text = redact(doc.text, secrets)
        content = text.encode()
        if tools:
            content = json.dumps({"format": ENVELOPE, "config": text, "tools": {
                k: [{"name": t.name, "description": t.description, "permissions": list(t.permissions),
                     "capabilities": list(t.capabilities)} for t in v] for k, v in tools.items()}},
                separators=(",", ":")).encode()
        batch.raw = RawInput(collector=COLLECTOR, source=source.name, content=content)
        return batch
