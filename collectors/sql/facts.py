"""From statement results to lineage facts: naming datasets, one process per writing statement,
read and write edges, column lineage, AI processors, and the script state between statements.

Naming: every table goes through `lineage.naming` (`qualify` with the source's default database
and schema and the dialect's platform, then `normalize`); files and URLs through `split_uri`.
A table's namespace is the source's `--namespace`, else the dialect's default (see
`dialects/`). Locations: `s3://`, `gs://` and other object stores are stores; local paths and
`@stages` are caches; `https://` URLs are origins.

Processes: a statement that writes (or, in a query log, any statement) is a `Process` in the job
namespace (default `sql`) named `<source>#<hash>`: the first 12 hex digits of a hash of the
statement's text with whitespace collapsed (in query logs: of its literal-free fingerprint), stable
when other statements of the file change or move.

Scripts: `USE db` changes the default database of the statements after it (`Namer.use`); what
earlier statements created is carried to later ones by `script.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from collectors.sql.dialects import DialectHooks
from collectors.sql.result import RANK_NAMES, StatementResult, TableRef
from lineage import naming
from lineage.models import (
    Column,
    ColumnLineage,
    ColumnRef,
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Layer,
    NodeRef,
    Process,
    ProcessorType,
    Role,
    Transformation,
)

COLLECTOR = "sql"
_OBJECT_STORES = ("s3", "gs", "abfss", "wasbs", "hdfs", "dbfs")


@dataclass
class Namer:
    """Dataset identities for one source; refs already named (and their node refs) are remembered."""

    namespace: str
    platform: str
    default_database: str | None = None
    default_schema: str | None = None
    _nodes: dict[tuple[TableRef, str | None, str | None], NodeRef] = field(default_factory=dict)
    _columns: dict[tuple[TableRef, str, str | None, str | None], ColumnRef] = field(default_factory=dict)

    def dataset(self, ref: TableRef) -> tuple[str, str, Role | None]:
        """(namespace, name, role) of a ref under the current defaults."""
        return _dataset_name(self.namespace, self.platform, self.default_database, self.default_schema, ref)

    def node(self, ref: TableRef) -> NodeRef:
        """The dataset node of a ref, built once per ref and defaults."""
        key = (ref, self.default_database, self.default_schema)
        found = self._nodes.get(key)
        if found is None:
            ns, name, _ = self.dataset(ref)
            found = self._nodes[key] = NodeRef.dataset(ns, name)
        return found

    def use(self, result: StatementResult) -> None:
        """Take the default database (and schema) a `USE` statement sets."""
        for kind, value in result.defines:
            if kind == "use":
                parts = value.split(".")
                if len(parts) >= 2:
                    self.default_database, self.default_schema = parts[-2], parts[-1]
                else:
                    self.default_database = parts[0]

    def column(self, ref: TableRef, column: str) -> ColumnRef:
        """A column of a ref's dataset, built once (column lineage repeats the same sources a lot)."""
        key = (ref, column, self.default_database, self.default_schema)
        found = self._columns.get(key)
        if found is None:
            found = self._columns[key] = ColumnRef(dataset=self.node(ref), column=column)
        return found


@lru_cache(maxsize=65536)
def _dataset_name(
    namespace: str, platform: str, database: str | None, schema: str | None, ref: TableRef
) -> tuple[str, str, Role | None]:
    """(namespace, name, role) of a ref: a pure function of its arguments, so remembered across sources."""
    if ref.kind == "stage":
        return namespace, ref.parts[0], Role.CACHE
    if ref.kind in ("uri", "path"):
        try:
            ns, name = naming.split_uri(ref.parts[0])
        except ValueError:
            ns, name = "file", ref.parts[0]
        scheme = ns.split(":", 1)[0]
        role = Role.STORE if scheme in _OBJECT_STORES else (Role.ORIGIN if scheme in ("http", "https") else Role.CACHE)
        return ns, name, role
    try:
        name = naming.qualify(list(ref.parts), default_database=database, default_schema=schema, platform=platform)
        ns, name = naming.normalize(namespace, name)
    except ValueError:
        ns, name = namespace, ".".join(ref.parts)
    return ns, name, None


def _transformation(rank: int, indirect: str) -> Transformation:
    if indirect:
        return Transformation.FILTER if indirect == "filter" else Transformation.JOIN
    return Transformation(RANK_NAMES[rank])


def statement_facts(
    result: StatementResult,
    *,
    namer: Namer,
    process: NodeRef,
    evidence: Evidence,
    always_process: bool = False,
) -> list[object]:
    """Facts for one statement: datasets, its process and edges, column lineage, AI processors."""
    named_in = {ref: namer.dataset(ref) for ref in result.inputs}
    named_out = {ref: namer.dataset(ref) for ref in result.outputs}
    facts = _dataset_facts(result, named_in, named_out, namer, evidence)
    if not (named_out or (always_process and named_in)):
        return facts
    facts.extend(_process_facts(result, named_in, named_out, namer, process, evidence))
    if named_out and result.columns:
        facts.extend(_column_facts(result, next(iter(named_out)), namer, process, evidence))
    facts.extend(_ai_facts(result, named_in, named_out, namer, evidence))
    return facts


def _dataset_facts(
    result: StatementResult,
    named_in: dict[TableRef, tuple[str, str, Role | None]],
    named_out: dict[TableRef, tuple[str, str, Role | None]],
    namer: Namer,
    evidence: Evidence,
) -> list[object]:
    """The datasets read or written that have a role (a temporary table's is a cache) or, for a
    statement's only output, its columns; and the datasets the statement retires."""
    temporary = set(result.temporary)
    written = tuple(Column(name=c) for c in result.output_columns if c != "*") if len(named_out) == 1 else ()
    facts: list[object] = []
    for ref, (ns, name, role) in {**named_in, **named_out}.items():
        columns = written if ref in named_out else ()
        if ref in temporary:
            role = Role.CACHE
        if role is not None or columns:
            facts.append(Dataset(namespace=ns, name=name, role=role, columns=columns, evidence=evidence))
    for ref in result.retired:
        ns, name, _ = namer.dataset(ref)
        facts.append(Dataset(namespace=ns, name=name, retired=True, evidence=evidence))
    return facts


def _process_facts(
    result: StatementResult,
    named_in: dict[TableRef, tuple[str, str, Role | None]],
    named_out: dict[TableRef, tuple[str, str, Role | None]],
    namer: Namer,
    process: NodeRef,
    evidence: Evidence,
) -> list[object]:
    """The statement's process, an edge from each dataset it reads and one to each it writes."""
    conf = result.confidence
    facts: list[object] = [
        Process(
            namespace=process.namespace,
            name=process.name,
            evidence=evidence,
            description=f"SQL {result.kind.replace('_', ' ')} statement",
        )
    ]
    facts.extend(
        Edge(source=namer.node(ref), target=process, kind=EdgeKind.READ, confidence=conf, evidence=evidence)
        for ref in named_in
    )
    facts.extend(
        Edge(source=process, target=namer.node(ref), kind=EdgeKind.WRITE, confidence=conf, evidence=evidence)
        for ref in named_out
    )
    return facts


def _column_facts(
    result: StatementResult, target: TableRef, namer: Namer, process: NodeRef, evidence: Evidence
) -> list[object]:
    """Column lineage into the columns of the written dataset `target`; a column none of whose
    sources could be named has none."""
    facts: list[object] = []
    converted: dict[int, tuple[ColumnRef, ...]] = {}  # filter and join sources repeat per column
    for c in result.columns:
        sources = converted.get(id(c.sources))
        if sources is None:
            sources = converted[id(c.sources)] = tuple(namer.column(ref, col) for ref, col in c.sources)
        if not sources:
            continue
        facts.append(
            ColumnLineage(
                target=namer.column(target, c.target),
                sources=sources,
                transformation=_transformation(c.rank, c.indirect),
                indirect=bool(c.indirect),
                process=process,
                confidence=result.column_confidence,
                evidence=evidence,
            )
        )
    return facts


def _ai_facts(
    result: StatementResult,
    named_in: dict[TableRef, tuple[str, str, Role | None]],
    named_out: dict[TableRef, tuple[str, str, Role | None]],
    namer: Namer,
    evidence: Evidence,
) -> list[object]:
    facts: list[object] = []
    for call in result.ai_calls:
        host = urlsplit(call.endpoint).hostname if call.endpoint else None
        ns = f"https://{host}" if host else namer.namespace
        name = call.function + (f"/{call.model}" if call.model else "")
        proc = NodeRef.process(ns, name)
        facts.append(
            Process(
                namespace=ns,
                name=name,
                third_party=True,
                processor_type=ProcessorType(call.processor_type),
                vendor=call.vendor,
                description=f"called from SQL ({call.function})",
                evidence=evidence,
            )
        )
        inputs = [named_in.get(r) or namer.dataset(r) for r in call.inputs] if call.inputs else list(named_in.values())
        for ns_, name_, _ in inputs:
            facts.append(
                Edge(
                    source=NodeRef.dataset(ns_, name_),
                    target=proc,
                    kind=EdgeKind.READ,
                    confidence=min(result.confidence, 0.8),
                    evidence=evidence,
                )
            )
        for ns_, name_, _ in named_out.values():
            facts.append(
                Edge(
                    source=proc,
                    target=NodeRef.dataset(ns_, name_),
                    kind=EdgeKind.WRITE,
                    confidence=min(result.confidence, 0.8),
                    evidence=evidence,
                )
            )
    return facts


def make_evidence(source: str, line: int) -> Evidence:
    return Evidence(collector=COLLECTOR, source=source, line=line, layer=Layer.INFERRED)


def default_namespace(hooks: DialectHooks, given: str | None) -> str:
    return given or hooks.default_namespace
