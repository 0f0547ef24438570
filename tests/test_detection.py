"""Detection asks only the collectors that may recognise a file, importing them on first need."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from collectors.base import available_collectors, detecting
from collectors.discover import plan


def test_a_sql_file_is_offered_only_to_collectors_that_read_sql_or_any_file() -> None:
    kinds = [c.name for c in detecting(Path("models/orders.SQL"))]
    assert "sql" in kinds and "dbt" in kinds
    assert not {"spec", "mcp", "code"} & set(kinds)
    assert kinds == [k for k in available_collectors() if k in kinds], "in detection order"


def test_a_yaml_file_is_offered_to_the_spec_collector_first() -> None:
    assert next(detecting(Path("pipeline.yml"))).name == "spec"


def test_planning_a_folder_of_sql_files_imports_neither_the_spec_nor_the_code_collector(tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text("CREATE TABLE b AS SELECT * FROM a")
    script = ("import json, sys; from collectors.discover import plan; "
              f"work = plan([{str(tmp_path)!r}]).work; "
              "loaded = sorted(m for m in sys.modules if m.startswith('collectors.')); "
              "print(json.dumps([[c.name for c, _ in work], loaded]))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    kinds, modules = json.loads(out.stdout)
    assert kinds == ["sql"]
    assert "collectors.sql" in modules
    assert not {"collectors.spec", "collectors.code", "collectors.mcp"} & set(modules)


def test_a_file_of_any_name_is_still_recognised_by_its_content(tmp_path: Path) -> None:
    log = tmp_path / "producer.log"
    log.write_text(json.dumps({"eventTime": "2026-01-01T00:00:00Z", "eventType": "COMPLETE", "producer": "p",
                               "schemaURL": "u", "run": {"runId": "r"}, "job": {"namespace": "n", "name": "j"}}))
    assert [c.name for c, _ in plan([tmp_path]).work] == ["openlineage"]
