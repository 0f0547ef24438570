"""Classification propagation: sensitive classes follow the data, column by column where column
lineage says how, dataset by dataset where it does not.

Where classes start (seeds): a dataset's declared classifications (spec, OpenLineage tags, dbt
meta), each column's declared classifications, and classes inferred from a column's name or its
sampled values (`lineage.classify`).

How they move, for each dataset S read by a process P that writes dataset D:
- when column lineage maps columns of S into D through P (or through no named process), each
  target column receives the classes of its source columns; a class S holds at dataset level
  that none of its declared or inferred columns accounts for may be in any column, so it goes
  along with every mapped column;
- otherwise D receives, at dataset level, every class of S.

The rules that downgrade or stop a class on the way (`passes`):
- `masking` (hashing, redaction, tokenisation) stops every class;
- `aggregation` stops personal and content classes (`pii.*`, `secret`, `untrusted`) and keeps
  `financial*`, `health*` and `confidential` (a sum of amounts is still financial);
- an indirect mapping (the source only filters, joins or groups) carries no values, so no class;
- a privacy step (differential privacy, k-anonymity, a checked synthesizer) stops every class;
- `public` and `internal` describe a place, not its content: they never propagate.

A process's classes are the classes of everything it reads. The walk is a worklist over
datasets; class sets only grow, so it ends, and each class at each place keeps a back-pointer
to where it came from.

Example:
    >>> from lineage.graph import LineageGraph
    >>> from lineage.tagging.flow import FlowIndex
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset", "columns": [{"name": "email"}]},
    ...            {"id": "process:j:p", "kind": "process"}, {"id": "dataset:s:b", "kind": "dataset"}],
    ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write")],
    ...     column_lineage=[{"target": "dataset:s:b", "column": "h", "sources": [["dataset:s:a", "email"]],
    ...                      "transformation": "masking", "process": "process:j:p"}])
    >>> index = FlowIndex.build(g)
    >>> result = propagate_classes(index, g.column_lineage)
    >>> sorted(result.classes(index.index["dataset:s:a"])), sorted(result.classes(index.index["dataset:s:b"]))
    (['pii.email'], [])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lineage.classify import classes_from_name, classes_from_values
from lineage.tagging.flow import FlowIndex

PLACE_LABELS = frozenset({"public", "internal"})
_AGGREGATE_KEEPS = frozenset({"financial", "health", "confidential"})

Slot = str | None  # a column name, or None for the dataset as a whole
Pointer = tuple[int, Slot, int]  # (source dataset, its slot, process or -1)


def passes(cls: str, transformation: str, *, indirect: bool = False, privacy_step: bool = False) -> bool:
    """Whether class `cls` survives a mapping (see the module docstring).

    Example:
        >>> passes("pii.email", "masking"), passes("financial", "aggregation"), passes("pii.email", "aggregation")
        (False, True, False)
    """
    if indirect or privacy_step or transformation == "masking" or cls in PLACE_LABELS:
        return False
    if transformation == "aggregation":
        return cls.split(".", 1)[0] in _AGGREGATE_KEEPS
    return True


@dataclass
class ClassResult:
    """Classes per dataset slot and per process, each with where it came from."""

    slots: dict[int, dict[Slot, dict[str, Pointer | None]]]
    seeds: dict[tuple[int, Slot, str], str]
    processes: dict[int, dict[str, tuple[int, Slot]]] = field(default_factory=dict)

    def classes(self, i: int) -> set[str]:
        """Every class of node `i` (a dataset's slots together, or what a process reads)."""
        if i in self.processes:
            return set(self.processes[i])
        out: set[str] = set()
        for held in self.slots.get(i, {}).values():
            out.update(held)
        return out

    def columns(self, i: int) -> dict[str, frozenset[str]]:
        """Classes per column of dataset `i`."""
        return {c: frozenset(held) for c, held in self.slots.get(i, {}).items() if c is not None and held}

    def trail(self, i: int, slot: Slot, cls: str) -> tuple[list[int], Slot, str]:
        """Node indexes from where `cls` starts to slot `slot` of dataset `i`, the slot where it
        starts, and how it started there (declared, column name, sampled values)."""
        path = [i]
        pointer = self.slots[i][slot].get(cls)
        while pointer is not None:
            source, slot, process = pointer
            if process >= 0:
                path.append(process)
            path.append(source)
            pointer = self.slots[source][slot].get(cls)
        path.reverse()
        return path, slot, self.seeds.get((path[0], slot, cls), "declared")


def _seed(index: FlowIndex) -> tuple[dict[int, dict[Slot, dict[str, Pointer | None]]],
                                      dict[tuple[int, Slot, str], str], dict[int, frozenset[str]]]:
    slots: dict[int, dict[Slot, dict[str, Pointer | None]]] = {}
    seeds: dict[tuple[int, Slot, str], str] = {}
    fixed: dict[int, frozenset[str]] = {}
    for i, attrs in enumerate(index.attrs):
        if index.kinds[i] != "dataset":
            continue
        held: dict[Slot, dict[str, Pointer | None]] = {}
        declared = attrs.get("classifications") or ()
        if declared:
            held[None] = dict.fromkeys(declared)
            seeds.update(((i, None, c), "declared") for c in declared)
        column_classes: set[str] = set()
        for column in attrs.get("columns") or ():
            name = str(column.get("name", ""))
            found: dict[str, str] = {}
            for how, classes in (("sampled values", classes_from_values(column.get("samples") or ())),
                                 ("column name", classes_from_name(name)),
                                 ("declared", column.get("classifications") or ())):
                found.update(dict.fromkeys(classes, how))
            if found:
                held[name] = dict.fromkeys(found)
                seeds.update(((i, name, c), how) for c, how in found.items())
                column_classes.update(found)
        if held:
            slots[i] = held
        fixed[i] = frozenset(column_classes)
    return slots, seeds, fixed


_Mapping = tuple[Slot, str, str, bool]  # (source column, target column, transformation, indirect)


def _column_maps(index: FlowIndex, column_lineage: Iterable[Mapping[str, Any]]
                 ) -> dict[tuple[int, int, int], list[_Mapping]]:
    """Column lineage keyed by (source dataset, process or -1, target dataset), sorted."""
    out: dict[tuple[int, int, int], list[_Mapping]] = {}
    at = index.index
    for entry in column_lineage:
        target = at.get(str(entry.get("target")))
        process = at.get(str(entry["process"])) if entry.get("process") else -1
        if target is None or process is None:
            continue
        for source in entry.get("sources") or ():
            s = at.get(str(source[0]))
            if s is not None:
                out.setdefault((s, process, target), []).append(
                    (str(source[1]), str(entry.get("column")), str(entry.get("transformation") or "identity"),
                     bool(entry.get("indirect"))))
    for maps in out.values():
        maps.sort(key=lambda m: (str(m[0]), m[1], m[2], m[3]))
    return out


def propagate_classes(index: FlowIndex, column_lineage: Iterable[Mapping[str, Any]]) -> ClassResult:
    """Derive every dataset's and process's classes; see the module docstring for the rules.

    Example:
        >>> from lineage.graph import LineageGraph
        >>> g = LineageGraph.from_records(
        ...     nodes=[{"id": "dataset:s:a", "kind": "dataset", "classifications": ["health"]}])
        >>> propagate_classes(FlowIndex.build(g), []).classes(0)
        {'health'}
    """
    slots, seeds, fixed = _seed(index)
    maps = _column_maps(index, column_lineage)
    direct: dict[int, list[int]] = {}
    for s, p, d in maps:
        if p < 0:
            direct.setdefault(s, []).append(d)
    kinds, succ = index.kinds, index.succ
    privacy = {i for i in range(len(index.ids)) if index.is_privacy_step(i)}
    queue = deque(sorted(slots))
    queued = set(queue)

    def available(s: int, slot: Slot) -> dict[str, Slot]:
        held = slots.get(s, {})
        out: dict[str, Slot] = {c: None for c in held.get(None, {}) if c not in fixed[s] and c not in PLACE_LABELS}
        if slot is None:
            for col, classes in held.items():
                out.update((c, col) for c in classes if c not in out)
        else:
            out.update(dict.fromkeys(held.get(slot, {}), slot))
        return out

    def add(d: int, slot: Slot, found: dict[str, Slot], s: int, p: int, changed: list[int]) -> None:
        target = slots.setdefault(d, {}).setdefault(slot, {})
        grew = False
        for cls, from_slot in found.items():
            if cls not in target:
                target[cls] = (s, from_slot, p)
                grew = True
        if grew and d not in queued:
            changed.append(d)

    def flow(s: int, p: int, d: int, changed: list[int], whole: dict[str, Slot]) -> None:
        mapped = maps.get((s, p, d))
        if mapped is None and p >= 0:
            if p in privacy:
                return
            add(d, None, {c: f for c, f in whole.items() if c not in PLACE_LABELS}, s, p, changed)
            return
        for src_col, tgt_col, transformation, indirect in mapped or ():
            found = available(s, src_col)
            add(d, tgt_col, {c: f for c, f in found.items()
                             if passes(c, transformation, indirect=indirect, privacy_step=p in privacy)},
                s, p, changed)

    while queue:
        s = queue.popleft()
        queued.discard(s)
        changed: list[int] = []
        whole = available(s, None)
        for p in succ[s]:
            if kinds[p] != "process":
                continue
            for d in succ[p]:
                if kinds[d] == "dataset":
                    flow(s, p, d, changed, whole)
        for d in direct.get(s, ()):
            flow(s, -1, d, changed, whole)
        for d in sorted(set(changed)):
            if d not in queued:
                queued.add(d)
                queue.append(d)

    result = ClassResult(slots=slots, seeds=seeds)
    for p, kind in enumerate(kinds):
        if kind != "process":
            continue
        seen: dict[str, tuple[int, Slot]] = {}
        for s in index.pred[p]:
            if s in slots:
                for cls, slot in available(s, None).items():
                    if cls not in PLACE_LABELS:
                        seen.setdefault(cls, (s, slot))
        if seen:
            result.processes[p] = seen
    return result
