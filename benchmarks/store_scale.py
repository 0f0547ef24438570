"""Questions at warehouse size, as a person asks them: each a whole `lineage` command in a fresh
process (start-up, store, output), on a DuckDB store of 100,000 datasets and about 1,000,000 edges
made by `graph_scale.py`'s generator. Before and after side by side, same store, same run:

- before: the graph merged from every fact, as the store answered until it kept the current graph;
- after: the current graph the store keeps, and the findings it keeps until the graph changes;
- --as-of: the same question about a time (one that sees every fact), answered from the facts
  valid then (`explain --as-of` still evaluates the policy on the whole graph of that time).

    python benchmarks/store_scale.py                      # 100,000 datasets, ~1,000,000 edges
    python benchmarks/store_scale.py --datasets 10000     # a quick run
    python benchmarks/store_scale.py --keep /tmp/scale    # keep the store there (reused when present)

Targets: upstream/downstream at any depth under 0.5 s and 300 MB; explain under 0.5 s; check on an
unchanged store under 2 s, after adding one pipeline under 10 s, from scratch no slower than
before; ingest no slower than 47,000 edges/s. Nothing is asserted: the numbers are printed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.graph_scale import LAYERS, generate, print_table
from lineage.models import Edge
from lineage.store import open_store

NS = "postgres://warehouse.internal:5432"
LONG_AGO_AHEAD = "9999-01-01T00:00:00Z"
"""An `--as-of` time that sees every current fact: the question answered by merging the facts."""
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_pipelines" / "rag_ingestion"


_MEASURED = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")
"""Runs a command and reports its peak memory: started from this small process, the command's peak
is its own (a process forked from the benchmark would count the benchmark's memory too)."""


def run(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Seconds of wall time and peak memory (MB) of one command in a fresh process, and its last line."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURED, sys.executable, "-m", *args], cwd=cwd,
                          capture_output=True, check=False)
    seconds = time.perf_counter() - start
    text = done.stdout.decode(errors="replace").strip().splitlines()
    errors = done.stderr.decode(errors="replace").strip().splitlines()
    if done.returncode not in (0, 1) or any(line.startswith("Traceback") for line in errors):  # 1: findings
        raise RuntimeError(f"{' '.join(args)} failed: {errors[-5:]}")
    return seconds, int(errors[-1]) / 1024, text[-1] if text else ""


def forget_findings(db: Path) -> None:
    """Drop the findings the store keeps, so the next check works them out from scratch."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM derived_results")


def new_pipeline(folder: Path) -> None:
    """The sample pipeline with every node's name made new (a suffix of this run), so that
    collecting it adds a pipeline the store has never seen, however often a kept store is measured."""
    import uuid

    import yaml

    folder.mkdir(parents=True)
    spec = yaml.safe_load((SAMPLE / "pipeline.yaml").read_text())
    suffix = uuid.uuid4().hex[:8]
    for section in ("datasets", "processes", "identities"):
        for entry in spec.get(section) or ():
            entry["name"] = f"{entry.get('name') or entry['id']}-{suffix}"
    (folder / "pipeline.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))


def ingest(db: Path, datasets: int, edges: int) -> tuple[float, int]:
    """Ingest the generated batches; seconds spent storing (not generating) and edges stored."""
    store = open_store(db)
    store.migrate()
    spent, count = 0.0, 0
    for batch in generate(datasets, edges, 20):
        count += sum(1 for f in batch.facts if isinstance(f, Edge))
        t = time.perf_counter()
        store.ingest(batch)
        spent += time.perf_counter() - t
    return spent, count


def merged(db: str, question: str, node: str, depth: int | None) -> None:
    """A question as it was answered before the store kept the graph and the findings: every fact
    merged, then the walk, or the policy evaluated (`check`, `explain`), nothing kept (run in a
    fresh process by the benchmark)."""
    from lineage.graph import LineageGraph
    from lineage.project import load_project
    from lineage.services.check import check_graph
    from lineage.tagging import propagate

    store = open_store(db)
    g = LineageGraph.from_data(store.graph_data())
    if question in ("upstream", "downstream"):
        found = (g.upstream if question == "upstream" else g.downstream)(node, depth=depth)
        print(f"{len(found)} node(s)")
        return
    if question == "explain":
        propagate(g)
    print(f"{len(check_graph(g, store, load_project(None).policy))} finding(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=None, help="default: ten per dataset")
    parser.add_argument("--keep", type=Path, help="a folder for the store, kept afterwards (reused when present)")
    parser.add_argument("--merged", nargs=4, metavar=("DB", "QUESTION", "NODE", "DEPTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.merged:
        db_path, question, node, depth = args.merged
        merged(db_path, question, node, int(depth) if depth != "all" else None)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="store-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "scale.duckdb"
    rows: list[tuple[str, str, str]] = []
    if not db.exists():
        spent, edges = ingest(db, args.datasets, args.edges or 10 * args.datasets)
        rows.append(("ingest (storing only, 20 batches)", f"{spent:.1f} s ({edges / spent:,.0f} edges/s)",
                     ">= 47,000 edges/s"))
    domain = max(1, args.datasets // 200) // 2
    top, bottom = f"dataset:{NS}:d{domain}.layer{LAYERS - 1}.t3", f"dataset:{NS}:d{domain}.layer0.t3"
    lineage = ["lineage.cli"]
    db_args = ["--db", str(db)]

    def before(question: str, node: str = "-", depth: str = "all") -> tuple[float, float, str]:
        return run(["benchmarks.store_scale", "--merged", str(db), question, node, depth], ROOT)

    def side_by_side(label: str, command: list[str], merged_run: tuple[float, float, str], target: str) -> None:
        after = run([*lineage, *command, *db_args], work)
        past = run([*lineage, *command, *db_args, "--as-of", LONG_AGO_AHEAD], work)
        rows.append((label, f"before {merged_run[0]:6.2f} s {merged_run[1]:6,.0f} MB | after {after[0]:5.2f} s "
                            f"{after[1]:5,.0f} MB | --as-of {past[0]:5.2f} s {past[1]:5,.0f} MB   "
                            f"({after[2][:50]})", target))

    side_by_side("graph upstream --depth 3", ["graph", "upstream", top, "--depth", "3"],
                 before("upstream", top, "3"), "< 0.5 s, < 300 MB")
    side_by_side("graph upstream, all depths", ["graph", "upstream", top], before("upstream", top),
                 "< 0.5 s, < 300 MB")
    side_by_side("graph downstream, all depths", ["graph", "downstream", bottom], before("downstream", bottom),
                 "< 0.5 s, < 300 MB")
    scratch = before("check")
    forget_findings(db)  # a kept store holds the findings of its last check
    cold = run([*lineage, "check", *db_args], work)
    warm = run([*lineage, "check", *db_args], work)
    rows.append(("check: from scratch", f"before {scratch[0]:6.2f} s {scratch[1]:6,.0f} MB | after {cold[0]:5.2f} s "
                                        f"{cold[1]:5,.0f} MB", "no slower than before"))
    rows.append(("check: unchanged store", f"after {warm[0]:.2f} s {warm[1]:,.0f} MB   ({warm[2][:60]})", "< 2 s"))
    side_by_side("explain (findings kept)", ["explain", top], before("explain", top), "< 0.5 s")
    sample = work / "one-pipeline"
    shutil.rmtree(sample, ignore_errors=True)
    new_pipeline(sample)
    copy = work / "added.duckdb"  # the pipeline goes into a copy, so a kept store measures the same change again
    for suffix in ("", ".wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{copy}{suffix}")
    added = run([*lineage, "collect", str(sample), "--db", str(copy)], work)
    changed = run([*lineage, "check", "--db", str(copy)], work)
    for suffix in ("", ".wal"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    rows.append(("collect one more pipeline", f"after {added[0]:.2f} s {added[1]:,.0f} MB", ""))
    rows.append(("check after adding one pipeline", f"after {changed[0]:.2f} s {changed[1]:,.0f} MB", "< 10 s"))
    rows.append(("store file", f"{db.stat().st_size / 1e6:,.0f} MB", ""))
    print_table(rows)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
