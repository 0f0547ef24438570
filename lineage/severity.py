"""How bad a finding is: the one order of severities, most severe first.

The policy engine gives each finding one of `SEVERITIES`; reports, exports and the dashboard sort
and count by `severity_rank`, and the check's threshold compares with `at_least`.

Example:
    >>> SEVERITIES[0], sorted(["low", "critical", "medium"], key=severity_rank)
    ('critical', ['critical', 'medium', 'low'])
"""

from __future__ import annotations

from typing import Literal

__all__ = ["SEVERITIES", "Severity", "at_least", "severity_rank"]

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
"""Most severe first."""


def severity_rank(severity: object) -> int:
    """Position of a severity in `SEVERITIES`, 0 the most severe; any case, enum members by value;
    anything else after them all.

    Example:
        >>> severity_rank("critical"), severity_rank("HIGH"), severity_rank("whatever")
        (0, 1, 4)
    """
    text = "" if severity is None else str(getattr(severity, "value", severity)).lower()
    return SEVERITIES.index(text) if text in SEVERITIES else len(SEVERITIES)


def at_least(severity: str, threshold: str) -> bool:
    """Whether `severity` is at or above `threshold`.

    Example:
        >>> at_least("critical", "high"), at_least("medium", "high"), at_least("high", "high")
        (True, False, True)
    """
    return severity_rank(severity) <= severity_rank(threshold)
