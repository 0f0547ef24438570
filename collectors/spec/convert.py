"""Turns a valid `PipelineSpec` into core facts: every fact `Layer.DECLARED`, with the line of the
entry that declared it. Aliases, columns and flows are checked here, as the models check only the
shape of each entry; a reference error is a problem with its line and field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Literal

from collectors.spec.format import ColumnLineageSpec, PipelineSpec
from collectors.spec.messages import field_path, suggest
from lineage.errors import LineageError
from lineage.models import (
    Column,
    ColumnLineage,
    ColumnRef,
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Identity,
    Layer,
    LineageBatch,
    NodeRef,
    PrivacyStep,
    Process,
)
from lineage.naming import normalize
from lineage.yamlsafe import Locator

COLLECTOR = "spec"
MAX_SUGGESTIONS = 10
"""How many problems of one spec get a "did you mean" (each compares with every candidate)."""

Fact = Dataset | Process | Identity | Edge | ColumnLineage


def to_facts(spec: PipelineSpec, where: Locator, batch: LineageBatch) -> list[Fact]:
    """The facts `spec` declares; reference errors go to `batch` (`where` gives their lines)."""
    return _Builder(spec, where, batch).build()


_Path = tuple[str | int, ...]


class _Builder:
    """Turns a valid `PipelineSpec` into core facts, reporting reference errors with their lines."""

    def __init__(self, spec: PipelineSpec, where: Locator, batch: LineageBatch) -> None:
        self.spec = spec
        self.where = where
        self.batch = batch
        self.now = datetime.now(UTC)
        self.refs: dict[str, tuple[NodeRef, _Path]] = {}
        # the alias that declared each node, so a second alias for it is found in one lookup
        self.aliases: dict[tuple[str, str, str], str] = {}
        # "did you mean" compares an unknown alias or column with every candidate: only the first
        # few problems get one, so a spec full of unknown names stays linear in its size
        self.suggestions_left = MAX_SUGGESTIONS
        self.columns: dict[str, set[str]] = {}
        self.reads: set[tuple[str, str]] = set()
        self.writes: set[tuple[str, str]] = set()

    def evidence(self, path: _Path) -> Evidence:
        return Evidence(collector=COLLECTOR, source=self.batch.source, line=self.where.line(path),
                        observed_at=self.now, layer=Layer.DECLARED)

    def error(self, path: _Path, message: str, *, severity: Literal["error", "warning"] = "error") -> None:
        self.batch.problem(message, line=self.where.line(path), field=field_path(path), severity=severity)

    def build(self) -> list[Fact]:
        facts: list[Fact] = []
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
        key = (ref.kind.value, ref.namespace, ref.name)
        same = self.aliases.get(key)
        if same is not None:
            self.error((*path, "name"), f"{alias!r} names the same {ref.kind.value} as {same!r} "
                       f"({ref.namespace} {ref.name}); declare it once")
            return False
        self.refs[alias] = (ref, path)
        self.aliases[key] = alias
        return True

    def suggest(self, word: str, candidates: Callable[[], Iterable[str]]) -> str:
        """A "did you mean" for `word` among `candidates()`, while the budget of suggestions lasts."""
        if self.suggestions_left <= 0:
            return ""
        self.suggestions_left -= 1
        return suggest(word, set(candidates()))

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
            hint = self.suggest(column, lambda: known)
            self.error(path, f"dataset {alias!r} declares no column {column!r}{hint}")
            return None
        return ColumnRef(dataset=dataset, column=column)

    def resolve(self, alias: str, path: _Path, *kinds: str) -> NodeRef | None:
        found = self.refs.get(alias)
        if found is None:
            hint = self.suggest(alias, lambda: (a for a, (r, _) in self.refs.items() if r.kind.value in kinds))
            self.error(path, f"unknown {' or '.join(kinds)} {alias!r}{hint}")
            return None
        ref = found[0]
        if ref.kind.value not in kinds:
            self.error(path, f"{alias!r} is a {ref.kind.value}, not a {' or '.join(kinds)}")
            return None
        return ref
