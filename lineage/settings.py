"""One typed, immutable settings object, read once and passed down.

Lookup order, first wins: explicit arguments (command-line flags), environment variables
(`LINEAGE_DB`, nested settings with `__`, e.g. `LINEAGE_SERVER__PORT`), the project file
(`--project FILE`, else `./lineage.yaml` or `./lineage.yml`), then defaults. The environment is
never written to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lineage.errors import ConfigError

PROJECT_FILES = ("lineage.yaml", "lineage.yml")
DB_HELP = ("The store: a DuckDB file, a postgresql:// URL or a libpq connection string ('host=db dbname=lineage'). "
           "Default ./lineage.duckdb, or env LINEAGE_DB, or `store:` in lineage.yaml.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINEAGE_", env_nested_delimiter="__", frozen=True,
                                      extra="forbid", hide_input_in_errors=True)  # a store URL may hold a password

    db: str = "lineage.duckdb"
    """A DuckDB file or a `postgresql://` URL; a libpq keyword/value connection string is turned into
    the URL that says the same, so nothing downstream takes it for a file name."""
    lock_timeout: float = 60.0
    max_source_bytes: int = 512 * 1024 * 1024

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings

    @field_validator("db", mode="after")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        from lineage.errors import StoreError
        from lineage.store import postgres_location

        try:
            return postgres_location(value)
        except StoreError as exc:
            raise ValueError(str(exc)) from None


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


def load_settings(project: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from flags (`overrides`, `None` values ignored), the environment and the project file.

    Raises:
        ConfigError: the project file or a value is invalid.

    Example:
        >>> load_settings(db="x.duckdb").db
        'x.duckdb'
        >>> load_settings(db="host=db dbname=lineage user=ana").db
        'postgresql://ana@db/lineage'
    """
    from lineage.yamlsafe import load_yaml

    file_values: dict[str, Any] = {}
    path = find_project_file(project)
    if path is not None:
        data, _ = load_yaml(path.read_bytes(), str(path))
        if data is not None and not isinstance(data, dict):
            raise ConfigError(f"{path}:1: the project file must be a mapping")
        store = (data or {}).get("store")
        if isinstance(store, dict) and "db" in store:
            file_values["db"] = store["db"]
        elif isinstance(store, str):
            file_values["db"] = store
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        env_only = Settings()
    except ValidationError as exc:
        raise ConfigError(f"invalid LINEAGE_ environment variable: {_errors(exc)}") from None
    merged = {**file_values, **{k: getattr(env_only, k) for k in env_only.model_fields_set}, **given}
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_errors(exc)) from None


def _errors(exc: ValidationError) -> str:
    """What is wrong, setting by setting, without the values given (a store URL may hold a password)."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
                     for e in exc.errors(include_url=False, include_input=False))
