"""The exporter contract: what every format module provides, and the errors the registry raises.

An exporter is a pure function `export(graph, *, ...) -> str | bytes`: it takes a `LineageGraph`
(already focused or filtered by the caller), plus keyword options of its own, and returns the whole
file. It does no I/O: the CLI and the dashboard decide where the bytes go. Formats that show
findings take `findings: Sequence[Finding] = ()`, so they work before any policy has run.

A reader, where the format can be read back, is the inverse: `read(text) -> LineageGraph`.

`Finding` is structural: anything with these attributes fits, so `lineage.policy`'s findings (or
a test's stand-ins) can be passed without this package importing the policy engine.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class F:
    ...     rule_id: str = "r"; title: str = "t"; severity: str = "high"; message: str = "m"
    ...     path: tuple[str, ...] = (); fingerprint: str = "f"; status: str = "open"
    >>> sorted_findings([F(severity="low"), F(severity="critical")])[0].severity
    'critical'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from lineage.errors import LineageError
from lineage.severity import severity_rank

if TYPE_CHECKING:
    from lineage.graph import LineageGraph


class ExportError(LineageError):
    """An unknown format, an option a format does not take, or a file a reader cannot read."""


class Finding(Protocol):
    """What an exporter needs of a finding (`lineage.policy.Finding` has all of it)."""

    @property
    def rule_id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def path(self) -> Sequence[str]: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def status(self) -> str: ...


class Exporter(Protocol):
    """Every exporter can be called with the graph alone; options are keyword-only and per format."""

    def __call__(self, graph: LineageGraph, /) -> str | bytes: ...


class Reader(Protocol):
    """The inverse of an exporter, for formats that can be read back."""

    def __call__(self, text: str | bytes, /) -> LineageGraph: ...


def text_of(value: object) -> str:
    """A plain string for an enum member or any value (`Severity.HIGH` -> 'high').

    Example:
        >>> from enum import Enum
        >>> text_of(Enum("S", {"HIGH": "high"}).HIGH), text_of(None)
        ('high', '')
    """
    if value is None:
        return ""
    inner = getattr(value, "value", value)
    return str(inner)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings worst first, then by rule and fingerprint, so a report is stable."""
    return sorted(findings, key=lambda f: (severity_rank(f.severity), text_of(f.rule_id), text_of(f.fingerprint)))


def findings_within(findings: Iterable[Finding], node_ids: Iterable[str]) -> list[Finding]:
    """The findings whose path touches one of `node_ids` (for a focused export).

    Example:
        >>> from types import SimpleNamespace as N
        >>> [f.rule_id for f in findings_within([N(rule_id="a", path=("x", "y")), N(rule_id="b", path=("z",))],
        ...                                       {"y"})]
        ['a']
    """
    keep = set(node_ids)
    return [f for f in findings if any(n in keep for n in f.path)]
