"""`lineage collect` of a folder of SQL files as a person runs it, side by side with sqllineage.

    python benchmarks/collect_speed.py [FOLDER] [--dialect D] [--sqllineage-cli]

Default FOLDER: the 121 TPC statements of ../shared/benchmarks/sql-lineage/tpc_ctas (one file
each), read at run time. Each row is one whole command in a fresh process (start-up, parsing,
the store, output): the first collect into a new DuckDB store, the same collect again with
nothing changed, and sqllineage reading the same files with column lineage (its Python API, one
process for all files; `--sqllineage-cli` adds its command line run once per file, which is how
its CLI reads a folder). Peak memory is the child's maximum resident set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "benchmarks" / "sql-lineage" / "tpc_ctas"

SQLLINEAGE = """
import sys
from pathlib import Path
from sqllineage.runner import LineageRunner
for path in sorted(Path(sys.argv[1]).glob("*.sql")):
    runner = LineageRunner(path.read_text(), dialect=sys.argv[2], silent_mode=True)
    runner.source_tables, runner.target_tables
    runner.get_column_lineage()
"""


def _timed(argv: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident MB and exit status of a command run to its end."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("folder", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--dialect", default="duckdb")
    parser.add_argument("--sqllineage-cli", action="store_true", help="also run sqllineage's CLI once per file")
    args = parser.parse_args()
    if not args.folder.is_dir():
        sys.exit(f"{args.folder}: no such folder (the shared corpus is read at run time)")
    files = sorted(args.folder.glob("*.sql"))
    lineage = shutil.which("lineage") or sys.exit("the `lineage` command is not installed")
    rows: list[tuple[str, tuple[float, float, int]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.duckdb")
        collect = [lineage, "collect", str(args.folder), "--dialect", args.dialect, "--db", db]
        rows.append(("lineage collect, first", _timed(collect)))
        rows.append(("lineage collect, unchanged", _timed(collect)))
    try:
        import sqllineage  # noqa: F401
    except ImportError:
        print("sqllineage is not installed: its rows are left out")
    else:
        rows.append(("sqllineage, one process", _timed([sys.executable, "-c", SQLLINEAGE, str(args.folder),
                                                        args.dialect])))
        if args.sqllineage_cli:
            cli = shutil.which("sqllineage") or sys.exit("the `sqllineage` command is not installed")
            started = time.perf_counter()
            peak = 0.0
            for path in files:
                _, mb, _ = _timed([cli, "-f", str(path), f"--dialect={args.dialect}", "-l", "column"])
                peak = max(peak, mb)
            rows.append(("sqllineage CLI, per file", (time.perf_counter() - started, peak, 0)))
    print(f"{len(files)} files in {args.folder}")
    print(f"{'command':<30} {'wall (s)':>9} {'files/s':>8} {'peak MB':>8} {'exit':>5}")
    for name, (wall, mb, code) in rows:
        print(f"{name:<30} {wall:9.2f} {len(files) / wall:8.1f} {mb:8.0f} {code:5d}")


if __name__ == "__main__":
    main()
