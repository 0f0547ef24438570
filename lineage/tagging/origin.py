"""Origin propagation (DESIGN §6): real, synthetic, mixed or unknown, with the path that explains it.

Each node collects flags: R (real data reaches it), S (synthetic data does), U (data of unknown
origin does). A derived node's origin follows from its flags: R and S give `mixed`, R alone (with
or without U) `real`, S alone `synthetic`, anything else `unknown`. So a dataset is synthetic when
all its inputs are, real when all are, mixed when both occur, and unknown when an input is
unknown and none is real. An unknown input does not dilute real data: real plus unknown is real.

Where flags start:
- a dataset declared `real` emits R, `mixed` emits R and S; neither takes flags from upstream;
- a dataset declared `synthetic` emits S and stops upstream flags, unless real data reaches it,
  in which case the claim is false: it is treated as an undeclared dataset (so as real data) and
  listed in `false_synthetic`;
- a process declared as a privacy step emits S to what it writes and forwards neither R nor U:
  it is the only way real data becomes synthetic (the link back stays in the graph for audit);
- an undeclared node with nothing upstream emits U (a hole in the map).

Each flag spreads by one breadth-first walk from its sources, visited in id order, so the whole
propagation is linear in the graph's size, handles cycles, and each flag at each node has a
back-pointer to the neighbour it came from: following them gives a shortest explaining path.

Example:
    >>> from lineage.graph import LineageGraph
    >>> from lineage.tagging.flow import FlowIndex
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset", "origin": "real"},
    ...            {"id": "process:j:p", "kind": "process"}, {"id": "dataset:s:b", "kind": "dataset"}],
    ...     edges=[("dataset:s:a", "process:j:p", "read"), ("process:j:p", "dataset:s:b", "write")])
    >>> index = FlowIndex.build(g)
    >>> result = propagate_origin(index)
    >>> b = index.index["dataset:s:b"]
    >>> result.origin(b), [index.ids[i] for i in result.path(b, REAL)]
    ('real', ['dataset:s:a', 'process:j:p', 'dataset:s:b'])
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from lineage.tagging.flow import FlowIndex

REAL, SYNTHETIC, UNKNOWN = 1, 2, 4
FLAG_NAMES = {REAL: "real", SYNTHETIC: "synthetic", UNKNOWN: "unknown"}
_NO_POINTER = -1
_SOURCE = -2  # the flag starts at this node


def origin_of(flags: int) -> str:
    """The origin a set of flags stands for.

    Example:
        >>> origin_of(REAL | SYNTHETIC), origin_of(REAL | UNKNOWN), origin_of(SYNTHETIC | UNKNOWN)
        ('mixed', 'real', 'unknown')
    """
    if flags & REAL:
        return "mixed" if flags & SYNTHETIC else "real"
    if flags == SYNTHETIC:
        return "synthetic"
    return "unknown"


@dataclass(frozen=True)
class OriginResult:
    """Flags and back-pointers per node index (see the module docstring)."""

    flags: list[int]
    pointers: dict[int, list[int]]
    declared: list[str | None]
    false_synthetic: list[int]
    unknown_sources: list[int]

    def origin(self, i: int) -> str:
        """The effective origin of node `i`."""
        return origin_of(self.flags[i])

    def path(self, i: int, flag: int) -> list[int]:
        """Node indexes from where `flag` starts to node `i` (empty when `i` lacks the flag).

        A privacy step hands the synthetic flag to what it writes without holding it; when one of
        those outputs is also its input, the step's own pointer leads back to that output: the
        path then starts at the step, where the flag starts, instead of going round the cycle.
        """
        pointers = self.pointers[flag]
        if pointers[i] == _NO_POINTER:
            return []
        out, seen = [i], {i}
        while (j := pointers[out[-1]]) >= 0 and j not in seen:
            out.append(j)
            seen.add(j)
        out.reverse()
        return out


def _declared(index: FlowIndex) -> list[str | None]:
    out: list[str | None] = []
    for kind, attrs in zip(index.kinds, index.attrs, strict=True):
        value = attrs.get("origin") if kind == "dataset" else None
        out.append(str(value) if value in ("real", "synthetic", "mixed") else None)
    return out


def _spread(index: FlowIndex, seeds: list[int], *, emitters: list[int], receives: list[bool],
            forwards: list[bool]) -> list[int]:
    """Breadth-first spread of one flag; returns back-pointers (-1 absent, -2 starts here).

    `emitters` pass the flag to their successors without holding it themselves (privacy steps).
    """
    pointers = [_NO_POINTER] * len(index.ids)
    queue: deque[int] = deque()
    for i in seeds:
        pointers[i] = _SOURCE
        queue.append(i)
    succ = index.succ
    for i in emitters:
        for j in succ[i]:
            if pointers[j] == _NO_POINTER and receives[j]:
                pointers[j] = i
                queue.append(j)
    while queue:
        u = queue.popleft()
        if not forwards[u]:
            continue
        for v in succ[u]:
            if pointers[v] == _NO_POINTER and receives[v]:
                pointers[v] = u
                queue.append(v)
    return pointers


def propagate_origin(index: FlowIndex) -> OriginResult:
    """Derive every node's origin flags; see the module docstring for the rules.

    Example:
        >>> from lineage.graph import LineageGraph
        >>> g = LineageGraph.from_records(nodes=[{"id": "dataset:s:a", "kind": "dataset"}])
        >>> propagate_origin(FlowIndex.build(g)).origin(0)
        'unknown'
    """
    n = len(index.ids)
    declared = _declared(index)
    privacy = [index.is_privacy_step(i) for i in range(n)]
    everyone = [True] * n
    passes = [not p for p in privacy]  # a privacy step forwards neither real nor unknown data

    real = _spread(index, _real_seeds(declared), emitters=[], receives=everyone, forwards=passes)
    has_real = [p != _NO_POINTER for p in real]
    stands = _standing(declared, has_real)
    takes = [not s for s in stands]
    synthetic = _spread(index, _synthetic_seeds(declared, stands), emitters=[i for i in range(n) if privacy[i]],
                        receives=takes, forwards=everyone)
    unknown_seeds = _unknown_seeds(index, stands, privacy)
    unknown = _spread(index, unknown_seeds, emitters=[], receives=takes, forwards=passes)

    pointers = {REAL: real, SYNTHETIC: synthetic, UNKNOWN: unknown}
    false_synthetic = [i for i in range(n) if declared[i] == "synthetic" and has_real[i]]
    return OriginResult(flags=_flags(pointers, n), pointers=pointers, declared=declared,
                        false_synthetic=false_synthetic, unknown_sources=unknown_seeds)


def _real_seeds(declared: list[str | None]) -> list[int]:
    """Datasets declared real or mixed."""
    return [i for i, d in enumerate(declared) if d in ("real", "mixed")]


def _standing(declared: list[str | None], has_real: list[bool]) -> list[bool]:
    """Whether each node's declared origin stands (it then takes no synthetic or unknown flags from
    upstream): real and mixed always do, synthetic unless real data reaches it."""
    return [d in ("real", "mixed") or (d == "synthetic" and not has_real[i]) for i, d in enumerate(declared)]


def _synthetic_seeds(declared: list[str | None], stands: list[bool]) -> list[int]:
    """Datasets declared mixed, or synthetic where the claim stands."""
    return [i for i, d in enumerate(declared) if d == "mixed" or (d == "synthetic" and stands[i])]


def _unknown_seeds(index: FlowIndex, stands: list[bool], privacy: list[bool]) -> list[int]:
    """Nodes with nothing upstream and no standing declaration (privacy steps excepted)."""
    return [i for i in range(len(index.ids)) if not index.pred[i] and not stands[i] and not privacy[i]]


def _flags(pointers: dict[int, list[int]], n: int) -> list[int]:
    """Each node's flags: those whose walk reached it."""
    flags = [0] * n
    for flag, reached in pointers.items():
        for i, pointer in enumerate(reached):
            if pointer != _NO_POINTER:
                flags[i] |= flag
    return flags
