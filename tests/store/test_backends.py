"""Both backends implement the whole `Store` Protocol and answer the same questions the same way."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lineage.errors import StoreError
from lineage.store import Store, display_location, open_store
from lineage.store.duckdb_store import DuckDBStore
from lineage.store.postgres_store import PostgresStore
from lineage.store.schema import LATEST_VERSION, MIGRATIONS
from tests.conftest import SAMPLES
from tests.pg import open_backend
from tests.store.support import fill, snapshot


def _protocol_methods() -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(Store).items()
            if callable(member) and not name.startswith("_")}


@pytest.mark.parametrize("backend", [DuckDBStore, PostgresStore], ids=["duckdb", "postgresql"])
def test_every_protocol_method_exists_on_the_backend_with_the_same_parameters(backend: type[Any]) -> None:
    methods = _protocol_methods()
    assert methods, "the Store Protocol lists no methods"
    for name, signature in methods.items():
        implementation = getattr(backend, name, None)
        assert callable(implementation), f"{backend.__name__} lacks {name}"
        assert list(inspect.signature(implementation).parameters) == list(signature.parameters), name


def test_every_migration_has_statements_for_both_dialects() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    for migration in MIGRATIONS:
        assert migration.sql("duckdb") and migration.sql("postgresql"), migration.version


def test_both_backends_answer_the_same_after_the_same_ingests(tmp_path: Path) -> None:
    answers = []
    for backend in ("duckdb", "postgresql"):
        s = open_backend(backend, tmp_path)
        between = fill(s)
        got = snapshot(s, between)
        got["reviews"] = [(r.fingerprint, r.status, r.reviewer, r.reason, r.expires_at) for r in got["reviews"]]
        got["history"] = [(r.status, r.reviewer) for r in got["history"]]
        got["states"] = {k: (v.size, v.offset, v.line, v.detail) for k, v in got["states"].items()}
        got["problems"] = [{k: v for k, v in p.items() if k != "observed_at"} for p in got["problems"]]
        answers.append(got)
    assert answers[0] == answers[1]


def test_a_postgresql_store_written_by_a_newer_release_is_refused(pg_schema_url: str) -> None:
    open_store(pg_schema_url).migrate()
    with psycopg.connect(pg_schema_url, autocommit=True) as con:
        con.execute("INSERT INTO schema_migrations VALUES (%s, 'from the future', now())", [LATEST_VERSION + 1])
    with pytest.raises(StoreError, match="newer than this release"):
        open_store(pg_schema_url).counts()


def test_migrating_twice_and_from_several_stores_at_once_is_harmless(pg_schema_url: str) -> None:
    stores = [open_store(pg_schema_url) for _ in range(3)]
    assert [s.migrate() for s in stores] == [LATEST_VERSION] * 3
    assert stores[0].schema_version() == LATEST_VERSION


def test_an_unreachable_server_gives_a_clear_error_without_the_password() -> None:
    url = "postgresql://lineage:s3cret-pw@127.0.0.1:1/lineage"
    store = open_store(url, lock_timeout=2)
    with pytest.raises(StoreError) as caught:
        store.counts()
    assert "cannot connect" in str(caught.value)
    assert "s3cret-pw" not in str(caught.value) and "s3cret-pw" not in repr(store)
    assert "s3cret-pw" not in display_location(url)


def test_a_url_of_another_database_is_refused() -> None:
    with pytest.raises(StoreError, match="'mysql' is not available"):
        open_store("mysql://db/lineage")


def test_postgres_scheme_and_postgresql_scheme_both_select_the_server_store(pg_schema_url: str) -> None:
    short = pg_schema_url.replace("postgresql://", "postgres://", 1)
    assert isinstance(open_store(short), PostgresStore)
    assert open_store(short).migrate() == LATEST_VERSION


def test_the_project_file_and_lineage_db_select_postgresql_and_info_masks_the_password(
        pg_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from lineage.cli import main

    with_password = pg_schema_url.replace("postgres@", "postgres:not-checked-pw@", 1)  # trust auth ignores it
    (tmp_path / "lineage.yaml").write_text(f"store: {with_password}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINEAGE_DB", raising=False)
    assert main(["store", "info"]) == 0
    out = capsys.readouterr().out
    assert f"schema version {LATEST_VERSION}" in out and "postgres:***@" in out
    assert "not-checked-pw" not in out
    monkeypatch.setenv("LINEAGE_DB", with_password)
    (tmp_path / "lineage.yaml").unlink()
    assert main(["collect", str(SAMPLES / "rag_ingestion")]) == 0
    assert open_store(pg_schema_url).counts()["inputs"] > 0
    captured = capsys.readouterr()
    assert "not-checked-pw" not in captured.out + captured.err
