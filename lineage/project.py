"""The project file (`lineage.yaml`), read once and passed down.

One `Project` holds everything the file configures: the settings (with the environment and the
flags over them), the policy, the scheduled jobs, the endpoint's API tokens and the MCP
collector's well-known server overrides. The file is read and parsed as YAML once, when the
project is loaded; each section is checked when it is first asked for, so an invalid policy
section fails the commands that use the policy and nothing else.

Example:
    >>> project = load_project(None, db="x.duckdb")
    >>> project.file, project.settings.db, project.policy.rules, project.jobs.jobs, project.api_tokens
    (None, 'x.duckdb', (), (), ())
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage.errors import ConfigError
from lineage.settings import Settings, settings_from
from lineage.yamlsafe import Locator, load_yaml

if TYPE_CHECKING:
    from lineage.jobs.config import JobsConfig
    from lineage.policy.project import PolicyConfig

PROJECT_FILES = ("lineage.yaml", "lineage.yml")


def find_project_file(explicit: str | Path | None = None, cwd: Path | None = None) -> Path | None:
    """The project file to read: the explicit one, else the first of PROJECT_FILES in `cwd`.

    Raises:
        ConfigError: an explicit project file does not exist.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: project file not found")
        return path
    base = cwd or Path.cwd()
    for name in PROJECT_FILES:
        if (base / name).is_file():
            return base / name
    return None


class Project:
    """The project file's sections (see the module); build it with `load_project`."""

    def __init__(self, file: Path | None, data: Any, locator: Locator | None,
                 overrides: Mapping[str, Any] | None = None) -> None:
        if data is not None and not isinstance(data, dict):
            raise ConfigError(f"{file}:1: the project file must be a mapping")
        self.file = file
        self._data: dict[str, Any] = data or {}
        self._locator = locator
        self._overrides = dict(overrides or {})
        self._collector_overrides: dict[str, dict[str, Any]] = {}

    @property
    def source(self) -> str:
        """The file's name as findings and errors cite it."""
        return str(self.file) if self.file else "lineage.yaml"

    @cached_property
    def settings(self) -> Settings:
        """Flags over the environment over the file's `store:` over the defaults."""
        return settings_from(self._data.get("store"), self._overrides)

    @cached_property
    def policy(self) -> PolicyConfig:
        """The `policy:`, `rules:` and `reviews:` sections."""
        from lineage.policy.project import PolicyConfig, policy_config_from

        if self._locator is None:
            return PolicyConfig()
        return policy_config_from(self._data, self._locator, self.source)

    @cached_property
    def jobs(self) -> JobsConfig:
        """The `jobs:` and `monitor:` sections; paths in them are relative to the file's folder."""
        from lineage.jobs.config import JobsConfig, parse_jobs

        if self.file is None or self._locator is None:
            return JobsConfig(base_dir=Path.cwd())
        return parse_jobs(self._data, self._locator, base_dir=self.file.resolve().parent, source=self.source)

    @cached_property
    def api_tokens(self) -> tuple[str, ...]:
        """`server.api_tokens`: the endpoint's bearer tokens kept in the file (besides the environment's)."""
        server = self._data.get("server")
        listed = server.get("api_tokens") if isinstance(server, dict) else None
        if listed is None:
            return ()
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            raise ConfigError(f"{self.source}: server.api_tokens must be a list of strings")
        return tuple(t.strip() for t in listed if t.strip())

    @cached_property
    def mcp_known_servers(self) -> Mapping[str, Any]:
        """`mcp.known_servers`: entries that extend or replace the MCP collector's well-known servers."""
        section = self._data.get("mcp")
        known = section.get("known_servers") if isinstance(section, Mapping) else None
        return known if isinstance(known, Mapping) else {}

    @cached_property
    def dbt_job_namespace(self) -> str:
        """The job namespace of dbt's processes, as dbt-ol names its jobs: `OPENLINEAGE_NAMESPACE`
        (what dbt-ol reads), else the file's `dbt: {job_namespace: NS}`, else ``dbt`` (dbt-ol's
        default); `with_collector_options` (`lineage collect --job-namespace`) wins over all.

        Raises:
            ConfigError: `dbt.job_namespace` is not a non-empty string.
        """
        import os

        from lineage.naming import DBT_JOB_NAMESPACE_VARIABLE, dbt_job_namespace

        section = self._data.get("dbt")
        given = section.get("job_namespace") if isinstance(section, Mapping) else None
        if given is not None and (not isinstance(given, str) or not given.strip()):
            raise ConfigError(f"{self.source}: dbt.job_namespace must be a non-empty string")
        if os.environ.get(DBT_JOB_NAMESPACE_VARIABLE, "").strip():
            return dbt_job_namespace(os.environ)
        return dbt_job_namespace({DBT_JOB_NAMESPACE_VARIABLE: given or ""})

    def collector_options(self) -> dict[str, dict[str, Any]]:
        """Options the project file (and the flags given to `with_collector_options`) give
        collectors, by collector name; dbt's always has its `job_namespace`."""
        options: dict[str, dict[str, Any]] = {"dbt": {"job_namespace": self.dbt_job_namespace}}
        if self.mcp_known_servers:
            options["mcp"] = {"known_servers": self.mcp_known_servers}
        for name, given in self._collector_overrides.items():
            options[name] = {**options.get(name, {}), **given}
        return options

    def with_collector_options(self, options: Mapping[str, Mapping[str, Any]]) -> Project:
        """This project with collector options from flags over the file's (None values ignored).

        Example:
            >>> load_project(None).with_collector_options({"dbt": {"job_namespace": "dbt-dev"}}) \\
            ...     .collector_options()["dbt"]
            {'job_namespace': 'dbt-dev'}
        """
        copy = Project(self.file, self._data, self._locator, self._overrides)
        copy._collector_overrides = {name: dict(values) for name, values in self._collector_overrides.items()}
        for name, given in options.items():
            if values := {k: v for k, v in given.items() if v is not None}:
                copy._collector_overrides[name] = {**copy._collector_overrides.get(name, {}), **values}
        return copy


def load_project(explicit: str | Path | None = None, *, cwd: Path | None = None, **overrides: Any) -> Project:
    """The project: `explicit` (`--project FILE`), else `./lineage.yaml` if present, else none;
    `overrides` are flags (`db=...`; None values ignored) that win over the environment and file.

    Raises:
        ConfigError: a named file is missing, or the file is not safe YAML or not a mapping.
    """
    path = find_project_file(explicit, cwd)
    data, locator = load_yaml(path.read_bytes(), str(path)) if path is not None else (None, None)
    return Project(path, data, locator, {k: v for k, v in overrides.items() if v is not None})
