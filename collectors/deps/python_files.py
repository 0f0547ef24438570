"""Python requirement and lock files: `requirements*.txt` (pins, `--hash`), `pyproject.toml`
(PEP 621 and Poetry tables, dependency groups), `poetry.lock`, `uv.lock` and `Pipfile.lock`.

TOML is read with the standard `tomllib`; a file that does not parse is one error with its line.

Example:
    >>> from lineage.models import LineageBatch
    >>> batch = LineageBatch(collector="deps", source="requirements.txt")
    >>> found = requirements(b"requests==2.31.0 --hash=sha256:ab\\nflask>=2\\n", batch)
    >>> [(c.name, c.version, c.pinned, c.hashes) for c in found.components]
    [('requests', '2.31.0', True, ('sha256:ab',)), ('flask', '>=2', False, ())]
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from collectors.deps.records import MAX_COMPONENTS, component, exact, licenses_of, strings, text
from lineage.models import Component, LineageBatch


@dataclass
class Found:
    """What one dependency file lists: its components and the project it describes (when it says)."""

    components: list[Component] = field(default_factory=list)
    project: str | None = None

    def add(self, item: Component | None, batch: LineageBatch, line: int | None = None) -> None:
        if item is None:
            return
        if len(self.components) >= MAX_COMPONENTS:
            if len(self.components) == MAX_COMPONENTS:
                batch.problem(f"more than {MAX_COMPONENTS} components: the rest are not kept", line=line)
                self.components.append(item)  # marks the report as made; dropped below
            return
        self.components.append(item)

    def done(self) -> Found:
        del self.components[MAX_COMPONENTS:]
        return self


_OPTION = re.compile(r"^-{1,2}[A-Za-z]")
_HASH = re.compile(r"--hash[= ](\S+)")


def _logical_lines(data: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line: `\\` continuations joined, comments dropped."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(data.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not parts:
            start = number
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        joined = " ".join(p.strip() for p in parts).strip()
        parts = []
        if joined:
            yield start, joined
    if parts and (joined := " ".join(p.strip() for p in parts).strip()):
        yield start, joined


def _pep508(spec: str, batch: LineageBatch, line: int | None, where: str | None = None) -> Component | None:
    """A component from one PEP 508 requirement (`name[extra]>=1; marker`), or an error."""
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        batch.problem(f"not a requirement: {str(exc)[:200]}", line=line, field=where)
        return None
    version = str(req.specifier) or None
    if req.url:  # a direct reference (`name @ https://...`): pinned only by a hash, if any
        return component("pypi", req.name, None, pinned=False, source=_at(batch, line))
    pinned_to = version[2:] if version and version.startswith("==") and "," not in version and "*" not in version \
        else None
    return component("pypi", req.name, pinned_to or version, pinned=pinned_to is not None and exact(pinned_to),
                     source=_at(batch, line))


def _at(batch: LineageBatch, line: int | None) -> str:
    return f"{batch.source}:{line}" if line else batch.source


def requirements(data: bytes, batch: LineageBatch) -> Found:
    """A pip requirements file: one requirement per line, with `--hash` options; `-r`, `-c` and
    index options are noted, not followed (a file is read alone)."""
    found = Found()
    for line, logical in _logical_lines(data.decode("utf-8", "replace")):
        hashes = tuple(_HASH.findall(logical))
        spec = _HASH.sub("", logical).strip()
        if spec.startswith(("-e ", "--editable")):
            batch.problem("an editable requirement is code from a folder or a repository, not a released "
                          "package: not pinned", line=line, severity="warning")
            continue
        if _OPTION.match(spec) or not spec:
            continue
        item = _pep508(spec, batch, line)
        if item is not None and hashes:
            item = item.model_copy(update={"hashes": hashes})
        found.add(item, batch, line)
    return found.done()


def _line_of(data: str, needle: str) -> int | None:
    at = data.find(needle)
    return data.count("\n", 0, at) + 1 if at >= 0 else None


def _package_line(data: str, name: object) -> int | None:
    """The line of `name = "..."` in the `[[package]]` table of that name."""
    line = _line_of(data, f'[[package]]\nname = "{name}"')
    return line + 1 if line is not None else None


def _toml(data: bytes, batch: LineageBatch) -> dict[str, Any] | None:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        batch.problem(f"not UTF-8 text: {exc.reason} at byte {exc.start}")
    except RecursionError:
        batch.problem("not valid TOML: nested too deeply")
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        if line is None and (m := re.search(r"line (\d+)", str(exc))):
            line = int(m.group(1))
        batch.problem(f"not valid TOML: {str(exc)[:200]}", line=line)
    return None


def pyproject(data: bytes, batch: LineageBatch) -> Found:
    """`[project]` dependencies, optional dependencies, `[dependency-groups]` and Poetry's tables."""
    found = Found()
    doc = _toml(data, batch)
    if doc is None:
        return found
    body = data.decode("utf-8")
    project: dict[str, Any] = doc["project"] if isinstance(doc.get("project"), dict) else {}
    poetry = doc.get("tool", {}).get("poetry") if isinstance(doc.get("tool"), dict) else None
    poetry = poetry if isinstance(poetry, dict) else {}
    found.project = text(project.get("name")) or text(poetry.get("name"))
    lists: list[tuple[str, str | None, Any]] = [("project.dependencies", None, project.get("dependencies"))]
    optional = project.get("optional-dependencies")
    for group, specs in (optional.items() if isinstance(optional, dict) else ()):
        lists.append((f"project.optional-dependencies.{group}", "optional", specs))
    groups = doc.get("dependency-groups")
    for group, specs in (groups.items() if isinstance(groups, dict) else ()):
        lists.append((f"dependency-groups.{group}", "optional", specs))
    for where, scope, specs in lists:
        if specs is None:
            continue
        if not isinstance(specs, list):
            batch.problem("expected a list of requirements", field=where)
            continue
        for spec in specs:
            if isinstance(spec, str):
                item = _pep508(spec, batch, _line_of(body, spec), where)
                found.add(item.model_copy(update={"scope": scope}) if item and scope else item, batch)
    for table, scope in (("dependencies", None), ("dev-dependencies", "optional")):
        deps = poetry.get(table)
        for name, value in (deps.items() if isinstance(deps, dict) else ()):
            if name.lower() == "python":
                continue
            version = value if isinstance(value, str) else value.get("version") if isinstance(value, dict) else None
            item = component("pypi", name, version, source=_at(batch, _line_of(body, name)))
            found.add(item.model_copy(update={"scope": scope}) if item and scope else item, batch)
    return found.done()


def _lock_packages(doc: Mapping[str, Any], batch: LineageBatch) -> list[Mapping[str, Any]]:
    packages = doc.get("package")
    if packages is None:
        return []
    if not isinstance(packages, list):
        batch.problem("expected [[package]] tables", field="package")
        return []
    return [p for p in packages if isinstance(p, dict)]


def _hashes(entries: Any) -> tuple[str, ...]:
    if not isinstance(entries, list):
        entries = [entries]
    return strings([e.get("hash") for e in entries if isinstance(e, dict)])


def poetry_lock(data: bytes, batch: LineageBatch) -> Found:
    """`poetry.lock`: every locked package with its version and file hashes (`files`, or the older
    `[metadata.files]`)."""
    found = Found()
    doc = _toml(data, batch)
    if doc is None:
        return found
    body = data.decode("utf-8")
    metadata = doc.get("metadata")
    old_files = metadata.get("files") if isinstance(metadata, dict) else None
    old_files = old_files if isinstance(old_files, dict) else {}
    for package in _lock_packages(doc, batch):
        name = package.get("name")
        files = package.get("files") if "files" in package else old_files.get(name) if isinstance(name, str) else None
        line = _package_line(body, name)
        item = component("pypi", name, package.get("version"), hashes=_hashes(files or []),
                         scope="optional" if package.get("optional") or package.get("category") == "dev" else None,
                         source=_at(batch, line))
        if item is None:
            batch.problem("a package with no name", line=line, field="package")
        found.add(item, batch, line)
    return found.done()


def uv_lock(data: bytes, batch: LineageBatch) -> Found:
    """`uv.lock`: every locked package with its version and the hashes of its sdist and wheels; the
    project itself (an editable or virtual source) names the project."""
    found = Found()
    doc = _toml(data, batch)
    if doc is None:
        return found
    body = data.decode("utf-8")
    for package in _lock_packages(doc, batch):
        source: dict[str, Any] = package["source"] if isinstance(package.get("source"), dict) else {}
        line = _package_line(body, package.get("name"))
        if "editable" in source or "virtual" in source:
            found.project = found.project or text(package.get("name"))
            continue
        hashes = _hashes(package.get("sdist") or []) + _hashes(package.get("wheels") or [])
        item = component("pypi", package.get("name"), package.get("version"), hashes=tuple(dict.fromkeys(hashes)),
                         source=_at(batch, line))
        if item is None:
            batch.problem("a package with no name", line=line, field="package")
        found.add(item, batch, line)
    return found.done()


def pipfile_lock(data: bytes, batch: LineageBatch) -> Found:
    """`Pipfile.lock` (JSON): `default` and `develop` packages with their `==` versions and hashes."""
    found = Found()
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        batch.problem(f"not valid JSON: {str(exc)[:200] or 'nested too deeply'}", line=getattr(exc, "lineno", None))
        return found
    if not isinstance(doc, dict):
        batch.problem("expected a JSON object with default and develop packages")
        return found
    for section, scope in (("default", None), ("develop", "optional")):
        packages = doc.get(section)
        for name, entry in (packages.items() if isinstance(packages, dict) else ()):
            if not isinstance(entry, dict):
                batch.problem("expected an object", field=f"$.{section}.{name}")
                continue
            version = entry.get("version")
            version = version[2:] if isinstance(version, str) and version.startswith("==") else version
            found.add(component("pypi", name, version, hashes=strings(entry.get("hashes")), scope=scope,
                                licenses=licenses_of(entry.get("license")), source=f"{batch.source}:$.{section}"),
                      batch)
    return found.done()
