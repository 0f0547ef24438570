"""`evaluate(graph) -> list[Finding]`: run the rules, apply people's reviews, sort.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset", "origin": "real", "classifications": ["pii.email"]},
    ...            {"id": "process:https://api.x.com:v1", "kind": "process", "processor_type": "llm_api",
    ...             "approved": False}],
    ...     edges=[("dataset:s:a", "process:https://api.x.com:v1", "read")])
    >>> [(f.rule_id, f.severity, f.status) for f in evaluate(g)]
    [('LM001', 'high', 'open')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from lineage.errors import PolicyError
from lineage.graph import LineageGraph
from lineage.policy.context import PolicyContext
from lineage.policy.finding import Finding, Place, Review, sort_key
from lineage.policy.rule import Rule
from lineage.policy.rules import RULES
from lineage.tagging import Tags


def evaluate(graph: LineageGraph, *, tags: Tags | None = None, rules: Sequence[Rule] | None = None,
             custom_rules: Sequence[Rule] = (), reviews: Iterable[Review] = (), now: datetime | None = None,
             baseline_at: datetime | None = None,
             evidence: Mapping[str, Sequence[Place]] | None = None) -> list[Finding]:
    """Every finding of `rules` (default: all built-in rules) and `custom_rules` on `graph`.

    Args:
        graph: the lineage graph.
        tags: its tags, when already propagated.
        rules: the rules to run; `None` runs `lineage.policy.rules.RULES`.
        custom_rules: more rules, such as the flow rules of a project file.
        reviews: people's decisions; the latest unexpired review of a fingerprint sets its status.
        now: the time reviews expire against (default: now).
        baseline_at: findings of flows first seen after it (rule LM014); none when not set.
        evidence: (source, line) places per node id, for each finding's evidence.

    Returns:
        The findings, most severe first, then by rule id and fingerprint.

    Raises:
        PolicyError: two rules share an id.
    """
    when = now or datetime.now(UTC)
    chosen = list(RULES if rules is None else rules) + list(custom_rules)
    ids = [r.id for r in chosen]
    clash = sorted({i for i in ids if ids.count(i) > 1})
    if clash:
        raise PolicyError(f"rule id {', '.join(clash)} is used by more than one rule")
    ctx = PolicyContext.build(graph, tags=tags, now=when, baseline_at=baseline_at, evidence=evidence)
    found: dict[str, Finding] = {}
    for rule in chosen:
        for finding in rule(ctx):
            found.setdefault(finding.fingerprint, finding)
    return sorted(apply_reviews(found.values(), reviews, when), key=sort_key)


def current_reviews(reviews: Iterable[Review]) -> dict[str, list[Review]]:
    """Reviews per fingerprint, oldest first (a review with no time, from a project file, first).

    Example:
        >>> r = Review(fingerprint="f", status="false_positive", reviewer="a", reason="b")
        >>> list(current_reviews([r]))
        ['f']
    """
    out: dict[str, list[Review]] = {}
    for review in reviews:
        out.setdefault(review.fingerprint, []).append(review)
    oldest = datetime.min.replace(tzinfo=UTC)
    for history in out.values():
        history.sort(key=lambda r: r.created_at or oldest)
    return out


def apply_reviews(findings: Iterable[Finding], reviews: Iterable[Review], now: datetime) -> list[Finding]:
    """Set each finding's status from its latest review that has not expired.

    A finding whose reviews have all expired is open again (its latest review stays attached, so
    the reader sees what expired). A finding marked `fixed` that is still found is open.

    Example:
        >>> from datetime import UTC, datetime
        >>> f = Finding.make("LM001", title="t", severity="high", message="m", nodes=("x",))
        >>> r = Review(fingerprint=f.fingerprint, status="accepted_risk", reviewer="a", reason="b")
        >>> apply_reviews([f], [r], datetime.now(UTC))[0].status
        'accepted_risk'
    """
    by_fingerprint = current_reviews(reviews)
    out = []
    for finding in findings:
        history = by_fingerprint.get(finding.fingerprint)
        if not history:
            out.append(finding)
            continue
        latest = history[-1]
        status = latest.status
        if latest.expired(now) or status == "fixed":
            status = "open"
        out.append(finding.model_copy(update={"status": status, "review": latest}))
    return out


def with_evidence(findings: Iterable[Finding], evidence: Mapping[str, Sequence[Place]]) -> list[Finding]:
    """The findings with evidence places of their nodes (then their path) added, in that order.

    Example:
        >>> f = Finding.make("LM001", title="t", severity="high", message="m", nodes=("x",))
        >>> with_evidence([f], {"x": [("p.yaml", 3)]})[0].evidence
        (('p.yaml', 3),)
    """
    out = []
    for finding in findings:
        places: dict[Place, None] = dict.fromkeys(finding.evidence)
        for node in (*finding.nodes, *finding.path):
            places.update(dict.fromkeys((p[0], p[1]) for p in evidence.get(node, ())))
        out.append(finding.model_copy(update={"evidence": tuple(places)}))
    return out
