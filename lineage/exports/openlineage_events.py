"""OpenLineage: the graph as OpenLineage 2-0-2 events, one JSON object per line (the file transport's form).

- Each **process** becomes one `RunEvent` (`eventType` its last run state, else `COMPLETE`) whose
  job is the process's namespace and name, whose `inputs` are the datasets it reads and whose
  `outputs` the datasets it writes. The `runId` is a UUID derived from the process id and the time.
- Each **dataset** in an event carries the standard facets for what the graph knows of it:
  `schema` (columns, types, descriptions), `documentation`, `ownership`, `tags` (`classification`
  per classification, on the column with `field` where the column has it; `origin`;
  `environment`) and `lifecycleStateChange: DROP` when retired. Outputs carry `columnLineage`
  for the column lineage written through that process (identity, transformation and aggregation
  as DIRECT, join, filter and group-by as INDIRECT; masking as `masking: true`). OpenLineage has
  only indirect joins and filters, so a join or filter recorded as direct reads back as indirect.
- A dataset no process touches becomes a `DatasetEvent`, as does column lineage recorded without
  a process.
- The job carries `documentation` and `ownership` facets.

What OpenLineage has no standard facet for is not exported: identities, `runs` and `grant` edges,
dataset roles, and processor attributes (third party, type, vendor, region, retention, auth,
approval). Collected into a fresh store (`lineage collect events.jsonl`), the events give the
same datasets, processes, read and write edges, column lineage and carried attributes.

Times: `event_time` when given, else each process's `last_seen`, else the latest `last_seen` in
the graph, else 1970-01-01T00:00:00Z, so the same graph always gives the same bytes.

Example:
    >>> import json
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s3://b:in", "kind": "dataset", "namespace": "s3://b", "name": "in"},
    ...            {"id": "process:etl:job", "kind": "process", "namespace": "etl", "name": "job"}],
    ...     edges=[("dataset:s3://b:in", "process:etl:job", "read")])
    >>> event = json.loads(export(g))
    >>> event["job"]["name"], [d["name"] for d in event["inputs"]]
    ('job', ['in'])
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lineage.exports.attributes import text
from lineage.graph import LineageGraph

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
PRODUCER = "https://github.com/lineage-mapper/lineage-mapper/tree/main/lineage/exports"
_FACETS = "https://openlineage.io/spec/facets/"
_SCHEMA_URLS = {
    "schema": "1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "documentation": "1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet",
    "job_documentation": "1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet",
    "ownership": "1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet",
    "job_ownership": "1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet",
    "tags": "1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet",
    "columnLineage": "1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
    "lifecycleStateChange": "1-0-1/LifecycleStateChangeDatasetFacet.json#/$defs/LifecycleStateChangeDatasetFacet",
}
_RUN_STATES = frozenset({"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRANSFORMATIONS = {
    ("identity", False): ("DIRECT", "IDENTITY"), ("transformation", False): ("DIRECT", "TRANSFORMATION"),
    ("aggregation", False): ("DIRECT", "AGGREGATION"), ("masking", False): ("DIRECT", "TRANSFORMATION"),
    ("join", True): ("INDIRECT", "JOIN"), ("filter", True): ("INDIRECT", "FILTER"),
    ("join", False): ("INDIRECT", "JOIN"), ("filter", False): ("INDIRECT", "FILTER"),
    ("aggregation", True): ("INDIRECT", "GROUP_BY"), ("masking", True): ("INDIRECT", "TRANSFORMATION"),
}


def _facet(key: str, **body: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": _FACETS + _SCHEMA_URLS[key], **body}


def dataset_facets(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The standard facets for what the graph knows of a dataset."""
    facets: dict[str, Any] = {}
    columns = attrs.get("columns") or []
    if columns:
        fields = []
        for col in columns:
            field: dict[str, Any] = {"name": col["name"]}
            if col.get("type"):
                field["type"] = text(col["type"])
            if col.get("description"):
                field["description"] = text(col["description"])
            fields.append(field)
        facets["schema"] = _facet("schema", fields=fields)
    if attrs.get("description"):
        facets["documentation"] = _facet("documentation", description=text(attrs["description"]))
    if attrs.get("owner"):
        facets["ownership"] = _facet("ownership", owners=[{"name": text(attrs["owner"])}])
    tags = [{"key": "classification", "value": c, "source": "lineage-mapper"}
            for c in sorted(attrs.get("classifications") or [])]
    for col in columns:
        tags += [{"key": "classification", "value": c, "source": "lineage-mapper", "field": col["name"]}
                 for c in sorted(col.get("classifications") or [])]
    for key in ("origin", "environment"):
        if attrs.get(key):
            tags.append({"key": key, "value": text(attrs[key]), "source": "lineage-mapper"})
    if tags:
        facets["tags"] = _facet("tags", tags=tags)
    if attrs.get("retired") is True:
        facets["lifecycleStateChange"] = _facet("lifecycleStateChange", lifecycleStateChange="DROP")
    return facets


def _dataset(graph: LineageGraph, node_id: str) -> dict[str, Any]:
    attrs = graph.node(node_id)
    return {"namespace": attrs["namespace"], "name": attrs["name"], "facets": dataset_facets(attrs)}


def _column_lineage(graph: LineageGraph, entries: list[dict[str, Any]]) -> dict[str, Any]:
    fields: dict[str, dict[tuple[str, str, str], list[dict[str, Any]]]] = {}
    for entry in entries:
        kind, subtype = _TRANSFORMATIONS.get((entry["transformation"], bool(entry.get("indirect"))),
                                             ("INDIRECT" if entry.get("indirect") else "DIRECT", "TRANSFORMATION"))
        transformation: dict[str, Any] = {"type": kind, "subtype": subtype}
        if entry["transformation"] == "masking":
            transformation["masking"] = True
        for source, column in entry["sources"]:
            attrs = graph.node(source) if source in graph else {"namespace": "", "name": source}
            inputs = fields.setdefault(entry["column"], {})
            listed = inputs.setdefault((attrs["namespace"], attrs["name"], column), [])
            if transformation not in listed:
                listed.append(transformation)
    return _facet("columnLineage", fields={
        column: {"inputFields": [{"namespace": ns, "name": name, "field": field, "transformations": ts}
                                 for (ns, name, field), ts in sorted(inputs.items())]}
        for column, inputs in sorted(fields.items())})


def _time(attrs: Mapping[str, Any], fallback: datetime) -> str:
    seen = attrs.get("last_seen")
    when = seen if isinstance(seen, datetime) else fallback
    return when.isoformat()


def _job_facets(attrs: Mapping[str, Any]) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    if attrs.get("description"):
        facets["documentation"] = _facet("job_documentation", description=text(attrs["description"]))
    if attrs.get("owner"):
        facets["ownership"] = _facet("job_ownership", owners=[{"name": text(attrs["owner"])}])
    return facets


def events(graph: LineageGraph, *, event_time: datetime | None = None) -> list[dict[str, Any]]:
    """The graph as a list of OpenLineage events (see the module docstring)."""
    fallback = event_time or _latest(graph)
    by_process = _lineage_by_process(graph)
    out: list[dict[str, Any]] = []
    touched: set[str] = set()
    for attrs in sorted(graph.nodes("process"), key=lambda a: str(a["id"])):
        node_id = str(attrs["id"])
        reads, writes = graph.predecessors(node_id, "read"), graph.successors(node_id, "write")
        touched.update(reads, writes)
        out.append(_run_event(graph, attrs, reads, writes, _stamp(attrs, event_time, fallback),
                              by_process.get(node_id, [])))
    unowned = by_process.get(None, [])
    loose = {str(a["id"]) for a in graph.nodes("dataset")} - touched | {entry["target"] for entry in unowned}
    for ds in sorted(n for n in loose if n in graph):
        out.append({"eventTime": _stamp(graph.node(ds), event_time, fallback),
                    "dataset": _with_columns(graph, ds, unowned), "producer": PRODUCER,
                    "schemaURL": f"{SPEC}#/$defs/DatasetEvent"})
    return out


def _latest(graph: LineageGraph) -> datetime:
    """When the graph's nodes were last seen (the epoch if never)."""
    seen = [a["last_seen"] for a in graph.nodes() if isinstance(a.get("last_seen"), datetime)]
    return max(seen) if seen else _EPOCH


def _stamp(attrs: Mapping[str, Any], event_time: datetime | None, fallback: datetime) -> str:
    return event_time.isoformat() if event_time else _time(attrs, fallback)


def _lineage_by_process(graph: LineageGraph) -> dict[str | None, list[dict[str, Any]]]:
    """Column lineage entries by the process that makes them (None: no process), in a stable order."""
    by_process: dict[str | None, list[dict[str, Any]]] = {}
    for entry in sorted(graph.column_lineage, key=lambda c: json.dumps(c, sort_keys=True, default=str)):
        by_process.setdefault(entry.get("process"), []).append(entry)
    return by_process


def _with_columns(graph: LineageGraph, ds: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A dataset, with a column lineage facet made of those of `entries` that target it."""
    dataset = _dataset(graph, ds)
    if mine := [c for c in entries if c["target"] == ds]:
        dataset["facets"]["columnLineage"] = _column_lineage(graph, mine)
    return dataset


def _run_event(graph: LineageGraph, attrs: Mapping[str, Any], reads: list[str], writes: list[str], when: str,
               entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A process as a run event: its reads are inputs, its writes outputs with their column lineage."""
    node_id = str(attrs["id"])
    state = text(attrs.get("run_state")).upper()
    return {
        "eventType": state if state in _RUN_STATES else "COMPLETE", "eventTime": when,
        "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"lineage-mapper:{node_id}:{when}"))},
        "job": {"namespace": attrs["namespace"], "name": attrs["name"], "facets": _job_facets(attrs)},
        "inputs": [_dataset(graph, ds) for ds in reads],
        "outputs": [_with_columns(graph, ds, entries) for ds in writes],
        "producer": PRODUCER, "schemaURL": f"{SPEC}#/$defs/RunEvent"}


def export(graph: LineageGraph, *, event_time: datetime | None = None) -> str:
    """The events as JSON Lines (text), keys sorted, one event per line."""
    return "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n"
                   for e in events(graph, event_time=event_time))
