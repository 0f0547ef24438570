"""What an identity is granted next to what it was seen using: its access, node by node.

Use is what the lineage shows: an identity uses (reads) each process it runs, reads what those
processes read and writes what they write. The policy (unused grants) and the dashboard (the
identity's access table) both read it from `identity_access`; each passes its own view of the
links (`Links`): the policy its index, the dashboard the graph (`GraphLinks`).

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "identity:a", "kind": "identity"}, {"id": "process:p", "kind": "process"},
    ...            {"id": "dataset:d", "kind": "dataset"}, {"id": "dataset:e", "kind": "dataset"}],
    ...     edges=[("identity:a", "process:p", "runs"), ("process:p", "dataset:d", "write"),
    ...            ("identity:a", "dataset:e", "grant", {"permissions": ["read", "write"]})])
    >>> for a in identity_access(GraphLinks(g), "identity:a"):
    ...     print(a.node, sorted(a.granted), sorted(a.used), a.unused, a.missing, sorted(a.via), a.runs)
    dataset:d [] ['write'] [] ['write'] ['process:p'] False
    dataset:e ['read', 'write'] [] ['read', 'write'] [] [] False
    process:p [] ['read'] [] ['read'] [] True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lineage.graph import LineageGraph

__all__ = ["Access", "GraphLinks", "Links", "identity_access"]


class Links(Protocol):
    """Who runs what, who is granted what, and what each process reads and writes."""

    def runs(self, identity_id: str, /) -> Sequence[str]: ...

    def grants(self, identity_id: str, /) -> Sequence[tuple[str, Sequence[str]]]: ...

    def reads(self, process_id: str, /) -> Sequence[str]: ...

    def writes(self, process_id: str, /) -> Sequence[str]: ...


@dataclass(frozen=True)
class GraphLinks:
    """`Links` read from a `LineageGraph`'s runs, grant, read and write edges."""

    graph: LineageGraph

    def runs(self, identity_id: str, /) -> list[str]:
        return self.graph.successors(identity_id, "runs")

    def grants(self, identity_id: str, /) -> list[tuple[str, list[str]]]:
        return [(target, list((self.graph.edge(identity_id, target, "grant") or {}).get("permissions") or []))
                for target in self.graph.successors(identity_id, "grant")]

    def reads(self, process_id: str, /) -> list[str]:
        return self.graph.predecessors(process_id, "read")

    def writes(self, process_id: str, /) -> list[str]:
        return self.graph.successors(process_id, "write")


@dataclass(frozen=True)
class Access:
    """One node an identity is granted, or observed to use.

    `via`: the processes the identity runs whose reads and writes make the use; `runs`: the
    identity runs the node itself (calling a processor needs read on it).
    """

    node: str
    granted: frozenset[str] = frozenset()
    used: frozenset[str] = frozenset()
    via: frozenset[str] = frozenset()
    runs: bool = False

    @property
    def unused(self) -> list[str]:
        """Granted permissions not seen in use, sorted."""
        return sorted(self.granted - self.used)

    @property
    def missing(self) -> list[str]:
        """Permissions seen in use but not granted (edit covers write), sorted."""
        return sorted(p for p in self.used if p not in self.granted and not (p == "write" and "edit" in self.granted))


def identity_access(links: Links, identity: str) -> list[Access]:
    """The access of `identity`, one entry per node it is granted or uses, in node order."""
    granted = {target: frozenset(permissions) for target, permissions in links.grants(identity)}
    used: dict[str, set[str]] = {}
    via: dict[str, set[str]] = {}
    run = links.runs(identity)
    for process in run:
        used.setdefault(process, set()).add("read")
        for permission, datasets in (("read", links.reads(process)), ("write", links.writes(process))):
            for dataset in datasets:
                used.setdefault(dataset, set()).add(permission)
                via.setdefault(dataset, set()).add(process)
    runs = set(run)
    return [Access(node, granted.get(node, frozenset()), frozenset(used.get(node, ())),
                   frozenset(via.get(node, ())), node in runs)
            for node in sorted(set(granted) | set(used))]
