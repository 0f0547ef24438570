"""The policy engine: built-in and custom rules over the lineage graph, findings, reviews.

`evaluate(graph)` runs every rule in `RULES` (each a small pure function in
`lineage.policy.rules`) and returns `Finding`s with the node path, evidence, a fingerprint that is
stable across runs and ingest orders, and the review status people gave them. Pure: no I/O;
`lineage.policy.command` is the `lineage check` CLI around it.
"""

from lineage.policy.context import PolicyContext
from lineage.policy.engine import apply_reviews, evaluate, with_evidence
from lineage.policy.finding import SEVERITIES, Finding, Review, Severity, Status, fingerprint
from lineage.policy.rule import BuiltinRule, Rule
from lineage.policy.rules import RULES

__all__ = ["RULES", "SEVERITIES", "BuiltinRule", "Finding", "PolicyContext", "Review", "Rule", "Severity", "Status",
           "apply_reviews", "evaluate", "fingerprint", "with_evidence"]
