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

Scripts: `USE db` changes the default database of the statements after it; a temporary table
created and then read within the script is replaced, for the readers, by what it was built from
(the temporary table itself is still a cache dataset written by its statement). Its columns are
known to the later statements (`collect_script` analyses a reader whose column lineage is incomplete
again with them in the schema, so `SELECT *` over it expands), and a column read through it keeps the
stronger of the two transformations (a masked column copied as is stays masked).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urlsplit

from collectors.sql.dialects import DialectHooks
from collectors.sql.result import IDENTITY, RANK_NAMES, StatementResult, TableRef
from collectors.sql.schema import SchemaIndex
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


TempColumns = dict[str, tuple[tuple[tuple[TableRef, str], ...], int]]


@dataclass
class Script:
    """What earlier statements of one source tell the later ones.

    `temp` holds, per temporary table, what it was built from and, per column, its direct sources
    and the strongest transformation on the way (a later reader's transformation is composed with
    it: an identity copy of a masked column stays masked).
    """

    temp: dict[TableRef, tuple[tuple[TableRef, ...], TempColumns]] = field(default_factory=dict)
    known: dict[TableRef, tuple[str, ...]] = field(default_factory=dict)  # temp tables' columns, in order
    _schema: tuple[SchemaIndex | None, SchemaIndex] | None = field(default=None, repr=False)

    def schema(self, base: SchemaIndex | None) -> SchemaIndex | None:
        """`base` plus the columns of the temporary tables created so far (they shadow same-named
        tables), for analysing the statements that read them."""
        if not self.known:
            return base
        if self._schema is None or self._schema[0] is not base:
            tables = {**(base.tables if base is not None else {}), **{r.parts: c for r, c in self.known.items()}}
            self._schema = (base, SchemaIndex(tables))
        return self._schema[1]

    def reads_known(self, result: StatementResult) -> bool:
        """Whether `result` reads a temporary table whose columns are known but its column lineage is
        incomplete (a `SELECT *` or a column it could not place), so a new analysis can do better."""
        return result.column_confidence < 0.9 and any(r in self.known for r in result.inputs)

    def resolve(self, result: StatementResult) -> StatementResult:
        """Replace reads of this script's temporary tables by what they were built from."""
        if not self.temp or not any(i in self.temp for i in result.inputs):
            return result
        inputs: list[TableRef] = []
        for ref in result.inputs:
            inputs.extend(self.temp[ref][0] if ref in self.temp else (ref,))
        columns = []
        for c in result.columns:
            sources: list[tuple[TableRef, str]] = []
            rank = c.rank
            for ref, col in c.sources:
                if ref in self.temp:
                    found, step = self.temp[ref][1].get(col, ((), IDENTITY))
                    sources.extend(found)
                    if found and not c.indirect:  # the stronger of the two steps
                        rank = max(rank, step)
                else:
                    sources.append((ref, col))
            columns.append(replace(c, sources=tuple(dict.fromkeys(sources)), rank=rank))
        calls = []
        for call in result.ai_calls:
            refs: list[TableRef] = []
            for ref in call.inputs:
                refs.extend(self.temp[ref][0] if ref in self.temp else (ref,))
            calls.append(replace(call, inputs=tuple(dict.fromkeys(refs))))
        return replace(result, inputs=tuple(dict.fromkeys(inputs)), columns=tuple(columns), ai_calls=tuple(calls))

    def remember(self, result: StatementResult) -> None:
        """Record the temporary tables `result` creates and forget the ones it drops."""
        if result.temporary or result.retired:
            self._schema = None
        for ref in result.temporary:
            cols: TempColumns = {}
            for c in result.columns:
                if not c.indirect:
                    had, rank = cols.get(c.target, ((), IDENTITY))
                    cols[c.target] = (had + c.sources, max(rank, c.rank))
            self.temp[ref] = (result.inputs, cols)
            names = result.output_columns
            if names and "*" not in names and len(result.outputs) == 1:
                self.known[ref] = names
            else:
                self.known.pop(ref, None)
        for ref in result.retired:
            self.temp.pop(ref, None)
            self.known.pop(ref, None)


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
    facts: list[object] = []
    named_in = {ref: namer.dataset(ref) for ref in result.inputs}
    named_out = {ref: namer.dataset(ref) for ref in result.outputs}
    temporary = set(result.temporary)
    for ref, (ns, name, role) in {**named_in, **named_out}.items():
        if ref in temporary:
            role = Role.CACHE
        columns = (
            tuple(Column(name=c) for c in result.output_columns if c != "*")
            if ref in named_out and len(named_out) == 1
            else ()
        )
        if role is not None or columns:
            facts.append(Dataset(namespace=ns, name=name, role=role, columns=columns, evidence=evidence))
    for ref in result.retired:
        ns, name, role = namer.dataset(ref)
        facts.append(Dataset(namespace=ns, name=name, retired=True, evidence=evidence))
    if not (named_out or (always_process and named_in)):
        return facts
    facts.append(
        Process(
            namespace=process.namespace,
            name=process.name,
            evidence=evidence,
            description=f"SQL {result.kind.replace('_', ' ')} statement",
        )
    )
    conf = result.confidence
    for ref in named_in:
        facts.append(
            Edge(
                source=namer.node(ref),
                target=process,
                kind=EdgeKind.READ,
                confidence=conf,
                evidence=evidence,
            )
        )
    for ref in named_out:
        facts.append(
            Edge(
                source=process,
                target=namer.node(ref),
                kind=EdgeKind.WRITE,
                confidence=conf,
                evidence=evidence,
            )
        )
    if named_out and result.columns:
        target = next(iter(named_out))
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
    facts.extend(_ai_facts(result, named_in, named_out, namer, evidence))
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
