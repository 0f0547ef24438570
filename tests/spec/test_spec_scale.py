"""The spec collector on large specs: linear in the size of the spec, whatever it holds.

Counts are asserted, not durations (`benchmarks/spec_scale.py` measures the time). Before it was
linear, each new alias was compared with every alias declared before it, and each unknown alias
with every known one for a "did you mean": 5,000 datasets took 37 s and 20,000 would take minutes.
"""

from __future__ import annotations

from collectors.base import Source
from collectors.spec import SpecCollector
from collectors.spec.convert import MAX_SUGGESTIONS
from lineage.models import Dataset, Edge, EdgeKind, Process

N = 20_000
PER_PROCESS = 1_000


def _spec(n: int, *, flows: list[str] | None = None, extra: list[str] | None = None) -> bytes:
    lines = ["version: 1", "pipeline: scale", "defaults:", "  namespace: postgres://db:5432", "datasets:"]
    lines += [f"  - {{id: d{i}, name: s.t{i}}}" for i in range(n)]
    lines += extra or []
    lines.append("processes:")
    lines += [f"  - {{id: p{j}, name: job{j}}}" for j in range(n // PER_PROCESS)]
    if flows is None:
        flows = []
        for j in range(n // PER_PROCESS):
            group = range(j * PER_PROCESS, (j + 1) * PER_PROCESS)
            half = PER_PROCESS // 2
            reads = ", ".join(f"d{i}" for i in group[:half])
            writes = ", ".join(f"d{i}" for i in group[half:])
            flows.append(f"  - {{from: [{reads}], through: p{j}, to: [{writes}]}}")
    lines += ["flows:", *flows]
    return ("\n".join(lines) + "\n").encode()


def test_a_spec_of_20000_datasets_collects_completely() -> None:
    batch = SpecCollector().collect(Source(name="scale.yaml", data=_spec(N)))
    assert not batch.problems
    datasets = [f for f in batch.facts if isinstance(f, Dataset)]
    edges = [f for f in batch.facts if isinstance(f, Edge)]
    assert len(datasets) == N and len({d.ref.id for d in datasets}) == N
    assert len([f for f in batch.facts if isinstance(f, Process)]) == N // PER_PROCESS
    assert sum(e.kind is EdgeKind.READ for e in edges) == sum(e.kind is EdgeKind.WRITE for e in edges) == N // 2
    assert datasets[-1].evidence.line == N + 5  # lines still found for the last entry
    assert batch.raw is not None


def test_thousands_of_aliases_for_one_dataset_each_get_an_error_in_linear_time() -> None:
    # every second alias names a dataset declared before it under another alias
    n = N // 2
    extra = [f"  - {{id: again{i}, name: s.t{i}}}" for i in range(0, n, 2)]
    batch = SpecCollector().collect(Source(name="dupes.yaml", data=_spec(n, extra=extra)))
    errors = [p for p in batch.problems if p.severity == "error"]
    assert len(errors) == n // 2 and not batch.facts
    assert errors[0].field == f"datasets[{n}].name" and "'again0' names the same dataset as 'd0'" in errors[0].message


def test_thousands_of_unknown_aliases_each_get_an_error_and_only_the_first_a_suggestion() -> None:
    flows = [f"  - {{from: d{i}x, through: p0}}" for i in range(5_000)]
    batch = SpecCollector().collect(Source(name="unknown.yaml", data=_spec(N // 2, flows=flows)))
    errors = [p for p in batch.problems if p.severity == "error"]
    assert len(errors) == 5_000 and not batch.facts
    assert all(p.message.startswith("unknown dataset 'd") for p in errors)
    assert sum("did you mean" in p.message for p in errors) == MAX_SUGGESTIONS
    assert "unknown dataset 'd0x' (did you mean 'd0'?)" in errors[0].message
