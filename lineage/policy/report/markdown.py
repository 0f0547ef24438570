"""Findings as a Markdown report (a pull-request comment, a job summary).

Every name that comes from the inputs is escaped, so a node called `a|b` or `<script>` cannot
break the table or inject markup.

Example:
    >>> escape("a|b *c* <d> [e](f) `g`")
    'a\\\\|b \\\\*c\\\\* &lt;d&gt; \\\\[e\\\\]\\\\(f\\\\) \\\\`g\\\\`'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lineage.policy.finding import SEVERITIES, Finding

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def escape(text: str) -> str:
    """Escape Markdown and HTML specials, and fold newlines into spaces."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render(findings: Sequence[Finding], *, fail_on: str | None = None) -> str:
    """A Markdown summary and a table of the findings, open ones first."""
    open_ = [f for f in findings if f.is_open]
    counts = ", ".join(f"{sum(1 for f in open_ if f.severity == s)} {s}" for s in reversed(SEVERITIES))
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
