"""The difference between two lineage graphs: nodes and flows added or removed, tags changed.

Used to compare the graph as of two times (`load_graph(store, as_of)`), for the dashboard's
History page and for `lineage diff`. Pure: it reads two `LineageGraph`s and returns plain data.

Tags are compared per node. By default they are the node's own attributes (`origin`,
`classifications`, `environment`, `role`); a caller with propagated tags passes a `TagSource`
for each side (anything with `origin(id)` and `classifications(id)`), and those are compared too.

Example:
    >>> from lineage.graph import LineageGraph
    >>> a = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset"},
    ...                                {"id": "process:j:p", "kind": "process"}])
    >>> b = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "origin": "real"},
    ...                                {"id": "process:j:p", "kind": "process"}],
    ...                               [("dataset:s:a", "process:j:p", "read")])
    >>> d = diff_graphs(a, b)
    >>> d.flows_added, [(c.node, c.tag, c.before, c.after) for c in d.tags_changed]
    ([Flow(source='dataset:s:a', target='process:j:p', kind='read')], [('dataset:s:a', 'origin', None, 'real')])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from lineage.graph import LineageGraph
from lineage.models import FLOW_EDGES

NODE_TAGS: tuple[str, ...] = ("origin", "classifications", "environment", "role")

TagValue = str | tuple[str, ...] | None


class TagSource(Protocol):
    """Propagated tags, as `lineage.tagging.propagate(graph)` returns them."""

    def origin(self, node_id: str) -> Any: ...

    def classifications(self, node_id: str) -> Any: ...


class Flow(NamedTuple):
    source: str
    target: str
    kind: str


class TagChange(NamedTuple):
    node: str
    tag: str
    before: TagValue
    after: TagValue


@dataclass(frozen=True)
class GraphDiff:
    """What changed from `before` to `after`; every list is sorted."""

    nodes_added: list[str] = field(default_factory=list)
    nodes_removed: list[str] = field(default_factory=list)
    flows_added: list[Flow] = field(default_factory=list)
    flows_removed: list[Flow] = field(default_factory=list)
    tags_changed: list[TagChange] = field(default_factory=list)

    def is_empty(self) -> bool:
        """Whether nothing changed.

        Example:
            >>> GraphDiff().is_empty()
            True
        """
        return not (self.nodes_added or self.nodes_removed or self.flows_added or self.flows_removed
                    or self.tags_changed)


def _tag_value(value: Any) -> TagValue:
    """A comparable tag value: None for empty, a sorted tuple for collections, else text."""
    if value is None or value == "" or value == [] or value == ():
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return tuple(sorted(str(v) for v in value))
    return str(getattr(value, "value", value))


def node_tags(graph: LineageGraph, node_id: str, tags: TagSource | None = None,
              names: Iterable[str] = NODE_TAGS) -> dict[str, TagValue]:
    """The tags of one node as comparable values: its attributes, plus propagated tags when given.

    Propagated tags are keyed `derived.origin` and `derived.classifications`.

    Example:
        >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "classifications": ["b", "a"]}])
        >>> node_tags(g, "dataset:s:a")["classifications"]
        ('a', 'b')
    """
    attrs = graph.node(node_id)
    out = {name: _tag_value(attrs.get(name)) for name in names}
    if tags is not None:
        out["derived.origin"] = _tag_value(tags.origin(node_id))
        out["derived.classifications"] = _tag_value(tags.classifications(node_id))
    return out


def _flows(graph: LineageGraph, kinds: frozenset[str]) -> set[Flow]:
    return {Flow(u, v, kind) for u, v, kind, _ in graph.edges(kinds)}


def diff_graphs(before: LineageGraph, after: LineageGraph, *, before_tags: TagSource | None = None,
                after_tags: TagSource | None = None, edge_kinds: Iterable[str] = FLOW_EDGES,
                tag_names: Iterable[str] = NODE_TAGS) -> GraphDiff:
    """Compare two graphs.

    Args:
        before: the earlier graph.
        after: the later graph.
        before_tags: propagated tags of `before`, compared when both sides are given.
        after_tags: propagated tags of `after`.
        edge_kinds: which edges count as flows (read and write by default; add `runs` and
            `grant` to see identity changes).
        tag_names: which node attributes count as tags.

    Returns:
        A `GraphDiff`. Tag changes are reported only for nodes present in both graphs.

    Example:
        >>> from lineage.graph import LineageGraph
        >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset"}])
        >>> diff_graphs(g, LineageGraph()).nodes_removed
        ['dataset:s:a']
    """
    kinds = frozenset(edge_kinds)
    names = tuple(tag_names)
    old_ids = {str(n["id"]) for n in before.nodes()}
    new_ids = {str(n["id"]) for n in after.nodes()}
    old_flows, new_flows = _flows(before, kinds), _flows(after, kinds)
    use_tags = before_tags is not None and after_tags is not None
    changes: list[TagChange] = []
    for node in sorted(old_ids & new_ids):
        old = node_tags(before, node, before_tags if use_tags else None, names)
        new = node_tags(after, node, after_tags if use_tags else None, names)
        changes.extend(TagChange(node, tag, old[tag], new[tag]) for tag in old if old[tag] != new[tag])
    return GraphDiff(
        nodes_added=sorted(new_ids - old_ids),
        nodes_removed=sorted(old_ids - new_ids),
        flows_added=sorted(new_flows - old_flows),
        flows_removed=sorted(old_flows - new_flows),
        tags_changed=changes,
    )


def diff_rows(diff: GraphDiff) -> list[Mapping[str, str]]:
    """The diff as flat rows (change, subject, detail) for a table or a CSV file.

    Example:
        >>> diff_rows(GraphDiff(nodes_added=["dataset:s:a"]))
        [{'change': 'node added', 'subject': 'dataset:s:a', 'detail': ''}]
    """
    def text(value: TagValue) -> str:
        if value is None:
            return "(none)"
        return ", ".join(value) if isinstance(value, tuple) else value

    rows: list[Mapping[str, str]] = []
    rows += [{"change": "node added", "subject": n, "detail": ""} for n in diff.nodes_added]
    rows += [{"change": "node removed", "subject": n, "detail": ""} for n in diff.nodes_removed]
    rows += [{"change": "flow added", "subject": f"{f.source} -> {f.target}", "detail": f.kind}
             for f in diff.flows_added]
    rows += [{"change": "flow removed", "subject": f"{f.source} -> {f.target}", "detail": f.kind}
             for f in diff.flows_removed]
    rows += [{"change": "tag changed", "subject": c.node, "detail": f"{c.tag}: {text(c.before)} -> {text(c.after)}"}
             for c in diff.tags_changed]
    return rows
