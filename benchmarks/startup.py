"""Start-up: what `lineage --help` and each command's `--help` cost before any work, in a fresh process.

    python benchmarks/startup.py [--runs N]

For each command, the wall time of the whole process (median of N runs), the time Python's
`-X importtime` counts for imports, and the heaviest packages it imported, so an import that
slips into a command that does not need it shows here. A command's `--help` imports what the
command's module imports at its top: what every run of that command pays before it starts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lineage.cli.main import COMMANDS  # noqa: E402


def _run(args: list[str]) -> tuple[float, str]:
    code = f"import sys; sys.argv = ['lineage', *{args!r}]; from lineage.cli.main import main; main()"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    return time.perf_counter() - started, done.stderr


def _imports(log: str) -> tuple[float, list[tuple[str, float]]]:
    """Total import time (s) and the packages that took most of it (their modules' own time, s),
    from a -X importtime log."""
    packages: dict[str, float] = {}
    for line in log.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        own, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if own.isdigit():
            root = name.split(".")[0]
            packages[root] = packages.get(root, 0.0) + int(own) / 1e6
    return sum(packages.values()), sorted(packages.items(), key=lambda kv: -kv[1])[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command (the median is shown)")
    args = parser.parse_args()
    print(f"{'command':<24} {'wall (s)':>9} {'imports (s)':>12}  packages that took longest to import (s)")
    for command in [[], *([name] for name in sorted(COMMANDS))]:
        runs = [_run([*command, "--help"]) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        total, heaviest = _imports(runs[-1][1])
        label = " ".join(["lineage", *command, "--help"])
        print(f"{label:<24} {wall:9.2f} {total:12.2f}  "
              + ", ".join(f"{name} {seconds:.2f}" for name, seconds in heaviest))


if __name__ == "__main__":
    main()
