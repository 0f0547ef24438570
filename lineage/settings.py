"""One typed, immutable settings object: where the store is and the limits commands keep.

Lookup order, first wins: explicit arguments (command-line flags), environment variables
(`LINEAGE_DB`, nested settings with `__`, e.g. `LINEAGE_SERVER__PORT`), the project file's
`store:` (`lineage.project`), then defaults. The environment is never written to.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lineage.errors import ConfigError


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


def settings_from(store: Any, overrides: dict[str, Any]) -> Settings:
    """Settings from flags (`overrides`), the environment and the project file's `store:` value
    (a string, or a mapping with `db`); `lineage.project.Project.settings` is the one caller.

    Raises:
        ConfigError: a value is invalid (named without the value: a store URL may hold a password).

    Example:
        >>> settings_from(None, {"db": "x.duckdb"}).db
        'x.duckdb'
        >>> settings_from("host=db dbname=lineage user=ana", {}).db
        'postgresql://ana@db/lineage'
    """
    file_values: dict[str, Any] = {}
    if isinstance(store, dict) and "db" in store:
        file_values["db"] = store["db"]
    elif isinstance(store, str):
        file_values["db"] = store
    try:
        env_only = Settings()
    except ValidationError as exc:
        raise ConfigError(f"invalid LINEAGE_ environment variable: {_errors(exc)}") from None
    merged = {**file_values, **{k: getattr(env_only, k) for k in env_only.model_fields_set}, **overrides}
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_errors(exc)) from None


def _errors(exc: ValidationError) -> str:
    """What is wrong, setting by setting, without the values given (a store URL may hold a password)."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
                     for e in exc.errors(include_url=False, include_input=False))
