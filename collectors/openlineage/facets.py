"""Standard OpenLineage facets read into the core model's fields: pure functions, no I/O.

Each reader takes one facet (a JSON object as the producer sent it) and returns plain values for
`Dataset`, `Process` or `ColumnLineage`. A facet of the wrong shape is reported through `Report`
and ignored; the raw event keeps it anyway.

Tags become classifications, origin and environment where they say so: a tag `pii` (value true,
yes or 1), `classification` = `pii.email`, or a key `classification:pii.email`; `origin` =
`synthetic` or a key `origin:synthetic`; `environment`/`env` = `prod`. A tag with a `field`
applies to that column.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from lineage.models import Column, Environment, Origin, Transformation

M = TypeVar("M", bound=BaseModel)
_FIELDS: dict[type[BaseModel], tuple[tuple[tuple[str, Any], ...], frozenset[str], frozenset[str]]] = {}



MAPPED_FACETS = {
    "job": frozenset({"jobType", "documentation", "ownership", "sql"}),
    "run": frozenset({"processing_engine", "errorMessage", "parent"}),
    "facets": frozenset({"schema", "documentation", "ownership", "dataSource", "storage", "tags",
                         "lifecycleStateChange", "symlinks", "dataQualityAssertions", "columnLineage"}),
    "inputFacets": frozenset({"dataQualityMetrics", "dataQualityAssertions"}),
    "outputFacets": frozenset({"outputStatistics"}),
}
"""The facets the mapping reads into attributes: a process's job and run facets, a dataset's
facets and its input or output facets; any other is kept only in the raw event (`lineage explain`
shows it as JSON)."""


def event_facets(event: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(where, facet, what became of it) for every job and run facet of an OpenLineage event: the
    ones the mapping reads into attributes, the others as compact JSON."""
    rows = []
    for where in ("job", "run"):
        part = event.get(where)
        rows += _facet_rows(where, part.get("facets") if isinstance(part, Mapping) else None, where)
    return rows


def entry_facets(entry: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(where, facet, what became of it) for every facet of a dataset entry of an event: its
    `facets`, `inputFacets` and `outputFacets`.

    Example:
        >>> entry_facets({"facets": {"schema": {}, "acme": {"x": 1}}, "outputFacets": {"rows": 2}})
        [('facets', 'acme', '{"x":1}'), ('facets', 'schema', 'read into the attributes'), ('outputFacets', 'rows', '2')]
    """
    return [row for where in ("facets", "inputFacets", "outputFacets")
            for row in _facet_rows(where, entry.get(where), where)]


def _facet_rows(where: str, facets: Any, kind: str) -> list[tuple[str, str, str]]:
    rows = []
    for name, value in sorted(facets.items()) if isinstance(facets, Mapping) else ():
        shown = ("read into the attributes" if name in MAPPED_FACETS[kind]
                 else json.dumps(value, separators=(",", ":"), default=str)[:2000])
        rows.append((where, str(name), shown))
    return rows

def build(cls: type[M], **values: Any) -> M:
    """A model from values the caller has already checked, without validating them again.

    What pydantic's `model_construct` does, at a fraction of its cost: the fields and defaults of
    a class (immutable: None, tuples, enums, numbers) are looked up once per class. Only for
    classes whose defaults are plain values (no default factories) and that need no
    `model_post_init`. Fields keep their declared order, so the model serialises as usual.

    Example:
        >>> build(Column, name="a") == Column(name="a")
        True
    """
    known = _FIELDS.get(cls)
    if known is None:
        if any(f.default_factory is not None for f in cls.model_fields.values()):
            raise TypeError(f"{cls.__name__} has default factories; use model_construct")
        known = (
            tuple((name, None if f.is_required() else f.default) for name, f in cls.model_fields.items()),
            frozenset(name for name, f in cls.model_fields.items() if f.is_required()),
            frozenset(cls.model_fields),
        )
        _FIELDS[cls] = known
    fields, required, names = known
    if not required <= values.keys() or not values.keys() <= names:
        raise TypeError(f"{cls.__name__}: missing or unknown fields in {sorted(values)}")
    state = {name: values.get(name, default) for name, default in fields}
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", state)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def replaced(model: M, **values: Any) -> M:
    """`model` with some fields replaced, without validating (what `model_copy(update=...)` does,
    at a third of its cost); the other field values are shared with `model`.

    Example:
        >>> replaced(Column(name="a", type="int"), name="b") == Column(name="b", type="int")
        True
    """
    obj = model.__class__.__new__(model.__class__)
    object.__setattr__(obj, "__dict__", {**model.__dict__, **values})
    object.__setattr__(obj, "__pydantic_fields_set__", model.__pydantic_fields_set__ | values.keys())
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


Report = Callable[[str, str], None]
"""Called as `report(message, field_path)` for a facet that cannot be read."""

MAX_TEXT = 4000
_TRUE = frozenset({"true", "yes", "1", "y", ""})
_CLASS_KEYS = frozenset({"pii", "secret", "financial", "health", "phi", "pci", "sensitive", "confidential"})
_ENV_ALIASES = {"production": "prod", "stage": "staging", "development": "dev"}


def text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """A non-empty string, cut to `limit` characters; anything else is None.

    Example:
        >>> text("  x "), text(""), text(3)
        ('x', None, None)
    """
    if not isinstance(value, str):
        return None
    stripped: str = value.strip()
    if not stripped:
        return None
    return stripped if len(stripped) <= limit else stripped[: limit - 1] + "…"


def _facet(facets: Mapping[str, Any], key: str, where: str, report: Report) -> Mapping[str, Any] | None:
    value = facets.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        report(f"facet {key!r} is not an object; ignored", f"{where}.{key}")
        return None
    return value


# -- tags ----------------------------------------------------------------------------------------


class Marks:
    """What tags say about a dataset: classifications (dataset- and column-level), origin, environment."""

    def __init__(self) -> None:
        self.classifications: set[str] = set()
        self.columns: dict[str, set[str]] = {}
        self.origin: Origin | None = None
        self.environment: Environment | None = None

    def add(self, key: str, value: str, column: str | None = None) -> None:
        """Read one tag (key, value), optionally about one column.

        Example:
            >>> m = Marks(); m.add("classification", "pii.email", "email"); m.add("origin:synthetic", "")
            >>> m.columns, m.origin.value
            ({'email': {'pii.email'}}, 'synthetic')
        """
        key, value = key.strip(), value.strip()
        low = key.lower()
        label: str | None = None
        if ":" in low and low.split(":", 1)[0] in ("classification", "origin", "environment", "env"):
            low, value = low.split(":", 1)
        if low == "classification" or low == "classifications":
            label = value.lower() or None
        elif low in _CLASS_KEYS or low.startswith("pii."):
            label = low if value.lower() in _TRUE else None
        elif low == "origin":
            try:
                self.origin = Origin(value.lower())
            except ValueError:
                return
        elif low in ("environment", "env"):
            env = _ENV_ALIASES.get(value.lower(), value.lower())
            try:
                self.environment = Environment(env)
            except ValueError:
                return
        if label:
            if column:
                self.columns.setdefault(column, set()).add(label)
            else:
                self.classifications.add(label)


def read_tags(facet: Mapping[str, Any], where: str, marks: Marks, report: Report) -> None:
    """Read a `tags` facet (`{"tags": [{"key", "value", "field"?}]}`) into `marks`."""
    tags = facet.get("tags")
    if not isinstance(tags, list):
        report("tags facet has no list of tags; ignored", f"{where}.tags")
        return
    for i, tag in enumerate(tags):
        if not isinstance(tag, Mapping) or not isinstance(tag.get("key"), str):
            report("a tag needs a string key; ignored", f"{where}.tags.{i}")
            continue
        value = tag.get("value")
        marks.add(tag["key"], value if isinstance(value, str) else "", text(tag.get("field")))


# -- schema --------------------------------------------------------------------------------------


def read_schema(facet: Mapping[str, Any], where: str, marks: Marks, report: Report) -> tuple[Column, ...]:
    """Columns from a `schema` facet; nested fields become dotted names (`address.city`).

    Example:
        >>> cols = read_schema({"fields": [{"name": "a", "type": "INT"}, {"name": "s", "fields": [
        ...     {"name": "b"}]}]}, "f", Marks(), lambda m, f: None)
        >>> [c.name for c in cols]
        ['a', 's', 's.b']
    """
    fields = facet.get("fields")
    if not isinstance(fields, list):
        report("schema facet has no list of fields; ignored", f"{where}.fields")
        return ()
    out: dict[str, Column] = {}
    stack: list[tuple[str, str, list[Any]]] = [("", f"{where}.fields", fields)]
    while stack:
        prefix, path, items = stack.pop()
        for i, field in enumerate(items):
            name = text(field.get("name"), 500) if isinstance(field, Mapping) else None
            if name is None or not isinstance(field, Mapping):
                report("a schema field needs a name; ignored", f"{path}.{i}")
                continue
            full = f"{prefix}{name}"
            tags = field.get("tags")
            if isinstance(tags, list):
                for tag in tags:
                    if isinstance(tag, Mapping) and isinstance(tag.get("key"), str):
                        value = tag.get("value")
                        marks.add(tag["key"], value if isinstance(value, str) else "", full)
            out.setdefault(
                full,
                build(Column, name=full, type=text(field.get("type"), 200), description=text(field.get("description"))),
            )
            nested = field.get("fields")
            if isinstance(nested, list) and len(stack) < 64:
                stack.append((f"{full}.", f"{path}.{i}.fields", nested))
    return tuple(out.values())


def with_column_marks(columns: tuple[Column, ...], marks: Marks) -> tuple[Column, ...]:
    """Columns with the classifications tags gave them; tagged columns missing from the schema are added."""
    if not marks.columns:
        return columns
    out = []
    seen = set()
    for col in columns:
        extra = marks.columns.get(col.name)
        seen.add(col.name)
        out.append(
            col.model_copy(update={"classifications": tuple(sorted(set(col.classifications) | extra))})
            if extra
            else col
        )
    out.extend(
        Column(name=name, classifications=tuple(sorted(labels)))
        for name, labels in sorted(marks.columns.items())
        if name not in seen
    )
    return tuple(out)


# -- other dataset facets ------------------------------------------------------------------------


def read_owners(facet: Mapping[str, Any]) -> str | None:
    """`ownership` facet -> "name1, name2"."""
    owners = facet.get("owners")
    if not isinstance(owners, list):
        return None
    names = [text(o.get("name"), 200) for o in owners if isinstance(o, Mapping)]
    return ", ".join(n for n in names if n) or None


def read_storage(facet: Mapping[str, Any]) -> str | None:
    """`storage` facet -> "iceberg/parquet"."""
    parts = [text(facet.get("storageLayer"), 100), text(facet.get("fileFormat"), 100)]
    return "/".join(p for p in parts if p) or None


def read_data_source(facet: Mapping[str, Any]) -> str | None:
    """`dataSource` facet -> its URI, else its name."""
    return text(facet.get("uri"), 1000) or text(facet.get("name"), 1000)


def read_assertions(facet: Mapping[str, Any]) -> tuple[str, ...]:
    """`dataQualityAssertions` -> ("not_null(id): passed", ...)."""
    assertions = facet.get("assertions")
    if not isinstance(assertions, list):
        return ()
    out = []
    for a in assertions:
        if isinstance(a, Mapping) and text(a.get("assertion"), 200):
            column = text(a.get("column"), 200)
            what = f"{a['assertion']}({column})" if column else str(a["assertion"])
            out.append(f"{what}: {'passed' if a.get('success') is True else 'failed'}")
    return tuple(out)


def read_count(facet: Mapping[str, Any], *keys: str) -> int | None:
    """The first non-negative integer among `keys` of a statistics facet."""
    for key in keys:
        value = facet.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


# -- column lineage ------------------------------------------------------------------------------

_DIRECT = {
    "IDENTITY": Transformation.IDENTITY,
    "TRANSFORMATION": Transformation.TRANSFORMATION,
    "AGGREGATION": Transformation.AGGREGATION,
}
_INDIRECT = {
    "JOIN": Transformation.JOIN,
    "FILTER": Transformation.FILTER,
    "GROUP_BY": Transformation.AGGREGATION,
}


def transformation_kinds(field: Mapping[str, Any], legacy: Any) -> list[tuple[Transformation, bool]]:
    """(transformation, indirect) for each transformation an input field lists.

    DIRECT IDENTITY/TRANSFORMATION/AGGREGATION map one to one; INDIRECT JOIN/FILTER/GROUP_BY map to
    join/filter/aggregation and SORT/WINDOW/CONDITIONAL to transformation, all marked indirect;
    `masking: true` makes any of them masking. Without a list, the deprecated field-level
    `transformationType` (IDENTITY or MASKED) is used, else an unspecified transformation.

    Example:
        >>> transformation_kinds({"transformations": [{"type": "INDIRECT", "subtype": "JOIN"},
        ...     {"type": "DIRECT", "subtype": "IDENTITY", "masking": True}]}, None)
        [(<Transformation.JOIN: 'join'>, True), (<Transformation.MASKING: 'masking'>, False)]
    """
    items = field.get("transformations")
    out: list[tuple[Transformation, bool]] = []
    if isinstance(items, list):
        for t in items:
            if not isinstance(t, Mapping):
                continue
            kind = str(t.get("type", "")).upper()
            subtype = str(t.get("subtype", "")).upper()
            indirect = kind == "INDIRECT"
            table = _INDIRECT if indirect else _DIRECT
            result = table.get(subtype, Transformation.TRANSFORMATION)
            if t.get("masking") is True:
                result = Transformation.MASKING
            if (result, indirect) not in out:
                out.append((result, indirect))
    if out:
        return out
    if isinstance(legacy, str) and legacy.upper() == "MASKED":
        return [(Transformation.MASKING, False)]
    if isinstance(legacy, str) and legacy.upper() == "IDENTITY":
        return [(Transformation.IDENTITY, False)]
    return [(Transformation.TRANSFORMATION, False)]


def read_engine(facet: Mapping[str, Any]) -> str | None:
    """`processing_engine` run facet -> "spark 3.3.4"."""
    parts = [text(facet.get("name"), 100), text(facet.get("version"), 100)]
    return " ".join(p for p in parts if p) or None


def read_job_type(facet: Mapping[str, Any]) -> str | None:
    """`jobType` job facet -> "SPARK/SQL_JOB/BATCH" (integration, job type, processing type)."""
    parts = [text(facet.get(k), 100) for k in ("integration", "jobType", "processingType")]
    return "/".join(p for p in parts if p) or None
