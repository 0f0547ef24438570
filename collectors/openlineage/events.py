"""One OpenLineage event (a parsed JSON object) mapped to core facts: the pure core of the collector.

Run events, job events and dataset events of every spec version producers use are accepted: a
missing `schemaURL`, old `#/definitions/...` schema URLs, nanosecond and zone-less timestamps
(read as UTC) and custom facets are deviations recorded as warnings, never reasons to drop an
event. An event without what identifies it (its job, its run id, its time, its datasets' names) is
refused with an error naming the field.

Mapping:

- the job is a `Process` named as given (namespace/name); each event adds one fact about it at
  the event's time, so the facts of a run are its state history (START, RUNNING, COMPLETE, FAIL,
  ABORT, OTHER) with the run id as evidence;
- inputs and outputs are `Dataset`s named by `lineage.naming.normalize`; inputs are read by the
  job, outputs written by it;
- `parent` records the parent job on the child (`Process.parent`) and names the parent job, but
  adds no edge: a parent job does not move data to its children;
- `symlinks` identifiers are aliases of the dataset they are on. Canonical name rule: a dataset is
  the node its producer names it by (the namespace/name of the input or output); its symlinks are
  recorded in `aliases`, and a later reference by an alias (as a dataset or in column lineage)
  within the same file or server process resolves to that canonical node;
- `columnLineage` becomes `ColumnLineage` facts, one per output column and kind of transformation;
  the facet's dataset-level list applies indirectly to every known output column. A source naming a
  dataset that is not an input of the event (dbt-ol names CTE aliases such as `orders` this way) is
  dropped with a warning instead of becoming a phantom dataset; when an event lists no inputs at
  all (Spark's RUNNING events) sources are kept as given;
- dbt: `dbt build` names a model's job `<model>.build.run` where `dbt run` names it `<model>`;
  both map to the one process `<model>`, with `dbt build` noted in its job type.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from collectors.openlineage import facets as F
from collectors.openlineage.sql import SqlHook
from collectors.openlineage.validate import event_kind, validate_event
from lineage.models import (
    ColumnLineage,
    ColumnRef,
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Layer,
    NodeKind,
    NodeRef,
    Problem,
    Process,
    Transformation,
)
from lineage.naming import normalize

# A stream of events names the same few datasets again and again: normalise each name once.
_normalize = lru_cache(maxsize=65_536)(normalize)


@lru_cache(maxsize=65_536)
def _dataset_node(namespace: str, name: str) -> NodeRef:
    """The (validated, immutable, so shareable) node of a dataset as a producer names it.

    Raises:
        ValueError: the name cannot be normalised into a node.
    """
    ns, nm = _normalize(namespace, name)
    return NodeRef.dataset(ns, nm)


@lru_cache(maxsize=16_384)
def _process_node(namespace: str, name: str) -> NodeRef:
    return NodeRef.process(namespace, name)


# Facts are built with `model_construct` (no second validation): every value has been checked
# here already (names non-empty, times aware, edge ends of the right kinds, enums from tables), and
# node references come validated from the caches above.

COLLECTOR = "openlineage"
RUN_STATES = frozenset({"START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"})
MAX_NAME = 2000
MAX_DATASETS = 10_000

FactT = Dataset | Process | Edge | ColumnLineage


class EventError(ValueError):
    """An event cannot be mapped: it lacks what identifies it. `field` is the JSON path."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class AliasMap:
    """Symlink aliases seen so far (alias node id -> canonical ref), bounded in size."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._map: dict[str, NodeRef] = {}

    def resolve(self, ref: NodeRef) -> NodeRef:
        """The canonical node for `ref` (itself unless it is a known alias)."""
        return self._map.get(ref.id, ref)

    def add(self, alias: NodeRef, canonical: NodeRef) -> None:
        if alias.id == canonical.id or canonical.id in self._map:
            return
        if len(self._map) >= self.limit:
            self._map.pop(next(iter(self._map)))
        self._map.setdefault(alias.id, canonical)


@dataclass
class _Trace:
    """What mapping one dataset entry depended on and did besides its result: the alias lookups it
    made, the aliases it added and the warnings it gave. Replayed when the same entry comes again."""

    lookups: list[tuple[NodeRef, NodeRef]] = field(default_factory=list)
    added: list[tuple[NodeRef, NodeRef]] = field(default_factory=list)
    warnings: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class _Memo:
    trace: _Trace
    facts: tuple[Any, ...]
    """The facts made the first time, with that event's evidence: copied with each event's own."""
    ref: NodeRef | None


class _MemoCache:
    """Mapped dataset entries by their content, bounded: a stream of events names the same datasets
    with the same facets run after run, and mapping them again is most of the cost of an event."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: dict[tuple[Any, ...], _Memo] = {}

    def get(self, key: tuple[Any, ...]) -> _Memo | None:
        return self.data.get(key)

    def put(self, key: tuple[Any, ...], memo: _Memo) -> None:
        if len(self.data) >= self.size:
            self.data.pop(next(iter(self.data)))
        self.data[key] = memo


_MEMO = _MemoCache(4096)
_MAX_MEMO_BYTES = 1 << 20


def _content_key(entry: Mapping[str, Any]) -> bytes | None:
    """The entry's content as JSON bytes (a memo key), or None when it cannot be (or is too big to be)."""
    try:
        key = orjson.dumps(entry)
    except TypeError:  # orjson.JSONEncodeError: a big integer, a non-string key, nesting too deep
        return None
    return key if len(key) <= _MAX_MEMO_BYTES else None


@dataclass
class MappedEvent:
    """The facts from one event, the problems met, and whether it was refused."""

    facts: list[FactT] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    run_id: str | None = None
    refused: bool = False


def parse_time(value: Any, where: str = "eventTime") -> tuple[datetime, str | None]:
    """An ISO 8601 time (nanoseconds allowed), plus a warning when it had no time zone.

    Raises:
        EventError: the value is not a time.

    Example:
        >>> parse_time("2020-12-28T19:51:01.641499123Z")[0].isoformat()
        '2020-12-28T19:51:01.641499+00:00'
    """
    if not isinstance(value, str) or not value.strip():
        raise EventError("eventTime must be an ISO 8601 time string", where)
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise EventError(f"eventTime {raw[:60]!r} is not an ISO 8601 time", where) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), "eventTime has no time zone; read as UTC"
    return parsed, None


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EventError("must be a non-empty string", where)
    if len(value) > MAX_NAME:
        raise EventError(f"is longer than {MAX_NAME} characters", where)
    return value


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EventError("must be an object", where)
    return value


def _facets_of(entry: Mapping[str, Any], key: str, where: str, warn: F.Report) -> Mapping[str, Any]:
    value = entry.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        warn(f"{key} must be an object; ignored", f"{where}.{key}")
        return {}
    return value


def _is_dbt(event: Mapping[str, Any], run_facets: Mapping[str, Any], job_facets: Mapping[str, Any]) -> bool:
    producer = event.get("producer")
    if isinstance(producer, str) and "/integration/dbt" in producer:
        return True
    engine = run_facets.get("processing_engine")
    if isinstance(engine, Mapping) and str(engine.get("name", "")).lower() == "dbt":
        return True
    job_type = job_facets.get("jobType")
    return isinstance(job_type, Mapping) and str(job_type.get("integration", "")).upper() == "DBT"


class _Mapper:
    def __init__(
        self,
        event: Mapping[str, Any],
        source: str,
        line: int | None,
        aliases: AliasMap,
        sql_hook: SqlHook | None,
    ) -> None:
        self.event = event
        self.source = source
        self.line = line
        self.aliases = aliases
        self.sql_hook = sql_hook
        self.sql_dialect: str | None = None
        self.out = MappedEvent()
        self.trace: _Trace | None = None

    def warn(self, message: str, where: str | None) -> None:
        if self.trace is not None:
            self.trace.warnings.append((message, where))
        self.out.problems.append(
            Problem(severity="warning", message=message, source=self.source, line=self.line, field=where)
        )

    def memoised(
        self, key: tuple[Any, ...], ev: Evidence, make: Callable[[], tuple[tuple[Any, ...], NodeRef | None]]
    ) -> tuple[list[Any], NodeRef | None]:
        """`make()`'s facts (with `ev` as their evidence) and node, from the memo when the same entry
        was mapped before with the same alias lookups; its warnings and alias additions replayed."""
        memo = _MEMO.get(key)
        if memo is not None and all(self.aliases.resolve(a).id == b.id for a, b in memo.trace.lookups):
            for alias, canonical in memo.trace.added:
                self.aliases.add(alias, canonical)
            for message, where in memo.trace.warnings:
                self.warn(message, where)
            return [F.replaced(f, evidence=ev) for f in memo.facts], memo.ref
        outer, self.trace = self.trace, _Trace()
        try:
            facts, ref = make()
            _MEMO.put(key, _Memo(self.trace, facts, ref))
        finally:
            self.trace = outer
        return list(facts), ref

    # -- datasets ------------------------------------------------------------------------------

    def dataset_ref(self, entry: Mapping[str, Any], where: str) -> NodeRef:
        namespace = _name(entry.get("namespace"), f"{where}.namespace")
        name = _name(entry.get("name"), f"{where}.name")
        try:
            node = _dataset_node(namespace, name)
        except ValueError as exc:
            raise EventError(f"is not a dataset name: {exc}", where) from None
        resolved = self.aliases.resolve(node)
        if self.trace is not None:
            self.trace.lookups.append((node, resolved))
        return resolved

    def dataset(self, entry: Mapping[str, Any], where: str, ev: Evidence, side: str | None) -> Dataset:
        return self.dataset_and_ref(entry, where, ev, side)[0]

    def dataset_and_ref(
        self, entry: Mapping[str, Any], where: str, ev: Evidence, side: str | None
    ) -> tuple[Dataset, NodeRef]:
        content = _content_key(entry)
        if content is None:
            return self._dataset_and_ref(entry, where, ev, side)

        def make() -> tuple[tuple[Any, ...], NodeRef | None]:
            ds, ref = self._dataset_and_ref(entry, where, ev, side)
            return (ds,), ref

        facts, ref = self.memoised(("dataset", content, where, side), ev, make)
        assert ref is not None
        return facts[0], ref

    def _dataset_and_ref(
        self, entry: Mapping[str, Any], where: str, ev: Evidence, side: str | None
    ) -> tuple[Dataset, NodeRef]:
        ref = self.dataset_ref(entry, where)
        facets = _facets_of(entry, "facets", where, self.warn)
        values: dict[str, Any] = {}
        marks = F.Marks()
        fw = f"{where}.facets"
        columns: tuple[Any, ...] = ()
        if (schema := F._facet(facets, "schema", fw, self.warn)) is not None:
            columns = F.read_schema(schema, f"{fw}.schema", marks, self.warn)
        if (doc := F._facet(facets, "documentation", fw, self.warn)) is not None:
            values["description"] = F.text(doc.get("description"))
        if (own := F._facet(facets, "ownership", fw, self.warn)) is not None:
            values["owner"] = F.read_owners(own)
        if (src := F._facet(facets, "dataSource", fw, self.warn)) is not None:
            values["data_source"] = F.read_data_source(src)
        if (storage := F._facet(facets, "storage", fw, self.warn)) is not None:
            values["storage"] = F.read_storage(storage)
        if (tags := F._facet(facets, "tags", fw, self.warn)) is not None:
            F.read_tags(tags, f"{fw}.tags", marks, self.warn)
        if (life := F._facet(facets, "lifecycleStateChange", fw, self.warn)) is not None:
            change = str(life.get("lifecycleStateChange", "")).upper()
            if change == "DROP":
                values["retired"] = True
            elif change in ("CREATE", "OVERWRITE"):
                values["retired"] = False
        aliases = self._symlinks(facets, fw, ref)
        if side == "input":
            extra = _facets_of(entry, "inputFacets", where, self.warn)
            if (dq := F._facet(extra, "dataQualityMetrics", f"{where}.inputFacets", self.warn)) is not None:
                values["row_count"] = F.read_count(dq, "rowCount")
                values["size_bytes"] = F.read_count(dq, "bytes", "size")
            if (qa := F._facet(extra, "dataQualityAssertions", f"{where}.inputFacets", self.warn)) is not None:
                values["quality"] = F.read_assertions(qa)
        elif side == "output":
            extra = _facets_of(entry, "outputFacets", where, self.warn)
            if (st := F._facet(extra, "outputStatistics", f"{where}.outputFacets", self.warn)) is not None:
                values["row_count"] = F.read_count(st, "rowCount")
                values["size_bytes"] = F.read_count(st, "size", "bytes")
        if (qa := F._facet(facets, "dataQualityAssertions", fw, self.warn)) is not None:
            values["quality"] = F.read_assertions(qa)
        return F.build(
            Dataset,
            namespace=ref.namespace,
            name=ref.name,
            columns=F.with_column_marks(columns, marks),
            classifications=tuple(sorted(marks.classifications)),
            origin=marks.origin,
            environment=marks.environment,
            aliases=aliases,
            evidence=ev,
            **{k: v for k, v in values.items() if v not in (None, ())},
        ), ref

    def _symlinks(self, facets: Mapping[str, Any], where: str, ref: NodeRef) -> tuple[str, ...]:
        facet = F._facet(facets, "symlinks", where, self.warn)
        if facet is None:
            return ()
        identifiers = facet.get("identifiers")
        if not isinstance(identifiers, list):
            self.warn("symlinks facet has no list of identifiers; ignored", f"{where}.symlinks")
            return ()
        out = []
        for i, ident in enumerate(identifiers):
            try:
                alias = self.dataset_ref(
                    _obj(ident, f"{where}.symlinks.identifiers.{i}"), f"{where}.symlinks.identifiers.{i}"
                )
            except EventError as exc:
                self.warn(f"symlink {exc}; ignored", exc.field)
                continue
            if alias.id != ref.id:
                self.aliases.add(alias, ref)
                if self.trace is not None:
                    self.trace.added.append((alias, ref))
                out.append(alias.id)
        return tuple(sorted(set(out)))

    # -- column lineage ------------------------------------------------------------------------

    def column_lineage(
        self,
        entry: Mapping[str, Any],
        target: Dataset,
        where: str,
        process: NodeRef | None,
        known: set[str] | None,
        ev: Evidence,
    ) -> list[ColumnLineage]:
        content = _content_key(entry)
        if content is None:
            return self._column_lineage(entry, target, where, process, known, ev)
        key = (
            "columns", content, where, target.namespace, target.name,
            process.id if process else None, tuple(sorted(known)) if known is not None else None,
        )
        facts, _ = self.memoised(
            key, ev, lambda: (tuple(self._column_lineage(entry, target, where, process, known, ev)), None)
        )
        return facts

    def _column_lineage(
        self,
        entry: Mapping[str, Any],
        target: Dataset,
        where: str,
        process: NodeRef | None,
        known: set[str] | None,
        ev: Evidence,
    ) -> list[ColumnLineage]:
        facets = _facets_of(entry, "facets", where, self.warn)
        facet = F._facet(facets, "columnLineage", f"{where}.facets", self.warn)
        if facet is None:
            return []
        fw = f"{where}.facets.columnLineage"
        out: list[ColumnLineage] = []
        fields = facet.get("fields")
        if not isinstance(fields, Mapping):
            self.warn("columnLineage facet has no fields object; ignored", f"{fw}.fields")
            fields = {}
        dropped: set[str] = set()

        def sources(items: Any, path: str, legacy: Any) -> dict[tuple[Transformation, bool], list[ColumnRef]]:
            groups: dict[tuple[Transformation, bool], list[ColumnRef]] = {}
            if not isinstance(items, list):
                self.warn("inputFields must be a list; ignored", path)
                return groups
            for i, item in enumerate(items):
                try:
                    obj = _obj(item, f"{path}.{i}")
                    ref = self.dataset_ref(obj, f"{path}.{i}")
                    column = _name(obj.get("field"), f"{path}.{i}.field")
                except EventError as exc:
                    self.warn(f"column lineage input {exc}; ignored", exc.field)
                    continue
                if known is not None and ref.id not in known:
                    if ref.id not in dropped:
                        dropped.add(ref.id)
                        self.warn(
                            f"column lineage names {ref.namespace}/{ref.name}, which is not an input "
                            "of this event (a CTE or alias?); not made a dataset",
                            f"{path}.{i}",
                        )
                    continue
                col = F.build(ColumnRef, dataset=ref, column=column)
                for kind in F.transformation_kinds(obj, legacy):
                    bucket = groups.setdefault(kind, [])
                    if col not in bucket:
                        bucket.append(col)
            return groups

        for column, spec in fields.items():
            if not isinstance(spec, Mapping) or not isinstance(column, str) or not column:
                self.warn("a column lineage entry must be an object; ignored", f"{fw}.fields.{column}")
                continue
            groups = sources(
                spec.get("inputFields"), f"{fw}.fields.{column}.inputFields", spec.get("transformationType")
            )
            out.extend(self._lineage(target, column, groups, process, ev))
        if "dataset" in facet:
            groups = sources(facet.get("dataset"), f"{fw}.dataset", None)
            indirect: dict[tuple[Transformation, bool], list[ColumnRef]] = {
                (t if t is not Transformation.IDENTITY else Transformation.TRANSFORMATION, True): refs
                for (t, _), refs in groups.items()
            }
            targets = [c.name for c in target.columns] or [c for c in fields if isinstance(c, str)]
            for column in dict.fromkeys(targets):
                out.extend(self._lineage(target, column, indirect, process, ev))
        return out

    @staticmethod
    def _lineage(
        target: Dataset,
        column: str,
        groups: dict[tuple[Transformation, bool], list[ColumnRef]],
        process: NodeRef | None,
        ev: Evidence,
    ) -> list[ColumnLineage]:
        ref = F.build(ColumnRef, dataset=_dataset_ref_of(target), column=column)
        return [
            F.build(
                ColumnLineage,
                target=ref,
                sources=tuple(cols),
                transformation=t,
                indirect=indirect,
                process=process,
                evidence=ev,
            )
            for (t, indirect), cols in groups.items()
            if cols
        ]

    # -- jobs ----------------------------------------------------------------------------------

    def process(
        self, job: Mapping[str, Any], run_facets: Mapping[str, Any], state: str | None, ev: Evidence
    ) -> Process:
        namespace = _name(job.get("namespace"), "job.namespace")
        name = _name(job.get("name"), "job.name")
        job_facets = _facets_of(job, "facets", "job", self.warn)
        values: dict[str, Any] = {"run_state": state}
        if (jt := F._facet(job_facets, "jobType", "job.facets", self.warn)) is not None:
            values["job_type"] = F.read_job_type(jt)
        if _is_dbt(self.event, run_facets, job_facets) and name.endswith(".build.run"):
            name = name.removesuffix(".build.run")
            values["job_type"] = " ".join(p for p in (values.get("job_type"), "dbt build") if p)
        if (doc := F._facet(job_facets, "documentation", "job.facets", self.warn)) is not None:
            values["description"] = F.text(doc.get("description"))
        if (own := F._facet(job_facets, "ownership", "job.facets", self.warn)) is not None:
            values["owner"] = F.read_owners(own)
        if (sql := F._facet(job_facets, "sql", "job.facets", self.warn)) is not None:
            values["sql"] = F.text(sql.get("query"), 100_000)
            self.sql_dialect = F.text(sql.get("dialect"), 50)
        if (eng := F._facet(run_facets, "processing_engine", "run.facets", self.warn)) is not None:
            values["processing_engine"] = F.read_engine(eng)
        if (err := F._facet(run_facets, "errorMessage", "run.facets", self.warn)) is not None:
            values["error_message"] = F.text(err.get("message"))
        if (parent := F._facet(run_facets, "parent", "run.facets", self.warn)) is not None:
            values["parent"] = self._parent(parent, ev)
        return F.build(
            Process, namespace=namespace, name=name, evidence=ev, **{k: v for k, v in values.items() if v is not None}
        )

    def _parent(self, facet: Mapping[str, Any], ev: Evidence) -> str | None:
        job = facet.get("job")
        try:
            job = _obj(job, "run.facets.parent.job")
            ref = _process_node(
                _name(job.get("namespace"), "run.facets.parent.job.namespace"),
                _name(job.get("name"), "run.facets.parent.job.name"),
            )
        except EventError as exc:
            self.warn(f"parent job {exc}; ignored", exc.field)
            return None
        run = facet.get("run")
        run_id = run.get("runId") if isinstance(run, Mapping) else None
        parent_ev = ev.model_copy(update={"run_id": run_id if isinstance(run_id, str) else None})
        # The parent job is named (it exists), but no edge: it does not move data to its children.
        self.out.facts.append(F.build(Process, namespace=ref.namespace, name=ref.name, evidence=parent_ev))
        return ref.id

    # -- whole events --------------------------------------------------------------------------

    def run(self) -> MappedEvent:
        event = self.event
        for deviation in validate_event(event):
            self.warn(f"not as the OpenLineage schema says: {deviation.message}", deviation.path)
        observed, zone_warning = parse_time(event.get("eventTime"))
        if zone_warning:
            self.warn(zone_warning, "eventTime")
        kind = event_kind(event)
        if kind == "DatasetEvent":
            entry = _obj(event.get("dataset"), "dataset")
            ev = Evidence(
                collector=COLLECTOR,
                source=self.source,
                line=self.line,
                observed_at=observed,
                layer=Layer.OBSERVED,
            )
            ds = self.dataset(entry, "dataset", ev, None)
            self.out.facts.append(ds)
            self.out.facts.extend(self.column_lineage(entry, ds, "dataset", None, None, ev))
            return self.out
        job = _obj(event.get("job"), "job")
        run_id: str | None = None
        run_facets: Mapping[str, Any] = {}
        state = event.get("eventType")
        if kind == "RunEvent":
            run = _obj(event.get("run"), "run")
            run_id = _name(run.get("runId"), "run.runId")
            run_facets = _facets_of(run, "facets", "run", self.warn)
        if state is not None and state not in RUN_STATES:
            state = "OTHER"
        self.out.run_id = run_id
        ev = Evidence(
            collector=COLLECTOR,
            source=self.source,
            line=self.line,
            run_id=run_id,
            observed_at=observed,
            layer=Layer.OBSERVED,
        )
        process = self.process(job, run_facets, state if isinstance(state, str) else None, ev)
        self.out.facts.append(process)
        pref = _process_node(process.namespace, process.name)
        entries = self._entries()
        inputs = [(*self.dataset_and_ref(e, w, ev, "input"), e, w) for e, w in entries["inputs"]]
        outputs = [(*self.dataset_and_ref(e, w, ev, "output"), e, w) for e, w in entries["outputs"]]
        read, write = EdgeKind.READ, EdgeKind.WRITE
        for ds, ref, _, _ in inputs:
            self.out.facts.append(ds)
            self.out.facts.append(F.build(Edge, source=ref, target=pref, kind=read, evidence=ev))
        for ds, ref, _, _ in outputs:
            self.out.facts.append(ds)
            self.out.facts.append(F.build(Edge, source=pref, target=ref, kind=write, evidence=ev))
        known = {ref.id for _, ref, _, _ in inputs + outputs} if inputs else None
        for ds, _, entry, where in outputs:
            self.out.facts.extend(self.column_lineage(entry, ds, where, pref, known, ev))
        if process.sql and self.sql_hook is not None:
            datasets = [ref for _, ref, _, _ in inputs + outputs]
            facts, notes = self.sql_hook(process.sql, self.sql_dialect, datasets, pref, ev)
            self.out.facts.extend(facts)
            for note in notes:
                self.warn(note, "job.facets.sql.query")
        return self.out

    def _entries(self) -> dict[str, list[tuple[Mapping[str, Any], str]]]:
        out: dict[str, list[tuple[Mapping[str, Any], str]]] = {}
        for side in ("inputs", "outputs"):
            value = self.event.get(side)
            if value is None:
                out[side] = []
                continue
            if not isinstance(value, list):
                raise EventError("must be a list of datasets", side)
            if len(value) > MAX_DATASETS:
                raise EventError(f"lists more than {MAX_DATASETS:,} datasets", side)
            out[side] = [(_obj(e, f"{side}.{i}"), f"{side}.{i}") for i, e in enumerate(value)]
        return out


def map_event(
    event: Any,
    *,
    source: str,
    line: int | None = None,
    aliases: AliasMap | None = None,
    sql_hook: SqlHook | None = None,
) -> MappedEvent:
    """Map one parsed OpenLineage event to facts.

    Never raises for bad content: an event that cannot be mapped comes back `refused`, with one
    error problem naming the field; deviations the mapping can live with are warnings.

    Args:
        event: the parsed JSON value.
        source: where it came from (a file path, or `http:<remote>`), kept as evidence.
        line: the line the event starts on in its file, if any.
        aliases: symlink aliases shared across the events of one file or server.
        sql_hook: turns a `sql` facet's query into facts (the SQL collector), if available.

    Example:
        >>> m = map_event({"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z",
        ...     "run": {"runId": "r1"}, "job": {"namespace": "ns", "name": "j"},
        ...     "inputs": [{"namespace": "s3://b", "name": "in"}], "producer": "p", "schemaURL": "u"},
        ...     source="doc")
        >>> sorted(type(f).__name__ for f in m.facts), m.refused
        (['Dataset', 'Edge', 'Process'], False)
    """
    mapper = _Mapper(event if isinstance(event, Mapping) else {}, source, line, aliases or AliasMap(), sql_hook)
    try:
        if not isinstance(event, Mapping):
            raise EventError(f"an event must be a JSON object, not {_json_type(event)}", "(event)")
        return mapper.run()
    except EventError as exc:
        mapper.out.facts = []
        mapper.out.refused = True
        mapper.out.problems.append(Problem(message=f"{exc.field}: {exc}", source=source, line=line, field=exc.field))
    except RecursionError:
        mapper.out.facts = []
        mapper.out.refused = True
        mapper.out.problems.append(
            Problem(message="the event is nested too deeply", source=source, line=line, field="(event)")
        )
    except ValueError as exc:  # a value the core model refuses (pydantic's ValidationError)
        mapper.out.facts = []
        mapper.out.refused = True
        first = str(exc).splitlines()
        mapper.out.problems.append(
            Problem(
                message=f"invalid value: {' '.join(first[:3])[:300]}",
                source=source,
                line=line,
                field="(event)",
            )
        )
    return mapper.out


def _dataset_ref_of(dataset: Dataset) -> NodeRef:
    """`dataset.ref`, from the cache (a dataset's namespace and name are already normalised)."""
    return _process_or_dataset(NodeKind.DATASET, dataset.namespace, dataset.name)


@lru_cache(maxsize=65_536)
def _process_or_dataset(kind: NodeKind, namespace: str, name: str) -> NodeRef:
    return NodeRef(kind=kind, namespace=namespace, name=name)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return "true, false or null"
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return "a number"
    return type(value).__name__
