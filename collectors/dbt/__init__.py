"""The dbt collector: a project's artifacts (`target/manifest.json`, and `catalog.json` beside it)
into datasets, processes, edges and column lineage named as dbt-ol names them.

A manifest is found by itself (`lineage collect my_project/` walks into `target/`). The project
around it gives the naming: `dbt_project.yml` (the profile) and `profiles.yml` in the project
directory (else `~/.dbt/profiles.yml`) give the target whose adapter and connection make the
dataset namespace (see `profiles.py`). Options (`with_options`): `target` (default: the profile's
own), `namespace` (skip the profile), `job_namespace` (default `dbt`, what dbt-ol uses when
`OPENLINEAGE_NAMESPACE` is unset; `lineage collect` passes that variable, `--job-namespace` or the
project file's `dbt: {job_namespace: ...}`, so processes merge with dbt-ol's jobs).

Manifest schema versions 7 to 12 are read; a newer one is read as 12 with a warning, an older or
unknown one is an error. Modules: `manifest` (the mapping), `sql` (column lineage), `tags`, `profiles`.

Example:
    >>> DbtCollector().detect(Path("target/manifest.json"),
    ...     b'{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"')
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from collectors.base import Source, register_collector
from collectors.dbt.manifest import COLLECTOR, KNOWN_VERSIONS, Naming, map_manifest, schema_version
from collectors.dbt.profiles import DIALECTS, namespace_of
from lineage.models import Environment, LineageBatch, RawInput
from lineage.naming import DBT_JOB_NAMESPACE
from lineage.yamlsafe import YamlError, load_yaml

__all__ = ["COLLECTOR", "DbtCollector"]

ENVELOPE = "lineage-dbt-artifacts"
"""The raw input kept for a manifest: `{"format", "manifest", "catalog", "naming"}`, so a rebuild
reads it exactly as the first collection did, without the project around it."""

_ENVIRONMENTS = {"prod": Environment.PROD, "production": Environment.PROD, "staging": Environment.STAGING,
                 "dev": Environment.DEV, "development": Environment.DEV, "ci": Environment.TEST,
                 "test": Environment.TEST}


def _yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_bytes(), str(path))[0] if path.is_file() else None
    except (OSError, YamlError):
        return None


def _project_of(path: Path) -> Path | None:
    """The dbt project folder holding `path` (at most four levels up), or None."""
    for folder in list(path.parents)[:5]:
        if (folder / "dbt_project.yml").is_file():
            return folder
    return None


class _Profile:
    """The profile target of the project around a manifest (I/O at the edge)."""

    def __init__(self, manifest_path: Path | None, target: str | None) -> None:
        self.project: Any = None
        self.target_name = target
        self.target: Mapping[str, Any] | None = None
        self.where = "no dbt_project.yml found beside the target folder"
        if manifest_path is None:
            return
        for folder in (manifest_path.parent.parent, manifest_path.parent):
            project = _yaml(folder / "dbt_project.yml")
            if isinstance(project, Mapping):
                self.project = project
                break
        else:
            return
        profile_name = str(self.project.get("profile") or self.project.get("name"))
        for profiles_path in (folder / "profiles.yml", Path.home() / ".dbt" / "profiles.yml"):
            profiles = _yaml(profiles_path)
            profile = profiles.get(profile_name) if isinstance(profiles, Mapping) else None
            if isinstance(profile, Mapping):
                self.target_name = target or str(profile.get("target") or "default")
                outputs = profile.get("outputs") or {}
                found = outputs.get(self.target_name) if isinstance(outputs, Mapping) else None
                self.target = found if isinstance(found, Mapping) else None
                self.where = f"{profiles_path}: profile {profile_name!r} target {self.target_name!r}"
                return
        self.where = f"no profile {profile_name!r} in {folder / 'profiles.yml'} or ~/.dbt/profiles.yml"


@register_collector
class DbtCollector:
    """dbt manifests (with their catalog and project); see the module docstring."""

    name = COLLECTOR

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options = dict(options or {})

    def with_options(self, options: Mapping[str, Any]) -> DbtCollector:
        unknown = set(options) - {"target", "namespace", "job_namespace", "adapter"}
        if unknown:
            from lineage.errors import CollectorError

            raise CollectorError(f"unknown dbt option(s): {', '.join(sorted(unknown))}")
        return DbtCollector({**self.options, **options})

    def detect(self, path: Path, head: bytes) -> bool:
        """dbt manifests (catalog.json is read with its manifest; run results are not lineage), and the
        Jinja SQL of a dbt project's models, macros and snapshots, which its manifest covers."""
        if path.suffix.lower() == ".sql":
            return (b"{{" in head or b"{%" in head) and _project_of(path) is not None
        return path.suffix.lower() == ".json" and b'"dbt_schema_version"' in head and b"/manifest/v" in head

    def collect(self, source: Source) -> LineageBatch:
        batch = LineageBatch(collector=COLLECTOR, source=source.name)
        if Path(source.name).suffix.lower() == ".sql":
            return batch  # a dbt template: its lineage comes from the project's manifest
        read = _read_manifest(source, batch)
        if read is None or not _version_read(read[0], batch):
            return batch
        manifest, kept = read
        naming, target_name, adapter = self._naming(manifest, kept, source, batch)
        catalog = kept.get("catalog") if kept is not None else _catalog_beside(source, batch)
        facts, notes = map_manifest(manifest, catalog if isinstance(catalog, Mapping) else None, naming, source.name)
        batch.extend(facts)
        for note in notes:
            batch.problem(note, severity="warning")
        envelope = {"format": ENVELOPE, "manifest": manifest, "catalog": catalog,
                    "naming": {"namespace": naming.namespace, "job_namespace": naming.job_namespace,
                               "target": target_name, "adapter": adapter}}
        batch.raw = RawInput(collector=COLLECTOR, source=source.name,
                             content=json.dumps(envelope, separators=(",", ":")).encode())
        return batch

    def _naming(self, manifest: Mapping[str, Any], kept: Mapping[str, Any] | None, source: Source,
                batch: LineageBatch) -> tuple[Naming, str, str]:
        """How datasets and jobs are named: the options, else the naming a kept raw input was read
        with, else the profile target of the project around the manifest; and the target and adapter."""
        adapter = str((manifest.get("metadata") or {}).get("adapter_type") or "")
        options = {**(kept.get("naming") or {}), **self.options} if kept is not None else self.options
        profile = _Profile(source.path, options.get("target"))
        if kept is not None:
            profile.target_name = options.get("target")
            adapter = str(options.get("adapter") or adapter)
        namespace = options.get("namespace")
        if namespace is None and profile.target is not None:
            try:
                namespace = namespace_of(profile.target)
                adapter = str(profile.target.get("type") or adapter)
            except ValueError as exc:
                batch.problem(f"{profile.where}: {exc}", severity="warning")
        if namespace is None:
            project = (manifest.get("metadata") or {}).get("project_name") or "project"
            namespace = f"dbt://{project}"
            batch.problem(f"no dataset namespace: {profile.where}; datasets are named under {namespace} and "
                          "will not merge with OpenLineage events (pass --kind dbt with a namespace option)",
                          severity="warning")
        target_name = profile.target_name or "default"
        naming = Naming(namespace=str(namespace),
                        job_namespace=str(options.get("job_namespace") or DBT_JOB_NAMESPACE),
                        environment=_ENVIRONMENTS.get(target_name.lower()),
                        dialect=DIALECTS.get(adapter.lower(), "generic"))
        return naming, target_name, adapter


def _read_manifest(source: Source, batch: LineageBatch) -> tuple[Mapping[str, Any], Mapping[str, Any] | None] | None:
    """The manifest, and the kept raw input it came in (the manifest, its catalog and the naming it
    was read with) if it did; None, with a problem, when it is not a manifest."""
    try:
        manifest = json.loads(source.data)
    except (ValueError, UnicodeDecodeError) as exc:
        batch.problem(f"not valid JSON: {exc}"[:300])
        return None
    kept = manifest if isinstance(manifest, Mapping) and manifest.get("format") == ENVELOPE else None
    if kept is not None:
        manifest = kept.get("manifest")
    if not isinstance(manifest, Mapping) or not isinstance(manifest.get("nodes"), Mapping):
        batch.problem("not a dbt manifest: no `nodes` object at the root", field="nodes")
        return None
    return manifest, kept


def _version_read(manifest: Mapping[str, Any], batch: LineageBatch) -> bool:
    """Whether the manifest's schema version is one read (a newer one is, as the newest known, with a warning)."""
    version = schema_version(manifest)
    if version is None or version < KNOWN_VERSIONS.start:
        batch.problem(f"unknown manifest schema version {version or '(none)'}: versions "
                      f"v{KNOWN_VERSIONS.start} to v{KNOWN_VERSIONS.stop - 1} are read",
                      field="metadata.dbt_schema_version")
        return False
    if version >= KNOWN_VERSIONS.stop:
        batch.problem(f"manifest schema v{version} is newer than v{KNOWN_VERSIONS.stop - 1}; read as "
                      f"v{KNOWN_VERSIONS.stop - 1}", field="metadata.dbt_schema_version", severity="warning")
    return True


def _catalog_beside(source: Source, batch: LineageBatch) -> Any:
    """The `catalog.json` beside a manifest read from a file, if there is one."""
    if source.path is None or not (source.path.parent / "catalog.json").is_file():
        return None
    try:
        return json.loads((source.path.parent / "catalog.json").read_bytes())
    except (OSError, ValueError) as exc:
        batch.problem(f"catalog.json beside the manifest cannot be read: {exc}"[:300], severity="warning")
        return None
