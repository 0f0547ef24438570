"""The policy engine: built-in and custom rules over the lineage graph, findings, reviews.

`evaluate(graph)` runs every rule in `RULES` (each a small pure function in
`lineage.policy.rules`) and returns `Finding`s with the node path, evidence, a fingerprint that is
stable across runs and ingest orders, and the review status people gave them. Pure: no I/O;
`lineage.cli.check` is the `lineage check` CLI around it. `TRIFECTA_RULE_ID` is the id of the
lethal-trifecta rule (LM002), for callers that single its findings out.
"""

from lineage.policy.context import PolicyContext
from lineage.policy.engine import apply_reviews, evaluate, with_evidence
from lineage.policy.finding import SEVERITIES, Finding, Review, Severity, Status, fingerprint
from lineage.policy.rule import BuiltinRule, Rule
from lineage.policy.rules import RULES
from lineage.policy.rules.lm002_lethal_trifecta import RULE_ID as TRIFECTA_RULE_ID

__all__ = ["RULES", "SEVERITIES", "TRIFECTA_RULE_ID", "BuiltinRule", "Finding", "PolicyContext", "Review", "Rule",
           "Severity", "Status", "apply_reviews", "evaluate", "fingerprint", "with_evidence"]
