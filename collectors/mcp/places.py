"""Names for MCP client configs that do not depend on where a checkout or a home folder lies.

A project config (`.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, ...) is named by its
project, and a user config by its place under the user's home, so the same project in two
checkouts, or the same user config on two machines, gives the same names:

- the *workspace* of a project config is the folder the client reads it for: the folder holding
  it, or the one above the client's dot-folder (`x/.cursor/mcp.json` -> `x`);
- its *project* is the nearest folder, from the workspace up (never the home folder or above it,
  never a dot-folder), that names itself in a `lineage.yaml` (`mcp: {project: NAME}`) or holds
  `.git` (named by its folder name); a workspace below that folder is qualified by its path in it
  (`acme/services/api`); with neither, the workspace's folder name;
- a user (or managed) config is named by its path in its project when it lies in one (a copy kept
  with the code), else by its path under the home folder (`~/.codex/config.toml`), else by the
  path it was collected under;
- a Claude Code `~/.claude.json` project entry (scope `local`) is named like the project config of
  its directory, so it is the same client identity as that project's `.mcp.json`.

Names (and the scope, which depends on where the home folder is) are read from the disk once,
when a file is collected; its kept raw input records them, so a rebuild elsewhere gives the same
names.

Example:
    >>> names = config_names(Path("src/acme-api/.cursor/mcp.json"), "project", on_disk=False)
    >>> names.project, names.identity
    ('acme-api', 'acme-api')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

PROJECT_FILES = ("lineage.yaml", "lineage.yml")


@dataclass(frozen=True)
class Names:
    """The names of one config: its project (project scope), its file-level client identity, the
    project of each `~/.claude.json` project entry (by the directory written in the file), and the
    scope it was read with (which depends on where the home folder is)."""

    project: str | None
    identity: str
    local: Mapping[str, str] = field(default_factory=dict)
    scope: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"project": self.project, "identity": self.identity, "local": dict(self.local), "scope": self.scope}

    @classmethod
    def from_dict(cls, data: Any) -> Names | None:
        """Names kept with a raw input; None when absent or malformed."""
        if not isinstance(data, Mapping) or not isinstance(data.get("identity"), str):
            return None
        project, local, scope = data.get("project"), data.get("local"), data.get("scope")
        return cls(project if isinstance(project, str) else None, data["identity"],
                   {str(k): str(v) for k, v in local.items()} if isinstance(local, Mapping) else {},
                   scope if isinstance(scope, str) else None)


def workspace(path: PurePath) -> PurePath:
    """The folder a client reads a project config for: the folder holding it, or the one above a
    client's dot-folder (`.cursor/mcp.json`, `.vscode/mcp.json`, `.continue/mcpServers/x.yaml`)."""
    for above in (path.parent, path.parent.parent):  # `.continue/mcpServers/x.yaml` too
        if above.name.startswith(".") and above.name not in (".", ".."):
            return above.parent
    return path.parent


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (OSError, RuntimeError):
        return None


def _configured(folder: Path) -> str | None:
    """The project name a folder's `lineage.yaml` gives (`mcp: {project: NAME}`), if any."""
    from lineage.yamlsafe import YamlError, load_yaml

    for name in PROJECT_FILES:
        file = folder / name
        try:
            if not file.is_file():
                continue
            data, _ = load_yaml(file.read_bytes(), str(file))
        except (OSError, YamlError, ValueError):
            return None
        section = data.get("mcp") if isinstance(data, Mapping) else None
        value = section.get("project") if isinstance(section, Mapping) else None
        return value.strip() if isinstance(value, str) and value.strip() else None
    return None


def project_root(start: Path) -> tuple[Path, str] | None:
    """The project folder holding `start` (a resolved folder) and its name; None outside any project."""
    home = _home()
    for folder in (start, *start.parents):
        if folder == home or folder.parent == folder:
            return None
        if folder.name.startswith("."):
            continue
        configured = _configured(folder)
        if configured:
            return folder, configured
        try:
            if (folder / ".git").exists():
                return folder, folder.name
        except OSError:
            return None
    return None


def project_name(folder: Path) -> str:
    """The name of the project a workspace folder (resolved, on disk) belongs to (see the module docstring)."""
    root = project_root(folder)
    if root is None:
        return folder.name or str(folder)
    top, name = root
    inner = folder.relative_to(top).as_posix()
    return name if inner == "." else f"{name}/{inner}"


def _last_part(path: str) -> str:
    return re.split(r"[\\/]", path.rstrip("/\\"))[-1]


def _under_home(path: PurePath) -> str | None:
    home = _home()
    if home is None or not path.is_absolute():
        return None
    try:
        return "~/" + PurePath(path).relative_to(home).as_posix()
    except ValueError:
        return None


def config_names(where: PurePath, scope: str, *, on_disk: bool, local: Iterable[str] = ()) -> Names:
    """The names of the config at `where` (see the module docstring).

    Args:
        where: the config's path (as collected).
        scope: its scope (`project`, `user`, `managed`; see `formats.identify`).
        on_disk: whether `where` is a file to look around (else only its path is read).
        local: the project directories of its `~/.claude.json` project entries.
    """
    path = Path(where).resolve() if on_disk else where
    local_names = {d: (project_name(Path(d).resolve()) if on_disk and Path(d).is_dir() else _last_part(d)) or d
                   for d in local}
    if scope == "project":
        folder = workspace(path)
        name = project_name(Path(folder)) if on_disk else (folder.name or None)
        return Names(name, name or str(where), local_names, scope)
    root = project_root(Path(path).parent) if on_disk else None
    if root is not None:
        return Names(None, f"{root[1]}/{Path(path).relative_to(root[0]).as_posix()}", local_names, scope)
    return Names(None, _under_home(path) or _under_home(where) or str(where), local_names, scope)
