"""The core vocabulary: datasets, processes, identities, edges, column lineage, tags and evidence.

Identities (`NodeRef`, `ColumnRef`) are frozen and hashable so they can live in sets and key the
graph. Facts (`Dataset`, `Process`, `Identity`, `Edge`, `ColumnLineage`) are frozen too and carry the
`Evidence` that produced them. A `LineageBatch` is the one type every collector returns: a mutable
builder of facts plus the problems met while collecting.

Example:
    >>> ref = NodeRef.dataset("postgres://db:5432", "shop.public.orders")
    >>> ref.id
    'dataset:postgres://db:5432:shop.public.orders'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class NodeKind(StrEnum):
    DATASET = "dataset"
    PROCESS = "process"
    IDENTITY = "identity"


class Role(StrEnum):
    """Where a dataset sits in the flow."""

    ORIGIN = "origin"
    STORE = "store"
    CACHE = "cache"


class Origin(StrEnum):
    """Whether a dataset holds real or synthetic data."""

    REAL = "real"
    SYNTHETIC = "synthetic"
    MIXED = "mixed"
    UNKNOWN = "unknown"


class Environment(StrEnum):
    PROD = "prod"
    STAGING = "staging"
    DEV = "dev"
    TEST = "test"


class ProcessorType(StrEnum):
    """The kind of a third-party processor (internal jobs have none)."""

    LLM_API = "llm_api"
    EMBEDDING_API = "embedding_api"
    MCP_SERVER = "mcp_server"
    MCP_TOOL = "mcp_tool"
    SAAS = "saas"
    EXTERNAL_FUNCTION = "external_function"


class IdentityType(StrEnum):
    AGENT = "agent"
    SERVICE_ACCOUNT = "service_account"
    MCP_CLIENT = "mcp_client"
    USER = "user"


class EdgeKind(StrEnum):
    """dataset -> process (read), process -> dataset (write), identity -> process (runs),
    identity -> dataset or processor (grant)."""

    READ = "read"
    WRITE = "write"
    RUNS = "runs"
    GRANT = "grant"


FLOW_EDGES: frozenset[str] = frozenset({"read", "write"})
"""The kinds of edge data flows along."""
ALL_EDGES: frozenset[str] = frozenset(kind.value for kind in EdgeKind)


class Permission(StrEnum):
    READ = "read"
    EDIT = "edit"
    WRITE = "write"


class Transformation(StrEnum):
    IDENTITY = "identity"
    TRANSFORMATION = "transformation"
    AGGREGATION = "aggregation"
    FILTER = "filter"
    JOIN = "join"
    MASKING = "masking"


class Layer(IntEnum):
    """How a fact is known; a higher layer wins when facts about one node disagree."""

    INFERRED = 0
    OBSERVED = 1
    DECLARED = 2


class PrivacyKind(StrEnum):
    DIFFERENTIAL_PRIVACY = "differential_privacy"
    K_ANONYMITY = "k_anonymity"
    SYNTHESIZER = "synthesizer"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


def _now() -> datetime:
    return datetime.now(UTC)


class Evidence(_Frozen):
    """Where a fact comes from: the collector, the source (file and line, or endpoint and run id)
    and when it was observed."""

    collector: str
    source: str
    line: int | None = None
    run_id: str | None = None
    observed_at: datetime = Field(default_factory=_now)
    layer: Layer = Layer.INFERRED

    @field_validator("observed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class NodeRef(_Frozen):
    """The identity of a node: its kind plus an OpenLineage-style namespace and name."""

    kind: NodeKind
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)

    @cached_property
    def id(self) -> str:
        return f"{self.kind.value}:{self.namespace}:{self.name}"

    @classmethod
    def dataset(cls, namespace: str, name: str) -> NodeRef:
        return cls(kind=NodeKind.DATASET, namespace=namespace, name=name)

    @classmethod
    def process(cls, namespace: str, name: str) -> NodeRef:
        return cls(kind=NodeKind.PROCESS, namespace=namespace, name=name)

    @classmethod
    def identity(cls, namespace: str, name: str) -> NodeRef:
        return cls(kind=NodeKind.IDENTITY, namespace=namespace, name=name)


def node_id(kind: NodeKind | str, namespace: str, name: str) -> str:
    """The string id of a node, in Marquez's `kind:namespace:name` form.

    Example:
        >>> node_id("process", "airflow-prod", "etl.load")
        'process:airflow-prod:etl.load'
    """
    return f"{NodeKind(kind).value}:{namespace}:{name}"


class ColumnRef(_Frozen):
    dataset: NodeRef
    column: str = Field(min_length=1)


class Column(_Frozen):
    name: str = Field(min_length=1)
    type: str | None = None
    description: str | None = None
    classifications: tuple[str, ...] = ()


class PrivacyStep(_Frozen):
    """A process that breaks the link to real data: its output is synthetic."""

    kind: PrivacyKind
    epsilon: float | None = Field(default=None, gt=0)
    k: int | None = Field(default=None, ge=2)
    check: str | None = None


class Dataset(_Frozen):
    """Anything data rests in. Unset fields mean "not known from this fact"."""

    fact: Literal["dataset"] = "dataset"
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    role: Role | None = None
    origin: Origin | None = None
    environment: Environment | None = None
    classifications: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    description: str | None = None
    owner: str | None = None
    ttl: str | None = None
    encrypted: bool | None = None
    retired: bool | None = None
    aliases: tuple[str, ...] = ()
    data_source: str | None = None
    storage: str | None = None
    row_count: int | None = None
    size_bytes: int | None = None
    quality: tuple[str, ...] = ()
    evidence: Evidence

    @property
    def ref(self) -> NodeRef:
        return NodeRef.dataset(self.namespace, self.name)


class SecretRef(_Frozen):
    """Where a literal secret sits in a config (file, line, key path) and what kind it is; never its value."""

    location: str = Field(min_length=1)
    kind: str = Field(min_length=1)


class Vulnerability(_Frozen):
    """A known vulnerability of a component, as an advisory or a scanner report states it: its id
    (CVE, GHSA, PYSEC, ...), other ids, severity (critical, high, medium, low, unknown), the
    affected versions (`==1.2.0`, `<2.31.0`, `>=1.0,<1.4`) and the versions that fix it."""

    id: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    severity: str | None = None
    score: float | None = None
    summary: str | None = None
    affected: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    source: str | None = None


class Component(_Frozen):
    """A library, application, model or dataset a process runs or loads (`type` as CycloneDX names
    it: library, application, framework, machine-learning-model, data), with its `version`, whether
    that version is `pinned` exactly, the `hashes` that pin its content (`sha256:...`), its
    `licenses` (SPDX ids or names), package URL, the file `formats` a model loads from and the
    `source` (file:line) that listed it. Components merge on `key()`: the same package from a lock
    file and a scanner report is one component."""

    type: str = "library"
    ecosystem: str | None = None
    name: str = Field(min_length=1)
    version: str | None = None
    purl: str | None = None
    pinned: bool | None = None
    hashes: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    scope: str | None = None
    revision: str | None = None
    formats: tuple[str, ...] = ()
    source: str | None = None
    vulnerabilities: tuple[Vulnerability, ...] = ()

    def key(self) -> str:
        """`ecosystem:name`, the name normalised as the ecosystem compares names.

        Example:
            >>> Component(ecosystem="pypi", name="Foo_Bar.baz").key()
            'pypi:foo-bar-baz'
        """
        return component_key(self.ecosystem, self.name)


def component_key(ecosystem: str | None, name: str) -> str:
    """The key components merge on: PyPI names as PEP 503 normalises them, others lower case."""
    eco = (ecosystem or "").lower()
    norm = re.sub(r"[-_.]+", "-", name).lower() if eco in ("pypi", "") else name.lower()
    return f"{eco}:{norm}"


class Process(_Frozen):
    """Something that reads and writes data: an internal job or a third-party processor.

    The fields from `transport` on describe how a client reaches a server (MCP servers): how it is
    launched (`launcher`: npx, uvx, docker, a binary), which `package` at which `version` pin (None:
    unpinned), its `url`, how it authenticates (`auth_mode`: none, static_header, env_token,
    prompted_input, oauth), the tool lists the client applies, the config's `scope` (project or user),
    what its tools can do (`capabilities`) and where literal secrets sit in its config (`secrets`).
    `components` are the libraries and models it runs (`lineage collect` of a lock file, SBOM or
    scanner report next to it; see `collectors/deps/`).
    """

    fact: Literal["process"] = "process"
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    third_party: bool | None = None
    processor_type: ProcessorType | None = None
    vendor: str | None = None
    region: str | None = None
    retention: str | None = None
    auth: str | None = None
    approved: bool | None = None
    environment: Environment | None = None
    privacy_step: PrivacyStep | None = None
    description: str | None = None
    owner: str | None = None
    job_type: str | None = None
    processing_engine: str | None = None
    run_state: str | None = None
    parent: str | None = None
    sql: str | None = None
    error_message: str | None = None
    transport: str | None = None
    launcher: str | None = None
    package: str | None = None
    version: str | None = None
    pinned: bool | None = None
    url: str | None = None
    auth_mode: str | None = None
    auto_approve: tuple[str, ...] = ()
    allowed_tools: tuple[str, ...] = ()
    denied_tools: tuple[str, ...] = ()
    scope: str | None = None
    capabilities: tuple[str, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    components: tuple[Component, ...] = ()
    evidence: Evidence

    @property
    def ref(self) -> NodeRef:
        return NodeRef.process(self.namespace, self.name)


class Identity(_Frozen):
    """Who a process runs as: an agent, a service account, an MCP client or a user."""

    fact: Literal["identity"] = "identity"
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)
    identity_type: IdentityType | None = None
    description: str | None = None
    evidence: Evidence

    @property
    def ref(self) -> NodeRef:
        return NodeRef.identity(self.namespace, self.name)


_EDGE_ENDS: dict[EdgeKind, tuple[frozenset[NodeKind], frozenset[NodeKind]]] = {
    EdgeKind.READ: (frozenset({NodeKind.DATASET}), frozenset({NodeKind.PROCESS})),
    EdgeKind.WRITE: (frozenset({NodeKind.PROCESS}), frozenset({NodeKind.DATASET})),
    EdgeKind.RUNS: (frozenset({NodeKind.IDENTITY}), frozenset({NodeKind.PROCESS})),
    EdgeKind.GRANT: (frozenset({NodeKind.IDENTITY}), frozenset({NodeKind.DATASET, NodeKind.PROCESS})),
}


class Edge(_Frozen):
    fact: Literal["edge"] = "edge"
    source: NodeRef
    target: NodeRef
    kind: EdgeKind
    permissions: tuple[Permission, ...] = ()
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    evidence: Evidence

    def model_post_init(self, __context: object) -> None:
        sources, targets = _EDGE_ENDS[self.kind]
        if self.source.kind not in sources or self.target.kind not in targets:
            raise ValueError(
                f"a {self.kind.value} edge goes from {'/'.join(sorted(sources))} "
                f"to {'/'.join(sorted(targets))}, not {self.source.kind.value} to {self.target.kind.value}"
            )
        if self.kind is EdgeKind.GRANT and not self.permissions:
            raise ValueError("a grant edge needs at least one permission")


class ColumnLineage(_Frozen):
    """Input columns mapped to one output column through a process."""

    fact: Literal["column_lineage"] = "column_lineage"
    target: ColumnRef
    sources: tuple[ColumnRef, ...]
    transformation: Transformation = Transformation.IDENTITY
    indirect: bool = False
    process: NodeRef | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    evidence: Evidence


Fact = Annotated[Dataset | Process | Identity | Edge | ColumnLineage, Field(discriminator="fact")]
NodeFact = Dataset | Process | Identity


class Problem(_Frozen):
    """Something a collector could not understand; errors as data, with the place."""

    severity: Literal["error", "warning"] = "error"
    message: str
    source: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        place = self.source
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        where = f" (field {self.field})" if self.field else ""
        return f"{place}: {self.severity}: {self.message}{where}"


class RawInput(_Frozen):
    """The bytes a batch was collected from, kept so the graph can be rebuilt."""

    collector: str
    source: str
    content: bytes
    append_only: bool = False
    options: dict[str, str | int | float | bool] = Field(default_factory=dict)


class LineageBatch(BaseModel):
    """What one collector returns for one source: facts, the raw input, and problems."""

    model_config = ConfigDict(extra="forbid")

    collector: str
    source: str
    facts: list[Fact] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    raw: RawInput | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)

    def add(self, *facts: Dataset | Process | Identity | Edge | ColumnLineage) -> None:
        self.facts.extend(facts)

    def extend(self, facts: Iterable[Dataset | Process | Identity | Edge | ColumnLineage]) -> None:
        self.facts.extend(facts)

    def problem(self, message: str, *, line: int | None = None, field: str | None = None,
                severity: Literal["error", "warning"] = "error") -> None:
        self.problems.append(
            Problem(message=message, source=self.source, line=line, field=field, severity=severity)
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
