"""Spec collector scale benchmark: `lineage collect` on generated pipeline specs of 10,000, 50,000
and 100,000 datasets, each in a fresh process (a subprocess) into a fresh DuckDB store.

Each spec declares its datasets in the short form `{id: dN, name: tN}` (the namespace comes from
`defaults`), so 100,000 of them stay under the 4 MiB limit of a YAML input, plus one process per
1,000 datasets with a flow reading the first half of them and writing the second half.

    python benchmarks/spec_scale.py                     # 10,000 / 50,000 / 100,000 datasets
    python benchmarks/spec_scale.py --datasets 5000 10000

The times are printed, not asserted: the collector is linear in the size of the spec, so 100,000
datasets take seconds (mostly YAML parsing), not hours.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PER_PROCESS = 1000


def spec_text(n_datasets: int) -> str:
    """A valid spec of `n_datasets` datasets, one process per `PER_PROCESS` of them and a flow each."""
    lines = ["version: 1", "pipeline: scale", "defaults:", "  namespace: postgres://db:5432", "datasets:"]
    lines += [f"  - {{id: d{i}, name: s.t{i}}}" for i in range(n_datasets)]
    n_processes = max(1, n_datasets // PER_PROCESS)
    lines.append("processes:")
    lines += [f"  - {{id: p{j}, name: job{j}}}" for j in range(n_processes)]
    lines.append("flows:")
    for j in range(n_processes):
        group = range(j * PER_PROCESS, min(n_datasets, (j + 1) * PER_PROCESS))
        half = len(group) // 2
        reads = ", ".join(f"d{i}" for i in group[:half])
        writes = ", ".join(f"d{i}" for i in group[half:])
        lines.append(f"  - {{from: [{reads}], through: p{j}, to: [{writes}]}}")
    return "\n".join(lines) + "\n"


def expected_facts(n_datasets: int) -> int:
    """Datasets, processes and one read or write edge per dataset in a flow."""
    n_processes = max(1, n_datasets // PER_PROCESS)
    in_flows = min(n_datasets, n_processes * PER_PROCESS)
    return n_datasets + n_processes + in_flows


def collect_seconds(n_datasets: int, workdir: Path) -> tuple[float, int, str]:
    """Write the spec, run `lineage collect` on it in a subprocess; (seconds, bytes, last output line)."""
    spec = workdir / f"scale-{n_datasets}.yaml"
    spec.write_text(spec_text(n_datasets), encoding="utf-8")
    db = workdir / f"scale-{n_datasets}.duckdb"
    command = [sys.executable, "-m", "lineage.cli", "collect", str(spec), "--db", str(db)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"lineage collect failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return seconds, spec.stat().st_size, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    args = parser.parse_args()
    print(f"{'datasets':>10} {'spec bytes':>12} {'facts':>8} {'seconds':>8}  lineage collect says")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.datasets:
            seconds, size, last = collect_seconds(n, Path(tmp))
            print(f"{n:>10,} {size:>12,} {expected_facts(n):>8,} {seconds:>8.1f}  {last}", flush=True)


if __name__ == "__main__":
    main()
