"""Production monitoring, the pure part: what a collector run made new in the lineage.

A *flow* is one data-flow edge (`lineage.diff.Flow`): a process reading a dataset, or writing one.
`lineage.diff.diff_graphs` compares the graph before a run with the graph after it; this module
turns the flows that appeared (an agent writing somewhere it never did) into reviewable alert
entries, picks the findings whose fingerprints the previous run had not seen, and builds the
`Alert` payload every sink sends.

Example:
    >>> from lineage.diff import diff_graphs
    >>> from lineage.graph import LineageGraph
    >>> before = LineageGraph.from_records(
    ...     [{"id": "process:a:agent", "kind": "process"}, {"id": "dataset:s:crm", "kind": "dataset"}],
    ...     [("process:a:agent", "dataset:s:crm", "write")])
    >>> after = LineageGraph.from_records(
    ...     [*before.nodes(), {"id": "dataset:https://paste.example:dump", "kind": "dataset", "name": "dump"}],
    ...     [("process:a:agent", "dataset:s:crm", "write"),
    ...      ("process:a:agent", "dataset:https://paste.example:dump", "write")])
    >>> [f["summary"] for f in describe_flows(after, diff_graphs(before, after).flows_added)]
    ['process:a:agent writes dump']
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from lineage.diff import Flow
from lineage.graph import LineageGraph
from lineage.store.base import ProcessRun

ALERT_TYPE = "lineage.monitor.alert"
ALERT_VERSION = 1


class FindingLike(Protocol):
    """What the monitor needs of a policy finding (`lineage.policy.Finding`)."""

    @property
    def rule_id(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...


F = TypeVar("F", bound=FindingLike)


def new_findings(findings: Iterable[F], seen: Iterable[str]) -> list[F]:
    """The findings whose fingerprint is not in `seen` (the previous run's fingerprints).

    Example:
        >>> from types import SimpleNamespace as F
        >>> [f.rule_id for f in new_findings([F(rule_id="r1", fingerprint="a"),
        ...                                    F(rule_id="r2", fingerprint="b")], {"a"})]
        ['r2']
    """
    known = set(seen)
    return [f for f in findings if f.fingerprint not in known]


def describe_flow(graph: LineageGraph, flow: Flow) -> dict[str, Any]:
    """A flow as plain data for an alert: both ends with their names and the attributes a reviewer
    needs (a dataset's role, a process's vendor, who runs the process).

    Example:
        >>> g = LineageGraph.from_records(
        ...     [{"id": "process:a:bot", "kind": "process", "name": "bot"},
        ...      {"id": "dataset:s:t", "kind": "dataset", "name": "t", "role": "store"},
        ...      {"id": "identity:k8s:sa", "kind": "identity", "name": "sa"}],
        ...     [("process:a:bot", "dataset:s:t", "write"), ("identity:k8s:sa", "process:a:bot", "runs")])
        >>> d = describe_flow(g, Flow("process:a:bot", "dataset:s:t", "write"))
        >>> d["summary"], d["run_by"], d["target_role"]
        ('bot writes t', ['identity:k8s:sa'], 'store')
    """
    process = flow.target if flow.kind == "read" else flow.source
    out: dict[str, Any] = {"kind": flow.kind, "source": flow.source, "target": flow.target}
    for end, node_id in (("source", flow.source), ("target", flow.target)):
        attrs = graph.node(node_id) if node_id in graph else {}
        out[f"{end}_name"] = attrs.get("name") or node_id
        for key in ("role", "origin", "third_party", "vendor", "processor_type", "environment"):
            if attrs.get(key) not in (None, "", []):
                out[f"{end}_{key}"] = attrs[key]
        if attrs.get("classifications"):
            out[f"{end}_classifications"] = list(attrs["classifications"])
    out["run_by"] = graph.predecessors(process, "runs") if process in graph else []
    verb = "reads" if flow.kind == "read" else "writes"
    reader, data = (out["target_name"], out["source_name"]) if flow.kind == "read" else (
        out["source_name"], out["target_name"])
    out["summary"] = f"{reader} {verb} {data}"
    return out


def describe_flows(graph: LineageGraph, found: Iterable[Flow]) -> list[dict[str, Any]]:
    """`describe_flow` for each flow, in order."""
    return [describe_flow(graph, f) for f in found]


SLOW_FACTOR = 3.0
"""A run slower than this many times its process's median duration is reported."""
MIN_HISTORY = 3
"""Completed runs a process needs before a run of it can be called slow."""


def run_alerts(ended: Mapping[str, Sequence[ProcessRun]],
               history: Mapping[str, Sequence[ProcessRun]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Alert entries for the runs that ended (`ended`, by process): those that failed or were
    aborted, and those that took over `SLOW_FACTOR` times the median duration of the process's
    earlier completed runs (`history`, by process; at least `MIN_HISTORY` of them).

    Example:
        >>> from datetime import datetime, timedelta, UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> def run(i, minutes, state="COMPLETE", error=None):
        ...     at = t + timedelta(hours=i)
        ...     return ProcessRun(f"r{i}", state, at, at + timedelta(minutes=minutes), error)
        >>> past = [run(i, 10) for i in range(3)]
        >>> failed, slow = run_alerts({"process:etl:nightly": [run(4, 1, "FAIL", "disk full"), run(3, 45)]},
        ...                           {"process:etl:nightly": past})
        >>> [f["summary"] for f in failed], [s["summary"] for s in slow]
        (['nightly failed: disk full'], ['nightly took 2700 s, 4.5x its median of 600 s'])
    """
    failed: list[dict[str, Any]] = []
    slow: list[dict[str, Any]] = []
    for process, runs in sorted(ended.items()):
        name = process.split(":", 2)[-1]
        for r in runs:
            entry = {"process": process, "run_id": r.run_id, "state": r.state, "error": r.error,
                     "started_at": r.started_at.isoformat(),
                     "ended_at": r.ended_at.isoformat() if r.ended_at else None, "duration_s": r.duration_s}
            if r.state in ("FAIL", "ABORT"):
                failed.append({**entry, "summary": f"{name} {'failed' if r.state == 'FAIL' else 'was aborted'}"
                                                   + (f": {r.error}" if r.error else "")})
                continue
            earlier = sorted(p.duration_s for p in history.get(process, ())
                             if p.state == "COMPLETE" and p.duration_s is not None and p.started_at < r.started_at)
            if r.duration_s is None or len(earlier) < MIN_HISTORY:
                continue
            median = statistics.median(earlier)
            if median > 0 and r.duration_s > SLOW_FACTOR * median:
                slow.append({**entry, "median_s": median, "summary": f"{name} took {r.duration_s:.0f} s, "
                                                                     f"{r.duration_s / median:.1f}x its median of "
                                                                     f"{median:.0f} s"})
    return failed, slow


def finding_to_dict(finding: Any) -> dict[str, Any]:
    """A finding (a pydantic model, a dataclass or any object with the usual attributes) as JSON data."""
    dump = getattr(finding, "model_dump", None)
    if callable(dump):
        data: dict[str, Any] = dump(mode="json")
        return data
    keys = ("rule_id", "severity", "message", "path", "fingerprint", "status")
    return {k: _plain(getattr(finding, k, None)) for k in keys}


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [_plain(v) for v in value]
    return str(getattr(value, "value", value))


@dataclass
class Alert:
    """What one job run found new. `to_json` gives the payload every sink sends."""

    job: str
    run_id: str
    status: str
    started_at: datetime
    finished_at: datetime
    new_flows: list[dict[str, Any]] = field(default_factory=list)
    removed_flows: list[dict[str, Any]] = field(default_factory=list)
    new_findings: list[dict[str, Any]] = field(default_factory=list)
    failed_runs: list[dict[str, Any]] = field(default_factory=list)
    slow_runs: list[dict[str, Any]] = field(default_factory=list)
    baseline: datetime | None = None
    previous_run: str | None = None
    findings_evaluated: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    store: str | None = None

    @property
    def has_news(self) -> bool:
        return bool(self.new_flows or self.new_findings or self.failed_runs or self.slow_runs)

    def to_json(self) -> dict[str, Any]:
        """The alert payload (documented in docs/jobs.md)."""
        return {
            "type": ALERT_TYPE,
            "version": ALERT_VERSION,
            "job": self.job,
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "store": self.store,
            "previous_run": self.previous_run,
            "baseline": self.baseline.isoformat() if self.baseline else None,
            "summary": self.summary(),
            "counts": dict(self.counts),
            "new_flows": self.new_flows,
            "removed_flows": self.removed_flows,
            "new_findings": self.new_findings,
            "failed_runs": self.failed_runs,
            "slow_runs": self.slow_runs,
            "findings_evaluated": self.findings_evaluated,
        }

    def summary(self) -> str:
        """One line for logs and chat messages.

        Example:
            >>> from datetime import datetime, UTC
            >>> t = datetime(2026, 1, 1, tzinfo=UTC)
            >>> Alert("events", "r1", "ok", t, t, new_flows=[{"summary": "bot writes t"}]).summary()
            'job events: 1 new flow (bot writes t), 0 new findings'
        """
        shown = ", ".join(f["summary"] for f in self.new_flows[:3] if "summary" in f)
        more = f" and {len(self.new_flows) - 3} more" if len(self.new_flows) > 3 else ""
        flows_text = f"{len(self.new_flows)} new flow{'s' if len(self.new_flows) != 1 else ''}"
        if shown:
            flows_text += f" ({shown}{more})"
        n = len(self.new_findings)
        runs = "".join(f", {len(found)} {what} run{'s' if len(found) != 1 else ''} ({found[0]['summary']})"
                       for what, found in (("failed", self.failed_runs), ("slow", self.slow_runs)) if found)
        return f"job {self.job}: {flows_text}, {n} new finding{'s' if n != 1 else ''}{runs}"
