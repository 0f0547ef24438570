"""The application a source file belongs to, named so that the name does not depend on where the
checkout lies: the nearest folder up from the file that names itself in `lineage.yaml`
(`code: {project: NAME}`) or holds `pyproject.toml`, `setup.py`, `setup.cfg` or `.git` (named by
its folder name), else the file's own folder. The module is the file's path in that folder,
dotted (`app/rag/ingest.py` -> `rag.ingest`; a notebook keeps its suffix off too).

Example:
    >>> module_name(PurePosixPath("rag/ingest.py"))
    'rag.ingest'
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path, PurePath, PurePosixPath

from lineage.yamlsafe import YamlError, load_yaml

MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
PROJECT_FILES = ("lineage.yaml", "lineage.yml")
_MAX_UP = 12

__all__ = ["PurePosixPath", "in_virtualenv", "module_name", "project_of"]


def _declared(folder: Path) -> str | None:
    for name in PROJECT_FILES:
        file = folder / name
        if file.is_file():
            try:
                data, _ = load_yaml(file.read_bytes()[: 1 << 20], str(file))
            except (YamlError, OSError):
                return None
            code = data.get("code") if isinstance(data, dict) else None
            project = code.get("project") if isinstance(code, dict) else None
            return project if isinstance(project, str) and project.strip() else None
    return None


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "app"


def project_of(path: Path) -> tuple[str, PurePath]:
    """The project's name and the file's path inside the project folder."""
    resolved = _resolved(path.parent) / path.name
    found = _project_folder(resolved.parent)
    if found is None:
        return slug(resolved.parent.name), PurePath(resolved.name)
    name, folder = found
    return name, resolved.relative_to(folder)


@lru_cache(maxsize=4096)
def _resolved(folder: Path) -> Path:
    return folder.resolve()


@lru_cache(maxsize=4096)
def _project_folder(folder: Path) -> tuple[str, Path] | None:
    """The project's name and folder for files in `folder` (looked up once per folder in a run)."""
    home = _home()
    for _ in range(_MAX_UP):
        declared = _declared(folder)
        if declared:
            return slug(declared), folder
        if any((folder / m).exists() for m in MARKERS):
            return slug(folder.name), folder
        if folder.parent == folder or folder == home:
            break
        folder = folder.parent
    return None


@lru_cache(maxsize=4096)
def in_virtualenv(folder: Path) -> bool:
    """Whether `folder` is inside a virtualenv (one of it or its parents holds `pyvenv.cfg`)."""
    if (folder / "pyvenv.cfg").is_file():
        return True
    return folder.parent != folder and in_virtualenv(folder.parent)


@lru_cache(maxsize=1)
def _home() -> Path:
    return Path.home().resolve()


def module_name(relative: PurePath) -> str:
    parts = [p for p in relative.with_suffix("").parts if p not in ("", ".", "..")]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or relative.stem or "module"
