"""The pipeline-spec collector: a YAML file in which a person declares a pipeline.

The format (documented in `docs/pipeline-spec.md`, published as the JSON Schema
`lineage/schemas/pipeline-spec.schema.json`) lists datasets, processes and identities under local
aliases, then the flows, grants and column lineage between them. Every fact it yields is
`Layer.DECLARED`, with the line of the entry that declared it.

A file is all-or-nothing: a spec with any error yields a batch with no facts and every problem,
each with the file, line and field. The raw input is kept only when the spec is valid.

Example:
    >>> spec = b"version: 1\\npipeline: p\\nprocesses:\\n  - {id: job, name: nightly}\\n"
    >>> batch = SpecCollector().collect(Source(name="p.yaml", data=spec))
    >>> [(f.namespace, f.name, f.evidence.line) for f in batch.facts]
    [('p', 'nightly', 4)]
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from collectors.base import Source, register_collector
from lineage.errors import LineageError
from lineage.models import (
    Column,
    ColumnLineage,
    ColumnRef,
    Dataset,
    Edge,
    EdgeKind,
    Environment,
    Evidence,
    Identity,
    IdentityType,
    Layer,
    LineageBatch,
    NodeRef,
    Origin,
    Permission,
    PrivacyKind,
    PrivacyStep,
    Process,
    ProcessorType,
    RawInput,
    Role,
    Transformation,
)
from lineage.naming import normalize
from lineage.yamlsafe import Locator, YamlError, load_yaml

COLLECTOR = "spec"

_DURATION = (
    r"^(?:0|[0-9]+(?:ms|s|m|h|d|w|y)|P[0-9]+[YMWD](?:[0-9]+[YMWD])*(?:T(?:[0-9]+[HMS])+)?|PT(?:[0-9]+[HMS])+)$"
)
_RETENTION = _DURATION[:-2] + "|indefinite)$"
_ALIAS = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"
_CLASSIFICATION = r"^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$"
_COLUMN_PATH = r"^[A-Za-z0-9_][A-Za-z0-9_-]*\..+$"
_TOKEN = r"^[a-z][a-z0-9_]*$"  # noqa: S105 - a pattern, not a password
_PATTERN_HELP = {
    _DURATION: "write a duration such as 0, 30m, 24h, 7d or P30D",
    _RETENTION: "write a duration such as 0, 30d or P1Y, or indefinite",
    _ALIAS: "an alias is letters, digits, _ and - (no dots or spaces)",
    _CLASSIFICATION: "a classification is lowercase and dotted, such as pii.email",
    _COLUMN_PATH: "write alias.column",
    _TOKEN: "write a lowercase token such as api_key, oauth or none",
}


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _duration(value: object) -> object:
    return f"{value}s" if isinstance(value, int) and not isinstance(value, bool) else value


def _column(value: object) -> object:
    return {"name": value} if isinstance(value, str) else value


Alias = Annotated[str, StringConstraints(pattern=_ALIAS, max_length=200)]
Aliases = Annotated[list[Alias], BeforeValidator(_one_or_many, json_schema_input_type=Alias | list[Alias])]
Text = Annotated[str, StringConstraints(min_length=1)]
Classification = Annotated[str, StringConstraints(pattern=_CLASSIFICATION)]
Duration = Annotated[
    str, BeforeValidator(_duration, json_schema_input_type=str | int), StringConstraints(pattern=_DURATION)
]
Retention = Annotated[
    str,
    BeforeValidator(_duration, json_schema_input_type=str | int),
    StringConstraints(pattern=_RETENTION),
]
ColumnPath = Annotated[str, StringConstraints(pattern=_COLUMN_PATH)]
ColumnPaths = Annotated[
    list[ColumnPath],
    Field(min_length=1),
    BeforeValidator(_one_or_many, json_schema_input_type=ColumnPath | list[ColumnPath]),
]
Permissions = Annotated[
    list[Permission], Field(min_length=1),
    BeforeValidator(_one_or_many, json_schema_input_type=Permission | list[Permission]),
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ColumnSpec(_Spec):
    """A column of a dataset; a plain string is shorthand for `{name: ...}`."""

    name: Text
    type: str | None = None
    """The column's type as the source names it (text, int, vector(1536), ...)."""
    description: str | None = None
    classifications: list[Classification] = []
    """Tags such as pii.email, pii.person, secret, financial, health."""


Columns = Annotated[
    list[Annotated[ColumnSpec, BeforeValidator(_column, json_schema_input_type=Text | ColumnSpec)]],
    Field(default_factory=list),
]


class DatasetSpec(_Spec):
    """Anything data rests in: a table, a bucket path, an index, a cache, a topic."""

    id: Alias
    """The alias other entries of this file use for it."""
    namespace: Text | None = None
    """OpenLineage namespace, e.g. postgres://db.internal:5432 or s3://bucket; defaults.namespace if unset."""
    name: Text
    """OpenLineage name, e.g. shop.public.orders or path/to/prefix."""
    role: Role | None = None
    """origin (where data enters), store, or cache (a copy meant to be temporary)."""
    origin: Origin | None = None
    """Whether the data is real, synthetic, mixed or unknown."""
    environment: Environment | None = None
    classifications: list[Classification] = []
    columns: Columns
    ttl: Duration | None = None
    """How long entries live: 24h, 7d, P30D (a bare number is seconds)."""
    encrypted: bool | None = None
    owner: str | None = None
    description: str | None = None
    retired: bool | None = None


class PrivacyStepSpec(_Spec):
    """Declares that a process breaks the link to real data: its output is synthetic."""

    kind: PrivacyKind
    epsilon: float | None = Field(default=None, gt=0)
    """The privacy budget of a differential_privacy step (required for it)."""
    k: int | None = Field(default=None, ge=2)
    """The k of a k_anonymity step (required for it)."""
    check: str | None = None
    """The recorded privacy check (required for a synthesizer): what was measured, and where the report is."""

    @model_validator(mode="after")
    def _parameters_fit_kind(self) -> PrivacyStepSpec:
        needs = {PrivacyKind.DIFFERENTIAL_PRIVACY: "epsilon", PrivacyKind.K_ANONYMITY: "k",
                 PrivacyKind.SYNTHESIZER: "check"}[self.kind]
        if getattr(self, needs) is None:
            raise ValueError(f"a {self.kind.value} step needs {needs}")
        for other in ("epsilon", "k"):
            if other != needs and getattr(self, other) is not None:
                raise ValueError(f"{other} does not apply to a {self.kind.value} step")
        return self


class ProcessSpec(_Spec):
    """Something that reads and writes data: an internal job or a third-party processor."""

    id: Alias
    namespace: Text | None = None
    """OpenLineage job namespace (airflow-prod, https://api.openai.com); else defaults.process_namespace."""
    name: Text
    description: str | None = None
    environment: Environment | None = None
    third_party: bool | None = None
    """True for a processor run by someone else; implied by processor_type."""
    processor_type: ProcessorType | None = None
    vendor: str | None = None
    region: str | None = None
    """Where the vendor processes the data: us, eu, us-east-1, global."""
    retention: Retention | None = None
    """How long the vendor keeps inputs: 0 (zero retention), 30d, indefinite."""
    auth: Annotated[str, StringConstraints(pattern=_TOKEN)] | None = None
    """How the process authenticates: none, api_key, oauth, oauth_delegated, bot_token,
    personal_access_token, service_account, iam_role, mtls."""
    approved: bool | None = None
    """Whether security has approved this vendor for this use."""
    privacy_step: PrivacyStepSpec | None = None

    @model_validator(mode="after")
    def _third_party_has_a_type(self) -> ProcessSpec:
        if self.processor_type is not None and self.third_party is False:
            raise ValueError("a process with a processor_type is third-party; drop third_party: false")
        if self.third_party and self.processor_type is None:
            raise ValueError("a third-party process needs a processor_type")
        if (self.third_party or self.processor_type is not None) and not self.vendor:
            raise ValueError("a third-party process needs a vendor")
        return self


class GrantSpec(_Spec):
    """Permissions of an identity on datasets or processors."""

    target: Aliases = Field(min_length=1)
    """The alias (or list of aliases) of datasets or processes."""
    permissions: Permissions


class IdentitySpec(_Spec):
    """Who processes run as: an agent, a service account, an MCP client or a user."""

    id: Alias
    namespace: Text | None = None
    """Defaults to defaults.process_namespace."""
    name: Text
    type: IdentityType
    description: str | None = None
    runs: Aliases = []
    """Aliases of the processes this identity runs."""
    grants: list[GrantSpec] = []


class FlowSpec(_Spec):
    """Data moving from datasets, through a process, to datasets: read and write edges."""

    from_: Aliases = Field(default=[], alias="from")
    through: Alias
    to: Aliases = []

    @model_validator(mode="after")
    def _has_an_end(self) -> FlowSpec:
        if not self.from_ and not self.to:
            raise ValueError("a flow needs from or to")
        return self


class ColumnLineageSpec(_Spec):
    """Input columns mapped to one output column: `alias.column` on both sides."""

    target: ColumnPath
    sources: ColumnPaths
    transformation: Transformation = Transformation.IDENTITY
    through: Alias | None = None
    """The alias of the process that maps them."""
    indirect: bool = False
    """True when the sources only influence the target (filter, join or group keys)."""


class Defaults(_Spec):
    environment: Environment | None = None
    """The environment of datasets and processes that do not say."""
    namespace: Text | None = None
    """The namespace of datasets that do not say."""
    process_namespace: Text | None = None
    """The namespace of processes and identities that do not say (else the pipeline name)."""


class PipelineSpec(_Spec):
    """A pipeline declared by a person: datasets, processes, identities and the flows between them."""

    version: Literal[1]
    pipeline: Text
    """The pipeline's name."""
    description: str | None = None
    owner: str | None = None
    defaults: Defaults = Defaults()
    datasets: list[DatasetSpec] = []
    processes: list[ProcessSpec] = []
    identities: list[IdentitySpec] = []
    flows: list[FlowSpec] = []
    column_lineage: list[ColumnLineageSpec] = []


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the format, as published in `lineage/schemas/pipeline-spec.schema.json`."""
    schema = PipelineSpec.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "Pipeline spec"}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


_HEAD_KEY = re.compile(rb"""^["']?(version|datasets|processes|flows)["']?[ \t]*:""", re.MULTILINE)


@register_collector
class SpecCollector:
    """Collects a pipeline spec; see the module docstring."""

    name = COLLECTOR

    def detect(self, path: Path, head: bytes) -> bool:
        if path.suffix.lower() not in (".yaml", ".yml"):
            return False
        keys = {m.group(1) for m in _HEAD_KEY.finditer(head.removeprefix(b"\xef\xbb\xbf"))}
        return b"version" in keys and len(keys) > 1

    def collect(self, source: Source) -> LineageBatch:
        batch = LineageBatch(collector=COLLECTOR, source=source.name)
        try:
            data, where = load_yaml(source.data, source.name)
        except YamlError as exc:
            batch.problem(exc.reason, line=exc.line)
            return batch
        try:
            spec = PipelineSpec.model_validate(data)
        except ValidationError as exc:
            errors = [(tuple(e["loc"]), e) for e in exc.errors(include_url=False)]
            for loc, error in sorted(errors, key=lambda item: where.line(item[0])):
                line = where.line(loc)
                batch.problem(_message(error, loc), line=line, field=_field(loc) or None)
            return batch
        builder = _Builder(spec, where, batch)
        facts = builder.build()
        if not batch.errors:
            batch.extend(facts)
            batch.raw = RawInput(collector=COLLECTOR, source=source.name, content=source.data)
        return batch


_Path = tuple[str | int, ...]


class _Builder:
    """Turns a valid `PipelineSpec` into core facts, reporting reference errors with their lines."""

    def __init__(self, spec: PipelineSpec, where: Locator, batch: LineageBatch) -> None:
        self.spec = spec
        self.where = where
        self.batch = batch
        self.now = datetime.now(UTC)
        self.refs: dict[str, tuple[NodeRef, _Path]] = {}
        self.columns: dict[str, set[str]] = {}
        self.reads: set[tuple[str, str]] = set()
        self.writes: set[tuple[str, str]] = set()

    def evidence(self, path: _Path) -> Evidence:
        return Evidence(collector=COLLECTOR, source=self.batch.source, line=self.where.line(path),
                        observed_at=self.now, layer=Layer.DECLARED)

    def error(self, path: _Path, message: str, *, severity: Literal["error", "warning"] = "error") -> None:
        self.batch.problem(message, line=self.where.line(path), field=_field(path), severity=severity)

    def build(self) -> list[Dataset | Process | Identity | Edge | ColumnLineage]:
        facts: list[Dataset | Process | Identity | Edge | ColumnLineage] = []
        facts += self.datasets()
        facts += self.processes()
        facts += self.identities()
        facts += self.flows()
        facts += self.column_lineage()
        return facts

    def declare(self, alias: str, ref: NodeRef, path: _Path) -> bool:
        seen = self.refs.get(alias)
        if seen is not None:
            first = self.where.line(seen[1])
            self.error((*path, "id"), f"the alias {alias!r} is already used at line {first}")
            return False
        same = next((a for a, (r, _) in self.refs.items() if r == ref), None)
        if same is not None:
            self.error((*path, "name"), f"{alias!r} names the same {ref.kind.value} as {same!r} "
                       f"({ref.namespace} {ref.name}); declare it once")
            return False
        self.refs[alias] = (ref, path)
        return True

    def datasets(self) -> list[Dataset]:
        out: list[Dataset] = []
        for i, d in enumerate(self.spec.datasets):
            path: _Path = ("datasets", i)
            namespace = d.namespace or self.spec.defaults.namespace
            if namespace is None:
                self.error(path, f"dataset {d.id!r} has no namespace and defaults.namespace is not set")
                continue
            try:
                namespace, name = normalize(namespace, d.name)
            except (ValueError, LineageError) as exc:
                self.error((*path, "namespace"), f"dataset {d.id!r}: {exc}")
                continue
            if not self.declare(d.id, NodeRef.dataset(namespace, name), path):
                continue
            self.columns[d.id] = {c.name for c in d.columns}
            out.append(Dataset(
                namespace=namespace, name=name, role=d.role, origin=d.origin,
                environment=d.environment or self.spec.defaults.environment,
                classifications=tuple(d.classifications),
                columns=tuple(Column(name=c.name, type=c.type, description=c.description,
                                     classifications=tuple(c.classifications)) for c in d.columns),
                description=d.description, owner=d.owner, ttl=d.ttl, encrypted=d.encrypted,
                retired=d.retired, evidence=self.evidence(path),
            ))
        return out

    def default_namespace(self) -> str:
        return self.spec.defaults.process_namespace or self.spec.pipeline

    def processes(self) -> list[Process]:
        out: list[Process] = []
        for i, p in enumerate(self.spec.processes):
            path: _Path = ("processes", i)
            namespace = p.namespace or self.default_namespace()
            if not self.declare(p.id, NodeRef.process(namespace, p.name), path):
                continue
            step = p.privacy_step
            out.append(Process(
                namespace=namespace, name=p.name,
                third_party=True if p.processor_type is not None else p.third_party,
                processor_type=p.processor_type, vendor=p.vendor, region=p.region, retention=p.retention,
                auth=p.auth, approved=p.approved, environment=p.environment or self.spec.defaults.environment,
                privacy_step=None if step is None else PrivacyStep(
                    kind=step.kind, epsilon=step.epsilon, k=step.k, check=step.check
                ),
                description=p.description, evidence=self.evidence(path),
            ))
        return out

    def identities(self) -> list[Identity | Edge]:
        out: list[Identity | Edge] = []
        for i, ident in enumerate(self.spec.identities):
            path: _Path = ("identities", i)
            ref = NodeRef.identity(ident.namespace or self.default_namespace(), ident.name)
            if not self.declare(ident.id, ref, path):
                continue
            out.append(Identity(namespace=ref.namespace, name=ref.name, identity_type=ident.type,
                                description=ident.description, evidence=self.evidence(path)))
            for j, alias in enumerate(ident.runs):
                target = self.resolve(alias, (*path, "runs", j), "process")
                if target is not None:
                    out.append(Edge(source=ref, target=target, kind=EdgeKind.RUNS,
                                    evidence=self.evidence((*path, "runs", j))))
            for j, grant in enumerate(ident.grants):
                permissions = tuple(dict.fromkeys(grant.permissions))
                for k, alias in enumerate(grant.target):
                    where = (*path, "grants", j, "target", k)
                    target = self.resolve(alias, where, "dataset", "process")
                    if target is not None:
                        out.append(Edge(source=ref, target=target, kind=EdgeKind.GRANT,
                                        permissions=permissions, evidence=self.evidence(where)))
        return out

    def flows(self) -> list[Edge]:
        out: list[Edge] = []
        for i, flow in enumerate(self.spec.flows):
            path: _Path = ("flows", i)
            process = self.resolve(flow.through, (*path, "through"), "process")
            for key, aliases in (("from", flow.from_), ("to", flow.to)):
                for j, alias in enumerate(aliases):
                    dataset = self.resolve(alias, (*path, key, j), "dataset")
                    if process is None or dataset is None:
                        continue
                    evidence = self.evidence((*path, key, j))
                    if key == "from":
                        self.reads.add((alias, flow.through))
                        out.append(Edge(source=dataset, target=process, kind=EdgeKind.READ,
                                        evidence=evidence))
                    else:
                        self.writes.add((flow.through, alias))
                        out.append(Edge(source=process, target=dataset, kind=EdgeKind.WRITE,
                                        evidence=evidence))
        return out

    def column_lineage(self) -> list[ColumnLineage]:
        out: list[ColumnLineage] = []
        for i, cl in enumerate(self.spec.column_lineage):
            path: _Path = ("column_lineage", i)
            target = self.column(cl.target, (*path, "target"))
            sources = [self.column(s, (*path, "sources", j)) for j, s in enumerate(cl.sources)]
            process = None if cl.through is None else self.resolve(cl.through, (*path, "through"), "process")
            if target is None or None in sources or (cl.through is not None and process is None):
                continue
            if cl.through is not None:
                self.check_flow(cl, path)
            out.append(ColumnLineage(
                target=target, sources=tuple(s for s in sources if s is not None),
                transformation=cl.transformation, indirect=cl.indirect, process=process,
                evidence=self.evidence(path),
            ))
        return out

    def check_flow(self, cl: ColumnLineageSpec, path: _Path) -> None:
        through = cl.through or ""
        target = cl.target.split(".", 1)[0]
        where = (*path, "through")
        if (through, target) not in self.writes:
            self.error(where, f"no flow has {through!r} write {target!r}", severity="warning")
        for source in dict.fromkeys(s.split(".", 1)[0] for s in cl.sources):
            if (source, through) not in self.reads:
                self.error(where, f"no flow has {through!r} read {source!r}", severity="warning")

    def column(self, dotted: str, path: _Path) -> ColumnRef | None:
        alias, column = dotted.split(".", 1)
        dataset = self.resolve(alias, path, "dataset")
        if dataset is None:
            return None
        known = self.columns.get(alias, set())
        if known and column not in known:
            self.error(path, f"dataset {alias!r} declares no column {column!r}{_suggest(column, known)}")
            return None
        return ColumnRef(dataset=dataset, column=column)

    def resolve(self, alias: str, path: _Path, *kinds: str) -> NodeRef | None:
        found = self.refs.get(alias)
        if found is None:
            candidates = [a for a, (r, _) in self.refs.items() if r.kind.value in kinds]
            self.error(path, f"unknown {' or '.join(kinds)} {alias!r}{_suggest(alias, candidates)}")
            return None
        ref = found[0]
        if ref.kind.value not in kinds:
            self.error(path, f"{alias!r} is a {ref.kind.value}, not a {' or '.join(kinds)}")
            return None
        return ref


def _suggest(word: str, candidates: Sequence[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _field(loc: Sequence[object]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: Any, loc: tuple[str | int, ...]) -> str:
    kind, message = error["type"], str(error["msg"])
    if kind == "extra_forbidden" and loc:
        return f"unknown field {loc[-1]!r}{_suggest(str(loc[-1]), _fields_at(loc[:-1]))}"
    if kind == "missing" and loc:
        return f"{loc[-1]} is required"
    if kind == "string_pattern_mismatch":
        message = _PATTERN_HELP.get(str(error.get("ctx", {}).get("pattern")), message)
    message = message.removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float | bool) or value is None:
        shown = repr(value)
        message += f", got {shown if len(shown) <= 80 else shown[:77] + '...'}"
    return message


def _fields_at(loc: tuple[str | int, ...]) -> list[str]:
    """The field names allowed at `loc`, walking the spec models."""
    model: type[BaseModel] = PipelineSpec
    for part in loc:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        sub = None if field is None else _model_in(field.annotation)
        if sub is None:
            return []
        model = sub
    return [f.alias or n for n, f in model.model_fields.items()]


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
