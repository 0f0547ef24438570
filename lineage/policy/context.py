"""What every rule reads: the graph, its tags, an index of who runs and may touch what, and helpers.

Built once per evaluation, so rules stay small pure functions of it.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(nodes=[{"id": "process:https://api.x.com:v1", "kind": "process",
    ...                                       "processor_type": "llm_api"}])
    >>> ctx = PolicyContext.build(g)
    >>> [p["id"] for p in ctx.third_parties()]
    ['process:https://api.x.com:v1']
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lineage.access import Access, identity_access
from lineage.graph import LineageGraph
from lineage.policy.finding import Finding, Place, Severity
from lineage.tagging import Tags, propagate
from lineage.tagging.flow import FlowIndex

SENSITIVE_ROOTS = frozenset({"pii", "financial", "secret", "health", "credentials", "phi", "pci"})
PRIVATE_LABELS = frozenset({"confidential", "restricted", "private"})
UNTRUSTED = "untrusted"
PUBLIC = "public"


def sensitive(classes: set[str] | frozenset[str]) -> list[str]:
    """The sensitive classes among `classes`, sorted: personal, financial, secret and health data.

    Example:
        >>> sensitive({"pii.email", "public", "financial", "untrusted"})
        ['financial', 'pii.email']
    """
    return sorted(c for c in classes if c.split(".", 1)[0] in SENSITIVE_ROOTS)


def is_third_party(attrs: Mapping[str, Any]) -> bool:
    """Whether a process is run by someone else (a vendor API, an MCP server or tool, a SaaS).

    Example:
        >>> is_third_party({"processor_type": "saas"}), is_third_party({"kind": "process"})
        (True, False)
    """
    return bool(attrs.get("third_party")) or bool(attrs.get("processor_type"))


def label(attrs: Mapping[str, Any]) -> str:
    """A short human name for a node: `namespace name`.

    Example:
        >>> label({"namespace": "https://api.openai.com", "name": "v1/embeddings"})
        'https://api.openai.com v1/embeddings'
    """
    return f"{attrs.get('namespace', '')} {attrs.get('name', attrs.get('id', ''))}".strip()


@dataclass
class PolicyContext:
    """The graph, its tags and indexes; see the module docstring."""

    graph: LineageGraph
    tags: Tags
    index: FlowIndex
    now: datetime
    baseline_at: datetime | None = None
    evidence: Mapping[str, Sequence[Place]] = field(default_factory=dict)

    @classmethod
    def build(cls, graph: LineageGraph, *, tags: Tags | None = None, now: datetime | None = None,
              baseline_at: datetime | None = None, evidence: Mapping[str, Sequence[Place]] | None = None,
              index: FlowIndex | None = None) -> PolicyContext:
        """Index `graph` and propagate its tags unless given."""
        index = index or (tags.flow_index if tags is not None and tags.flow_index is not None
                          else FlowIndex.build(graph))
        return cls(graph=graph, tags=tags or propagate(graph, index=index), index=index,
                   now=now or datetime.now(UTC), baseline_at=baseline_at, evidence=evidence or {})

    # -- nodes ------------------------------------------------------------------------------------

    def attrs(self, node_id: str) -> dict[str, Any]:
        i = self.index.index.get(node_id)
        return self.index.attrs[i] if i is not None else {"id": node_id}

    def nodes(self, kind: str) -> Iterator[dict[str, Any]]:
        """Nodes of one kind, in id order."""
        for attrs, k in zip(self.index.attrs, self.index.kinds, strict=True):
            if k == kind:
                yield attrs

    def third_parties(self) -> Iterator[dict[str, Any]]:
        """Third-party processors, in id order."""
        return (a for a in self.nodes("process") if is_third_party(a))

    def reads(self, process_id: str) -> list[str]:
        """Datasets a process reads, in id order."""
        i = self.index.index[process_id]
        return [self.index.ids[j] for j in self.index.pred[i]]

    def writes(self, process_id: str) -> list[str]:
        """Datasets a process writes, in id order."""
        i = self.index.index[process_id]
        return [self.index.ids[j] for j in self.index.succ[i]]

    def writers(self, dataset_id: str) -> list[str]:
        """Processes that write a dataset, in id order."""
        i = self.index.index[dataset_id]
        return [self.index.ids[j] for j in self.index.pred[i]]

    def runs(self, identity_id: str) -> list[str]:
        """Processes an identity runs, in id order."""
        return self.index.runs.get(identity_id, [])

    def grants(self, identity_id: str) -> list[tuple[str, tuple[str, ...]]]:
        """(target, permissions) an identity holds, in target order."""
        return self.index.grants.get(identity_id, [])

    def access(self, identity_id: str) -> list[Access]:
        """What an identity is granted next to what it is seen using, per node, in node order."""
        return identity_access(self, identity_id)

    def is_real(self, node_id: str) -> bool:
        """Whether real data may be at the node: origin real or mixed."""
        return self.tags.origin(node_id) in ("real", "mixed")

    def not_synthetic(self, node_id: str) -> bool:
        """Whether the data at the node may be real (real, mixed, or unknown)."""
        return self.tags.origin(node_id) != "synthetic"

    # -- paths ------------------------------------------------------------------------------------

    def class_path(self, node_id: str, classes: Sequence[str]) -> tuple[str, ...]:
        """The path that brings the first of `classes` to the node (the node alone if none)."""
        wanted = set(classes)
        for reason in self.tags.why(node_id, "classification"):
            if reason.value in wanted:
                return reason.path
        return (node_id,)

    def origin_path(self, node_id: str, origin: str = "real") -> tuple[str, ...]:
        """The path that explains an origin flag at the node (the node alone if none)."""
        for reason in self.tags.why(node_id, "origin"):
            if reason.note.startswith(origin) or (reason.declared and reason.value == origin):
                return reason.path
        return (node_id,)

    def flow_path(self, source: str, target: str) -> tuple[str, ...]:
        """A shortest data-flow path from `source` to `target` (empty if there is none)."""
        ix = self.index
        start, goal = ix.index.get(source), ix.index.get(target)
        if start is None or goal is None:
            return ()
        back = {start: -1}
        queue = deque([start])
        while queue:
            u = queue.popleft()
            if u == goal:
                path = [u]
                while back[path[-1]] >= 0:
                    path.append(back[path[-1]])
                return tuple(ix.ids[i] for i in reversed(path))
            for v in ix.succ[u]:
                if v not in back:
                    back[v] = u
                    queue.append(v)
        return ()

    # -- findings ---------------------------------------------------------------------------------

    def places(self, nodes: Sequence[str]) -> tuple[Place, ...]:
        """Evidence places of the nodes, in node order, without repeats."""
        seen: dict[Place, None] = {}
        for node in nodes:
            for place in self.evidence.get(node, ()):
                seen.setdefault((place[0], place[1]), None)
            for place in self.attrs(node).get("evidence") or ():
                seen.setdefault((str(place[0]), place[1] if len(place) > 1 else None), None)
        return tuple(seen)

    def finding(self, rule: Any, *, nodes: Sequence[str], message: str, path: Sequence[str] = (),
                severity: Severity | None = None, fix: str | None = None) -> Finding:
        """A finding of `rule` (its id, title, references and fix, unless `fix` is given) about `nodes`."""
        return Finding.make(rule.id, title=rule.title, severity=severity or rule.severity, message=message,
                            nodes=nodes, path=path or nodes, references=rule.references,
                            fix=rule.fix if fix is None else fix,
                            evidence=self.places([*nodes, *path]))
