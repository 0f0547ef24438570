"""Third parties and the data they receive: one summary per third-party processor (an endpoint),
rolled up per vendor, and written as Markdown.

An endpoint's data is what flows into it: its effective origin and classifications as tag
propagation derives them (`lineage.tagging`), the source datasets upstream of it and the number of
paths from them (`lineage.paths`). Pure: the caller passes the graph, its tags and the open
findings per node.

Example:
    >>> from lineage.graph import LineageGraph
    >>> from lineage.tagging import propagate
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:pg:users", "kind": "dataset", "origin": "real", "classifications": ["pii.email"]},
    ...            {"id": "process:https://api.x.com:v1", "kind": "process", "third_party": True,
    ...             "vendor": "X", "approved": False}],
    ...     edges=[("dataset:pg:users", "process:https://api.x.com:v1", "read")])
    >>> [e] = endpoints(g, propagate(g))
    >>> e.vendor, e.origin, e.classes, e.sources, e.paths
    ('X', 'real', ('pii.email',), ('dataset:pg:users',), 1)
    >>> vendor_rows([e])[0]["approved"]
    'no'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lineage.graph import LineageGraph
from lineage.markdown import escape
from lineage.paths import upstream_of
from lineage.policy.context import sensitive
from lineage.tagging import Tags
from lineage.words import counted

REAL = frozenset({"real", "mixed"})
"""Origins that mean real data may be there."""
SOURCES_LISTED = 50
"""How many source datasets an endpoint lists by name (all are counted)."""


@dataclass(frozen=True)
class Endpoint:
    """One third-party processor and what reaches it."""

    id: str
    vendor: str
    namespace: str
    name: str
    processor_type: str
    approved: bool | None
    region: str
    retention: str
    origin: str
    """Effective origin of the data it receives: real, synthetic, mixed or unknown."""
    source_origins: tuple[str, ...]
    """The distinct effective origins of its source datasets."""
    classes: tuple[str, ...]
    """The sensitive classes it receives (propagated)."""
    sources: tuple[str, ...]
    """Its source datasets (the first `SOURCES_LISTED` of them, in id order)."""
    source_count: int
    paths: int
    open_findings: int
    source_bits: int = 0
    """Its sources as bits of one numbering shared by the endpoints of one call (for unions)."""

    @property
    def receives_real_sensitive(self) -> bool:
        """Whether real (or mixed) data with a sensitive class reaches it."""
        return self.origin in REAL and bool(self.classes)


def approval(value: bool | None) -> str:
    """`yes`, `no` or `unknown` (not reviewed).

    Example:
        >>> approval(True), approval(False), approval(None)
        ('yes', 'no', 'unknown')
    """
    return "yes" if value is True else ("no" if value is False else "unknown")


def endpoints(graph: LineageGraph, tags: Tags, open_findings: Mapping[str, int] | None = None) -> list[Endpoint]:
    """Every third-party processor of the graph with what it receives, by vendor then id."""
    processors = sorted(str(a["id"]) for a in graph.nodes("process") if a.get("third_party"))
    upstream = upstream_of(graph, processors)
    origin_bits: dict[str, int] = {}
    for i, source in enumerate(upstream.ids):
        origin = tags.origin(source)
        origin_bits[origin] = origin_bits.get(origin, 0) | 1 << i
    findings = open_findings or {}
    out = []
    for pid in processors:
        a = graph.node(pid)
        bits = upstream.bits[pid]
        out.append(Endpoint(
            id=pid, vendor=str(a.get("vendor") or a.get("namespace") or ""), namespace=str(a.get("namespace") or ""),
            name=str(a.get("name") or pid), processor_type=str(a.get("processor_type") or ""),
            approved=a.get("approved") if isinstance(a.get("approved"), bool) else None,
            region=str(a.get("region") or ""), retention=str(a.get("retention") or ""),
            origin=tags.origin(pid), source_origins=tuple(sorted(o for o, m in origin_bits.items() if m & bits)),
            classes=tuple(sensitive(tags.classifications(pid))),
            sources=tuple(upstream.sources(bits, SOURCES_LISTED)), source_count=bits.bit_count(),
            paths=upstream.paths[pid], open_findings=findings.get(pid, 0), source_bits=bits))
    out.sort(key=lambda e: (e.vendor.casefold(), e.id))
    return out


def _joined(values: Iterable[str]) -> str:
    return ", ".join(sorted({v for v in values if v}))


def _approved(values: Sequence[bool | None]) -> str:
    shown = {approval(v) for v in values}
    return shown.pop() if len(shown) == 1 else "partly"


def _union(group: Sequence[Endpoint]) -> int:
    """How many distinct source datasets feed the endpoints (of one `endpoints` call)."""
    bits = 0
    for e in group:
        bits |= e.source_bits
    return bits.bit_count()


def vendor_rows(found: Iterable[Endpoint]) -> list[dict[str, Any]]:
    """One row per vendor: its endpoints rolled up (vendors receiving real sensitive data first,
    then by name).

    Example:
        >>> e = Endpoint("process:a:b", "A", "a", "b", "llm_api", None, "eu", "0s", "synthetic", ("synthetic",),
        ...              (), ("dataset:s:x",), 1, 1, 0, source_bits=1)
        >>> vendor_rows([e])[0]["endpoints"], vendor_rows([e])[0]["real sensitive data"]
        (1, 'no')
    """
    by_vendor: dict[str, list[Endpoint]] = {}
    for e in found:
        by_vendor.setdefault(e.vendor, []).append(e)
    rows: list[dict[str, Any]] = []
    for vendor, group in by_vendor.items():
        real = any(e.receives_real_sensitive for e in group)
        rows.append({
            "vendor": vendor, "endpoints": len(group), "approved": _approved([e.approved for e in group]),
            "real sensitive data": "yes" if real else "no", "open findings": sum(e.open_findings for e in group),
            "paths": sum(e.paths for e in group), "source datasets": _union(group),
            "origins": _joined(e.origin for e in group),
            "sensitive classes": _joined(c for e in group for c in e.classes),
            "regions": _joined(e.region for e in group), "retention": _joined(e.retention for e in group)})
    rows.sort(key=lambda r: (r["real sensitive data"] != "yes", -r["open findings"], str(r["vendor"]).casefold()))
    return rows


def endpoint_row(e: Endpoint) -> dict[str, Any]:
    """An endpoint as a flat row (for a table or CSV)."""
    return {"vendor": e.vendor, "endpoint": e.id, "type": e.processor_type, "approved": approval(e.approved),
            "origin": e.origin, "sensitive classes": ", ".join(e.classes), "open findings": e.open_findings,
            "paths": e.paths, "source datasets": e.source_count, "region": e.region, "retention": e.retention,
            "origins of its sources": ", ".join(e.source_origins),
            "first source datasets": ", ".join(e.sources) + (" …" if e.source_count > len(e.sources) else "")}


def markdown(found: Sequence[Endpoint]) -> str:
    """The vendors and their endpoints as a Markdown report, every name escaped.

    Example:
        >>> e = Endpoint("process:a:*b*", "A|B", "a", "*b*", "saas", True, "", "", "real", ("real",),
        ...              ("pii.email",), ("dataset:s:x",), 1, 2, 1, source_bits=1)
        >>> print(markdown([e]).splitlines()[-1])
        | process\\:a\\:\\*b\\* | saas | yes |  |  | real | pii.email | 1 | 2 | 1 |
    """
    lines = ["# Third parties and the data they receive", "",
             f"{counted(len({e.vendor for e in found}), 'vendor')}, {counted(len(found), 'endpoint')}.", ""]
    columns = ("vendor", "endpoints", "approved", "real sensitive data", "open findings", "paths", "source datasets",
               "origins", "sensitive classes", "regions", "retention")
    lines += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(escape(row[c]) for c in columns) + " |" for row in vendor_rows(found)]
    for vendor in sorted({e.vendor for e in found}, key=str.casefold):
        lines += ["", f"## {escape(vendor) or '(no vendor)'}", "",
                  "| endpoint | type | approved | region | retention | origin | sensitive classes "
                  "| source datasets | paths | open findings |", "|" + " --- |" * 10]
        lines += [f"| {escape(e.id)} | {escape(e.processor_type)} | {approval(e.approved)} | {escape(e.region)} "
                  f"| {escape(e.retention)} | {escape(e.origin)} | {escape(', '.join(e.classes))} "
                  f"| {e.source_count} | {e.paths} | {e.open_findings} |" for e in found if e.vendor == vendor]
    return "\n".join(lines) + "\n"
