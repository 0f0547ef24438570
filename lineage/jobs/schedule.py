"""When a job runs: an interval (`30s`, `5m`, `1h30m`) or a cron expression (`*/15 * * * *`).

Cron expressions are parsed by croniter (maintained under pallets-eco); nothing here parses cron
by hand. Times are timezone-aware; cron expressions are read in UTC unless the job names a
timezone.

Example:
    >>> s = parse_schedule("5m")
    >>> s.describe(), s.interval
    ('every 5m', 300.0)
    >>> from datetime import datetime, UTC
    >>> parse_schedule("0 * * * *").next_after(datetime(2026, 1, 1, 9, 30, tzinfo=UTC)).isoformat()
    '2026-01-01T10:00:00+00:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from lineage.errors import ConfigError

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+")


def parse_duration(text: str | float) -> float:
    """Seconds in a duration such as `30s`, `5m`, `1h30m`, `500ms` or a plain number of seconds.

    Raises:
        ConfigError: the text is not a duration.

    Example:
        >>> parse_duration("1h30m"), parse_duration("500ms"), parse_duration(2)
        (5400.0, 0.5, 2.0)
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        if text < 0:
            raise ConfigError(f"a duration cannot be negative ({text})")
        return float(text)
    value = str(text).strip().replace(" ", "")
    if not _DURATION.fullmatch(value):
        raise ConfigError(f"{text!r} is not a duration such as 30s, 5m, 1h or 1h30m")
    return sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(value))


def format_duration(seconds: float) -> str:
    """A short form of a number of seconds.

    Example:
        >>> format_duration(5400), format_duration(30), format_duration(0.25)
        ('1h30m', '30s', '250ms')
    """
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    out = []
    rest = round(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(out)


@dataclass(frozen=True)
class Schedule:
    """An interval in seconds, or a cron expression read in a timezone."""

    interval: float | None = None
    cron: str | None = None
    timezone: str = "UTC"

    def describe(self) -> str:
        if self.interval is not None:
            return f"every {format_duration(self.interval)}"
        return f"cron {self.cron}" + (f" ({self.timezone})" if self.timezone != "UTC" else "")

    def next_after(self, when: datetime) -> datetime:
        """The first time after `when` (timezone-aware) that the job is due.

        Example:
            >>> from datetime import datetime, UTC
            >>> Schedule(interval=60).next_after(datetime(2026, 1, 1, tzinfo=UTC)).isoformat()
            '2026-01-01T00:01:00+00:00'
        """
        if self.interval is not None or self.cron is None:
            return when + timedelta(seconds=self.interval or 60.0)
        zone: tzinfo = ZoneInfo(self.timezone)
        nxt: datetime = croniter(self.cron, when.astimezone(zone)).get_next(datetime)
        return nxt.astimezone(when.tzinfo)


def parse_schedule(text: str | float, timezone: str = "UTC") -> Schedule:
    """A schedule from an interval (`30s`, `5m`, `1h`) or a five- or six-field cron expression.

    Raises:
        ConfigError: neither an interval nor a valid cron expression, an interval under one
            second, or an unknown timezone.

    Example:
        >>> parse_schedule("*/15 * * * *").describe()
        'cron */15 * * * *'
    """
    if isinstance(text, int | float) or _DURATION.fullmatch(str(text).strip().replace(" ", "")):
        seconds = parse_duration(text)
        if seconds < 1:
            raise ConfigError(f"the interval {text!r} is under one second")
        return Schedule(interval=seconds)
    expr = " ".join(str(text).split())
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown timezone {timezone!r}") from exc
    if (len(expr.split()) not in (5, 6) and not expr.startswith("@")) or not croniter.is_valid(expr):
        raise ConfigError(
            f"{text!r} is neither an interval (30s, 5m, 1h) nor a cron expression (minute hour day month weekday)"
        )
    return Schedule(cron=expr, timezone=timezone)
