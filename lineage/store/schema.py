"""The store's schema as an ordered list of migrations. Version N is the first N migrations applied.

Each migration lists its statements once per dialect: a plain string is portable SQL that both
DuckDB and PostgreSQL run as written; a `Dialects` pair gives each its own text where they differ
(DuckDB's `BLOB` and `DOUBLE` are PostgreSQL's `BYTEA` and `DOUBLE PRECISION`). Both backends
count versions with the same numbers, so a store copied from one to the other keeps its version.
A store whose version is newer than this list was written by a newer release and is refused
rather than misread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from lineage.errors import StoreError

Dialect = Literal["duckdb", "postgresql"]


@dataclass(frozen=True)
class Dialects:
    """One statement written for each dialect; None where a dialect needs nothing."""

    duckdb: str | None
    postgresql: str | None


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str | Dialects, ...]
    rebuilds_current: bool = False
    """Whether the current graph is worked out from the facts once the statements ran."""

    def sql(self, dialect: Dialect) -> tuple[str, ...]:
        """The statements for `dialect`, in order.

        Example:
            >>> m = Migration(9, "demo", ("CREATE TABLE a (x INTEGER)", Dialects("b BLOB", "b BYTEA")))
            >>> m.sql("postgresql")
            ('CREATE TABLE a (x INTEGER)', 'b BYTEA')
        """
        texts = (s if isinstance(s, str) else getattr(s, dialect) for s in self.statements)
        return tuple(t for t in texts if t is not None)


_EVIDENCE = """
    layer SMALLINT NOT NULL,
    collector VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    line INTEGER,
    run_id VARCHAR,
    observed_at TIMESTAMPTZ NOT NULL
"""

_INPUTS = """CREATE TABLE inputs (
                input_id VARCHAR PRIMARY KEY,
                collector VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                content_sha VARCHAR NOT NULL,
                content {blob},
                append_only BOOLEAN NOT NULL,
                received_at TIMESTAMPTZ NOT NULL,
                superseded_at TIMESTAMPTZ,
                fact_count INTEGER NOT NULL,
                problem_count INTEGER NOT NULL
            )"""
_EDGE_FACTS = f"""CREATE TABLE edge_facts (
                input_id VARCHAR NOT NULL,
                fact_key VARCHAR NOT NULL,
                source_id VARCHAR NOT NULL,
                target_id VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                permissions VARCHAR[] NOT NULL,
                confidence {{double}} NOT NULL,
                {_EVIDENCE}
            )"""
_COLUMN_FACTS = f"""CREATE TABLE column_facts (
                input_id VARCHAR NOT NULL,
                fact_key VARCHAR NOT NULL,
                target_id VARCHAR NOT NULL,
                target_column VARCHAR NOT NULL,
                sources JSON NOT NULL,
                transformation VARCHAR NOT NULL,
                indirect BOOLEAN NOT NULL,
                process_id VARCHAR,
                confidence {{double}} NOT NULL,
                {_EVIDENCE}
            )"""

_GRAPH_EDGES = """CREATE TABLE graph_edges (
                src BIGINT NOT NULL,
                dst BIGINT NOT NULL,
                kind VARCHAR NOT NULL,
                permissions VARCHAR[] NOT NULL,
                confidence {double} NOT NULL
            )"""
_GRAPH_COLUMNS = """CREATE TABLE graph_columns (
                target_id VARCHAR NOT NULL,
                target_column VARCHAR NOT NULL,
                sources JSON NOT NULL,
                transformation VARCHAR NOT NULL,
                indirect BOOLEAN NOT NULL,
                process_id VARCHAR,
                confidence {double} NOT NULL
            )"""

_EVENTS = """CREATE TABLE events (
                event_key VARCHAR NOT NULL,
                input_id VARCHAR NOT NULL,
                collector VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                line INTEGER,
                run_id VARCHAR,
                observed_at TIMESTAMPTZ NOT NULL,
                facts INTEGER NOT NULL
            )"""
"""One row per event of an append-only source (an OpenLineage event, a logged query): what it is
(a digest of its evidence and of what it says, whichever route delivered it), where and when it
was read, and how many facts it stated."""

_DERIVED = """CREATE TABLE derived_results (
                name VARCHAR NOT NULL,
                key VARCHAR NOT NULL,
                generation BIGINT NOT NULL,
                payload {blob} NOT NULL,
                created_at TIMESTAMPTZ NOT NULL
            )"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "inputs, facts, problems and collection runs",
        (
            Dialects(_INPUTS.format(blob="BLOB"), _INPUTS.format(blob="BYTEA")),
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
            Dialects(_EDGE_FACTS.format(double="DOUBLE"), _EDGE_FACTS.format(double="DOUBLE PRECISION")),
            Dialects(_COLUMN_FACTS.format(double="DOUBLE"), _COLUMN_FACTS.format(double="DOUBLE PRECISION")),
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
            # PostgreSQL only: the claim on each append-only fact key, so concurrent writers store a
            # fact once (INSERT ... ON CONFLICT DO NOTHING), and indexes for lookups by node
            Dialects(None, "CREATE TABLE fact_claims (fact_key VARCHAR PRIMARY KEY)"),
            Dialects(None, "CREATE INDEX inputs_content ON inputs (collector, content_sha)"),
            Dialects(None, "CREATE INDEX edge_facts_source ON edge_facts (source_id)"),
            Dialects(None, "CREATE INDEX edge_facts_target ON edge_facts (target_id)"),
            Dialects(None, "CREATE INDEX column_facts_target ON column_facts (target_id)"),
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
    Migration(
        6,
        "raw input content may be stored zlib-compressed (content_encoding 'zlib'); older rows stay as they were",
        ("ALTER TABLE inputs ADD COLUMN content_encoding VARCHAR",),
    ),
    Migration(
        7,
        "the current graph: merged nodes (numbered), edges, column lineage and aliases, kept up to date by "
        "every ingest; results worked out from the whole graph, kept until it changes",
        (
            """CREATE TABLE graph_nodes (
                nid BIGINT NOT NULL,
                node_id VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                namespace VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                layer SMALLINT NOT NULL,
                first_seen TIMESTAMPTZ NOT NULL,
                last_seen TIMESTAMPTZ NOT NULL,
                attrs JSON NOT NULL
            )""",
            Dialects(_GRAPH_EDGES.format(double="DOUBLE"), _GRAPH_EDGES.format(double="DOUBLE PRECISION")),
            Dialects(_GRAPH_COLUMNS.format(double="DOUBLE"), _GRAPH_COLUMNS.format(double="DOUBLE PRECISION")),
            "CREATE TABLE graph_aliases (alias_id VARCHAR NOT NULL, dataset_id VARCHAR NOT NULL)",
            "CREATE TABLE graph_state (generation BIGINT NOT NULL, next_nid BIGINT NOT NULL, changed_at TIMESTAMPTZ)",
            "INSERT INTO graph_state VALUES (0, 1, NULL)",
            Dialects(_DERIVED.format(blob="BLOB"), _DERIVED.format(blob="BYTEA")),
            Dialects(None, "CREATE UNIQUE INDEX graph_nodes_id ON graph_nodes (node_id)"),
            Dialects(None, "CREATE UNIQUE INDEX graph_nodes_nid ON graph_nodes (nid)"),
            Dialects(None, "CREATE INDEX graph_nodes_name ON graph_nodes (name)"),
            Dialects(None, "CREATE INDEX graph_edges_src ON graph_edges (src)"),
            Dialects(None, "CREATE INDEX graph_edges_dst ON graph_edges (dst)"),
            Dialects(None, "CREATE INDEX graph_columns_target ON graph_columns (target_id)"),
            Dialects(None, "CREATE INDEX node_facts_input ON node_facts (input_id)"),
            Dialects(None, "CREATE INDEX edge_facts_input ON edge_facts (input_id)"),
            Dialects(None, "CREATE INDEX column_facts_input ON column_facts (input_id)"),
        ),
        rebuilds_current=True,
    ),
    Migration(
        8,
        "a claim repeated by append-only events is one fact row with its observations (first and last "
        "time, how many times); each event is kept once in `events`, which recognises it when delivered again",
        (
            *(statement for table in ("node_facts", "edge_facts", "column_facts") for statement in (
                f"ALTER TABLE {table} ADD COLUMN first_observed_at TIMESTAMPTZ",
                f"UPDATE {table} SET first_observed_at = observed_at",  # noqa: S608 - a constant table name
                f"ALTER TABLE {table} ADD COLUMN times BIGINT DEFAULT 1",
                Dialects(None, f"CREATE INDEX {table}_key ON {table} (fact_key)"),
            )),
            _EVENTS,
            Dialects(None, "CREATE INDEX events_key ON events (event_key)"),
            Dialects(None, "DROP TABLE fact_claims"),
        ),
    ),
    Migration(
        9,
        "runs are records: each event of a run keeps the job it is a run of, the state and the error it "
        "reported, and the parent job",
        (
            "ALTER TABLE events ADD COLUMN job_id VARCHAR",
            "ALTER TABLE events ADD COLUMN state VARCHAR",
            "ALTER TABLE events ADD COLUMN error VARCHAR",
            "ALTER TABLE events ADD COLUMN parent_id VARCHAR",
            Dialects(None, "CREATE INDEX events_job ON events (job_id)"),
        ),
    ),
    Migration(
        10,
        "a run keeps its parent's run, not only the parent job",
        ("ALTER TABLE events ADD COLUMN parent_run_id VARCHAR",),
    ),
    Migration(
        11,
        "the nodes each change of the current graph touched, so what is worked out from the whole graph "
        "can be worked out again for what a change reaches",
        ("CREATE TABLE graph_changes (generation BIGINT NOT NULL, node_id VARCHAR NOT NULL)",
         Dialects(None, "CREATE INDEX graph_changes_generation ON graph_changes (generation)")),
    ),
    Migration(
        12,
        "a claim keeps the run of its last observation beside that of its first",
        tuple(statement for table in ("node_facts", "edge_facts", "column_facts") for statement in (
            f"ALTER TABLE {table} ADD COLUMN last_run_id VARCHAR",
            f"UPDATE {table} SET last_run_id = run_id",  # noqa: S608 - a constant table name
        )),
    ),
)


LATEST_VERSION = MIGRATIONS[-1].version

VERSION_TABLE_EXISTS = ("SELECT count(*) FROM information_schema.tables "
                        "WHERE table_name = 'schema_migrations' AND table_schema = current_schema()")
CURRENT_VERSION = "SELECT coalesce(max(version), 0) FROM schema_migrations"
CREATE_VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations "
                        "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)")
RECORD_VERSION = "INSERT INTO schema_migrations VALUES (%(version)s, %(description)s, %(applied_at)s)"
"""The statements that keep the version, the same on both backends (`%(name)s` parameters)."""


def version_of(query: Callable[[str], Sequence[Sequence[Any]]]) -> int:
    """The schema version of a store (0: none yet), given a function that runs a parameterless
    query and returns its rows."""
    exists = query(VERSION_TABLE_EXISTS)
    if not exists or not exists[0][0]:
        return 0
    rows = query(CURRENT_VERSION)
    return int(rows[0][0]) if rows else 0


def refuse_newer(version: int, where: str) -> None:
    """Raise when `version` is newer than this release knows.

    Raises:
        StoreError: the store at `where` was written by a newer release.
    """
    if version > LATEST_VERSION:
        raise StoreError(
            f"{where}: store schema version {version} is newer than this release knows "
            f"({LATEST_VERSION}); upgrade lineage-mapper"
        )


def apply_migrations(execute: Callable[[str, dict[str, Any] | None], object], dialect: Dialect,
                     version: int, rebuild_current: Callable[[], None]) -> None:
    """Create the version table and apply the migrations after `version`, in the caller's
    transaction; `execute` runs one statement in `%(name)s` parameter style, `rebuild_current`
    works the current graph out from the facts."""
    execute(CREATE_VERSION_TABLE, None)
    rebuild = False
    for migration in MIGRATIONS:
        if migration.version > version:
            for statement in migration.sql(dialect):
                execute(statement, None)
            rebuild = rebuild or migration.rebuilds_current
            execute(RECORD_VERSION, {"version": migration.version, "description": migration.description,
                                     "applied_at": datetime.now(UTC)})
    if rebuild:  # once, after the last migration, so it sees the latest tables
        rebuild_current()
