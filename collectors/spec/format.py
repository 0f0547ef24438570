"""The pipeline-spec format: the pydantic models a spec file is validated against, and the JSON Schema
generated from them (`lineage/schemas/pipeline-spec.schema.json`, written by
`scripts/generate_spec_schema.py`; `docs/pipeline-spec.md` documents it).

The models only check the shape of one file; references between its entries (aliases, columns)
are checked when it is turned into facts (`convert.py`).

Example:
    >>> PipelineSpec.model_validate({"version": 1, "pipeline": "p", "datasets": [
    ...     {"id": "t", "name": "orders", "ttl": 60}]}).datasets[0].ttl
    '60s'
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from lineage.models import (
    Environment,
    IdentityType,
    Origin,
    Permission,
    PrivacyKind,
    ProcessorType,
    Role,
    Transformation,
)

_DURATION = (
    r"^(?:0|[0-9]+(?:ms|s|m|h|d|w|y)|P[0-9]+[YMWD](?:[0-9]+[YMWD])*(?:T(?:[0-9]+[HMS])+)?|PT(?:[0-9]+[HMS])+)$"
)
_RETENTION = _DURATION[:-2] + "|indefinite)$"
_ALIAS = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"
_CLASSIFICATION = r"^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$"
_COLUMN_PATH = r"^[A-Za-z0-9_][A-Za-z0-9_-]*\..+$"
_TOKEN = r"^[a-z][a-z0-9_]*$"  # noqa: S105 - a pattern, not a password
PATTERN_HELP = {
    # how to fix a value that does not match one of the patterns above
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
FilePath = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Paths = Annotated[list[FilePath], BeforeValidator(_one_or_many, json_schema_input_type=FilePath | list[FilePath])]
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
    requirements: Paths = Field(default_factory=list)
    """Requirement or lock files of the libraries the process runs (requirements.txt, uv.lock,
    poetry.lock, package-lock.json, ...), relative to this file; the deps collector attaches them."""
    sbom: Paths = Field(default_factory=list)
    """SBOMs (CycloneDX or SPDX JSON) or scanner reports of what the process runs, relative to this file."""

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
