"""The `jobs:` and `monitor:` sections of the project file, validated with `FILE:LINE` errors.

These sections are read here, apart from `lineage.settings.Settings`, so that each feature owns its
keys and an unknown key elsewhere in the file is not this module's business. Relative paths in
`sources:` and in a `jsonl` sink are read relative to the project file's folder.

Example:
    >>> cfg = parse_jobs({"jobs": [{"name": "events", "sources": ["logs/*.jsonl"], "schedule": "5m"}]},
    ...                  None, base_dir=Path("/srv/lineage"))
    >>> job = cfg.jobs[0]
    >>> job.name, job.schedule_rule.describe(), job.retry.attempts
    ('events', 'every 5m', 3)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from lineage.errors import ConfigError
from lineage.jobs.schedule import Schedule, parse_duration, parse_schedule
from lineage.yamlsafe import Locator

JOB_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


Seconds = Annotated[float, BeforeValidator(_duration), Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RetryPolicy(_Model):
    """How a source that fails for a passing reason (a locked store, a network error, an HTTP 5xx)
    is tried again: `attempts` tries in all, waiting `backoff`, then `multiplier` times longer each
    time, never more than `max_backoff`."""

    attempts: int = Field(default=3, ge=1, le=20)
    backoff: Seconds = 1.0
    max_backoff: Seconds = 60.0
    multiplier: float = Field(default=2.0, ge=1.0, le=10.0)

    def delays(self) -> list[float]:
        """The waits between attempts.

        Example:
            >>> RetryPolicy(attempts=4, backoff=1, max_backoff=3).delays()
            [1.0, 2.0, 3.0]
        """
        return [min(self.backoff * self.multiplier**i, self.max_backoff) for i in range(self.attempts - 1)]


class JobConfig(_Model):
    """One scheduled collector job."""

    name: str
    collector: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)
    schedule: str | float
    timezone: str = "UTC"
    options: dict[str, Any] = Field(default_factory=dict)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    timeout: Seconds = 30.0
    alert: bool = True

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not re.fullmatch(JOB_NAME, value):
            raise ValueError(f"{value!r} is not a job name: use up to 64 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit")
        return value

    @field_validator("sources")
    @classmethod
    def _no_blank_source(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not s.strip() for s in value):
            raise ValueError("a source cannot be empty")
        return value

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, value: str | float) -> str | float:
        try:
            parse_schedule(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/Paris)") from None
        return value

    @cached_property
    def schedule_rule(self) -> Schedule:
        return parse_schedule(self.schedule, self.timezone)


class WebhookSink(_Model):
    """POST the alert as JSON. Header values can come from environment variables (`headers_env`
    maps a header to a variable name) so secrets stay out of the file."""

    type: Literal["webhook"]
    url: str
    timeout: Seconds = 10.0
    retries: int = Field(default=3, ge=0, le=10)
    backoff: Seconds = 0.5
    headers: dict[str, str] = Field(default_factory=dict)
    headers_env: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value


class JsonLinesSink(_Model):
    """Append the alert as one JSON line to a file."""

    type: Literal["jsonl"]
    path: str


class StdoutSink(_Model):
    """Print the alert as one JSON line on standard output."""

    type: Literal["stdout"]


Sink = Annotated[WebhookSink | JsonLinesSink | StdoutSink, Field(discriminator="type")]


class MonitorConfig(_Model):
    """Where alerts go and when: `new` sends only when a run found new flows or findings. (The
    accepted baseline is the policy's `policy.baseline_at`, read by the policy engine.)"""

    sinks: tuple[Sink, ...] = ()
    send: Literal["new", "always"] = "new"


class JobsConfig(_Model):
    """Every job and the monitor settings, plus where they were read from."""

    jobs: tuple[JobConfig, ...] = ()
    monitor: MonitorConfig = Field(default_factory=MonitorConfig)
    base_dir: Path = Path()
    source: str | None = None

    def job(self, name: str) -> JobConfig:
        """The job called `name`.

        Raises:
            ConfigError: no job has that name.
        """
        for job in self.jobs:
            if job.name == name:
                return job
        known = ", ".join(j.name for j in self.jobs) or "none"
        raise ConfigError(f"no job named {name!r} in {self.source or 'the project file'} (jobs: {known})")


def _path_in(data: Any, loc: Sequence[int | str]) -> list[int | str]:
    """The part of a pydantic error location that exists in the data (drops union tags)."""
    out: list[int | str] = []
    node = data
    for part in loc:
        in_map = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_map or in_list):
            continue
        node = node[part]
        out.append(part)
    return out


def _dotted(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def format_errors(exc: ValidationError, data: Any, locator: Locator | None, source: str) -> str:
    """Pydantic errors as `SOURCE:LINE: where: what` lines, one per error."""
    lines = []
    for error in exc.errors():
        path = _path_in(data, error["loc"])
        line = locator.line(path) if locator else 1
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{source}:{line}: {_dotted(path) or 'jobs'}: {message}")
    return "\n".join(lines)


def parse_jobs(data: Any, locator: Locator | None, *, base_dir: Path, source: str = "lineage.yaml") -> JobsConfig:
    """Validate the `jobs:` and `monitor:` sections of a loaded project file.

    Raises:
        ConfigError: a section is invalid; the message has one `SOURCE:LINE: ...` line per error.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the project file must be a mapping")
    section = {key: data[key] for key in ("jobs", "monitor") if key in data and data[key] is not None}
    try:
        config = JobsConfig.model_validate({**section, "base_dir": base_dir, "source": source})
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, section, locator, source)) from None
    seen: dict[str, int] = {}
    for i, job in enumerate(config.jobs):
        line = locator.line(("jobs", i, "name")) if locator else 1
        if job.name in seen:
            raise ConfigError(f"{source}:{line}: jobs[{i}].name: duplicate job name {job.name!r} "
                              f"(first at line {seen[job.name]})")
        seen[job.name] = line
    return config
