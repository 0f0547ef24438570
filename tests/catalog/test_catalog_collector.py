"""The catalog collector on a real DuckDB file and a real PostgreSQL server (tests/pg.py)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import duckdb
import psycopg
import pytest

from collectors.base import Source
from collectors.catalog import CatalogCollector
from collectors.discover import collect_file, plan
from lineage.models import ColumnLineage, Dataset, Edge, LineageBatch

REPO = Path(__file__).resolve().parents[2]


def _builder():  # scripts/ is not a package
    spec = importlib.util.spec_from_file_location("make_catalog", REPO / "scripts" / "make_feature_store_catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def edges(batch: LineageBatch) -> set[tuple[str, str, str]]:
    return {(e.source.name, e.kind.value, e.target.name) for e in batch.facts if isinstance(e, Edge)}


@pytest.fixture(scope="module")
def feature_dev(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _builder().build(tmp_path_factory.mktemp("fs") / "feature_dev.duckdb")


def test_duckdb_views_become_lineage_with_columns_and_the_file_is_untouched(feature_dev: Path) -> None:
    before = hashlib.sha256(feature_dev.read_bytes()).hexdigest()
    batch = collect_file(CatalogCollector(), feature_dev, max_bytes=1 << 30)
    assert not batch.problems, [str(p) for p in batch.problems]
    assert hashlib.sha256(feature_dev.read_bytes()).hexdigest() == before
    found = {f.name: f for f in batch.facts if isinstance(f, Dataset)}
    assert {d.namespace for d in found.values()} == {"duckdb://feature_dev.duckdb"}, "a database file by its name"
    assert [c.name for c in found["feature_dev.core.customers"].columns][:2] == ["customer_id", "email"]
    assert found["feature_dev.features.customer_features"].storage == "view"
    assert ("feature_dev.core.customers", "read", "view:feature_dev.features.customer_features") in edges(batch)
    assert ("view:feature_dev.features.customer_features", "write", "feature_dev.features.customer_features") in \
        edges(batch)
    masked = {(f.target.column, f.transformation.value) for f in batch.facts if isinstance(f, ColumnLineage)}
    assert ("email_sha256", "masking") in masked


def test_duckdb_catalog_opens_while_another_process_only_reads_it(feature_dev: Path) -> None:
    reader = duckdb.connect(str(feature_dev), read_only=True)
    try:
        batch = CatalogCollector().collect(Source(str(feature_dev), feature_dev.read_bytes(), feature_dev))
        assert any(isinstance(f, Dataset) for f in batch.facts)
    finally:
        reader.close()


def test_the_raw_input_is_a_snapshot_that_collects_again_to_the_same_facts(feature_dev: Path) -> None:
    first = CatalogCollector().collect(Source("feature_dev.duckdb", feature_dev.read_bytes(), feature_dev))
    assert first.raw is not None
    again = CatalogCollector().collect(Source("feature_dev.snapshot.json", first.raw.content))
    assert edges(again) == edges(first)
    assert {f.name for f in again.facts if isinstance(f, Dataset)} == {f.name for f in first.facts
                                                                      if isinstance(f, Dataset)}


def test_a_corrupt_duckdb_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b'\xa9"\xf9\xf6mT\x18BDUCK' + b"\x00" * 100)
    batch = collect_file(CatalogCollector(), bad, max_bytes=1 << 30)
    assert "cannot open the DuckDB file read-only" in batch.errors[0].message


def test_directory_walk_finds_duckdb_files_by_their_header(feature_dev: Path) -> None:
    found = plan([feature_dev.parent])
    assert [(c.name, p.name) for c, p in found.work] == [("catalog", "feature_dev.duckdb")]


SHOP = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id bigint PRIMARY KEY, email text NOT NULL, name text, created_at timestamptz);
COMMENT ON TABLE shop.customers IS 'Customers';
CREATE TABLE shop.orders (id bigint, customer_id bigint, total numeric(12, 2));
CREATE VIEW shop.customer_totals AS
    SELECT c.id, md5(c.email) AS email_md5, sum(o.total) AS total
    FROM shop.customers c JOIN shop.orders o ON o.customer_id = c.id GROUP BY c.id, c.email;
CREATE MATERIALIZED VIEW shop.big_spenders AS SELECT id, total FROM shop.customer_totals WHERE total > 1000;
"""


@pytest.fixture(scope="module")
def shop(pg_server) -> str:
    with psycopg.connect(pg_server.url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS shop CASCADE")
        con.execute(SHOP)
    return pg_server.url


def collect_pg(tmp_path: Path, url: str) -> LineageBatch:
    source = tmp_path / "shop.catalog.yaml"
    source.write_text(f'catalog:\n  postgres: "{url}"\n')
    return collect_file(CatalogCollector(), source, max_bytes=1 << 20)


def test_postgres_tables_views_and_materialized_views_with_view_lineage(tmp_path: Path, shop: str, pg_server) -> None:
    batch = collect_pg(tmp_path, shop)
    assert not batch.problems, [str(p) for p in batch.problems]
    found = {f.name: f for f in batch.facts if isinstance(f, Dataset)}
    namespace = f"postgres://127.0.0.1:{pg_server.port}"
    assert {n for n in found if n.startswith("postgres.shop.")} == {
        "postgres.shop.customers", "postgres.shop.orders", "postgres.shop.customer_totals",
        "postgres.shop.big_spenders"}
    assert {found[n].namespace for n in found} == {namespace}
    assert [(c.name, c.type) for c in found["postgres.shop.orders"].columns] == [
        ("id", "bigint"), ("customer_id", "bigint"), ("total", "numeric(12,2)")]
    assert found["postgres.shop.big_spenders"].storage == "materialized view"
    assert found["postgres.shop.customers"].description == "Customers"
    got = edges(batch)
    assert {("postgres.shop.customers", "read", "view:postgres.shop.customer_totals"),
            ("postgres.shop.orders", "read", "view:postgres.shop.customer_totals"),
            ("postgres.shop.customer_totals", "read", "view:postgres.shop.big_spenders"),
            ("view:postgres.shop.big_spenders", "write", "postgres.shop.big_spenders")} <= got


def test_postgres_connection_is_read_only(shop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from collectors.catalog import readers

    seen: list[object] = []
    real = psycopg.connect

    def spy(*args, **kwargs):
        con = real(*args, **kwargs)
        seen.append(con)
        return con

    monkeypatch.setattr(psycopg, "connect", spy)
    readers.read_postgres(shop)
    [con] = seen
    assert con.read_only is True  # type: ignore[attr-defined]


def test_unreachable_postgres_is_an_error_that_never_shows_the_password(tmp_path: Path, pg_server) -> None:
    url = f"postgresql://reader:S3cretPw-9x@127.0.0.1:{pg_server.port + 1 if pg_server.port < 65535 else 1}/shop"
    batch = collect_pg(tmp_path, url)
    assert "cannot read the PostgreSQL catalog at postgres://127.0.0.1" in batch.errors[0].message
    assert "S3cretPw-9x" not in str(batch.errors[0]) and batch.raw is None


def test_catalog_file_without_a_database_is_a_clear_error(tmp_path: Path) -> None:
    batch = CatalogCollector().collect(Source("x.catalog.yaml", b"catalog: {mysql: x}\n"))
    assert batch.errors[0].field == "catalog" and "postgres: URL" in batch.errors[0].message
