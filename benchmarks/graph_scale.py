"""Scale benchmark: ingest, graph build and full-depth queries on a generated lineage graph.

The graph has the shape of a large warehouse plus AI pipelines: datasets in layers (origins at
the bottom, marts and AI outputs on top), jobs that read a dozen upstream datasets and write a
few, a share of third-party processors, and identities with grants. It is ingested the way
collectors deliver it, in batches, into a real DuckDB file.

    python benchmarks/graph_scale.py                       # 100,000 datasets, ~1,000,000 edges
    python benchmarks/graph_scale.py --datasets 10000      # a quick run

Targets on a 2-core machine: ingest 1M edges < 60 s, build < 15 s, full-depth upstream query
median < 100 ms, peak memory < 4 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lineage.graph import load_graph
from lineage.models import (
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Identity,
    Layer,
    LineageBatch,
    NodeRef,
    Origin,
    Permission,
    Process,
    ProcessorType,
    RawInput,
    Role,
)
from lineage.store import open_store

LAYERS = 8


DOMAIN_SIZE = 200  # datasets per domain (a team's pipelines)


def generate(n_datasets: int, target_edges: int, batches: int, seed: int = 7) -> Iterator[LineageBatch]:
    """Yield `batches` batches that together describe one layered lineage graph.

    Datasets are grouped in domains of DOMAIN_SIZE, each with LAYERS layers; a job reads a dozen
    datasets, nearly all from lower layers of its own domain and one in twenty from the shared
    lower layers of another domain, and writes three datasets of its layer.
    """
    rng = random.Random(seed)
    domains = max(1, n_datasets // DOMAIN_SIZE)
    per_layer = DOMAIN_SIZE // LAYERS
    names = [[[f"d{d}.layer{layer}.t{i}" for i in range(per_layer)] for layer in range(LAYERS)]
             for d in range(domains)]
    ns = "postgres://warehouse.internal:5432"
    n_jobs = target_edges // 15  # ~12 reads and ~3 writes a job
    jobs_per_batch = max(1, n_jobs // batches)
    job = 0
    for b in range(batches):
        ev = Evidence(collector="bench", source=f"batch{b}.json", layer=Layer.OBSERVED,
                      observed_at=datetime.now(UTC))
        batch = LineageBatch(collector="bench", source=f"batch{b}.json")
        if b == 0:
            for domain in names:
                for layer, layer_names in enumerate(domain):
                    role = Role.ORIGIN if layer == 0 else (Role.CACHE if layer % 3 == 2 else Role.STORE)
                    origin = (Origin.REAL if rng.random() < 0.8 else Origin.SYNTHETIC) if layer == 0 else None
                    batch.extend(Dataset(namespace=ns, name=n, role=role, origin=origin, evidence=ev)
                                 for n in layer_names)
        for _ in range(jobs_per_batch):
            domain = names[job % domains]
            layer = 1 + (job // domains) % (LAYERS - 1)
            third_party = job % 50 == 0
            proc = Process(namespace="https://api.vendor.example" if third_party else "airflow-prod",
                           name=f"dag{job // 20}.task{job}", third_party=third_party or None,
                           processor_type=ProcessorType.LLM_API if third_party else None, evidence=ev)
            batch.add(proc)
            inputs: set[str] = set()
            while len(inputs) < 12:
                if rng.random() < 0.05:
                    inputs.add(rng.choice(rng.choice(names)[rng.randrange(min(layer, 3))]))
                else:
                    inputs.add(rng.choice(domain[layer - 1 if rng.random() < 0.7 else rng.randrange(layer)]))
            for src_name in sorted(inputs):
                batch.add(Edge(source=NodeRef.dataset(ns, src_name), target=proc.ref, kind=EdgeKind.READ,
                               evidence=ev))
            for dst_name in rng.sample(domain[layer], 3):
                batch.add(Edge(source=proc.ref, target=NodeRef.dataset(ns, dst_name), kind=EdgeKind.WRITE,
                               evidence=ev))
            if job % 100 == 0:
                ident = Identity(namespace="agents", name=f"agent{job}", evidence=ev)
                batch.add(ident, Edge(source=ident.ref, target=proc.ref, kind=EdgeKind.RUNS, evidence=ev),
                          Edge(source=ident.ref, target=NodeRef.dataset(ns, rng.choice(domain[layer])),
                               kind=EdgeKind.GRANT, permissions=(Permission.READ, Permission.WRITE),
                               evidence=ev))
            job += 1
        batch.raw = RawInput(collector="bench", source=batch.source, content=f"batch {b} seed {seed}".encode())
        yield batch


def print_table(rows: list[tuple[str, str, str]]) -> None:
    """Print (measure, result, target) rows as aligned columns."""
    width = max(len(r[0]) for r in rows)
    result_width = max(len(r[1]) for r in rows)
    print(f"{'measure':<{width}}  {'result':<{result_width}}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<{result_width}}  {target}")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.duckdb")
        store.migrate()
        edges = 0
        gen_s = ingest_s = 0.0
        t0 = time.perf_counter()
        for batch in generate(args.datasets, args.edges, args.batches):
            t1 = time.perf_counter()
            gen_s += t1 - t0
            result = store.ingest(batch)
            t0 = time.perf_counter()
            ingest_s += t0 - t1
            edges += sum(1 for f in batch.facts if isinstance(f, Edge))
            del batch, result
        t = time.perf_counter()
        graph = load_graph(store)
        build_s = time.perf_counter() - t
        stats = graph.stats()

        rng = random.Random(1)
        top = [n["id"] for n in graph.nodes("dataset") if f".layer{LAYERS - 1}." in n["id"]]
        samples = rng.sample(top, min(args.queries, len(top)))
        up_ms, down_ms, sizes = [], [], []
        for node in samples:
            t = time.perf_counter()
            sizes.append(len(graph.upstream(node)))
            up_ms.append((time.perf_counter() - t) * 1000)
        bottom = [n["id"] for n in graph.nodes("dataset") if ".layer0." in n["id"]]
        for node in rng.sample(bottom, min(args.queries, len(bottom))):
            t = time.perf_counter()
            graph.downstream(node)
            down_ms.append((time.perf_counter() - t) * 1000)
        size_mb = (Path(tmp) / "bench.duckdb").stat().st_size / 1e6

    rows = [
        ("datasets / processes / identities",
         f"{stats['by_kind'].get('dataset', 0):,} / {stats['by_kind'].get('process', 0):,} / "
         f"{stats['by_kind'].get('identity', 0):,}", ""),
        ("edges ingested (facts) / in graph", f"{edges:,} / {stats['edges']:,}", ""),
        ("generate batches (not part of ingest)", f"{gen_s:.1f} s", ""),
        ("ingest into DuckDB", f"{ingest_s:.1f} s ({edges / ingest_s:,.0f} edges/s)", "< 60 s"),
        ("build graph from store", f"{build_s:.1f} s", "< 15 s"),
        ("upstream, full depth, median", f"{statistics.median(up_ms):.1f} ms "
         f"(max {max(up_ms):.1f} ms; median {statistics.median(sizes):,.0f}, max {max(sizes):,} nodes reached)",
         "< 100 ms"),
        ("downstream, full depth, median", f"{statistics.median(down_ms):.1f} ms", ""),
        ("store file", f"{size_mb:,.0f} MB", ""),
        ("peak memory (RSS)", f"{peak_mb():,.0f} MB", "< 4096 MB"),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
