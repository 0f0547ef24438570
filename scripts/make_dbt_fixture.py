"""Regenerate the dbt artifacts the tests and the samples use, with real dbt.

    python -m venv /tmp/dbt && /tmp/dbt/bin/pip install "dbt-core~=1.11.0" "dbt-duckdb~=1.10"
    python scripts/make_dbt_fixture.py --dbt /tmp/dbt/bin/dbt

dbt lives in its own virtual environment: dbt-core 1.11 pins pathspec below 0.13, which the
type checker of the test extra cannot use. Each project is copied to a temporary directory and
built there against DuckDB (no network, no packages.yml), so nothing but the artifacts comes back:

- tests/dbt/project: `dbt build` then `dbt docs generate` (manifest.json with compiled code,
  catalog.json with the warehouse's column types), and `dbt parse` (fixtures/manifest_parse.json,
  raw code only);
- sample_pipelines/warehouse_elt/dbt: `dbt compile --target ci` (its prod target is Snowflake).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST_PROJECT = REPO / "tests" / "dbt" / "project"
SAMPLE_PROJECT = REPO / "sample_pipelines" / "warehouse_elt" / "dbt"
FLAGS = ["--profiles-dir", ".", "--no-send-anonymous-usage-stats", "--no-use-colors"]


def _run(dbt: str, project: Path, *args: str) -> None:
    subprocess.run([dbt, *args, *FLAGS], cwd=project, check=True, stdout=subprocess.DEVNULL)


def _copy(project: Path, into: Path) -> Path:
    work = into / project.name
    shutil.copytree(project, work, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.wal"))
    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dbt", default="dbt", help="the dbt executable (default: dbt on PATH)")
    dbt = parser.parse_args().dbt
    with tempfile.TemporaryDirectory() as tmp:
        work = _copy(TEST_PROJECT, Path(tmp) / "t")
        _run(dbt, work, "parse")
        (TEST_PROJECT.parent / "fixtures").mkdir(exist_ok=True)
        shutil.copy(work / "target" / "manifest.json", TEST_PROJECT.parent / "fixtures" / "manifest_parse.json")
        _run(dbt, work, "build")
        _run(dbt, work, "docs", "generate")
        (TEST_PROJECT / "target").mkdir(exist_ok=True)
        for name in ("manifest.json", "catalog.json"):
            shutil.copy(work / "target" / name, TEST_PROJECT / "target" / name)
        work = _copy(SAMPLE_PROJECT, Path(tmp) / "s")
        _run(dbt, work, "compile", "--target", "ci")
        (SAMPLE_PROJECT / "target").mkdir(exist_ok=True)
        shutil.copy(work / "target" / "manifest.json", SAMPLE_PROJECT / "target" / "manifest.json")


if __name__ == "__main__":
    main()
