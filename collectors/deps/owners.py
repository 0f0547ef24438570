"""Which processes run the components a dependency file lists.

A file is read with the pipeline specs around it (its folder and up to two folders above) and
the MCP client configs in its folder:

1. the processes whose spec names the file under `requirements` or `sbom` (paths relative to
   the spec), when any does;
2. else the spec's own jobs (not third-party processors) declared in the file's folder: a lock
   file next to the code and the spec of the jobs that run it; without a spec there, the jobs
   the code collector maps from the Python files in the folder (`python://<project>` / `<module.function>`);
3. MCP servers configured in the folder whose launcher package the file lists (a
   `package-lock.json` of the server itself, or an advisory about its package) get that package
   and, for the server's own lock file, everything it locks;
4. else the application the file describes: a process `deps` / `<project name>` (the SBOM's
   subject, `[project].name`, the `package.json` name), else `deps` / `<folder name>`.

What was found is kept with the raw input, so a rebuild attaches the components to the same
processes without reading the folder again.

Example:
    >>> Owner("airflow-prod", "ingest").takes("pypi", "requests", None)
    True
    >>> Owner("mcp://github", "claude/github", package="@modelcontextprotocol/server-github").takes(
    ...     "npm", "zod", "other-project")
    False
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from lineage.models import component_key

MAX_SPEC_BYTES = 2 * 1024 * 1024
"""Specs larger than this are not read to find owners."""
MAX_FILES = 200
"""The most files of one folder looked at to find owners."""
MAX_CODE_FILES = 50
"""The most Python files of the folder the code collector maps to find the jobs a lock file serves."""
FOLDERS_UP = 2
"""How many folders above a dependency file a spec that names it may sit."""
APPLICATION_NAMESPACE = "deps"


@dataclass(frozen=True)
class Owner:
    """A process that runs components; `package` limits an MCP server to its launcher package."""

    namespace: str
    name: str
    package: str | None = None
    how: str = "folder"

    def takes(self, ecosystem: str | None, name: str, project: str | None) -> bool:
        """Whether the component `name` (of a file about `project`) runs in this process."""
        if self.package is None:
            return True
        base = _package_name(self.package)
        return (project is not None and _package_name(project) == base) or \
            component_key(ecosystem, name) in (component_key(ecosystem, base), component_key("npm", base))

    def as_json(self) -> list[str | None]:
        return [self.namespace, self.name, self.package, self.how]

    @classmethod
    def from_json(cls, value: object) -> Owner | None:
        if isinstance(value, list) and len(value) == 4 and all(isinstance(v, str | None) for v in value) \
                and value[0] and value[1]:
            return cls(str(value[0]), str(value[1]), value[2], str(value[3] or "folder"))
        return None


def _package_name(spec: str) -> str:
    """A launcher package without its version: `pkg@1.2` -> `pkg`, `@s/p@1` -> `@s/p`, `pkg==1` -> `pkg`."""
    spec = re.split(r"[=<>~!]=?|\[", spec, maxsplit=1)[0]
    at = spec.rfind("@")
    return spec[:at] if at > 0 else spec


def _files(folder: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    try:
        entries = sorted(folder.iterdir())[:MAX_FILES]
    except OSError:
        return
    for entry in entries:
        if entry.suffix.lower() in suffixes and entry.is_file() and not entry.is_symlink():
            yield entry


def _spec_processes(spec_path: Path) -> Iterator[tuple[str, str, bool, list[Path]]]:
    """(namespace, name, internal, declared dependency files) of each process a spec declares."""
    from collectors.spec.format import PipelineSpec
    from lineage.yamlsafe import YamlError, load_yaml

    try:
        if spec_path.stat().st_size > MAX_SPEC_BYTES:
            return
        data, _ = load_yaml(spec_path.read_bytes(), str(spec_path))
        spec = PipelineSpec.model_validate(data)
    except (OSError, YamlError, ValidationError, ValueError):
        return
    for p in spec.processes:
        namespace = p.namespace or spec.defaults.process_namespace or spec.pipeline
        internal = not p.third_party and p.processor_type is None
        yield namespace, p.name, internal, [(spec_path.parent / f).resolve() for f in (*p.requirements, *p.sbom)]


def _looks_like_spec(path: Path) -> bool:
    """A YAML file with `version` near its top and a `processes` section."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_SPEC_BYTES + 1)
    except OSError:
        return False
    return len(data) <= MAX_SPEC_BYTES and b"version" in data[:4096] and b"\nprocesses:" in data


def _mcp_servers(folder: Path) -> Iterator[tuple[str, str, str]]:
    """(namespace, name, package) of the MCP servers configured in `folder` with a launcher package."""
    from collectors.base import Source, get_collector

    mcp = get_collector("mcp")
    for config in _files(folder, (".json", ".toml", ".yaml", ".yml")):
        try:
            with config.open("rb") as fh:
                head = fh.read(4096)
            if not mcp.detect(config, head) or config.stat().st_size > MAX_SPEC_BYTES:
                continue
            batch = mcp.collect(Source(name=str(config), data=config.read_bytes(), path=config))
        except OSError:
            continue
        for fact in batch.facts:
            if getattr(fact, "fact", None) == "process" and getattr(fact, "package", None):
                yield fact.namespace, fact.name, str(fact.package)  # type: ignore[union-attr]


def _code_jobs(folder: Path) -> Iterator[tuple[str, str]]:
    """(namespace, name) of the internal jobs the code collector maps from the Python files in `folder`."""
    from collectors.base import Source, get_collector
    from lineage.errors import CollectorError

    try:
        code = get_collector("code")
    except CollectorError:
        return
    for module in list(_files(folder, (".py",)))[:MAX_CODE_FILES]:
        try:
            if module.stat().st_size > MAX_SPEC_BYTES:
                continue
            data = module.read_bytes()
            if not code.detect(module, data[:4096]):
                continue
            batch = code.collect(Source(name=str(module), data=data, path=module))
        except OSError:
            continue
        for fact in batch.facts:
            if getattr(fact, "fact", None) == "process" and not getattr(fact, "third_party", None) \
                    and getattr(fact, "processor_type", None) is None and getattr(fact, "job_type", None) != "model":
                yield fact.namespace, fact.name  # type: ignore[union-attr]


def find_owners(path: Path, project: str | None) -> list[Owner]:
    """The processes that run what the dependency file at `path` lists (see the module docstring)."""
    target = path.resolve()
    folder = target.parent
    declared: list[Owner] = []
    beside: list[Owner] = []
    for depth, spec_folder in enumerate([folder, *folder.parents][: FOLDERS_UP + 1]):
        for spec in _files(spec_folder, (".yaml", ".yml")):
            if not _looks_like_spec(spec):
                continue
            for namespace, name, internal, files in _spec_processes(spec):
                if target in files:
                    declared.append(Owner(namespace, name, how="spec"))
                elif depth == 0 and internal:
                    beside.append(Owner(namespace, name))
    if declared:
        return list(dict.fromkeys(declared))
    if not beside:
        beside = [Owner(ns, name, how="code") for ns, name in _code_jobs(folder)]
    mcp = [Owner(ns, name, package=package, how="mcp") for ns, name, package in _mcp_servers(folder)]
    owners = list(dict.fromkeys([*beside, *mcp]))
    return owners or [Owner(APPLICATION_NAMESPACE, project or folder.name or "application", how="application")]
