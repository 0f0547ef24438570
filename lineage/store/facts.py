"""Facts: the ingest of a batch, and the reads the graph is built from.

Ingest is idempotent: an input (the raw bytes of a source) whose content equals the current
snapshot of that source is skipped, and a fact already stored from an append-only source (an
OpenLineage event delivered twice) is not stored again. A new snapshot of a source supersedes
the previous one from its receive time on, so the graph can be built as of any time.

The writes of one ingest take the backend's lock on the input's identity first: (collector,
content hash) for an append-only input, (collector, source) for a snapshot, so two writers storing
the same input, or two snapshots of one source, take turns (PostgreSQL; a DuckDB file has one
writer at a time anyway).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from lineage.models import LineageBatch, Problem, RawInput
from lineage.perf import paused_gc
from lineage.store import current
from lineage.store.base import GraphData, IngestResult, PreparedBatch, ProcessRun, RawInputRow, runs_from_events
from lineage.store.past import CHANGED_BETWEEN, VISIBLE, Past
from lineage.store.rows import (
    FACT_ABOUT_KEYS,
    PROBLEM_KEYS,
    FactRows,
    InputIdentity,
    column_lineage_row,
    dataset_columns,
    fact_rows,
    input_identity,
    node_fact_row,
    raw_input_row,
)
from lineage.store.sql import Backend, Tx

Stage = Callable[[str, dict[str, list[Any]]], Any]
"""A backend's `stage_facts`: a fact table's rows, by column, made ready for `Tx.insert_facts`."""

COUNTED_TABLES = ("inputs", "node_facts", "edge_facts", "column_facts", "events", "problems", "collection_runs")
FACT_TABLES = ("node_facts", "edge_facts", "column_facts")

_RUNS_OF = ("SELECT run_id, observed_at, state, error, parent_id, parent_run_id FROM events "
             "WHERE job_id = %(job)s AND run_id IN "
             "(SELECT run_id FROM events WHERE job_id = %(job)s GROUP BY run_id ORDER BY max(observed_at) DESC "
             "LIMIT %(limit)s)")
_ALL_RUNS = ("SELECT run_id, observed_at, state, error, parent_id, parent_run_id, job_id FROM events "
             "WHERE job_id IS NOT NULL")
_RUN_EVENTS = ("SELECT run_id, observed_at, input_id FROM events WHERE job_id = %(job)s AND run_id {in_ids} "
               "ORDER BY observed_at")
_CONTENTS = "SELECT input_id, content, content_encoding FROM inputs WHERE input_id {in_ids} AND content IS NOT NULL"
_LATEST_EVENTS = ("SELECT e.run_id, e.observed_at, i.content, i.content_encoding FROM events e "
                  "JOIN inputs i USING (input_id) WHERE e.job_id {in_ids} AND e.run_id IS NOT NULL "
                  "AND i.content IS NOT NULL ORDER BY e.observed_at DESC LIMIT %(limit)s")
_RUNS_ENDED = ("SELECT e.run_id, e.observed_at, e.state, e.error, e.parent_id, e.parent_run_id, e.job_id "
               "FROM events e WHERE "
               "e.job_id IS NOT NULL AND e.run_id IN (SELECT d.run_id FROM events d JOIN inputs i USING (input_id) "
               "WHERE d.job_id IS NOT NULL AND d.state IN ('COMPLETE', 'FAIL', 'ABORT') "
               "AND i.received_at >= %(since)s AND i.received_at < %(until)s)")
_SEEN_APPEND_ONLY = "SELECT 1 FROM inputs WHERE collector = %(collector)s AND content_sha = %(sha)s LIMIT 1"
_SNAPSHOT_HASHES = ("SELECT collector, source, content_sha FROM inputs WHERE superseded_at IS NULL "
                    "AND NOT append_only AND source {in_ids}")
_CURRENT_OF_SOURCES = ("SELECT input_id, collector, source, content_sha FROM inputs WHERE superseded_at IS NULL "
                       "AND source {in_ids}")
_SUPERSEDE_INPUTS = "UPDATE inputs SET superseded_at = %(now)s WHERE input_id {in_ids}"

_SEEN_EVENTS = ("SELECT event_key FROM events WHERE observed_at BETWEEN %(lo)s AND %(hi)s "
                "AND event_key {in_ids}")
"""The events of a batch stored before; the time range lets DuckDB skip every other row group."""

_UNTIL_FURTHER_NOTICE = datetime(9999, 12, 31, tzinfo=UTC)
"""The time that sees every current fact, even one observed after now by a clock ahead of ours."""

_NODE_FACTS = (
    "SELECT f.node_id, f.kind, f.namespace, f.name, f.body{text}, f.layer, "  # noqa: S608 - constant text
    "max(least(f.observed_at, %(at)s)) AS seen, min(f.first_observed_at) "
    f"FROM node_facts f JOIN inputs i USING (input_id) WHERE {VISIBLE} "
    "GROUP BY f.node_id, f.kind, f.namespace, f.name, f.body{text}, f.layer "
    "ORDER BY f.node_id{collate}, f.layer, seen, f.body{text}{collate}"
)
"""The visible node facts, each distinct statement once: a fact said again by many events (a
dataset's schema in every run) is one row, observed first and last when it was. Merging the rows
in this order gives the same attributes as merging every fact (a later statement overrides an
earlier one field by field, so only the last time each was said decides); statements made at the
same time are taken in the order of their text, so the result never depends on how the database
happened to read them. A claim observed again after `at` counts as last said at `at` (a claim
keeps its first and last observation, not each one between)."""

_EDGES = (
    "SELECT f.source_id, f.target_id, f.kind, {permissions}, max(f.confidence) "  # noqa: S608 - constant text
    f"FROM edge_facts f JOIN inputs i USING (input_id) {{permissions_join}}WHERE {VISIBLE} GROUP BY 1, 2, 3"
)
"""The visible edges merged per (source, target, kind)."""

_COLUMN_LINEAGE = (
    "SELECT * FROM (SELECT DISTINCT f.target_id, f.target_column, f.sources{text} AS sources, "  # noqa: S608 - constant text
    "f.transformation, f.indirect, f.process_id, f.confidence "
    f"FROM column_facts f JOIN inputs i USING (input_id) WHERE {VISIBLE}) c "
    "ORDER BY c.target_id{collate}, c.target_column{collate}"
)

_FACTS_ABOUT = (
    "SELECT 'node' AS fact, f.node_id AS subject, NULL::VARCHAR AS other, NULL::VARCHAR AS edge_kind, "
    "f.body::VARCHAR AS body, f.layer, f.collector, f.source, f.line, f.run_id, f.observed_at, i.superseded_at, "
    "f.first_observed_at, f.times, f.last_run_id "
    "FROM node_facts f JOIN inputs i USING (input_id) WHERE f.node_id {in_ids} "
    "UNION ALL "
    "SELECT 'edge', f.source_id, f.target_id, f.kind, to_json(f.permissions)::VARCHAR, f.layer, "
    "f.collector, f.source, f.line, f.run_id, f.observed_at, i.superseded_at, f.first_observed_at, f.times, "
    "f.last_run_id FROM edge_facts f JOIN inputs i USING (input_id) "
    "WHERE f.source_id {in_ids} OR f.target_id {in_ids} "
    "UNION ALL "
    "SELECT 'column_lineage', f.target_id, f.process_id, f.transformation, "
    "{json_object}('column', f.target_column, 'sources', f.sources)::VARCHAR, f.layer, f.collector, "
    "f.source, f.line, f.run_id, f.observed_at, i.superseded_at, f.first_observed_at, f.times, f.last_run_id "
    "FROM column_facts f JOIN inputs i USING (input_id) "
    "WHERE f.target_id {in_ids} OR f.process_id {in_ids} "
    "ORDER BY 11, 1"
)

_FACT_PLACES = (
    "SELECT node_id, source, line FROM (SELECT f.node_id, f.source, f.line, max(f.layer) AS layer "
    "FROM node_facts f JOIN inputs i USING (input_id) WHERE i.superseded_at IS NULL AND f.node_id {in_ids} "
    "GROUP BY f.node_id, f.source, f.line) p "
    "ORDER BY node_id{collate}, layer DESC, source{collate}, coalesce(line, 0)"
)
"""Where the current facts about some nodes were read, for the evidence of findings."""

_PROBLEMS = ("SELECT source, line, col, field, severity, message, observed_at FROM problems "
             "ORDER BY observed_at DESC LIMIT %(limit)s")

_DATASET_COLUMNS = (
    "SELECT f.name, f.body{text}, max(f.observed_at) AS seen FROM node_facts f JOIN inputs i USING (input_id) "
    "WHERE i.superseded_at IS NULL AND f.kind = 'dataset' AND f.body{text} LIKE '%%\"columns\"%%' "
    "GROUP BY f.node_id, f.name, f.body{text}, f.layer "
    "ORDER BY f.node_id{collate}, f.layer, seen, f.body{text}{collate}"
)
"""Each distinct column-naming body of each current dataset, in the order the graph merges them."""

_RAW_INPUTS = (
    "SELECT collector, source, content, append_only, received_at, options{text}, content_encoding FROM inputs "
    "WHERE superseded_at IS NULL AND content IS NOT NULL ORDER BY received_at"
)
"""The current raw inputs, in the column order `raw_input_row` reads."""


@dataclass(frozen=True)
class Prepared:
    """A batch turned into rows, before the store is opened (in this process or another: it pickles)."""

    batch: LineageBatch
    """The batch without its facts (they are the rows): where it came from, its raw input, its problems."""
    now: datetime
    input: InputIdentity
    rows: FactRows
    tables: dict[str, Any]
    """Each fact table's rows, as the backend staged them (`Backend.stage_facts`)."""
    touched: current.Touched
    """What the rows touch in the current graph."""
    stage: Stage

    @property
    def problems(self) -> list[Problem]:
        return self.batch.problems

    @property
    def raw(self) -> RawInput | None:
        return self.batch.raw

    def without(self, events: frozenset[str]) -> Prepared:
        """The same without the facts of `events` (delivered before)."""
        columns = self.rows.columns(events)
        return replace(self, tables={table: self.stage(table, rows) for table, rows in columns.items()},
                       touched=current.touched_by(columns))


def prepare(batch: LineageBatch | PreparedBatch, stage: Stage) -> Prepared:
    """`batch` as rows staged by `stage` (a backend's `stage_facts`), worked out before the store is
    opened; a batch prepared already (by a worker process) as it is."""
    if not isinstance(batch, LineageBatch):
        if not isinstance(batch, Prepared):
            raise TypeError(f"not a batch: {type(batch).__name__}")
        return batch
    now = datetime.now(UTC)
    identity = input_identity(batch, now)
    with paused_gc():
        rows = fact_rows(batch, identity.input_id)
        columns = rows.columns()
        tables = {table: stage(table, table_rows) for table, table_rows in columns.items()}
        touched = current.touched_by(columns)
    return Prepared(batch.model_copy(update={"facts": []}), now, identity, rows, tables, touched, stage)


def _new_events(tx: Tx, p: Prepared) -> tuple[Prepared, int]:
    """Store the events of `p` not stored before; `p` without the others' facts, and how many facts
    the new events state."""
    events = p.rows.events
    if not events:
        return p, 0
    times = [e[6] for e in events]
    seen = frozenset(str(r[0]) for r in tx.all(_SEEN_EVENTS, {"lo": min(times), "hi": max(times),
                                                              "ids": [e[0] for e in events]}))
    tx.load("events", p.rows.event_columns(seen))
    return (p.without(seen) if seen else p), sum(e[7] for e in events if e[0] not in seen)


def ingest_on(tx: Tx, work: Sequence[Prepared]) -> list[IngestResult]:
    """The writes of ingests, in order inside the caller's transaction; the current graph is
    brought up to date once, after all of them. Consecutive snapshots of distinct sources (the
    files of a folder) are written together, a few statements for them all."""
    results: list[IngestResult] = []
    touched = current.Touched()
    superseded: list[str] = []
    snapshots: list[str] | None = []
    latest: datetime | None = None
    for group in _runs(work):
        for p, stored in zip(group, [_store_observed(tx, group[0])] if group[0].rows.observed
                             else _store_snapshots(tx, group), strict=True):
            if stored is None:
                results.append(IngestResult(input_id=None, facts=0, problems=0, skipped=True))
                continue
            p, now, facts, gone = stored
            touched |= p.touched
            superseded += gone
            latest = now if latest is None else max(latest, now)
            if p.rows.observed:
                snapshots = None  # observations may add to rows of earlier inputs
            elif snapshots is not None:
                snapshots.append(p.input.input_id)
            results.append(IngestResult(input_id=p.input.input_id, facts=facts, problems=len(p.batch.problems),
                                        skipped=False))
    if latest is not None:
        current.refresh(tx, touched, superseded, latest, snapshots)
    return results


Stored = tuple[Prepared, datetime, int, list[str]]
"""What was stored of an input (without events delivered before), its time, how many facts it
states, and the inputs it superseded."""


def _runs(work: Sequence[Prepared]) -> list[list[Prepared]]:
    """`work` cut into groups written together: runs of snapshots of distinct sources; each
    append-only input alone (its observations merge into the claims stored before it)."""
    runs: list[list[Prepared]] = []
    keys: set[tuple[str, str]] = set()
    for p in work:
        key = (p.batch.collector, p.batch.source)
        if p.rows.observed or not runs or runs[-1][0].rows.observed or key in keys:
            runs.append([p])
            keys = set()
        else:
            runs[-1].append(p)
        keys.add(key)
    return runs


def _store_snapshots(tx: Tx, work: Sequence[Prepared]) -> list[Stored | None]:
    """Store snapshots of distinct sources (files, configs), each with its raw content, facts and
    problems, superseding the source's current input; None for one stored before (the same
    content is current). A few statements for them all: the sources' current inputs read once,
    those superseded marked at once, each fact table and the inputs written once."""
    for key in sorted({(p.batch.collector, p.batch.source) for p in work}):
        tx.lock(*key)
    held: dict[tuple[str, str], list[tuple[str, str]]] = {}
    sources = sorted({p.batch.source for p in work})
    for input_id, collector, source, sha in tx.all(_CURRENT_OF_SOURCES, {"ids": sources}):
        held.setdefault((str(collector), str(source)), []).append((str(input_id), str(sha)))
    now = max(max(p.now for p in work), datetime.now(UTC))
    out: list[Stored | None] = []
    for p in work:
        current_inputs = held.get((p.batch.collector, p.batch.source), [])
        if any(sha == p.input.content_sha for _, sha in current_inputs):
            out.append(None)  # stored before
        else:
            out.append((p, now, len(p.rows.facts), [input_id for input_id, _ in current_inputs]))
    fresh = [stored for stored in out if stored is not None]
    gone = [input_id for _, _, _, superseded in fresh for input_id in superseded]
    if gone:
        tx.execute(_SUPERSEDE_INPUTS, {"now": now, "ids": gone})
    for table in ("node_facts", "edge_facts", "column_facts"):
        parts = [p.tables[table] for p, _, _, _ in fresh if table in p.tables]
        if parts:
            tx.insert_facts(table, parts, observed=False)
    problems = [(p.input.input_id, q) for p, _, _, _ in fresh for q in p.batch.problems]
    if problems:
        _load_problems(tx, problems, now)
    if fresh:
        tx.load("inputs", _input_columns([(p, stored) for p, _, stored, _ in fresh], now))
    return out


def _load_problems(tx: Tx, problems: Sequence[tuple[str, Problem]], now: datetime) -> None:
    tx.load("problems", {
        "input_id": [input_id for input_id, _ in problems], "source": [q.source for _, q in problems],
        "line": [q.line for _, q in problems], "col": [q.column for _, q in problems],
        "field": [q.field for _, q in problems], "severity": [q.severity for _, q in problems],
        "message": [q.message for _, q in problems], "observed_at": [now] * len(problems),
    })


def _input_columns(stored: Sequence[tuple[Prepared, int]], now: datetime) -> dict[str, list[Any]]:
    """The `inputs` rows of stored inputs, by column: each with its raw content compressed, how
    many facts it stored and how many problems it had."""
    return {
        "input_id": [p.input.input_id for p, _ in stored], "collector": [p.batch.collector for p, _ in stored],
        "source": [p.batch.source for p, _ in stored], "content_sha": [p.input.content_sha for p, _ in stored],
        "content": [p.input.stored if p.batch.raw else None for p, _ in stored],
        "content_encoding": ["zlib" if p.batch.raw else None for p, _ in stored],
        "append_only": [p.input.append_only for p, _ in stored], "received_at": [now] * len(stored),
        "fact_count": [facts for _, facts in stored], "problem_count": [len(p.batch.problems) for p, _ in stored],
        "options": [p.input.options for p, _ in stored],
    }


def _store_observed(tx: Tx, p: Prepared) -> Stored | None:
    """Store one append-only input (events, a query log): its raw content, the claims it observes
    (without events delivered before) and its problems; None when it was stored before."""
    ident, batch = p.input, p.batch
    tx.lock(batch.collector, ident.content_sha)
    if tx.one(_SEEN_APPEND_ONLY, {"collector": batch.collector, "sha": ident.content_sha}):
        return None
    now = max(p.now, datetime.now(UTC))  # after a wait for the lock, later than what it waited for
    tx.lock("current-graph")  # writers merge observations into the claims one at a time
    p, stored = _new_events(tx, p)
    for table, rows in p.tables.items():
        tx.insert_facts(table, [rows], observed=True)
    if batch.problems:
        _load_problems(tx, [(ident.input_id, q) for q in batch.problems], now)
    tx.load("inputs", _input_columns([(p, stored)], now))
    return p, now, stored, []


def _event_in(content: bytes, run_id: str, at: datetime) -> dict[str, Any] | None:
    """The event of run `run_id` at `at` in a raw input (JSON lines, an array or one event); of that
    run's events, the last when none has that time."""
    candidates: list[dict[str, Any]] = []
    lines = [line for line in content.splitlines() if run_id.encode() in line]
    for text in lines or [content]:
        try:
            found = json.loads(text)
        except ValueError:
            continue
        for event in found if isinstance(found, list) else [found]:
            run = event.get("run") if isinstance(event, dict) else None
            if isinstance(run, dict) and run.get("runId") == run_id:
                candidates.append(event)
    for event in candidates:
        with contextlib.suppress(TypeError, ValueError):
            if datetime.fromisoformat(str(event.get("eventTime")).replace("Z", "+00:00")) == at:
                return event
    return candidates[-1] if candidates else None


def _runs_by_process(rows: Sequence[Sequence[Any]]) -> dict[str, list[ProcessRun]]:
    """Runs by process from events' rows (a run's columns, then its process), newest first."""
    by_process: dict[str, list[Sequence[Any]]] = {}
    for row in rows:
        by_process.setdefault(str(row[6]), []).append(row[:6])
    return {process: runs_from_events(found) for process, found in by_process.items()}


class Facts(Backend):
    """Ingest and the reads of facts, problems and raw inputs."""

    def ingest(self, batch: LineageBatch | PreparedBatch) -> IngestResult:
        """Store one batch atomically: its raw input, its facts and its problems.

        Returns what was stored; `skipped` when the same input was stored before (by any writer).
        `facts` is the number of fact rows the store gained: a fact an earlier delivery stored
        already (the first part of a log a job read, then the whole log collected) is not new.
        """
        return self.ingest_all([batch])[0]

    def ingest_all(self, batches: Sequence[LineageBatch | PreparedBatch]) -> list[IngestResult]:
        """Store batches in order in one transaction (each as `ingest` would), the current graph
        brought up to date once: what a command that collects many small sources writes. A batch may
        come prepared (`prepare`), by a process that read and mapped it while this one stored others."""
        work = [prepare(batch, self.stage_facts) for batch in batches]
        return self._write(lambda tx: ingest_on(tx, work))

    def graph_data(self, as_of: datetime | None = None) -> GraphData:
        """Every fact visible at `as_of` (default: every current fact, whenever it was observed), as
        plain data for `LineageGraph`."""
        at = {"at": as_of or _UNTIL_FURTHER_NOTICE}
        with self._read() as tx:
            nodes = tx.bulk(_NODE_FACTS, at)
            edges = tx.bulk(_EDGES, at)
            columns = tx.all(_COLUMN_LINEAGE, at)
        return GraphData(
            nodes=[node_fact_row(r) for r in nodes],
            edges=[(r[0], r[1], r[2], list(r[3]), r[4]) for r in edges],
            column_lineage=[column_lineage_row(r) for r in columns],
        )

    def snapshot_hashes(self, sources: list[str]) -> dict[tuple[str, str], str]:
        """The content hash of the current snapshot of each of `sources`, by (collector, source)."""
        if not sources:
            return {}
        with self._read() as tx:
            rows = tx.all(_SNAPSHOT_HASHES, {"ids": sources})
        return {(str(c), str(s)): str(sha) for c, s, sha in rows}

    def runs_of(self, process_id: str, limit: int = 100) -> list[ProcessRun]:
        """The latest `limit` runs of a process (its node id) its events reported, newest first."""
        with self._read() as tx:
            return runs_from_events(tx.all(_RUNS_OF, {"job": process_id, "limit": limit}))

    def latest_events(self, process_ids: Sequence[str], limit: int = 1) -> list[dict[str, Any]]:
        """The latest events the processes' runs reported, newest first, as the producer sent them
        (from their kept raw inputs), with every facet, those the mapping reads and the others."""
        if not process_ids:
            return []
        with self._read() as tx:
            rows = tx.all(_LATEST_EVENTS, {"ids": list(process_ids), "limit": limit})
        found = []
        for run_id, at, content, encoding in rows:
            data = bytes(content)
            event = _event_in(zlib.decompress(data) if encoding == "zlib" else data, str(run_id), at)
            if event is not None:
                found.append(event)
        return found

    def run_events(self, process_id: str, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The latest event of each of a process's runs `run_ids`, as the producer sent it (from its
        kept raw input), by run; a run whose raw input is not kept is left out."""
        if not run_ids:
            return {}
        with self._read() as tx:
            latest = {str(run): (at, input_id) for run, at, input_id in tx.all(
                _RUN_EVENTS, {"job": process_id, "ids": list(run_ids)})}  # in time order: the last one stays
            contents = {str(i): (bytes(c), e) for i, c, e in tx.all(
                _CONTENTS, {"ids": sorted({str(i) for _, i in latest.values()})})}
        found = {}
        for run, (at, input_id) in latest.items():
            if str(input_id) not in contents:
                continue
            content, encoding = contents[str(input_id)]
            event = _event_in(zlib.decompress(content) if encoding == "zlib" else content, run, at)
            if event is not None:
                found[run] = event
        return found

    def recent_runs(self, per_process: int) -> dict[str, list[ProcessRun]]:
        """The latest `per_process` runs of every process that reported runs, newest first."""
        with self._read() as tx:
            rows = tx.all(_ALL_RUNS)
        return {process: runs[:per_process] for process, runs in _runs_by_process(rows).items()}

    def runs_ended(self, since: datetime, until: datetime) -> dict[str, list[ProcessRun]]:
        """The runs whose end (a COMPLETE, FAIL or ABORT event) was received in [since, until), by
        process, newest first."""
        with self._read() as tx:
            return _runs_by_process(tx.all(_RUNS_ENDED, {"since": since, "until": until}))

    def holds(self, collector: str, content: bytes) -> bool:
        """Whether an append-only input of `collector` with this raw content is stored (a chunk of
        an event log collected before)."""
        sha = hashlib.sha256(content).hexdigest()
        with self._read() as tx:
            return tx.one(_SEEN_APPEND_ONLY, {"collector": collector, "sha": sha}) is not None

    def changed_between(self, since: datetime, until: datetime) -> set[str]:
        """The ids (as the facts name them) of the nodes and edge ends whose facts became visible or
        stopped being visible after `since`, up to `until`."""
        lo, hi = sorted((since, until))
        with self._read() as tx:
            return {str(n) for (n,) in tx.all(CHANGED_BETWEEN, {"lo": lo, "hi": hi})}

    def as_of(self, at: datetime) -> Past:
        """The graph as it was at `at`, with the reads of the current graph (`lineage.store.past`)."""
        return Past(self, at)

    def facts_about(self, node_ids: list[str]) -> list[dict[str, Any]]:
        """Every stored fact (current or superseded) that mentions one of the nodes, with evidence."""
        with self._read() as tx:
            rows = tx.all(_FACTS_ABOUT, {"ids": list(node_ids)})
        out = [dict(zip(FACT_ABOUT_KEYS, r, strict=True)) for r in rows]
        if self.dialect.loose_json:
            for f in out:
                if f["fact"] == "column_lineage":  # compact, as DuckDB writes it
                    f["body"] = json.dumps(json.loads(f["body"]), separators=(",", ":"))
        return out

    def fact_places(self, node_ids: list[str]) -> list[tuple[str, str, int | None]]:
        """(node, source, line) of each place a current fact about one of the nodes was read from,
        each once: per node, declared facts first, then by source and line."""
        with self._read() as tx:
            rows = tx.all(_FACT_PLACES, {"ids": list(node_ids)})
        return [(str(r[0]), str(r[1]), r[2]) for r in rows]

    def problems(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self._read() as tx:
            rows = tx.all(_PROBLEMS, {"limit": limit})
        return [dict(zip(PROBLEM_KEYS, r, strict=True)) for r in rows]

    def dataset_columns(self) -> dict[str, list[str]]:
        """The column names each dataset (by name) is known to have now, as the graph merges them."""
        with self._read() as tx:
            return dataset_columns(tx.all(_DATASET_COLUMNS))

    def raw_inputs(self) -> Iterator[RawInputRow]:
        """The current raw inputs, oldest first, to collect again when the rules change."""
        with self._read() as tx:
            rows = tx.all(_RAW_INPUTS)
        for r in rows:
            yield raw_input_row(r)

    def counts(self) -> dict[str, int]:
        """Row counts per table, and `observations`: the facts stated, each claim as many times as it
        was observed (for tests and `lineage store info`)."""
        out = {}
        with self._read() as tx:
            for table in COUNTED_TABLES:
                row = tx.one(f"SELECT count(*) FROM {table}")  # noqa: S608 - a constant table name
                out[table] = int(row[0]) if row else 0
            out["observations"] = 0
            for table in FACT_TABLES:
                row = tx.one(f"SELECT coalesce(sum(times), 0) FROM {table}")  # noqa: S608 - a constant table name
                out["observations"] += int(row[0]) if row else 0
        return out
