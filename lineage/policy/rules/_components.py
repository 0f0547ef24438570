"""What the supply-chain rules share besides `lineage.components`: what data a process can reach
(real sensitive data it reads, or a way out: a third party, a declared capability, a public or
third-party-read output), evidence places, license expressions.

Example:
    >>> forbidden_by("MIT OR GPL-3.0-only", {"gpl-3.0-only"}), forbidden_by("MIT AND GPL-3.0-only", {"gpl-3.0-only"})
    (False, True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lineage.policy.context import PUBLIC, PolicyContext, is_third_party, sensitive
from lineage.policy.finding import Place, Severity
from lineage.policy.rules._agents import capabilities

_CRITICAL_DATA = ("secret", "credentials")


@dataclass(frozen=True)
class Exposure:
    """What a process can reach: the real sensitive classes it reads (with the path that brings the
    first of them), and whether (and through what) it can send data outside."""

    classes: tuple[str, ...]
    path: tuple[str, ...]
    outside: str | None

    @property
    def severity(self) -> Severity:
        """By the data reached: secrets critical, other sensitive data high, a way out only medium."""
        if any(c.split(".", 1)[0] in _CRITICAL_DATA for c in self.classes):
            return "critical"
        return "high" if self.classes else "medium"

    def words(self) -> str:
        reads = f"reads real {', '.join(self.classes)} data" if self.classes else ""
        return " and ".join(w for w in (reads, self.outside or "") if w)


def exposure(ctx: PolicyContext, process: str) -> Exposure | None:
    """What `process` can reach, or None when it reads no real sensitive data and has no way out."""
    attrs = ctx.attrs(process)
    classes: set[str] = set()
    path: tuple[str, ...] = (process,)
    for dataset in ctx.reads(process):
        found = sensitive(ctx.tags.classifications(dataset)) if ctx.is_real(dataset) else []
        if found and not classes:
            path = (*ctx.class_path(dataset, found), process)
        classes.update(found)
    outside = None
    if is_third_party(attrs):
        outside = f"is a third-party {attrs.get('processor_type') or 'processor'}"
    elif "send_outside" in capabilities(attrs):
        outside = "can send data outside (its recorded capabilities)"
    else:
        for dataset in ctx.writes(process):
            readers = _readers(ctx, dataset)
            if PUBLIC in ctx.tags.classifications(dataset):
                outside = f"writes the public {dataset}"
            elif readers:
                outside = f"sends data to the third party {readers[0]}"
                if not classes:
                    path = (process, dataset, readers[0])
            if outside:
                break
    if not classes and outside is None:
        return None
    return Exposure(tuple(sorted(classes)), path, outside)


def _readers(ctx: PolicyContext, dataset: str) -> list[str]:
    i = ctx.index.index[dataset]
    return [ctx.index.ids[j] for j in ctx.index.succ[i] if is_third_party(ctx.attrs(ctx.index.ids[j]))]


def place(location: object) -> Place | None:
    """A `file:line` location as an evidence place (a JSON path or no line: the file alone)."""
    if not isinstance(location, str) or not location:
        return None
    head, _, tail = location.rpartition(":")
    if head and tail.isdigit():
        return head, int(tail)
    return (head, None) if head and tail.startswith("$") else (location, None)


def places(locations: Iterable[object]) -> tuple[Place, ...]:
    return tuple(dict.fromkeys(p for p in (place(loc) for loc in locations) if p is not None))


def with_places(first: Iterable[Place], rest: Iterable[Place]) -> tuple[Place, ...]:
    """`first` then `rest`, each place once, a file without a line dropped where a line of it is named.

    Example:
        >>> with_places([("req.txt", 3)], [("req.txt", None), ("spec.yaml", 9)])
        (('req.txt', 3), ('spec.yaml', 9))
    """
    both = tuple(dict.fromkeys((*first, *rest)))
    lined = {f for f, line in both if line is not None}
    return tuple((f, line) for f, line in both if line is not None or f not in lined)


def forbidden_by(expression: str, forbidden: set[str]) -> bool:
    """Whether an SPDX license expression leaves only forbidden choices (`A OR B` is forbidden
    when both are, `A AND B` when either is)."""
    words = expression.replace("(", " ").replace(")", " ")
    for choice in re.split(r"\s+OR\s+", words, flags=re.IGNORECASE):
        parts = [p.strip().lower() for p in re.split(r"\s+AND\s+", choice, flags=re.IGNORECASE) if p.strip()]
        if not any(p.split(" with ")[0].strip() in forbidden for p in parts):
            return False
    return True
