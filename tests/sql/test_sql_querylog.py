"""Query logs: formats by header, dedupe by fingerprint, users as identities, cache reuse on rerun."""

from __future__ import annotations

import json
from pathlib import Path

from collectors.base import Source
from collectors.sql import SqlCollector
from collectors.sql.fingerprint import fingerprint
from collectors.sql.querylog import is_query_log
from lineage.store import Store


def _jsonl(rows: list[dict[str, object]]) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


ROWS = [
    {
        "text": "SELECT id FROM raw.orders WHERE id = 1",
        "user": "ann",
        "timestamp": "2026-11-01T10:00:00Z",
        "database": "shop",
    },
    {
        "text": "select id from raw.orders where id = 2",
        "user": "bob",
        "timestamp": "2026-11-01T10:01:00Z",
        "database": "shop",
    },
    {"text": "SELECT id FROM raw.orders WHERE id = 3", "user": "bob", "database": "shop"},
    {"text": "INSERT INTO mart.t SELECT id FROM raw.orders", "user": "svc_dbt", "database": "shop"},
    {"text": "SELECT (", "user": "ann"},
]


def _collect(data: bytes, name: str = "log.jsonl", cache: object = None):
    options = {"dialect": "postgres", "namespace": "postgres://db:5432", "cache": cache}
    return SqlCollector().with_options(options).collect(Source(name=name, data=data, path=Path(name)))


def test_fingerprint_ignores_literals_but_keeps_locations() -> None:
    assert fingerprint("SELECT * FROM t WHERE id = 1") == fingerprint("SELECT *\nFROM t WHERE id = 99 -- x")
    assert fingerprint("COPY t FROM 's3://a/x'") != fingerprint("COPY t FROM 's3://b/x'")


def test_users_become_identities_that_run_what_they_read() -> None:
    batch = _collect(_jsonl(ROWS))
    identities = {f.name for f in batch.facts if f.fact == "identity"}
    assert identities == {"ann", "bob", "svc_dbt"}
    runs = {(f.source.name, f.target.name) for f in batch.facts if f.fact == "edge" and f.kind.value == "runs"}
    reads = {(f.source.name, f.target.name) for f in batch.facts if f.fact == "edge" and f.kind.value == "read"}
    ann_process = next(t for s, t in runs if s == "ann")
    assert ("shop.raw.orders", ann_process) in reads


def test_identical_shapes_are_parsed_once_and_share_one_process() -> None:
    batch = _collect(_jsonl(ROWS))
    processes = {f.name for f in batch.facts if f.fact == "process"}
    assert len(processes) == 2  # the three SELECT variants are one shape, plus the INSERT
    bad = [p for p in batch.problems if p.severity == "error"]
    assert len(bad) == 1 and bad[0].line == 5


def test_observed_time_comes_from_the_log() -> None:
    batch = _collect(_jsonl(ROWS))
    ann = next(f for f in batch.facts if f.fact == "identity" and f.name == "ann")
    assert ann.evidence.observed_at.isoformat().startswith("2026-11-01T10:00")


def test_snowflake_csv_export_is_detected_by_header() -> None:
    data = (
        b"QUERY_ID,QUERY_TEXT,DATABASE_NAME,SCHEMA_NAME,USER_NAME,START_TIME\n"
        b'1,"INSERT INTO marts.t SELECT a FROM raw.s",ANALYTICS,PUBLIC,DBT,2026-11-01 10:00:00\n'
    )
    assert is_query_log("query_history.csv", data)
    batch = _collect(data, "query_history.csv")
    writes = {f.target.name for f in batch.facts if f.fact == "edge" and f.kind.value == "write"}
    assert writes == {"analytics.marts.t"}


def test_bigquery_and_postgres_headers_are_detected() -> None:
    assert is_query_log("jobs.csv", b"job_id,creation_time,user_email,query,statement_type\n")
    assert is_query_log("pg.csv", b"userid,usename,datname,query,calls\n")
    assert not is_query_log("orders.csv", b"id,total,created_at\n")
    assert not is_query_log("events.jsonl", b'{"eventType": "COMPLETE", "run": {}}\n')


def test_rerun_reuses_cached_parses_from_the_store(store: Store) -> None:
    import collectors.sql.pool as pool

    calls: list[int] = []
    first = _collect(_jsonl(ROWS), cache=store)

    real = pool.analyse_text
    pool.analyse_text = lambda text, an: calls.append(1) or real(text, an)  # type: ignore[assignment]
    try:
        second = _collect(_jsonl(ROWS), cache=store)
    finally:
        pool.analyse_text = real  # type: ignore[assignment]
    assert calls == [], "every distinct statement should come from the cache on the second run"
    assert len(second.facts) == len(first.facts)
