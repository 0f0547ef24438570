"""Check a store: evaluate the policy on its graph, with the reviews kept in the store and in the
project file, and attach the evidence behind each finding's nodes. `lineage check`, the dashboard,
scheduled jobs' monitoring and `lineage explain` all ask this."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lineage.graph import LineageGraph
from lineage.policy.engine import evaluate, with_evidence
from lineage.policy.finding import Finding, Place
from lineage.policy.project import PolicyConfig
from lineage.policy.rules import RULES
from lineage.tagging import Tags


def evidence_of(store: Any, node_ids: Sequence[str]) -> dict[str, list[Place]]:
    """(source, line) of the current facts about each node, declared facts first."""
    if not node_ids:
        return {}
    facts = [f for f in store.facts_about(sorted(set(node_ids))) if not f["superseded_at"] and f["fact"] == "node"]
    facts.sort(key=lambda f: (-int(f["layer"]), str(f["source"]), f["line"] or 0))
    out: dict[str, list[Place]] = {}
    for f in facts:
        place = (str(f["source"]), f["line"])
        if place not in out.setdefault(str(f["subject"]), []):
            out[str(f["subject"])].append(place)
    return out


def run_check(store: Any, config: PolicyConfig, *, now: datetime | None = None,
              baseline_at: datetime | None = None) -> list[Finding]:
    """Load the graph from `store`, evaluate the policy with its reviews, and attach evidence."""
    from lineage.graph import load_graph

    return check_graph(load_graph(store), store, config, now=now, baseline_at=baseline_at)


def check_graph(graph: LineageGraph, store: Any, config: PolicyConfig, *, tags: Tags | None = None,
                now: datetime | None = None, baseline_at: datetime | None = None) -> list[Finding]:
    """`run_check` on a graph already loaded from `store` (and its tags, when already propagated)."""
    rules = [r for r in RULES if r.id not in config.disabled]
    reviews = [*config.reviews, *store.reviews()]
    findings = evaluate(graph, rules=rules, custom_rules=config.rules, reviews=reviews, now=now, tags=tags,
                        baseline_at=baseline_at or config.baseline_at)
    nodes = [n for f in findings for n in (*f.nodes, *f.path) if n in graph]
    return with_evidence(findings, evidence_of(store, nodes))
