"""Policy scale benchmark: tag propagation plus every built-in rule on the 1,000,000-edge graph.

The graph is the one `benchmarks/graph_scale.py` generates (its `generate` function), with a
third of the origin datasets classified `pii.email` so that classifications have something to
propagate and the rules something to find. It is built in memory from the generated facts
(the store's ingest is measured by graph_scale.py, not here).

    python benchmarks/policy_scale.py                      # 100,000 datasets, ~1,000,000 edges
    python benchmarks/policy_scale.py --datasets 10000 --edges 100000   # a quick run

Targets on a 2-core machine: propagation plus every rule < 60 s, peak memory < 4 GB.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.graph_scale import generate, peak_mb, print_table
from lineage.graph import LineageGraph
from lineage.models import Dataset, Edge, Identity, Process
from lineage.perf import paused_gc
from lineage.policy import RULES, evaluate
from lineage.tagging import propagate


def build(n_datasets: int, n_edges: int) -> tuple[LineageGraph, int]:
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[tuple[str, str, str, dict[str, Any]]] = []
    with paused_gc():
        for batch in generate(n_datasets, n_edges, 20):
            for fact in batch.facts:
                if isinstance(fact, Dataset | Process | Identity):
                    attrs = fact.model_dump(mode="json", exclude_none=True, exclude={"evidence", "fact"})
                    if isinstance(fact, Dataset) and fact.role is not None and fact.role.value == "origin" \
                            and zlib.crc32(fact.name.encode()) % 3 == 0:
                        attrs["classifications"] = ["pii.email"]
                    nodes[fact.ref.id] = {"id": fact.ref.id, "kind": fact.ref.kind.value, **attrs}
                elif isinstance(fact, Edge):
                    edges.append((fact.source.id, fact.target.id, fact.kind.value,
                                  {"permissions": [p.value for p in fact.permissions]}))
        return LineageGraph.from_records(nodes=nodes.values(), edges=edges), len(edges)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    args = parser.parse_args()

    t = time.perf_counter()
    graph, n_edges = build(args.datasets, args.edges)
    build_s = time.perf_counter() - t
    base_mb = peak_mb()

    t = time.perf_counter()
    tags = propagate(graph)
    tags_s = time.perf_counter() - t
    t = time.perf_counter()
    findings = evaluate(graph, tags=tags)
    rules_s = time.perf_counter() - t
    by_rule = collections.Counter(f.rule_id for f in findings)
    origins = collections.Counter(tags.origin(n["id"]) for n in graph.nodes("dataset"))

    rows = [
        ("nodes / edges (in graph)", f"{len(graph):,} / {graph.number_of_edges():,} ({n_edges:,} edge facts)", ""),
        ("build graph in memory (not measured)", f"{build_s:.1f} s", ""),
        ("propagate origin + classifications", f"{tags_s:.1f} s", ""),
        (f"evaluate {len(RULES)} built-in rules", f"{rules_s:.1f} s", ""),
        ("propagation plus every rule", f"{tags_s + rules_s:.1f} s", "< 60 s"),
        ("datasets by derived origin", ", ".join(f"{k} {v:,}" for k, v in sorted(origins.items())), ""),
        ("findings", ", ".join(f"{k} {v:,}" for k, v in sorted(by_rule.items())) or "none", ""),
        ("peak memory (RSS): after build / total", f"{base_mb:,.0f} MB / {peak_mb():,.0f} MB", "< 4096 MB"),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
