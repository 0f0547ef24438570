"""A libpq keyword/value connection string (`host=db password=... dbname=lineage`) names a
PostgreSQL store wherever a store location is given (`--db`, LINEAGE_DB, `store:` in
lineage.yaml): it is never taken for a DuckDB file name, and its password is never shown."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from psycopg.conninfo import conninfo_to_dict

from lineage.cli import main
from lineage.errors import ConfigError, StoreError
from lineage.project import load_project
from lineage.store import display_location, open_store, postgres_location
from lineage.store.locations import mask_url
from lineage.store.pg_connect import is_keyword_dsn, keyword_dsn_url
from lineage.store.postgres_store import PostgresStore
from tests.conftest import SAMPLES
from tests.pg import PgServer

SECRET = "s3cret-Pw"
DSNS = [
    f"host=db password={SECRET} dbname=lineage user=x",
    f"host=db port=5433 user=ana password='{SECRET} with spaces @:/?' dbname='my db' sslmode=require",
    f"host=/var/run/postgresql dbname=lineage password={SECRET}",
    f"host=a,b port=5432,5433 dbname=lineage user=x password={SECRET} target_session_attrs=read-write",
    f"host=::1 dbname=lineage sslpassword={SECRET}",
    f"dbname=lineage options='-c search_path=s' password={SECRET}",
]


@pytest.mark.parametrize("dsn", DSNS)
def test_a_keyword_dsn_becomes_a_url_that_says_the_same_and_shows_no_secret(dsn: str) -> None:
    assert is_keyword_dsn(dsn)
    url = keyword_dsn_url(dsn)
    assert urlsplit(url).scheme == "postgresql"
    assert conninfo_to_dict(url) == conninfo_to_dict(dsn)
    assert postgres_location(dsn) == url
    shown = display_location(dsn)
    assert SECRET not in shown and SECRET.lower() not in shown.lower()
    assert "***" in shown and shown == mask_url(url)
    assert SECRET not in repr(open_store(dsn))


@pytest.mark.parametrize("path", ["lineage.duckdb", "data/user=ana/lineage.duckdb", "./user=ana.duckdb",
                                  "run=3.duckdb", "/tmp/a b/lineage.duckdb"])
def test_file_paths_stay_file_paths(path: str) -> None:
    assert not is_keyword_dsn(path)
    assert postgres_location(path) == path == display_location(path)


def test_open_store_takes_a_keyword_dsn_for_postgresql_and_makes_no_file(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store(DSNS[0])
    assert isinstance(store, PostgresStore)
    assert store.url == "postgresql://x:" + SECRET + "@db/lineage"
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_keyword_dsn_is_refused_without_repeating_it() -> None:
    for dsn in (f"hots=db password={SECRET}", f"host=db password={SECRET} more", f"password='{SECRET}"):
        assert is_keyword_dsn(dsn)
        with pytest.raises(StoreError) as caught:
            open_store(dsn)
        assert "connection string" in str(caught.value) and SECRET not in str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
        assert SECRET not in display_location(dsn)
        with pytest.raises(ConfigError) as config:
            _ = load_project(db=dsn).settings
        assert "connection string" in str(config.value) and SECRET not in str(config.value)


def test_settings_turn_a_keyword_dsn_from_flag_env_or_project_file_into_a_url(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINEAGE_DB", raising=False)
    url = keyword_dsn_url(DSNS[0])
    assert load_project(db=DSNS[0]).settings.db == url
    (tmp_path / "lineage.yaml").write_text(f"store: '{DSNS[0]}'\n")
    assert load_project().settings.db == url
    (tmp_path / "lineage.yaml").write_text(f"store:\n  db: '{DSNS[0]}'\n")
    assert load_project().settings.db == url
    (tmp_path / "lineage.yaml").unlink()
    monkeypatch.setenv("LINEAGE_DB", DSNS[0])
    assert load_project().settings.db == url
    assert [p.name for p in tmp_path.iterdir()] == []


def _dsn(server: PgServer, schema_url: str) -> str:
    """The keyword/value form of a test schema's URL, with a password (the test server trusts
    local connections, so it is sent only if asked for)."""
    params = conninfo_to_dict(schema_url)
    return " ".join(f"{k}='{v}'" for k, v in params.items()) + f" password={SECRET}"


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


@pytest.mark.parametrize("given", ["flag", "env", "project"])
def test_lineage_collects_into_postgresql_named_by_a_keyword_dsn(
        given: str, pg_server: PgServer, pg_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINEAGE_DB", raising=False)
    dsn = _dsn(pg_server, pg_schema_url)
    flag: list[str] = []
    if given == "flag":
        flag = ["--db", dsn]
    elif given == "env":
        monkeypatch.setenv("LINEAGE_DB", dsn)
    else:
        (tmp_path / "lineage.yaml").write_text("store: '" + dsn.replace("'", "''") + "'\n")  # YAML single quotes
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["collect", str(SAMPLES / "rag_ingestion"), *flag]) == 0
    assert main(["store", "info", *flag]) == 0
    out, err = capsys.readouterr()
    _no_secret(out, err, caplog.text)
    assert "store: postgresql://postgres:***@127.0.0.1" in out
    assert "node_facts" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert open_store(pg_schema_url).counts()["node_facts"] > 0


def test_an_unreachable_keyword_dsn_fails_naming_the_masked_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    dsn = f"host=127.0.0.1 port=1 password={SECRET} dbname=lineage user=x connect_timeout=1"
    assert main(["store", "info", "--db", dsn]) == 2
    assert main(["collect", str(SAMPLES / "rag_ingestion"), "--db", dsn]) == 2
    out, err = capsys.readouterr()
    _no_secret(out, err)
    assert "postgresql://x:***@127.0.0.1:1/lineage" in err and "cannot connect" in err
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_keyword_dsn_on_the_command_line_is_a_usage_error(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["store", "info", "--db", f"hots=db password={SECRET}"]) == 2
    out, err = capsys.readouterr()
    _no_secret(out, err)
    assert "connection string" in err
    assert list(tmp_path.iterdir()) == []
