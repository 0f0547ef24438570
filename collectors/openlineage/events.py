"""One OpenLineage event (a parsed JSON object) mapped to core facts: the pure core of the collector.

Run events, job events and dataset events of every spec version producers use are accepted: a
missing `schemaURL`, old `#/definitions/...` schema URLs, nanosecond and zone-less timestamps
(read as UTC) and custom facets are deviations recorded as warnings, never reasons to drop an
event. An event without what identifies it (its job, its run id, its time, its datasets' names) is
refused with an error naming the field, and so is one whose job namespace or name holds a control
or bidirectional formatting character (NUL, U+202E, ...), the rule dataset names follow.

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
  recorded in `aliases`. A later reference by an alias (as a dataset or in column lineage) within
  the same file or server process resolves to that canonical node here; references from anywhere
  else are merged into it when the graph is built (`lineage.aliases`);
- `columnLineage` becomes `ColumnLineage` facts, one per output column and kind of transformation;
  the facet's dataset-level list applies indirectly to every known output column. A source naming a
  dataset that is not an input of the event (dbt-ol names CTE aliases such as `orders` this way) is
  dropped with a warning instead of becoming a phantom dataset; when an event lists no inputs at
  all (Spark's RUNNING events) sources are kept as given;
- dbt: dbt-ol names a node's job `<database>.<schema>.<package>.<node>` plus a suffix that depends
  on the command (`.build.run`, `.build.snapshot`, `.build.test`, `.test`); every one maps to the
  process the dbt manifest collector names, `<package>.<node>` (`<package>.<node>.test` for the
  node's tests), by `lineage.naming.dbt_process_name`; `dbt build` is noted in the job type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from collectors.openlineage import facets as F
from collectors.openlineage.datasets import DatasetMapping
from collectors.openlineage.mapping import (
    COLLECTOR,
    MAX_DATASETS,
    RUN_STATES,
    AliasMap,
    EventError,
    MappedEvent,
    facets_of,
    job_name_of,
    name_of,
    object_of,
    parse_time,
    process_node,
)
from collectors.openlineage.sql import SqlContext, SqlHook
from collectors.openlineage.validate import event_kind, validate_event
from lineage.models import (
    Edge,
    EdgeKind,
    Evidence,
    Layer,
    Problem,
    Process,
)
from lineage.naming import dbt_process_name


def _is_dbt(event: Mapping[str, Any], run_facets: Mapping[str, Any], job_facets: Mapping[str, Any]) -> bool:
    producer = event.get("producer")
    if isinstance(producer, str) and "/integration/dbt" in producer:
        return True
    engine = run_facets.get("processing_engine")
    if isinstance(engine, Mapping) and str(engine.get("name", "")).lower() == "dbt":
        return True
    job_type = job_facets.get("jobType")
    return isinstance(job_type, Mapping) and str(job_type.get("integration", "")).upper() == "DBT"


class _Mapper(DatasetMapping):
    def process(
        self, job: Mapping[str, Any], run_facets: Mapping[str, Any], state: str | None, ev: Evidence
    ) -> Process:
        namespace = job_name_of(job.get("namespace"), "job.namespace")
        name = job_name_of(job.get("name"), "job.name")
        job_facets = facets_of(job, "facets", "job", self.warn)
        values: dict[str, Any] = {"run_state": state}
        if (jt := F._facet(job_facets, "jobType", "job.facets", self.warn)) is not None:
            values["job_type"] = F.read_job_type(jt)
        if _is_dbt(self.event, run_facets, job_facets):
            if ".build." in name:
                values["job_type"] = " ".join(p for p in (values.get("job_type"), "dbt build") if p)
            name = dbt_process_name(name)
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
            job = object_of(job, "run.facets.parent.job")
            ref = process_node(
                job_name_of(job.get("namespace"), "run.facets.parent.job.namespace"),
                job_name_of(job.get("name"), "run.facets.parent.job.name"),
            )
        except EventError as exc:
            self.warn(f"parent job {exc}; ignored", exc.field)
            return None
        run = facet.get("run")
        run_id = run.get("runId") if isinstance(run, Mapping) else None
        parent_ev = ev.model_copy(update={"run_id": run_id if isinstance(run_id, str) else None})
        # The parent job is named (it exists), but no edge: it does not move data to its children.
        self.out.facts.append(F.build(Process, namespace=ref.namespace, name=ref.name, evidence=parent_ev))
        self.parent_ref = ref
        root = facet.get("root")
        root_job = root.get("job") if isinstance(root, Mapping) else None
        if isinstance(root_job, Mapping) and isinstance(root_job.get("name"), str) and root_job["name"].strip():
            self.root_name = root_job["name"]
        return ref.id

    def _unresolved_namespace(self, process: Process) -> str:
        """Where the tables of SQL that names no datasets go: a namespace of their own per pipeline
        (the root job, else the job), so same-named tables of unrelated systems do not merge."""
        return f"unresolved://{process.namespace}/{self.root_name or process.name}"

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
            entry = object_of(event.get("dataset"), "dataset")
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
        job = object_of(event.get("job"), "job")
        run_id: str | None = None
        run_facets: Mapping[str, Any] = {}
        state = event.get("eventType")
        if kind == "RunEvent":
            run = object_of(event.get("run"), "run")
            run_id = name_of(run.get("runId"), "run.runId")
            run_facets = facets_of(run, "facets", "run", self.warn)
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
        entries = self._entries()
        if process.sql and self.parent_ref is not None and not entries["inputs"] and not entries["outputs"]:
            # A job that only runs a statement for its parent (Airflow's `<task>.query.N`): what the
            # SQL reads and writes belongs to the parent, which is the node.
            pref = self.parent_ref
        else:
            self.out.facts.append(process)
            pref = process_node(process.namespace, process.name)
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
            context = SqlContext(  # inputs' schema facets may list some columns only (dbt-ol: the documented ones)
                columns=tuple((ref.name, tuple(c.name for c in ds.columns)) for ds, ref, _, _ in outputs if ds.columns),
                output=outputs[0][1] if len(outputs) == 1 else None,
                namespace=None if datasets else self._unresolved_namespace(process))
            facts, notes = self.sql_hook(process.sql, self.sql_dialect, datasets, pref, ev, context)
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
            out[side] = [(object_of(e, f"{side}.{i}"), f"{side}.{i}") for i, e in enumerate(value)]
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
