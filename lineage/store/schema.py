"""The store's schema as an ordered list of migrations. Version N is the first N migrations applied.

Each migration is plain SQL that DuckDB runs; a store whose version is newer than this list was
written by a newer release and is refused rather than misread.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_EVIDENCE = """
    layer SMALLINT NOT NULL,
    collector VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    line INTEGER,
    run_id VARCHAR,
    observed_at TIMESTAMPTZ NOT NULL
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "inputs, facts, problems and collection runs",
        (
            """CREATE TABLE inputs (
                input_id VARCHAR PRIMARY KEY,
                collector VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                content_sha VARCHAR NOT NULL,
                content BLOB,
                append_only BOOLEAN NOT NULL,
                received_at TIMESTAMPTZ NOT NULL,
                superseded_at TIMESTAMPTZ,
                fact_count INTEGER NOT NULL,
                problem_count INTEGER NOT NULL
            )""",
            f"""CREATE TABLE node_facts (
                input_id VARCHAR NOT NULL,
                fact_key VARCHAR NOT NULL,
                node_id VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                namespace VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                body JSON NOT NULL,
                {_EVIDENCE}
            )""",
            f"""CREATE TABLE edge_facts (
                input_id VARCHAR NOT NULL,
                fact_key VARCHAR NOT NULL,
                source_id VARCHAR NOT NULL,
                target_id VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                permissions VARCHAR[] NOT NULL,
                confidence DOUBLE NOT NULL,
                {_EVIDENCE}
            )""",
            f"""CREATE TABLE column_facts (
                input_id VARCHAR NOT NULL,
                fact_key VARCHAR NOT NULL,
                target_id VARCHAR NOT NULL,
                target_column VARCHAR NOT NULL,
                sources JSON NOT NULL,
                transformation VARCHAR NOT NULL,
                indirect BOOLEAN NOT NULL,
                process_id VARCHAR,
                confidence DOUBLE NOT NULL,
                {_EVIDENCE}
            )""",
            """CREATE TABLE problems (
                input_id VARCHAR,
                source VARCHAR NOT NULL,
                line INTEGER,
                col INTEGER,
                field VARCHAR,
                severity VARCHAR NOT NULL,
                message VARCHAR NOT NULL,
                observed_at TIMESTAMPTZ NOT NULL
            )""",
            """CREATE TABLE collection_runs (
                run_id VARCHAR PRIMARY KEY,
                command VARCHAR NOT NULL,
                started_at TIMESTAMPTZ NOT NULL,
                finished_at TIMESTAMPTZ,
                status VARCHAR NOT NULL,
                sources INTEGER NOT NULL,
                facts INTEGER NOT NULL,
                problems INTEGER NOT NULL,
                detail JSON
            )""",
            "CREATE INDEX node_facts_node ON node_facts (node_id)",
            "CREATE INDEX inputs_source ON inputs (collector, source)",
        ),
    ),
    Migration(
        2,
        "parse cache: SQL statement analyses by fingerprint",
        (
            """CREATE TABLE sql_parse_cache (
                fingerprint VARCHAR PRIMARY KEY,
                analysis VARCHAR NOT NULL,
                cached_at TIMESTAMPTZ NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "inputs remember the collector options they were read with, for rebuilding",
        ("ALTER TABLE inputs ADD COLUMN options JSON",),
    ),
    Migration(
        4,
        "scheduled jobs: what each job last read of each source, for incremental runs",
        (
            """CREATE TABLE job_sources (
                job VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                size BIGINT,
                mtime_ns BIGINT,
                content_sha VARCHAR,
                "offset" BIGINT,
                line BIGINT,
                detail JSON,
                updated_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (job, source)
            )""",
        ),
    ),
    Migration(
        5,
        "finding reviews: every decision kept as an audit trail (append-only)",
        (
            """CREATE TABLE finding_reviews (
                fingerprint VARCHAR NOT NULL,
                status VARCHAR NOT NULL,
                reviewer VARCHAR NOT NULL,
                reason VARCHAR NOT NULL,
                expires_at TIMESTAMPTZ,
                created_at TIMESTAMPTZ NOT NULL
            )""",
            "CREATE INDEX finding_reviews_fingerprint ON finding_reviews (fingerprint)",
        ),
    ),
)


LATEST_VERSION = MIGRATIONS[-1].version
