"""The real dbt project of the shared corpus (`../shared/fixtures/openlineage/real/`), as a folder
`lineage collect` can be pointed at: a copy with the warehouse file dbt left beside `dbt_project.yml`
(rebuilt here from the seeds, the staging views' SQL and the catalog's columns: the corpus does not
ship it) and the folders dbt writes (`target/run`, `target/compiled`, `dbt_packages`, `logs`).

Not named conftest.py: several test folders have one, and without packages their names collide.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests.shared import SHARED, needs

REAL = SHARED / "fixtures" / "openlineage" / "real"
PROJECT = REAL / "jaffle-dbt-project"
EVENTS = REAL / "dbt-ol-1.54"
needs_real_dbt = needs(PROJECT / "target" / "manifest.json")
JOB_NAMESPACE = "dbt-dev"
"""`OPENLINEAGE_NAMESPACE` when the events were captured."""
_REF = re.compile(r"\{\{\s*ref\('([^']+)'\)\s*\}\}")


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PROJECT / "target" / "manifest.json").read_bytes())
    return data


def built_nodes() -> dict[str, dict[str, Any]]:
    """The project's models, seeds and snapshots by unique id."""
    return {uid: node for uid, node in manifest()["nodes"].items()
            if node["resource_type"] in ("model", "seed", "snapshot")}


def _relation(node: dict[str, Any]) -> str:
    return f'"{node["database"]}"."{node["schema"]}"."{node.get("alias") or node["name"]}"'


def _plain_sql(node: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> str:
    """A model's SQL with `ref()` replaced by relations (enough for the staging views)."""
    by_name = {n["name"]: n for n in nodes.values()}
    return _REF.sub(lambda m: _relation(by_name[m.group(1)]), node["raw_code"])


def _warehouse(path: Path, nodes: dict[str, dict[str, Any]]) -> None:
    import duckdb

    catalog = json.loads((PROJECT / "target" / "catalog.json").read_bytes())["nodes"]
    con = duckdb.connect(str(path))
    try:
        for schema in sorted({n["schema"] for n in nodes.values()}):
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for uid, node in sorted(nodes.items(), key=lambda kv: kv[1]["resource_type"] != "seed"):
            if node["resource_type"] == "seed":
                csv = PROJECT / node["original_file_path"]
                con.execute(f"CREATE TABLE {_relation(node)} AS SELECT * FROM read_csv_auto('{csv}')")
            elif node["config"]["materialized"] == "view":
                con.execute(f"CREATE VIEW {_relation(node)} AS {_plain_sql(node, nodes)}")
            else:
                columns = ", ".join(f'"{c["name"]}" {c["type"]}' for c in catalog[uid]["columns"].values())
                con.execute(f"CREATE TABLE {_relation(node)} ({columns})")
    finally:
        con.close()


def project_copy(into: Path) -> Path:
    """A copy of the real dbt project in `into`, with its warehouse file and dbt's own folders."""
    project = into / "jaffle"
    shutil.copytree(PROJECT, project)
    for path in [project, *project.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the corpus is read-only
    nodes = built_nodes()
    _warehouse(project / "warehouse.duckdb", nodes)
    for node in nodes.values():
        if node["resource_type"] != "model":
            continue
        sql = _plain_sql(node, nodes)
        compiled = project / "target" / "compiled" / "jaffle" / node["original_file_path"]
        compiled.parent.mkdir(parents=True, exist_ok=True)
        compiled.write_text(sql)
        run = project / "target" / "run" / "jaffle" / node["original_file_path"]
        run.parent.mkdir(parents=True, exist_ok=True)
        tmp = _relation(node)[:-1] + '__dbt_tmp"'
        run.write_text(f"create table {tmp} as (\n{sql}\n);\nalter table {tmp} rename to {node['name']};\n")
    package = project / "dbt_packages" / "dbt_utils" / "models"
    package.mkdir(parents=True)
    (package / "helper.sql").write_text("create table main.helper as select 1 as x;\n")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("create table main.from_a_log as select 1 as x;\n")
    return project
