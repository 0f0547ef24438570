"""The `deps` collector: the libraries (and models) pipelines run, and their known vulnerabilities.

It reads what a project already has, offline:

- SBOMs: CycloneDX JSON 1.4-1.6 (`cyclonedx-py`, syft, cdxgen; grype and trivy with a
  `vulnerabilities` section) and SPDX JSON (`sboms.py`);
- Python requirement and lock files: `requirements*.txt` with `--hash`, `pyproject.toml`,
  `poetry.lock`, `uv.lock`, `Pipfile.lock` (`python_files.py`);
- npm manifests: `package.json`, `package-lock.json` (`npm_files.py`), as MCP servers ship them;
- vulnerability reports: pip-audit JSON and OSV records (`advisories.py`).

Each component (name, version, whether it is pinned exactly, hashes, licenses, package URL, the
file and line that listed it, its vulnerabilities) goes on the processes that run it, found from
the specs and MCP configs around the file (`owners.py`), as `Process.components`. Components of
one process merge by ecosystem and name, so a lock file and a scanner report about the same
package make one component with both the pin and the advisory.

A file the collector cannot read is one error with its line; a bad entry is one problem with its
JSON path or line, and the other entries are kept. Nothing is fetched: advisories are what the
files say.

Example:
    >>> batch = DepsCollector().collect(Source(name="x/requirements.txt", data=b"jinja2==3.1.2\\n"))
    >>> [(f.namespace, f.name, [c.name for c in f.components]) for f in batch.facts]
    [('deps', 'x', ['jinja2'])]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path, PurePath

from collectors.base import Source, register_collector
from collectors.deps.owners import APPLICATION_NAMESPACE, Owner, find_owners
from collectors.deps.python_files import Found
from lineage.models import Evidence, LineageBatch, Process, RawInput

COLLECTOR = "deps"
BUNDLE = "lineage-deps-input"
"""The raw input kept: `{"format", "kind", "content", "owners"}`, so a rebuild needs no folder."""
MAX_BYTES = 100 * 1024 * 1024
"""The largest file read; a larger one is an error."""

_FILE_KINDS = {"pyproject.toml": "pyproject", "poetry.lock": "poetry-lock", "uv.lock": "uv-lock",
               "pipfile.lock": "pipfile-lock", "package.json": "package-json", "package-lock.json": "package-lock",
               "npm-shrinkwrap.json": "package-lock"}
_CREDENTIALS = re.compile(r"(?<=://)[^/\s:@]+(?::[^/\s@]*)?@")


def _requirements_name(path: PurePath) -> bool:
    name = path.name.lower()
    return name.endswith(".txt") and (name.startswith("requirements") or path.parent.name.lower() == "requirements"
                                      or name.endswith((".requirements.txt", "-requirements.txt")))


def kind_of(path: PurePath, head: bytes) -> str | None:
    """Which dependency format a file is, from its name and first bytes, or None.

    Example:
        >>> kind_of(PurePath("requirements-dev.txt"), b""), kind_of(PurePath("x.json"), b'{"bomFormat": "CycloneDX"')
        ('requirements', 'sbom')
    """
    name = path.name.lower()
    if name in _FILE_KINDS:
        return _FILE_KINDS[name]
    if _requirements_name(path):
        return "requirements"
    if not name.endswith(".json"):
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b'{"format": "' + BUNDLE.encode()):
        return "bundle"
    lower = text.lower()
    if name.endswith((".cdx.json", ".spdx.json")) or name in ("bom.json", "sbom.json") or (
            b"cyclonedx" in lower and (b'"bomformat"' in lower or b'"components"' in lower or b'"metadata"' in lower)):
        return "sbom"
    if b'"spdxVersion"' in text:
        return "spdx"
    if b'"dependencies"' in text and b'"vulns"' in text:
        return "pip-audit"
    if (b'"id"' in text and (b'"affected"' in text or b'"schema_version"' in text)) or \
            (text.startswith(b'{"vulns"') and b'"id"' in text):
        return "osv"
    return None


def _parse(kind: str, data: bytes, batch: LineageBatch) -> Found:
    from collectors.deps import advisories, npm_files, python_files, sboms

    readers: dict[str, Callable[[bytes, LineageBatch], Found]] = {
        "requirements": python_files.requirements, "pyproject": python_files.pyproject,
        "poetry-lock": python_files.poetry_lock, "uv-lock": python_files.uv_lock,
        "pipfile-lock": python_files.pipfile_lock, "package-json": npm_files.package_json,
        "package-lock": npm_files.package_lock}
    if kind in readers:
        return readers[kind](data, batch)
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        batch.problem(f"not valid JSON: {str(exc)[:200] or 'nested too deeply'}", line=getattr(exc, "lineno", None))
        return Found()
    if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
        return sboms.cyclonedx(doc, batch, len(data))
    if isinstance(doc, dict) and "spdxVersion" in doc:
        return sboms.spdx(doc, batch)
    if advisories.is_pip_audit(doc):
        return advisories.pip_audit(doc, batch)
    if advisories.is_osv(doc):
        return advisories.osv(doc, batch)
    batch.problem("not a CycloneDX or SPDX SBOM, a pip-audit report or OSV records: no bomFormat, spdxVersion, "
                  "dependencies with vulns, or records with id and affected")
    return Found()


def _unbundle(data: bytes) -> tuple[str, bytes, list[Owner]] | None:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != BUNDLE or not isinstance(doc.get("content"), str):
        return None
    owners = [o for o in (Owner.from_json(v) for v in doc.get("owners") or ()) if o is not None]
    return str(doc.get("kind")), doc["content"].encode(), owners


@register_collector
class DepsCollector:
    """Collects dependency files, SBOMs and vulnerability reports; see the module docstring."""

    name = COLLECTOR

    def detect(self, path: Path, head: bytes) -> bool:
        return kind_of(path, head) is not None

    def collect(self, source: Source) -> LineageBatch:
        batch = LineageBatch(collector=COLLECTOR, source=source.name)
        if len(source.data) > MAX_BYTES:
            batch.problem(f"the file is {len(source.data):,} bytes, over the {MAX_BYTES:,}-byte limit")
            return batch
        kind = "bundle" if source.data.startswith(b'{"format": "' + BUNDLE.encode()) else \
            kind_of(PurePath(source.name), source.data[:4096])
        owners: list[Owner] | None = None
        data = source.data
        if kind == "bundle":
            unbundled = _unbundle(source.data)
            if unbundled is None:
                batch.problem(f"not a {BUNDLE} document")
                return batch
            kind, data, owners = unbundled
        if kind is None or kind == "bundle":
            batch.problem("not a dependency file, SBOM or vulnerability report this collector knows")
            return batch
        found = _parse(kind, data, batch)
        if owners is None:
            where = source.path if source.path is not None else Path(source.name)
            owners = find_owners(where, found.project) if source.path is not None else \
                [Owner(APPLICATION_NAMESPACE, found.project or where.parent.name or "application", how="application")]
        self._attach(batch, found, owners)
        if not batch.errors or batch.facts:
            content = _CREDENTIALS.sub("[REDACTED]@", data.decode("utf-8", "replace"))
            bundle = {"format": BUNDLE, "kind": kind, "owners": [o.as_json() for o in owners], "content": content}
            batch.raw = RawInput(collector=COLLECTOR, source=source.name, content=json.dumps(bundle).encode())
        return batch

    @staticmethod
    def _attach(batch: LineageBatch, found: Found, owners: list[Owner]) -> None:
        if not found.components:
            return
        evidence = Evidence(collector=COLLECTOR, source=batch.source)
        taken: set[int] = set()
        for owner in owners:
            mine = [c for c in found.components if owner.takes(c.ecosystem, c.name, found.project)]
            taken.update(id(c) for c in mine)
            if mine or owner.how != "mcp":
                batch.add(Process(namespace=owner.namespace, name=owner.name, components=tuple(mine),
                                  job_type="application" if owner.how == "application" else None,
                                  evidence=evidence))
        rest = [c for c in found.components if id(c) not in taken]
        if rest:
            name = found.project or PurePath(batch.source).parent.name or "application"
            batch.add(Process(namespace=APPLICATION_NAMESPACE, name=name, components=tuple(rest),
                              job_type="application", evidence=evidence))
