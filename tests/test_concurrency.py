"""The dashboard must read while another process ingests: two real processes share one file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from lineage.store import open_store

ROOT = Path(__file__).resolve().parent.parent
BATCHES, EDGES_PER_BATCH = 25, 2 * 40


def _run(script: str) -> subprocess.Popen[str]:
    code = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n" + textwrap.dedent(script)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_a_reader_process_keeps_working_while_a_writer_process_ingests(tmp_path: Path) -> None:
    path = tmp_path / "shared.duckdb"
    open_store(path).migrate()
    writer = _run(f"""
        from lineage.store import open_store
        from tests.conftest import chain_batch
        store = open_store({str(path)!r}, lock_timeout=60)
        for i in range({BATCHES}):
            store.ingest(chain_batch(f"batch{{i}}.yaml", [f"b{{i}}_t{{j}}" for j in range(41)]))
        print("written", flush=True)
    """)
    reader = _run(f"""
        import json, time
        from lineage.graph import load_graph
        from lineage.store import open_store
        store = open_store({str(path)!r}, lock_timeout=60)
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen.append(load_graph(store).number_of_edges())
            if seen[-1] == {BATCHES * EDGES_PER_BATCH}:
                break
        print(json.dumps(seen), flush=True)
    """)
    w_out, w_err = writer.communicate(timeout=180)
    r_out, r_err = reader.communicate(timeout=180)
    assert writer.returncode == 0, w_err
    assert reader.returncode == 0, r_err
    assert w_out.strip() == "written"
    seen = json.loads(r_out)
    assert len(seen) >= 2, "the reader should have read more than once"
    assert seen == sorted(seen), "the graph never goes backwards"
    assert all(n % EDGES_PER_BATCH == 0 for n in seen), f"a reader saw half a batch: {seen}"
    assert seen[-1] == BATCHES * EDGES_PER_BATCH


def test_a_reader_process_gets_in_while_a_collect_of_many_files_runs(tmp_path: Path) -> None:
    path, files = tmp_path / "shared.duckdb", 100
    folder = tmp_path / "sql"
    folder.mkdir()
    for i in range(files):
        (folder / f"t{i:03}.sql").write_text(f"CREATE TABLE t{i + 1} AS SELECT id, name FROM t{i};\n")
    open_store(path).migrate()
    collect = _run(f"""
        from lineage.cli.main import main
        sys.exit(main(["collect", {str(folder)!r}, "--db", {str(path)!r}]))
    """)
    reader = _run(f"""
        import json, time
        from lineage.store import open_store
        store = open_store({str(path)!r}, lock_timeout=60)
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen.append(store.counts()["inputs"])
            if seen[-1] >= {files}:
                break
        print(json.dumps(seen), flush=True)
    """)
    _, c_err = collect.communicate(timeout=180)
    r_out, r_err = reader.communicate(timeout=180)
    assert collect.returncode == 0, c_err
    assert reader.returncode == 0, r_err
    seen = json.loads(r_out)
    assert len(seen) >= 2 and seen == sorted(seen), seen
    assert seen[-1] == files
