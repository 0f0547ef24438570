"""The MCP collector: MCP client configs into client identities, server and tool processors, grants.

Reads the config formats of Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Continue, Zed,
Goose, Gemini CLI, Codex, Cline and Roo (see `docs/collectors.md` for each file and its default
locations); JSON with comments, TOML and YAML. Modules: `jsonc` and `formats` parse and identify
the client, `clients` finds each client's server entries, `servers` reads one entry, `secrets`
finds literal credentials, `known` is the table of well-known servers, `tools` maps tool
annotations to grants, `facts` builds the facts.

Literal secrets are recorded by place and kind only; the raw input kept for the store is the
config with every secret replaced by `[REDACTED:<kind>]` (a known token shape anywhere in the text,
a comment too; a config whose secret is written with escapes is kept as its parsed data, redacted,
in JSON). A saved `tools/list` response for the server `<key>` is read from `mcp-tools/<key>.json`
beside the config. Client configs are named by their project or their place under the home folder
(`places`); a config read from a file keeps these names, its tools lists and its scope with its
raw input (`{"format": "lineage-mcp-config", ...}`), so a rebuild elsewhere reads it the same way.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.base import Source, register_collector
from collectors.mcp.clients import server_entries
from collectors.mcp.facts import COLLECTOR, Context, client_facts, json_path
from collectors.mcp.formats import Document, FormatError, identify, load_document
from collectors.mcp.known import KnownTable, load_table, table_from
from collectors.mcp.places import Names, config_names
from collectors.mcp.secrets import Found, find_anywhere, redact
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
            self._table = load_table()
        return self._table

    def with_options(self, options: Mapping[str, Any]) -> McpCollector:
        """A collector whose well-known table is extended by `known_servers` (a mapping, or a YAML
        file); the project file's `mcp.known_servers` comes this way (`lineage.project`)."""
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
        kept = _Kept.read(source, batch)
        if kept is None:
            return batch
        try:
            doc = load_document(kept.data, kept.syntax_name)
        except FormatError as exc:
            batch.problem(exc.reason, line=exc.line)
            return batch
        where = source.path or Path(source.name)
        client, scope = identify(where, doc.data)
        scope = kept.names.scope if kept.names and kept.names.scope else scope
        raws, problems = server_entries(client, doc.data, scope)
        local = sorted({raw.project for raw in raws if raw.project})
        names = kept.names or config_names(where, scope, on_disk=source.path is not None, local=local)
        for message, path in problems:
            batch.problem(message, line=doc.line(path), field=json_path(path) if path else None)
        servers = [read_server(raw) for raw in raws]
        secrets = _report_secrets(servers, doc, batch)
        tools = kept.tool_lists() if kept.tools is not None else _saved_tools(source.path, servers, batch)
        ctx = Context(source=source.name, client=client, lines=doc.line, table=self.table, tools=tools,
                      project=names.project, identity=names.identity, local=names.local)
        batch.extend(client_facts([s for s in servers if s.transport != "unknown"], ctx))
        keep_names = kept.names is not None or source.path is not None  # read from the disk: keep for a rebuild
        content = _raw_content(doc, kept.syntax_name, secrets, tools, names if keep_names else None)
        batch.raw = RawInput(collector=COLLECTOR, source=source.name, content=content)
        return batch


@dataclass
class _Kept:
    """The config to read: the source's bytes, or those of a kept raw input (the redacted config,
    the tools lists read beside it, the names given)."""

    data: bytes
    syntax_name: str
    tools: Mapping[str, Any] | None = None
    names: Names | None = None

    @classmethod
    def read(cls, source: Source, batch: LineageBatch) -> _Kept | None:
        """The config of `source`; None, with a problem, when a kept raw input is damaged."""
        if not source.data[:40].lstrip().startswith(b'{"format":"' + ENVELOPE.encode()):
            return cls(source.data, source.name)
        try:
            envelope = json.loads(source.data)
            return cls(envelope["config"].encode(), "config.json" if envelope.get("syntax") == "json" else source.name,
                       envelope.get("tools") or {}, Names.from_dict(envelope.get("names")))
        except (ValueError, KeyError, AttributeError):
            batch.problem("a kept MCP raw input is damaged")
            return None

    def tool_lists(self) -> dict[str, list[Tool]]:
        return {k: [Tool(t["name"], t.get("description"), tuple(t["permissions"]), tuple(t["capabilities"]))
                    for t in v] for k, v in (self.tools or {}).items()}


def _report_secrets(servers: list[ServerInfo], doc: Document, batch: LineageBatch) -> list[Found]:
    """Every literal secret of the config (to redact), each reported where it is written: in a
    server entry, or elsewhere (a comment, say); and the problems each server entry had."""
    secrets = []
    for info in servers:
        for message, path in info.problems:
            batch.problem(message, line=doc.line(path), field=json_path(path))
        for secret in info.secrets:
            secrets.append(secret.found)
            if not secret.found.redacted:
                batch.problem(f"a literal {secret.kind} is written in the config; it was not stored (move it "
                              "to an environment variable or a prompted input)", line=doc.line(secret.path),
                              field=json_path(secret.path), severity="warning")
    for offset, found in find_anywhere(doc.text):
        if not any(found.text in s.text for s in secrets):  # outside any server entry (a comment, say)
            secrets.append(found)
            batch.problem(f"a literal {found.kind} is written in the config outside any server entry; it "
                          "was not stored", line=doc.text.count("\n", 0, offset) + 1, severity="warning")
    return secrets


def _raw_content(doc: Document, syntax_name: str, secrets: list[Found], tools: Mapping[str, list[Tool]],
                 names: Names | None) -> bytes:
    """The raw input to keep: the redacted config, wrapped with its tools lists, its names (`names`
    when given) and its syntax when any of them is to be kept."""
    text, syntax = _redacted(doc, syntax_name, secrets), None
    if text is None:  # a secret written with escapes: keep the parsed config, redacted, as JSON
        text = json.dumps(_redact_data(doc.data, secrets), indent=2, ensure_ascii=False, default=str)
        syntax = "json"
    if not (tools or names is not None or syntax):
        return text.encode()
    envelope: dict[str, Any] = {"format": ENVELOPE, "config": text}
    if tools:
        envelope["tools"] = {k: [{"name": t.name, "description": t.description, "permissions": list(t.permissions),
                                  "capabilities": list(t.capabilities)} for t in v] for k, v in tools.items()}
    if names is not None:
        envelope["names"] = names.as_dict()
    if syntax:
        envelope["syntax"] = syntax
    return json.dumps(envelope, separators=(",", ":")).encode()


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in (*_strings_in(k), *_strings_in(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings_in(v)]
    return []


def _redacted(doc: Document, name: str, secrets: list[Found]) -> str | None:
    """The config's text with every secret replaced by its marker, or None when a secret would
    remain (written with escapes, say `\\u0067hp_...`, so that its text is not found as such)."""
    text = redact(doc.text, secrets)
    live = [s.text for s in secrets if not s.redacted]
    if not live:
        return text
    try:
        again = load_document(text.encode(), name)
    except FormatError:
        return None
    if any(secret in value for value in _strings_in(again.data) for secret in live):
        return None
    return text


def _redact_data(value: Any, secrets: list[Found]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {redact(str(k), secrets): _redact_data(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_data(v, secrets) for v in value]
    return value
