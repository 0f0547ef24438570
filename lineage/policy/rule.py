"""The `Rule` contract and the small dataclass the built-in rules are made of.

A rule is a pure function of a `PolicyContext` with an id, title, default severity, references
(OWASP Top 10 for LLM Applications 2025 ids such as `LLM02`, OWASP MCP Top 10 ids such as
`MCP07`) and a fix hint. Callers may pass any subset of `lineage.policy.rules.RULES`, or rules of
their own that follow the protocol.

Example:
    >>> from lineage.policy.rules import RULES
    >>> all(isinstance(rule, Rule) for rule in RULES)
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from lineage.policy.context import PolicyContext
from lineage.policy.finding import Finding, Severity


@runtime_checkable
class Rule(Protocol):
    """A policy rule: metadata plus `__call__(ctx) -> Iterable[Finding]`."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def references(self) -> tuple[str, ...]: ...

    @property
    def fix(self) -> str: ...

    def __call__(self, ctx: PolicyContext) -> Iterable[Finding]: ...


@dataclass(frozen=True)
class BuiltinRule:
    """A rule defined by its metadata and a `check(rule, ctx)` function."""

    id: str
    title: str
    severity: Severity
    references: tuple[str, ...]
    fix: str
    description: str
    check: Callable[[BuiltinRule, PolicyContext], Iterable[Finding]]

    def __call__(self, ctx: PolicyContext) -> Iterable[Finding]:
        return self.check(self, ctx)
