"""Reading an MCP client config: its syntax (JSON/JSONC, TOML, YAML) and which client wrote it.

`load_document` parses the bytes with the line of each key path; `identify` names the client and
the scope (a `project` file committed with the code, a `user` file, Claude Code's per-project
`local` entries, or `managed` settings) from the file's name, its folder and its root keys.

Example:
    >>> doc = load_document(b'{"mcpServers": {}}', "claude_desktop_config.json")
    >>> identify(Path("claude_desktop_config.json"), doc.data)
    ('claude-desktop', 'user')
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.mcp.jsonc import JsoncError, parse_jsonc
from lineage.yamlsafe import Locator, YamlError, load_yaml

KeyPath = tuple[str | int, ...]


class FormatError(ValueError):
    """The bytes are not a config this collector reads; `line` may say where."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass
class Document:
    """A parsed config: its data, its text, and how to find the line of a key path."""

    data: Any
    text: str
    syntax: str
    lines: dict[KeyPath, int] = field(default_factory=dict)
    locator: Locator | None = None

    def line(self, path: KeyPath) -> int | None:
        """The line of `path` (or of its nearest ancestor that has one)."""
        if self.locator is not None:
            return self.locator.line(path)
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def _toml_lines(text: str) -> dict[KeyPath, int]:
    """Lines of `[table.name]` headers and of `key =` lines within them (enough to place a server)."""
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            table = tuple(p.strip().strip('"') for p in re.findall(r'"[^"]*"|[^.]+', header.group(1)))
            lines.setdefault(table, number)
            continue
        key = re.match(r'^("[^"]+"|[A-Za-z0-9_-]+)\s*=', stripped)
        if key:
            lines.setdefault((*table, key.group(1).strip('"')), number)
    return lines


def load_document(data: bytes, source: str) -> Document:
    """Parse a config by its file name: `.toml` as TOML, `.yaml`/`.yml` as YAML, else JSON with comments.

    Raises:
        FormatError: undecodable text or a syntax error, with the line when known.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise FormatError("binary data, not a config file")
    suffix = Path(source).suffix.lower()
    if suffix == ".toml":
        try:
            return Document(tomllib.loads(text), text, "toml", _toml_lines(text))
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            raise FormatError(f"not valid TOML: {exc}", int(match.group(1)) if match else None) from None
    if suffix in (".yaml", ".yml"):
        try:
            value, where = load_yaml(data, source)
        except YamlError as exc:
            raise FormatError(f"not valid YAML: {exc.reason}", exc.line) from None
        return Document(value, text, "yaml", locator=where)
    try:
        value, lines = parse_jsonc(text)
    except JsoncError as exc:
        raise FormatError(f"not valid JSON: {exc.reason}", exc.line) from None
    return Document(value, text, "json", lines)


def _home_scope(folder: Path) -> str:
    """`user` when `folder` is the home directory (or looks like one), else `project`."""
    try:
        if folder.expanduser().resolve() == Path.home().resolve():
            return "user"
    except (OSError, RuntimeError):
        pass
    return "user" if folder.name in ("~",) or str(folder) in ("~", "$HOME") else "project"


# The rules that name a config's client and scope, first match wins. Each rule holds when all its
# tests do: `name=` the file name, `parent=` its folder, `folder=` any folder on its path, `suffix=`,
# `key=` a root key, `list=`/`object=` a root key holding a list / an object; `!` negates a test.
# Scope `home` is `user` when the folder holding the client's folder is the home directory, else
# `project`.
_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("claude-desktop", "user", ("name=claude_desktop_config.json",)),
    ("claude-code", "user", ("name=.claude.json",)),
    ("claude-code", "managed", ("name=managed-mcp.json",)),
    ("claude-code", "managed", ("name=managed-settings.json",)),
    ("claude-code", "project", ("name=.mcp.json",)),
    ("cline", "user", ("name=cline_mcp_settings.json",)),
    ("roo", "project", ("parent=.roo",)),
    ("roo", "user", ("name=mcp_settings.json",)),
    ("windsurf", "user", ("name=mcp_config.json",)),
    ("windsurf", "user", ("folder=windsurf",)),
    ("cursor", "home", ("parent=.cursor",)),
    ("vscode", "project", ("parent=.vscode",)),
    ("gemini", "home", ("parent=.gemini",)),
    ("gemini", "user", ("folder=gemini",)),
    ("codex", "home", ("parent=.codex",)),
    ("codex", "user", ("suffix=.toml",)),
    ("zed", "project", ("parent=.zed",)),
    ("zed", "user", ("parent=zed",)),
    ("zed", "user", ("key=context_servers",)),
    ("goose", "user", ("folder=goose",)),
    ("goose", "user", ("key=extensions",)),
    ("continue", "project", ("folder=.continue", "!parent=.continue")),
    ("continue", "user", ("folder=.continue",)),
    ("continue", "user", ("folder=continue",)),
    ("continue", "user", ("list=mcpServers",)),
    ("vscode", "user", ("object=mcp",)),
    ("vscode", "user", ("key=servers",)),
    ("vscode", "user", ("folder=code",)),
    ("vscode", "user", ("folder=user",)),
)


def _holds(test: str, path: Path, root: Mapping[str, Any]) -> bool:
    if test.startswith("!"):
        return not _holds(test[1:], path, root)
    kind, _, value = test.partition("=")
    checks = {
        "name": lambda: path.name.lower() == value,
        "parent": lambda: path.parent.name.lower() == value,
        "folder": lambda: value in {p.lower() for p in path.parts[:-1]},
        "suffix": lambda: path.suffix.lower() == value,
        "key": lambda: value in root,
        "list": lambda: isinstance(root.get(value), list),
        "object": lambda: isinstance(root.get(value), Mapping),
    }
    return checks[kind]()


def identify(path: Path, data: Any) -> tuple[str, str]:
    """The client that reads a config file and the file's scope (the first of `_RULES` that holds).

    Args:
        path: the config's path (only its name and folders are looked at).
        data: the parsed config (its root keys break ties).

    Returns:
        `(client, scope)`: client is claude-desktop, claude-code, cursor, vscode, windsurf,
        continue, zed, goose, gemini, codex, cline, roo or mcp (unknown, same shape);
        scope is project, user, local or managed.
    """
    root: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    for client, scope, tests in _RULES:
        if all(_holds(test, path, root) for test in tests):
            return client, _home_scope(path.parent.parent) if scope == "home" else scope
    return "mcp", "project"
