"""Findings as a Markdown report (a pull-request comment, a job summary).

Every name and message that comes from the inputs goes through `lineage.markdown.escape` (as the
Markdown export does), so a node called `a|b`, `<script>` or `@team` cannot break the table,
inject markup or ping anyone.

Example:
    >>> render([]).splitlines()[0]
    '# Lineage check'
"""

from __future__ import annotations

from collections.abc import Sequence

from lineage.markdown import escape
from lineage.policy.finding import SEVERITIES, Finding


def render(findings: Sequence[Finding], *, fail_on: str | None = None) -> str:
    """A Markdown summary and a table of the findings, open ones first."""
    open_ = [f for f in findings if f.is_open]
    counts = ", ".join(f"{sum(1 for f in open_ if f.severity == s)} {s}" for s in SEVERITIES)
    lines = ["# Lineage check", "", f"{len(open_)} open finding(s) ({counts}); {len(findings) - len(open_)} reviewed."]
    if fail_on:
        lines.append(f"Fails on: {escape(fail_on)} and above.")
    lines += ["", "| severity | rule | status | finding | path | fingerprint |",
              "| --- | --- | --- | --- | --- | --- |"]
    for f in sorted(findings, key=lambda f: (not f.is_open,)):
        status = f.status + (f" ({f.review.reviewer})" if f.review else "")
        lines.append(f"| {f.severity} | {escape(f.rule_id)} | {escape(status)} | {escape(f.message)} | "
                     f"{escape(' → '.join(f.path))} | `{f.fingerprint}` |")
    return "\n".join(lines) + "\n"
