"""Findings, reviews and severities: the data the policy engine produces and people act on.

Example:
    >>> f = Finding.make("LM001", title="t", severity="high", message="m", nodes=("process:a:b",))
    >>> f.fingerprint == Finding.make("LM001", title="t", severity="high", message="other",
    ...                               nodes=("process:a:b",)).fingerprint
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from lineage.severity import SEVERITIES as SEVERITIES  # one order, most severe first; here for callers
from lineage.severity import Severity as Severity
from lineage.severity import at_least as at_least
from lineage.severity import severity_rank
from lineage.store.base import Review as Review  # the store keeps reviews; here for callers
from lineage.store.base import Status as Status

STATUSES: tuple[Status, ...] = ("open", "accepted_risk", "false_positive", "fixed")
SECURITY_SEVERITY: dict[str, str] = {"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}

Place = tuple[str, int | None]


def fingerprint(rule_id: str, nodes: Sequence[str]) -> str:
    """A stable id of a finding: a hash of the rule id and the nodes that make it true.

    Example:
        >>> fingerprint("LM001", ["process:a:b"]) == fingerprint("LM001", ["process:a:b"])
        True
        >>> len(fingerprint("LM001", ["process:a:b"]))
        32
    """
    text = "\x1f".join([rule_id, *nodes])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Finding(BaseModel):
    """A rule that holds somewhere in the graph: what, how bad, where, why, and its review state."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    severity: Severity
    message: str
    path: tuple[str, ...] = ()
    """Node ids along the flow that makes the finding true, source first."""
    nodes: tuple[str, ...] = ()
    """The nodes the fingerprint is computed from."""
    evidence: tuple[Place, ...] = ()
    """(source, line) places of the facts behind it."""
    fingerprint: str
    references: tuple[str, ...] = ()
    fix: str = ""
    status: Status = "open"
    review: Review | None = None

    @classmethod
    def make(cls, rule_id: str, *, title: str, severity: Severity, message: str, nodes: Sequence[str],
             path: Sequence[str] = (), references: Sequence[str] = (), fix: str = "",
             evidence: Sequence[Place] = ()) -> Finding:
        """A finding whose fingerprint is computed from `rule_id` and `nodes`."""
        return cls(rule_id=rule_id, title=title, severity=severity, message=message, path=tuple(path or nodes),
                   nodes=tuple(nodes), evidence=tuple(evidence), fingerprint=fingerprint(rule_id, nodes),
                   references=tuple(references), fix=fix)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def sort_key(finding: Finding) -> tuple[int, str, str]:
    """Most severe first, then by rule id, then by fingerprint.

    Example:
        >>> a = Finding.make("LM002", title="t", severity="low", message="m", nodes=("x",))
        >>> b = Finding.make("LM009", title="t", severity="critical", message="m", nodes=("x",))
        >>> [f.rule_id for f in sorted([a, b], key=sort_key)]
        ['LM009', 'LM002']
    """
    return (severity_rank(finding.severity), finding.rule_id, finding.fingerprint)

