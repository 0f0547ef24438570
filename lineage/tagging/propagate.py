"""`propagate(graph) -> Tags`: derived origin and classifications for every node, with paths.

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset", "origin": "real", "classifications": ["pii.email"]},
    ...            {"id": "process:j:p", "kind": "process"}, {"id": "dataset:s:b", "kind": "dataset"}],
    ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write")])
    >>> tags = propagate(g)
    >>> tags.origin("dataset:s:b"), sorted(tags.classifications("dataset:s:b"))
    ('real', ['pii.email'])
    >>> [(r.tag, r.value, r.path) for r in tags.why("dataset:s:b")][0]
    ('origin', 'real', ('dataset:s:a', 'process:j:p', 'dataset:s:b'))
"""

from __future__ import annotations

from lineage.graph import LineageGraph
from lineage.perf import paused_gc
from lineage.tagging.classes import ClassResult, propagate_classes
from lineage.tagging.flow import FlowIndex
from lineage.tagging.origin import FLAG_NAMES, REAL, SYNTHETIC, UNKNOWN, OriginResult, propagate_origin
from lineage.tagging.tags import TagReason, Tags


def propagate(graph: LineageGraph, *, index: FlowIndex | None = None) -> Tags:
    """Derive every node's effective origin and classifications (DESIGN §6).

    Args:
        graph: the lineage graph.
        index: a `FlowIndex` of the graph, when the caller already built one.

    Returns:
        The tags, with a path explaining each derived one.

    Example:
        >>> propagate(LineageGraph.from_records(nodes=[{"id": "dataset:s:a", "kind": "dataset"}])).origin("dataset:s:a")
        'unknown'
    """
    with paused_gc():
        index = index or FlowIndex.build(graph)
        origin = propagate_origin(index)
        classes = propagate_classes(index, graph.column_lineage)
        ids = index.ids
        origins = {node: origin.origin(i) for i, node in enumerate(ids)}
        class_sets: dict[str, frozenset[str]] = {}
        columns: dict[str, dict[str, frozenset[str]]] = {}
        for i in set(classes.slots) | set(classes.processes):
            found = classes.classes(i)
            if found:
                class_sets[ids[i]] = frozenset(found)
            per_column = classes.columns(i)
            if per_column:
                columns[ids[i]] = per_column

    def why(node_id: str, tag: str | None) -> list[TagReason]:
        i = index.index.get(node_id)
        if i is None:
            return []
        return [*(_origin_reasons(index, origin, i) if tag in (None, "origin") else ()),
                *(_class_reasons(index, classes, i) if tag in (None, "classification") else ())]

    return Tags(_origins=origins, _classes=class_sets, _columns=columns, _why=why,
                false_synthetic=frozenset(ids[i] for i in origin.false_synthetic),
                unknown_sources=tuple(ids[i] for i in origin.unknown_sources), flow_index=index)


def _origin_reasons(index: FlowIndex, origin: OriginResult, i: int) -> list[TagReason]:
    ids = index.ids
    out: list[TagReason] = []
    value = origin.origin(i)
    declared = origin.declared[i]
    node = ids[i]
    if declared is not None and declared == value:
        out.append(TagReason(tag="origin", value=value, path=(node,), declared=True, note=f"declared {value}"))
    else:
        for flag in (REAL, SYNTHETIC, UNKNOWN):
            if origin.flags[i] & flag:
                path = tuple(ids[j] for j in origin.path(i, flag))
                note = _origin_note(index, origin, flag, path)
                if declared == "synthetic":
                    note += "; declared synthetic, but real data reaches it with no privacy step"
                out.append(TagReason(tag="origin", value=value, path=path, declared=False, note=note))
        if not origin.flags[i]:
            out.append(TagReason(tag="origin", value=value, path=(node,), declared=False,
                                 note="no data of known origin reaches it"))
    return out


def _class_reasons(index: FlowIndex, classes: ClassResult, i: int) -> list[TagReason]:
    ids = index.ids
    out: list[TagReason] = []
    node = ids[i]
    held = classes.processes.get(i)
    if held is not None:
        for cls in sorted(held):
            s, slot = held[cls]
            trail, start_slot, how = classes.trail(s, slot, cls)
            out.append(TagReason(tag="classification", value=cls, path=(*(ids[j] for j in trail), node),
                                 declared=False, column=start_slot, note=f"read by this process; {how} at the start"))
        return out
    for slot in sorted(classes.slots.get(i, {}), key=lambda s: (s is not None, s or "")):
        for cls in sorted(classes.slots[i][slot]):
            trail, start_slot, how = classes.trail(i, slot, cls)
            is_seed = len(trail) == 1
            note = how if is_seed else f"{how} on {ids[trail[0]]}" + (f" column {start_slot}" if start_slot else "")
            out.append(TagReason(tag="classification", value=cls, path=tuple(ids[j] for j in trail),
                                 declared=is_seed and how == "declared", column=slot, note=note))
    return out


def _origin_note(index: FlowIndex, origin: OriginResult, flag: int, path: tuple[str, ...]) -> str:
    start = path[0]
    i = index.index[start]
    if flag == SYNTHETIC and index.is_privacy_step(i):
        return f"synthetic: made by the privacy step {start}"
    if flag == UNKNOWN:
        return f"unknown: nothing is known about where {start} gets its data"
    return f"{FLAG_NAMES[flag]}: declared {origin.declared[i] or FLAG_NAMES[flag]} on {start}"
