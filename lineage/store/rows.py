"""Rows shared by both backends: a batch turned into fact rows, and stored rows turned back.

A fact's `fact_key` is a digest of what it says and of its evidence; both stores key their
deduplication on it, so the same event yields the same keys whichever backend stores it.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage.models import ColumnLineage, Dataset, Edge, Identity, LineageBatch, NodeRef, Process
from lineage.store.base import NodeFactRow, RawInputRow, RunRecord, SourceState


def digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


FACT_ABOUT_KEYS = ("fact", "subject", "other", "edge_kind", "body", "layer", "collector", "source", "line",
                   "run_id", "observed_at", "superseded_at", "first_observed_at", "times", "last_run_id")
"""The columns of a `facts_about` row, in select order."""
PROBLEM_KEYS = ("source", "line", "column", "field", "severity", "message", "observed_at")
"""The columns of a `problems` row, in select order."""


def run_record(r: tuple[Any, ...]) -> RunRecord:
    detail = json.loads(r[8]) if r[8] else {}
    return RunRecord(run_id=r[0], command=r[1], started_at=r[2], finished_at=r[3], status=r[4],
                     sources=r[5], facts=r[6], problems=r[7], detail=detail, job=detail.get("job"))


def run_detail(run: RunRecord) -> str:
    """The run's `detail` as stored: JSON text, with the scheduled job under `"job"`."""
    return json.dumps({**run.detail, "job": run.job} if run.job else run.detail)


def node_fact_row(r: Sequence[Any]) -> NodeFactRow:
    """A stored node fact (node_id, kind, namespace, name, body JSON text, layer, observed_at, and
    optionally when it was first observed)."""
    return NodeFactRow(node_id=r[0], kind=r[1], namespace=r[2], name=r[3],
                       body=json.loads(r[4]) if r[4] != "{}" else {}, layer=r[5], observed_at=r[6],
                       first_observed_at=r[7] if len(r) > 7 else None)


def dataset_columns(rows: Sequence[Sequence[Any]]) -> dict[str, list[str]]:
    """Column names by dataset name from (name, body JSON text, seen) rows of each distinct
    column-naming body, merged as `merge_facts` merges them: by name, in order of first appearance."""
    out: dict[str, dict[str, None]] = {}
    for name, body, _ in rows:
        columns = out.setdefault(name, {})
        for column in json.loads(body).get("columns", ()):
            columns.setdefault(column["name"], None)
    return {name: list(columns) for name, columns in out.items() if columns}


def column_lineage_row(r: Sequence[Any]) -> dict[str, Any]:
    """A stored column-lineage fact as `GraphData.column_lineage` holds it."""
    return {"target": r[0], "column": r[1], "sources": json.loads(r[2]), "transformation": r[3],
            "indirect": r[4], "process": r[5], "confidence": r[6]}


def raw_input_row(r: Sequence[Any]) -> RawInputRow:
    """A stored raw input (collector, source, content, append_only, received_at, options as JSON
    text, content_encoding), its content decompressed."""
    content = bytes(r[2])
    if r[6] == "zlib":
        content = zlib.decompress(content)
    return RawInputRow(collector=r[0], source=r[1], content=content, append_only=r[3],
                       received_at=r[4], options=json.loads(r[5]) if r[5] else {})


def source_state(r: Sequence[Any]) -> SourceState:
    """A stored job source state, in `job_sources` column order (detail as JSON text)."""
    return SourceState(job=r[0], source=r[1], size=r[2], mtime_ns=r[3], content_sha=r[4], offset=r[5],
                       line=r[6], detail=json.loads(r[7]) if r[7] else {}, updated_at=r[8])


def source_state_values(s: SourceState, now: datetime) -> list[Any]:
    """The `job_sources` row for `s`; an unset `updated_at` becomes `now`."""
    return [s.job, s.source, s.size, s.mtime_ns, s.content_sha, s.offset, s.line, json.dumps(s.detail),
            s.updated_at or now]


# -- turning a batch into rows ---------------------------------------------------------------------


def canonical_facts(batch: LineageBatch) -> bytes:
    return "\n".join(sorted(f.model_dump_json() for f in batch.facts)).encode()


@dataclass(frozen=True)
class InputIdentity:
    """What identifies a batch's input when it is stored at `received_at`."""

    content: bytes
    """The raw bytes of the source, else the batch's canonical facts."""
    stored: bytes
    """`content` as stored: zlib-compressed. Configs shrink about tenfold, a log of similar events some
    fiftyfold, and the store never rewrites large values when it checkpoints, so memory stays flat
    as raw inputs pile up."""
    append_only: bool
    content_sha: str
    input_id: str
    options: str | None
    """The collector options as JSON text, when there are any."""


def input_identity(batch: LineageBatch, received_at: datetime) -> InputIdentity:
    """The content, hash and id under which `batch` is stored, received at `received_at`."""
    content = batch.raw.content if batch.raw else canonical_facts(batch)
    append_only = bool(batch.raw.append_only) if batch.raw else False
    content_sha = hashlib.sha256(content).hexdigest()
    input_id = digest(batch.collector, batch.source, content_sha, received_at.isoformat())
    options = json.dumps(batch.raw.options) if batch.raw and batch.raw.options else None
    return InputIdentity(content, zlib.compress(content, 6), append_only, content_sha, input_id, options)


_EVIDENCE_COLUMNS = (("layer", "int16"), ("collector", "string"), ("source", "string"), ("line", "int32"),
                     ("run_id", "string"), ("observed_at", "timestamp"), ("first_observed_at", "timestamp"),
                     ("times", "int64"), ("last_run_id", "string"))
FACT_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "node_facts": (("input_id", "string"), ("fact_key", "string"), ("node_id", "string"), ("kind", "string"),
                   ("namespace", "string"), ("name", "string"), ("body", "string"), *_EVIDENCE_COLUMNS),
    "edge_facts": (("input_id", "string"), ("fact_key", "string"), ("source_id", "string"),
                   ("target_id", "string"), ("kind", "string"), ("permissions", "strings"),
                   ("confidence", "float64"), *_EVIDENCE_COLUMNS),
    "column_facts": (("input_id", "string"), ("fact_key", "string"), ("target_id", "string"),
                     ("target_column", "string"), ("sources", "string"), ("transformation", "string"),
                     ("indirect", "bool"), ("process_id", "string"), ("confidence", "float64"), *_EVIDENCE_COLUMNS),
}
"""Each fact table's columns with their types, in table order: the evidence is of the first observation
but for `observed_at` and `last_run_id`, of the last."""

_NODE_BODY_EXCLUDE = {"evidence", "namespace", "name", "fact"}


@dataclass(frozen=True)
class _Claim:
    """What a fact says, without its evidence, ready to become a row: the table, the text its key
    is made of before the evidence key, the row's values between the key and the evidence, the
    node a node fact names, and the nodes it refers to (each needs at least a bare node fact)."""

    table: str
    key_text: str
    values: tuple[Any, ...]
    named: NodeRef | None
    refs: tuple[NodeRef, ...]


def _key_text(*parts: object) -> str:
    return "\x1f".join(map(str, parts)) + "\x1f"


def _claim(fact: Any) -> _Claim:
    if isinstance(fact, Dataset | Process | Identity):
        ref = fact.ref
        body = json.dumps(
            fact.model_dump(mode="json", exclude_defaults=True, exclude=_NODE_BODY_EXCLUDE), sort_keys=True
        )
        return _Claim("node_facts", _key_text("n", ref.id, body),
                      (ref.id, ref.kind.value, ref.namespace, ref.name, body), ref, ())
    if isinstance(fact, Edge):
        perms = [p.value for p in fact.permissions]
        return _Claim("edge_facts", _key_text("e", fact.source.id, fact.target.id, fact.kind.value, perms,
                                              fact.confidence),
                      (fact.source.id, fact.target.id, fact.kind.value, perms, fact.confidence), None,
                      (fact.source, fact.target))
    if isinstance(fact, ColumnLineage):
        sources = json.dumps(sorted([s.dataset.id, s.column] for s in fact.sources))
        process = fact.process.id if fact.process else None
        target = fact.target
        refs = (target.dataset, *(s.dataset for s in fact.sources), *((fact.process,) if fact.process else ()))
        return _Claim("column_facts", _key_text("c", target.dataset.id, target.column, sources,
                                                fact.transformation.value, fact.indirect, process, fact.confidence),
                      (target.dataset.id, target.column, sources, fact.transformation.value, fact.indirect, process,
                       fact.confidence), None, refs)
    raise TypeError(f"not a storable fact: {type(fact).__name__}")


class _Claims:
    """Claims by the identity of their facts' values other than evidence, bounded.

    Facts copied from one mapped fact with new evidence (a stream of events about the same
    datasets) share those values, so their claim is worked out once. Entries hold the values
    themselves, so an id in the memo cannot be reused by another object while it is there.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: dict[tuple[int, ...], tuple[tuple[Any, ...], _Claim]] = {}

    def of(self, fact: Any) -> _Claim:
        kind = type(fact)
        if kind is ColumnLineage:
            shared: tuple[Any, ...] = (fact.target, fact.sources, fact.process)
            key: tuple[Any, ...] = (2, *map(id, shared), fact.transformation, fact.indirect, fact.confidence)
        elif kind is Edge:
            shared = (fact.source, fact.target, fact.permissions)
            key = (1, *map(id, shared), fact.kind, fact.confidence)
        elif kind is Dataset:
            shared = tuple(v for k, v in fact.__dict__.items() if k != "evidence")
            key = (0, *map(id, shared))
        else:  # processes and identities are built anew for every event: nothing to share
            return _claim(fact)
        hit = self.data.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], shared, strict=True)):
            return hit[1]
        claim = _claim(fact)
        if len(self.data) >= self.size:
            self.data.clear()  # start over: one atomic step, safe however many threads store
        self.data[key] = (shared, claim)
        return claim


_CLAIMS = _Claims(32_768)


@dataclass
class FactRows:
    """A batch's facts as rows, before they are stored.

    A fact from a snapshot (a file, a config) is one row, keyed by what it says and its evidence.
    A fact from an append-only source (OpenLineage events, a query log) is an observation of a
    claim: the claims of a source are keyed by what they say, where and by whom, without the time
    or the run, so a job that runs 100,000 times with the same schema makes one row with its first
    and last observation and how many times it was made. Each event (the facts sharing one
    evidence) is kept once in `events`, so an event delivered again (the first part of a log, then
    the whole log; the same event by file and over HTTP) adds nothing.
    """

    input_id: str
    observed: bool
    """Whether the facts are observations from an append-only source."""
    facts: list[tuple[str, str, tuple[Any, ...], tuple[Any, ...], int]] = field(default_factory=list)
    """(table, key, claim values, evidence values, event number) per distinct fact."""
    events: list[tuple[Any, ...]] = field(default_factory=list)
    """The `events` row of each event (append-only sources only), by event number."""

    def columns(self, skip: frozenset[str] = frozenset()) -> dict[str, dict[str, list[Any]]]:
        """Rows for each fact table, as lists by column, without the events whose keys are in `skip`;
        the observations of one claim are one row (evidence of the first, time of the last)."""
        if not self.observed:  # one row per fact: keyed by their evidence, no two alike
            rows: dict[str, list[tuple[Any, ...]]] = {"node_facts": [], "edge_facts": [], "column_facts": []}
            for table, key, values, ev, _ in self.facts:
                rows[table].append((self.input_id, key, *values, *ev, ev[5], 1, ev[4]))
            return {table: _by_column(FACT_COLUMNS[table], table_rows) for table, table_rows in rows.items()}
        skipped = {i for i, e in enumerate(self.events) if e[0] in skip}
        claims: dict[str, dict[str, list[Any]]] = {"node_facts": {}, "edge_facts": {}, "column_facts": {}}
        for table, key, values, ev, event in self.facts:
            if event in skipped:
                continue
            claim = claims[table].get(key)
            if claim is None:  # [values, evidence of the first observation, first time, last time, times, last run]
                claims[table][key] = [values, ev, ev[5], ev[5], 1, ev[4]]
                continue
            if ev[5] < claim[2]:
                claim[1], claim[2] = ev, ev[5]
            if ev[5] >= claim[3]:
                claim[3], claim[5] = ev[5], ev[4]
            claim[4] += 1
        return {table: _by_column(FACT_COLUMNS[table], [
            (self.input_id, key, *values, *ev[:5], last, first, times, last_run)
            for key, (values, ev, first, last, times, last_run) in merged.items()]) for table, merged in claims.items()}

    def event_columns(self, skip: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
        """The `events` rows, without those whose keys are in `skip`."""
        return _by_column(EVENT_COLUMNS, [e for e in self.events if e[0] not in skip])


EVENT_COLUMNS = (("event_key", "string"), ("input_id", "string"), ("collector", "string"), ("source", "string"),
                 ("line", "int32"), ("run_id", "string"), ("observed_at", "timestamp"), ("facts", "int32"),
                 ("job_id", "string"), ("state", "string"), ("error", "string"), ("parent_id", "string"),
                 ("parent_run_id", "string"))
"""The `events` columns: what the event is, where and when it was read, how many facts it stated,
and for an event of a run, the job it is a run of, the state and error it reported, its parent job
and the parent's run."""


def fact_rows(batch: LineageBatch, input_id: str) -> FactRows:
    """`batch`'s facts as rows; duplicate facts in one batch (or one event) collapse to one.

    Every edge end gets at least a bare node fact, so every node in the graph has a name.
    """
    observed = bool(batch.raw and batch.raw.append_only)
    out = FactRows(input_id, observed)
    seen: set[tuple[int, str]] = set()
    named: set[str] = set()
    bare: dict[str, tuple[NodeRef, Any]] = {}
    referred: set[int] = set()  # claims whose refs are in `bare` already
    evidence_keys: dict[int, tuple[str, tuple[Any, ...], int]] = {}
    event_numbers: dict[tuple[Any, ...], int] = {}
    event_keys: list[list[str]] = []
    claim_digests: dict[str, str] = {}

    def evidence(ev: Any) -> tuple[str, tuple[Any, ...], int]:
        """The key part, values and event number of an evidence."""
        cached = evidence_keys.get(id(ev))
        if cached is None:
            values = (int(ev.layer), ev.collector, ev.source, ev.line, ev.run_id, ev.observed_at)
            if observed:  # where and by whom: the same claim from every event of the source is one
                key_part = digest(values[0], values[1], values[2])
                event = event_numbers.setdefault((values[1], values[4], values[5]), len(event_numbers))
                if event == len(out.events):
                    out.events.append((values[1], values[4], values[5], values[2], values[3]))
                    event_keys.append([])
            else:
                key_part, event = digest(*values), 0
            cached = (key_part, values, event)
            evidence_keys[id(ev)] = cached
        return cached

    keys: dict[tuple[str, str], str] = {}  # observations of a claim share their key: worked out once

    def add(table: str, key_text: str, values: tuple[Any, ...], ev: Any) -> None:
        ev_key, ev_values, event = evidence(ev)
        key = keys.get((key_text, ev_key))
        if key is None:
            key = hashlib.blake2b((key_text + ev_key).encode(), digest_size=16).hexdigest()
            if observed:
                keys[(key_text, ev_key)] = key
        seen_key = (event, key)
        if seen_key not in seen:
            seen.add(seen_key)
            out.facts.append((table, key, values, ev_values, event))
            if observed:  # what the event says, wherever it was read
                said = claim_digests.get(key_text)
                if said is None:
                    said = claim_digests[key_text] = hashlib.blake2b(key_text.encode(), digest_size=16).hexdigest()
                event_keys[event].append(said)

    ran: list[Process] = []  # the processes an event reports a run of
    process_runs: dict[tuple[Any, ...], str] = {}  # (place and time of an event, process) -> the run it names
    for fact in batch.facts:
        claim = _CLAIMS.of(fact)
        add(claim.table, claim.key_text, claim.values, fact.evidence)
        if observed and type(fact) is Process:
            ev = fact.evidence
            if ev.run_id:
                process_runs[(ev.source, ev.line, ev.observed_at, fact.ref.id)] = ev.run_id
            if fact.run_state:
                ran.append(fact)
        if claim.named is not None:
            named.add(claim.named.id)
        elif id(claim) not in referred:
            referred.add(id(claim))
            for ref in claim.refs:
                bare.setdefault(ref.id, (ref, fact.evidence))
    runs: dict[int, tuple[str, str, str | None, str | None, str | None]] = {
        # event -> job, state, error, parent job and the parent's run (named by the same event)
        evidence(p.evidence)[2]: (p.ref.id, p.run_state or "", p.error_message, p.parent, p.parent and process_runs.get(
            (p.evidence.source, p.evidence.line, p.evidence.observed_at, p.parent))) for p in ran}
    for ref_id, (ref, ev) in bare.items():
        if ref_id not in named:
            add("node_facts", _key_text("n", ref.id, "{}"), (ref.id, ref.kind.value, ref.namespace, ref.name, "{}"), ev)
    if observed:  # an event is what it says and when, by whom, in which run: not where it was read
        out.events = [(digest(collector, run_id, at, *sorted(keys)), input_id, collector, source, line, run_id, at,
                       len(keys), *runs.get(n, (None, None, None, None, None)))
                      for n, ((collector, run_id, at, source, line), keys)
                      in enumerate(zip(out.events, event_keys, strict=True))]
    return out


def _by_column(columns: tuple[tuple[str, str], ...], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows turned into lists by column."""
    names = [name for name, _ in columns]
    if not rows:
        return {name: [] for name in names}
    return dict(zip(names, map(list, zip(*rows, strict=True)), strict=True))
