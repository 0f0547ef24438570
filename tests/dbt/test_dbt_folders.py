"""A dbt project folder collected whole: dbt's own folders are not walked, its artifacts are; a
warehouse file is one namespace however its path is spelt, and the catalog adds no writer for the
views dbt builds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from collectors.base import Source
from collectors.catalog import CatalogCollector
from collectors.discover import plan
from lineage.models import Dataset, Edge, Process
from lineage.naming import normalize
from tests.dbt.jaffle import needs_real_dbt, project_copy


def _sql_project(root: Path, config: str = "name: p\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(config)
    for folder in ("models", "target/run/p", "target/compiled/p", "dbt_packages/u", "logs", "out/run"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "x.sql").write_text("create table t2 as select a from t1;\n")
    return root


def _read(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for _, path in plan([root]).work}


def test_dbt_writes_its_own_folders_and_they_are_not_walked(tmp_path: Path) -> None:
    assert _read(_sql_project(tmp_path / "p")) == {"models/x.sql", "out/run/x.sql"}


def test_the_project_file_names_dbts_folders(tmp_path: Path) -> None:
    config = "name: p\ntarget-path: out\nlog-path: ../elsewhere\n"  # a path leaving the project is ignored
    assert _read(_sql_project(tmp_path / "p", config)) == {"models/x.sql", "target/run/p/x.sql",
                                                           "target/compiled/p/x.sql"}


def test_a_nested_dbt_project_is_found_and_other_logs_folders_are_walked(tmp_path: Path) -> None:
    _sql_project(tmp_path / "repo" / "transform")
    (tmp_path / "repo" / "logs").mkdir()
    (tmp_path / "repo" / "logs" / "q.sql").write_text("create table t3 as select a from t2;\n")
    assert _read(tmp_path / "repo") == {"transform/models/x.sql", "transform/out/run/x.sql", "logs/q.sql"}


def test_a_malformed_dbt_project_file_keeps_the_default_folders(tmp_path: Path) -> None:
    assert _read(_sql_project(tmp_path / "p", "target-path: [unclosed\n")) == {"models/x.sql", "out/run/x.sql"}


@pytest.mark.parametrize("spelling", ["duckdb:///srv/dbt/jaffle/warehouse.duckdb", "duckdb://jaffle/warehouse.duckdb",
                                      "duckdb://warehouse.duckdb", "duckdb://./warehouse.duckdb",
                                      "duckdb:///srv//dbt/jaffle/warehouse.duckdb/", "duckdb://C:\\dbt\\warehouse.duckdb"])
def test_a_database_file_is_one_namespace_however_its_path_is_spelt(spelling: str) -> None:
    assert normalize(spelling, "Warehouse.Main.Customers") == ("duckdb://warehouse.duckdb", "warehouse.main.customers")


@pytest.mark.parametrize("spelling", ["duckdb://", "duckdb:///", "duckdb://dir/..", "duckdb://dir/."])
def test_a_database_path_without_a_file_name_is_refused(spelling: str) -> None:
    with pytest.raises(ValueError, match="file name"):
        normalize(spelling, "w.main.t")


@needs_real_dbt
def test_the_warehouse_file_is_one_namespace_whether_its_path_is_relative_or_absolute(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    file = project / "warehouse.duckdb"
    seen = set()
    for given in (file, Path(os.path.relpath(file))):
        batch = CatalogCollector().collect(Source(str(given), file.read_bytes()[:4096], given))
        seen |= {f.namespace for f in batch.facts if isinstance(f, Dataset)}
    assert seen == {"duckdb://warehouse.duckdb"}


@needs_real_dbt
def test_the_catalog_adds_no_writer_for_a_view_its_dbt_project_builds(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    file = project / "warehouse.duckdb"
    batch = CatalogCollector().collect(Source(str(file), file.read_bytes()[:4096], file))
    views = {f.name for f in batch.facts if isinstance(f, Dataset) and f.storage == "view"}
    assert views == {"warehouse.main.stg_customers", "warehouse.main.stg_orders", "warehouse.main.stg_payments"}
    assert not [f for f in batch.facts if isinstance(f, Process | Edge)]
    (project / "dbt_project.yml").unlink()  # the same file outside a dbt project: its views have writers
    alone = CatalogCollector().collect(Source(str(file), file.read_bytes()[:4096], file))
    assert {f.name for f in alone.facts if isinstance(f, Process)} == {f"view:{v}" for v in views}
