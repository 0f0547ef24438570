"""The policy sections of the project file (`lineage.yaml`): settings, custom rules, reviews.

    policy:
      fail_on: high                  # the default of `lineage check --fail-on`
      baseline_at: 2026-01-01T00:00:00Z   # flows first seen after it are findings (LM014)
      disable: [LM013]               # built-in rules not to run
      forbidden_licenses: [AGPL-3.0-only]  # components under these licenses are findings (LM024)
    rules:                           # custom flow rules (see lineage.policy.custom)
      - id: EU001
        severity: high
        message: real PII must not reach a vendor outside the EU
        from: {origin: real, classification: "pii.*"}
        to: {third_party: true, not: {region: "eu*"}}
    reviews:                         # decisions on findings, reviewable in a pull request
      - fingerprint: 0123abcd...
        status: accepted_risk        # or false_positive, fixed
        reviewer: security@acme.com
        reason: DPA signed 2026-03-01
        expires: 2026-09-30

Every problem is reported with its `FILE:LINE`, all at once, as a `PolicyError`.

Example:
    >>> text = b"rules:\\n  - {id: R1, message: m, from: {kind: dataset}, to: {kind: process}}\\n"
    >>> from lineage.yamlsafe import load_yaml
    >>> data, where = load_yaml(text, "lineage.yaml")
    >>> config = policy_config_from(data, where, "lineage.yaml")
    >>> [(r.id, r.source) for r in config.rules]
    [('R1', 'lineage.yaml:2')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from lineage.errors import PolicyError
from lineage.policy.custom import FlowRule
from lineage.policy.finding import SEVERITIES, Review, Severity, Status
from lineage.yamlsafe import Locator

_SECTIONS = ("policy", "rules", "reviews")


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_on: Severity | None = None
    baseline_at: datetime | None = None
    disable: list[str] = []
    forbidden_licenses: list[str] = []


class _ReviewEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fingerprint: str
    status: Status
    reviewer: str
    reason: str
    expires: datetime | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class PolicyConfig:
    """What the project file says about policy; empty when there is no file."""

    rules: tuple[FlowRule, ...] = ()
    reviews: tuple[Review, ...] = ()
    fail_on: Severity | None = None
    baseline_at: datetime | None = None
    disabled: tuple[str, ...] = ()
    source: str | None = None
    forbidden_licenses: tuple[str, ...] = ()


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else (value if value.tzinfo else value.replace(tzinfo=UTC))


def _errors(exc: ValidationError, where: Locator, base: tuple[str | int, ...]) -> list[str]:
    out = []
    for error in exc.errors(include_url=False):
        loc = (*base, *(p for p in error["loc"] if isinstance(p, str | int)))
        field = ".".join(str(p) for p in error["loc"]) or "entry"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        out.append(f"{where.source}:{where.line(loc)}: {field}: {message}")
    return out


def policy_config_from(data: dict[str, Any], where: Locator, source: str) -> PolicyConfig:
    """The policy sections of a project file already parsed (`lineage.project.Project.policy`).

    Raises:
        PolicyError: a section is invalid (every problem, with FILE:LINE).
    """
    if not data:
        return PolicyConfig(source=source)
    problems: list[str] = []
    settings = _Settings()
    if data.get("policy") is not None:
        try:
            settings = _Settings.model_validate(data["policy"])
        except ValidationError as exc:
            problems += _errors(exc, where, ("policy",))
    rules = _list_of(data, "rules", where, problems)
    reviews = _list_of(data, "reviews", where, problems)
    parsed_rules: list[FlowRule] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(rules):
        line = where.line(("rules", i))
        try:
            rule = FlowRule.model_validate({**entry, "source": f"{source}:{line}"} if isinstance(entry, dict)
                                           else entry)
        except ValidationError as exc:
            problems += _errors(exc, where, ("rules", i))
            continue
        if rule.id in seen or rule.id.upper().startswith("LM"):
            why = f"already used at line {seen[rule.id]}" if rule.id in seen else "LM ids belong to built-in rules"
            problems.append(f"{source}:{where.line(('rules', i, 'id'))}: id: {rule.id!r} {why}")
            continue
        seen[rule.id] = line
        parsed_rules.append(rule)
    parsed_reviews = [r for r in (_review(e, i, where, problems) for i, e in enumerate(reviews)) if r]
    if problems:
        raise PolicyError("invalid policy in the project file:\n  " + "\n  ".join(problems))
    return PolicyConfig(rules=tuple(parsed_rules), reviews=tuple(parsed_reviews), fail_on=settings.fail_on,
                        baseline_at=_aware(settings.baseline_at), disabled=tuple(settings.disable), source=source,
                        forbidden_licenses=tuple(settings.forbidden_licenses))


def _list_of(data: dict[str, Any], key: str, where: Locator, problems: list[str]) -> Sequence[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where.source}:{where.line((key,))}: {key}: must be a list")
        return []
    return value


def _review(entry: object, i: int, where: Locator, problems: list[str]) -> Review | None:
    try:
        parsed = _ReviewEntry.model_validate(entry)
        return Review(fingerprint=parsed.fingerprint, status=parsed.status,
                      reviewer=parsed.reviewer, reason=parsed.reason, expires_at=_aware(parsed.expires),
                      created_at=_aware(parsed.created), source=f"{where.source}:{where.line(('reviews', i))}")
    except ValidationError as exc:
        problems += _errors(exc, where, ("reviews", i))
        return None


def check_severity(value: str) -> Severity:
    """`value` as a severity.

    Raises:
        PolicyError: it is not one of low, medium, high, critical.
    """
    for severity in SEVERITIES:
        if value == severity:
            return severity
    raise PolicyError(f"unknown severity {value!r}; use one of {', '.join(reversed(SEVERITIES))}")
