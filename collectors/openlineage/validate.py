"""Validation of OpenLineage events against the JSON Schemas shipped in `lineage/schemas/openlineage/`.

The core schema and the standard facet schemas are loaded once into a `referencing` registry under
their `$id`, so no reference is ever fetched from the network. An event is checked against the
definition of its own kind (`RunEvent`, `DatasetEvent` or `JobEvent`) rather than the schema's
`oneOf`, so a deviation names the field it is about. Each standard facet is checked against its
own schema, chosen by where it sits (run, job, dataset, input or output facets), because several
facets share a key (`documentation`, `ownership`, `tags`, `dataQualityMetrics`).

Validation reports deviations; what to do with them (warn or reject) is the caller's choice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from referencing import Registry, Resource

import lineage

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_DIR = Path(lineage.__file__).resolve().parent / "schemas" / "openlineage"

# The base facet each facet schema extends says where the facet may appear in an event.
_LOCATIONS = {
    "RunFacet": "run",
    "JobFacet": "job",
    "DatasetFacet": "dataset",
    "InputDatasetFacet": "input",
    "OutputDatasetFacet": "output",
}
MAX_ERRORS_PER_EVENT = 20


@dataclass(frozen=True)
class Deviation:
    """One way an event departs from the schema: the JSON path (`run.facets.parent.job`) and why."""

    path: str
    message: str


@dataclass(frozen=True)
class _Schemas:
    events: dict[str, Draft202012Validator]
    facets: dict[tuple[str, str], Draft202012Validator]
    versions: tuple[str, ...]


def _schema_files() -> list[Path]:
    return [SCHEMA_DIR / "OpenLineage.json", *sorted((SCHEMA_DIR / "facets").glob("*.json"))]


def _base_of(schema: Mapping[str, Any]) -> str | None:
    for definition in schema.get("$defs", {}).values():
        for part in definition.get("allOf", []):
            ref = part.get("$ref", "")
            if "OpenLineage.json#/$defs/" in ref:
                return str(ref.rsplit("/", 1)[-1])
    return None


def _validator_class() -> type[Draft202012Validator]:
    """jsonschema's Draft 2020-12 validator, imported on first use. On import jsonschema registers
    its format checkers, and with rfc3987-syntax installed (a dependency of other packages' format
    extras) that means building URI grammars: most of a second. The events are validated without
    format checks, so that package is kept out of the import."""
    import sys

    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # an import of it fails at once
    try:
        from jsonschema import Draft202012Validator as validator
    finally:
        if blocked:
            del sys.modules["rfc3987_syntax"]
    found: type[Draft202012Validator] = validator
    return found


@cache
def _schemas() -> _Schemas:
    validator = _validator_class()
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in _schema_files()]
    registry: Registry[Any] = Registry().with_resources((doc["$id"], Resource.from_contents(doc)) for doc in documents)
    core = documents[0]
    core_id = core["$id"]
    events = {
        kind: validator({"$ref": f"{core_id}#/$defs/{kind}"}, registry=registry)
        for kind in ("RunEvent", "DatasetEvent", "JobEvent")
    }
    facets: dict[tuple[str, str], Draft202012Validator] = {}
    for doc in documents[1:]:
        location = _LOCATIONS.get(_base_of(doc) or "")
        if location is None:
            continue
        for key in doc.get("properties", {}):
            facets[(location, key)] = validator(
                {"$ref": f"{doc['$id']}#/properties/{key}"}, registry=registry
            )
    version = core_id.split("/spec/", 1)[1].split("/", 1)[0]
    return _Schemas(events=events, facets=facets, versions=(version,))


def event_kind(event: Mapping[str, Any]) -> str:
    """The kind of an event from its shape: `RunEvent`, `DatasetEvent` or `JobEvent`.

    Example:
        >>> event_kind({"dataset": {"namespace": "s3://b", "name": "k"}})
        'DatasetEvent'
    """
    if "run" in event:
        return "RunEvent"
    if "dataset" in event:
        return "DatasetEvent"
    return "JobEvent" if "job" in event else "RunEvent"


def _path(prefix: str, error: ValidationError) -> str:
    parts = [prefix] if prefix else []
    parts.extend(str(p) for p in error.absolute_path)
    if error.validator == "required":  # name the missing field itself
        missing = error.message.split("'")
        if len(missing) >= 3:
            parts.append(missing[1])
    return ".".join(parts) or "(event)"


def _message(error: ValidationError) -> str:
    text = str(error.message)
    return text if len(text) <= 200 else text[:197] + "..."


_BASE_FACET_KEYS = ("_producer", "_schemaURL", "_deleted")


def _shape(value: Any, key: str = "", depth: int = 0) -> Any:
    """What the core schema can see of a value: its types, the keys of objects, the `eventType`
    value (the schema's only enum) and of each facet only its base fields. Two events with one
    shape validate the same way against the core schema, so the result is cached by shape."""
    if depth > 12:
        return "deep"
    if isinstance(value, Mapping):
        if key == "facets" or key.endswith("Facets"):
            return tuple(
                (
                    k,
                    tuple((b, _shape(v.get(b), b)) for b in _BASE_FACET_KEYS if b in v)
                    if isinstance(v, Mapping)
                    else _shape(v),
                )
                for k, v in value.items()
            )
        return tuple((k, _shape(v, k, depth + 1)) for k, v in value.items())
    if isinstance(value, list):
        return ("[", *(_shape(v, "", depth + 1) for v in value))
    if key == "eventType":
        return ("eventType", value if isinstance(value, str) else type(value).__name__)
    return type(value).__name__


class _Cache:
    """A small bounded memo: validation results by the shape or content that decides them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: dict[Any, list[Deviation]] = {}

    def get(self, key: Any) -> list[Deviation] | None:
        return self.data.get(key)

    def put(self, key: Any, value: list[Deviation]) -> None:
        if len(self.data) >= self.size:
            self.data.pop(next(iter(self.data)))
        self.data[key] = value


_CORE_CACHE = _Cache(4096)
_FACET_CACHE = _Cache(16384)


_RUN_STATES = frozenset({"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"})


def _facets_ok(facets: Any, deleted: bool) -> bool:
    """A facets object as the core schema wants it: each facet an object with string `_producer`
    and `_schemaURL` (and, where the base facet has it, a boolean `_deleted`)."""
    if facets is None:
        return True
    if type(facets) is not dict:
        return False
    for facet in facets.values():
        if (
            type(facet) is not dict
            or type(facet.get("_producer")) is not str
            or type(facet.get("_schemaURL")) is not str
        ):
            return False
        if "_deleted" in facet and (not deleted or type(facet["_deleted"]) is not bool):
            return False
    return True


def _datasets_ok(entries: Any, extra: str) -> bool:
    if entries is None:
        return True
    if type(entries) is not list:
        return False
    for entry in entries:
        if (
            type(entry) is not dict
            or type(entry.get("namespace")) is not str
            or type(entry.get("name")) is not str
            or not _facets_ok(entry.get("facets", None), True)
            or not _facets_ok(entry.get(extra), False)
        ):
            return False
    return True


def run_event_conforms(event: Mapping[str, Any]) -> bool:
    """A fast structural check: True only when the core schema certainly finds nothing wrong with
    a run event (what it checks: required fields, types, the `eventType` enum, base facet fields;
    formats are not checked). False means "ask the schema", not "invalid".

    Example:
        >>> run_event_conforms({"eventTime": "t", "producer": "p", "schemaURL": "u",
        ...     "run": {"runId": "r"}, "job": {"namespace": "n", "name": "j"}})
        True
        >>> run_event_conforms({"eventTime": "t", "producer": "p", "run": {"runId": "r"},
        ...     "job": {"namespace": "n", "name": "j"}})
        False
    """
    if type(event) is not dict:
        return False
    run, job = event.get("run"), event.get("job")
    state = event.get("eventType", "START")
    return (
        type(event.get("eventTime")) is str
        and type(event.get("producer")) is str
        and type(event.get("schemaURL")) is str
        and (state in _RUN_STATES if type(state) is str else False)
        and type(run) is dict
        and type(run.get("runId")) is str
        and _facets_ok(run.get("facets"), False)
        and type(job) is dict
        and type(job.get("namespace")) is str
        and type(job.get("name")) is str
        and _facets_ok(job.get("facets"), True)
        and _datasets_ok(event.get("inputs"), "inputFacets")
        and _datasets_ok(event.get("outputs"), "outputFacets")
    )


def _core_deviations(event: Mapping[str, Any], kind: str) -> list[Deviation]:
    if kind == "RunEvent" and run_event_conforms(event):
        return []
    key = (kind, _shape(event))
    cached = _CORE_CACHE.get(key)
    if cached is None:
        validator = _schemas().events[kind]
        cached = [Deviation(_path("", e), _message(e)) for e in validator.iter_errors(event)]
        _CORE_CACHE.put(key, cached)
    return cached


def _facet_deviations(location: str, prefix: str, key: str, facet: Any) -> list[Deviation]:
    validator = _schemas().facets.get((location, key))
    if validator is None:
        return []  # a custom facet: kept raw, nothing to check it against
    try:
        memo = (location, key, _dumps_sorted(facet))
    except (TypeError, ValueError):
        memo = None
    cached = _FACET_CACHE.get(memo) if memo else None
    if cached is None:
        cached = [Deviation(_path(key, e), _message(e)) for e in validator.iter_errors(facet)]
        if memo:
            _FACET_CACHE.put(memo, cached)
    return [Deviation(f"{prefix}.{d.path}", d.message) for d in cached]


def _dumps_sorted(value: Any) -> bytes | str:
    """`value` as JSON with sorted keys: the memo key of a facet (orjson when it can, ~10x faster)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError is one: a big integer, a non-string key
        return json.dumps(value, sort_keys=True, default=str)


def _facet_groups(event: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(location, JSON path of the facets object, facets) for every facet group in an event."""
    run = event.get("run")
    if isinstance(run, Mapping):
        yield "run", "run.facets", run.get("facets")
    job = event.get("job")
    if isinstance(job, Mapping):
        yield "job", "job.facets", job.get("facets")
    dataset = event.get("dataset")
    if isinstance(dataset, Mapping):
        yield "dataset", "dataset.facets", dataset.get("facets")
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        entries = event.get(side)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if isinstance(entry, Mapping):
                yield "dataset", f"{side}.{i}.facets", entry.get("facets")
                yield ("input" if side == "inputs" else "output"), f"{side}.{i}.{extra}", entry.get(extra)


def validate_event(event: Mapping[str, Any]) -> list[Deviation]:
    """Every deviation of `event` from the shipped OpenLineage schemas (at most a few dozen).

    Results are memoised by what decides them (the event's shape; each standard facet's content),
    so a stream of similar events is validated at a fraction of the cost of the first.

    Example:
        >>> [d.path for d in validate_event({"eventTime": "2026-01-01T00:00:00Z", "producer": "p",
        ...     "schemaURL": "u", "run": {"runId": "r"}, "job": {"namespace": "n"}})]
        ['job.name']
    """
    found: list[Deviation] = []
    try:
        found.extend(_core_deviations(event, event_kind(event)))
        for location, prefix, facets in _facet_groups(event):
            if isinstance(facets, Mapping):
                for key, facet in facets.items():
                    found.extend(_facet_deviations(location, prefix, key, facet))
            if len(found) >= MAX_ERRORS_PER_EVENT:
                break
    except RecursionError:
        found.append(Deviation("(event)", "nested too deeply to validate"))
    return found[:MAX_ERRORS_PER_EVENT]
