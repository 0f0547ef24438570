"""A dbt manifest (and catalog) mapped to facts: the pure core of the dbt collector.

- sources are `origin` datasets; models and snapshots are `store` datasets written by a process
  each (ephemeral models are folded into the models that use them); a seed is a table written by
  its `dbt seed` process from the seed's CSV file, the `origin` (when the manifest gives the
  project's root; else the table is); exposures (an LLM application, a dashboard) are processes
  that read what they depend on;
- datasets are named as dbt-ol names them: the target's namespace and `database.schema.name`
  (dbt-ol uses the node's `name`, not its alias; an alias is kept in `aliases`);
- processes are `<job namespace>` / `<package>.<node name>` (`acme_analytics.dim_customers`);
- columns come from the manifest, their types from the catalog when given; `meta` and `tags`
  become origin and classifications (`tags.py`).

Example:
    >>> m = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
    ...      "nodes": {"seed.p.s": {"resource_type": "seed", "database": "d", "schema": "s", "name": "s",
    ...                             "package_name": "p", "meta": {"origin": "synthetic"}}}, "sources": {}}
    >>> facts, problems = map_manifest(m, None, Naming("duckdb://w.duckdb", "dbt-dev", None, "duckdb"), "m.json")
    >>> [(type(f).__name__, f.name, f.origin.value if isinstance(f, Dataset) else f.job_type) for f in facts[:2]]
    [('Dataset', 'd.s.s', 'synthetic'), ('Process', 'p.s', 'dbt seed')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from collectors.dbt.sql import column_lineage, unknown_star
from collectors.dbt.tags import origin_and_classes
from lineage.models import (
    Column,
    ColumnLineage,
    ColumnRef,
    Dataset,
    Edge,
    EdgeKind,
    Environment,
    Evidence,
    Layer,
    NodeRef,
    Origin,
    Process,
    Role,
)
from lineage.naming import normalize

COLLECTOR = "dbt"
KNOWN_VERSIONS = range(7, 13)
Fact = Dataset | Process | Edge | ColumnLineage
_DATASET_TYPES = ("source", "seed", "model", "snapshot")


@dataclass(frozen=True)
class Naming:
    namespace: str
    job_namespace: str
    environment: Environment | None
    dialect: str


def schema_version(manifest: Mapping[str, Any]) -> int | None:
    """The manifest's schema version (12 for `.../manifest/v12.json`), or None."""
    url = str((manifest.get("metadata") or {}).get("dbt_schema_version", ""))
    found = re.search(r"/manifest/v(\d+)\.json", url)
    return int(found.group(1)) if found else None


def _columns(node: Mapping[str, Any], catalog_node: Mapping[str, Any] | None) -> tuple[Column, ...]:
    declared: Mapping[str, Any] = node["columns"] if isinstance(node.get("columns"), Mapping) else {}
    cat_columns = (catalog_node or {}).get("columns")
    typed: Mapping[str, Any] = cat_columns if isinstance(cat_columns, Mapping) else {}
    by_lower = {str(k).lower(): v for k, v in typed.items()}
    names = list(dict.fromkeys([*(str(c) for c in declared), *(str(c) for c in typed)]))
    out = []
    for name in names:
        col: Mapping[str, Any] = declared[name] if isinstance(declared.get(name), Mapping) else {}
        cat = by_lower.get(name.lower(), {})
        _, classes = origin_and_classes(col.get("meta"), col.get("tags"))
        out.append(Column(name=name, type=(cat.get("type") if isinstance(cat, Mapping) else None)
                          or col.get("data_type") or None,
                          description=col.get("description") or None, classifications=classes))
    return tuple(out)


class _Mapper:
    def __init__(self, manifest: Mapping[str, Any], catalog: Mapping[str, Any] | None, naming: Naming,
                 source: str) -> None:
        self.nodes: dict[str, Mapping[str, Any]] = {
            **{k: v for k, v in (manifest.get("nodes") or {}).items() if isinstance(v, Mapping)},
            **{k: v for k, v in (manifest.get("sources") or {}).items() if isinstance(v, Mapping)},
        }
        self.exposures = {k: v for k, v in (manifest.get("exposures") or {}).items() if isinstance(v, Mapping)}
        self.catalog = catalog or {}
        self.naming = naming
        self.source = source
        generated = (manifest.get("metadata") or {}).get("generated_at")
        try:
            self.now = datetime.fromisoformat(str(generated).replace("Z", "+00:00"))
        except ValueError:
            self.now = datetime.now(UTC)
        self.problems: list[str] = []
        self.uncompiled: list[str] = []
        """Models read from their raw code: the manifest has no compiled code."""
        self.star_unknown: list[str] = []
        """Models whose SQL selects `*` from a table of unknown columns."""
        self.refs: dict[str, NodeRef] = {}

    def evidence(self, node: Mapping[str, Any]) -> Evidence:
        return Evidence(collector=COLLECTOR, source=self.source, observed_at=self.now, layer=Layer.DECLARED,
                        run_id=str(node.get("unique_id") or "") or None)

    def catalog_node(self, uid: str) -> Mapping[str, Any] | None:
        group = "sources" if uid.startswith("source.") else "nodes"
        found = (self.catalog.get(group) or {}).get(uid)
        return found if isinstance(found, Mapping) else None

    def dataset_ref(self, uid: str) -> NodeRef | None:
        if uid in self.refs:
            return self.refs[uid]
        node = self.nodes.get(uid)
        if node is None or node.get("resource_type") not in _DATASET_TYPES:
            return None
        if (node.get("config") or {}).get("materialized") == "ephemeral":
            return None
        parts = [str(p) for p in (node.get("database"), node.get("schema"), node.get("name")) if p]
        try:
            ns, name = normalize(self.naming.namespace, ".".join(parts))
        except ValueError as exc:
            self.problems.append(f"{uid}: cannot name its dataset: {exc}")
            return None
        self.refs[uid] = NodeRef.dataset(ns, name)
        return self.refs[uid]

    def parents(self, node: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> list[str]:
        """Upstream dataset ids; an ephemeral parent is replaced by its own parents."""
        out: list[str] = []
        for uid in (node.get("depends_on") or {}).get("nodes") or ():
            parent = self.nodes.get(uid)
            if parent is None or uid in seen:
                continue
            if (parent.get("config") or {}).get("materialized") == "ephemeral":
                out += self.parents(parent, seen | {uid})
            elif parent.get("resource_type") in _DATASET_TYPES:
                out.append(uid)
        return list(dict.fromkeys(out))

    def dataset(self, uid: str, node: Mapping[str, Any]) -> Dataset | None:
        ref = self.dataset_ref(uid)
        if ref is None:
            return None
        kind = node.get("resource_type")
        config = node.get("config") or {}
        origin, classes = origin_and_classes({**(node.get("source_meta") or {}), **(node.get("meta") or {})},
                                             [*(node.get("tags") or ()), *(config.get("tags") or ())])
        cat = self.catalog_node(uid)
        rows = _row_count(cat)
        return Dataset(
            namespace=ref.namespace, name=ref.name,
            role=Role.ORIGIN if kind in ("source", "seed") else Role.STORE,
            origin=Origin(origin) if origin else None, environment=self.naming.environment,
            classifications=classes, columns=_columns(node, cat), description=node.get("description") or None,
            aliases=_aliases(node), row_count=int(rows) if isinstance(rows, int | float) else None,
            storage=str(config.get("materialized") or kind), evidence=self.evidence(node))

    def process(self, uid: str, node: Mapping[str, Any], target: NodeRef | None) -> list[Fact]:
        kind = str(node.get("resource_type"))
        name = f"{node.get('package_name')}.{node.get('name')}"
        ev = self.evidence(node)
        sql = node.get("compiled_code") or node.get("compiled_sql")
        proc = Process(namespace=self.naming.job_namespace, name=name, job_type=f"dbt {kind}",
                       processing_engine="dbt", sql=str(sql)[:100_000] if sql else None,
                       environment=self.naming.environment, description=node.get("description") or None,
                       owner=_owner(node), evidence=ev)
        facts: list[Fact] = [proc]
        inputs = [r for r in (self.dataset_ref(p) for p in self.parents(node)) if r is not None]
        facts += [Edge(source=r, target=proc.ref, kind=EdgeKind.READ, evidence=ev) for r in inputs]
        if target is not None:
            facts.append(Edge(source=proc.ref, target=target, kind=EdgeKind.WRITE, evidence=ev))
            lineage, notes = column_lineage(node, self.nodes, self, proc.ref, target, inputs, ev)
            facts += lineage
            self.problems += notes
            if not (node.get("compiled_code") or node.get("compiled_sql")):
                self.uncompiled.append(uid)
            if unknown_star(node, self.nodes, self):
                self.star_unknown.append(uid)
        return facts

    def seed(self, node: Mapping[str, Any], table: Dataset) -> list[Fact]:
        """`dbt seed` loading the seed's CSV file (`file` namespace, its absolute path, when the
        manifest gives the project's root) into its table, column by column; the file is then where
        the data enters the map, with the origin and classes the seed declares."""
        ev = self.evidence(node)
        proc = Process(namespace=self.naming.job_namespace, name=f"{node.get('package_name')}.{node.get('name')}",
                       job_type="dbt seed", processing_engine="dbt", environment=self.naming.environment,
                       evidence=ev)
        facts: list[Fact] = [proc, Edge(source=proc.ref, target=table.ref, kind=EdgeKind.WRITE, evidence=ev)]
        root, path = node.get("root_path"), node.get("original_file_path")
        if not (isinstance(root, str) and isinstance(path, str) and root.startswith("/")):
            return facts
        try:
            ns, name = normalize("file", str(PurePosixPath(root) / path))
        except ValueError as exc:
            self.problems.append(f"{node.get('unique_id')}: cannot name its file: {exc}")
            return facts
        csv = table.model_copy(update={"namespace": ns, "name": name, "storage": "csv", "row_count": None,
                                       "aliases": ()})
        facts[1:1] = [csv, Edge(source=csv.ref, target=proc.ref, kind=EdgeKind.READ, evidence=ev)]
        facts += [ColumnLineage(target=ColumnRef(dataset=table.ref, column=c.name),
                                sources=(ColumnRef(dataset=csv.ref, column=c.name),), process=proc.ref, evidence=ev)
                  for c in table.columns]
        return facts

    def exposure(self, uid: str, node: Mapping[str, Any]) -> list[Fact]:
        meta = node.get("meta") or {}
        ev = self.evidence(node)
        proc = Process(namespace=self.naming.job_namespace, name=f"{node.get('package_name')}.{node.get('name')}",
                       job_type=f"dbt exposure ({node.get('type') or 'unknown'})",
                       third_party=True if meta.get("third_party") is True else None,
                       vendor=meta.get("llm_vendor") or meta.get("vendor") or None,
                       description=node.get("description") or node.get("label") or None, owner=_owner(node),
                       environment=self.naming.environment, evidence=ev)
        inputs = [r for r in (self.dataset_ref(p) for p in self.parents(node)) if r is not None]
        return [proc, *(Edge(source=r, target=proc.ref, kind=EdgeKind.READ, evidence=ev) for r in inputs)]

    def facts(self) -> list[Fact]:
        out: list[Fact] = []
        for uid, node in sorted(self.nodes.items()):
            if node.get("resource_type") not in _DATASET_TYPES:
                continue
            dataset = self.dataset(uid, node)
            if dataset is not None:
                out.append(dataset)
            if node.get("resource_type") in ("model", "snapshot") and dataset is not None:
                out += self.process(uid, node, dataset.ref)
            elif node.get("resource_type") == "seed" and dataset is not None:
                loaded = self.seed(node, dataset)
                if any(isinstance(f, Dataset) for f in loaded):  # its CSV file is where the data enters
                    out[-1] = dataset.model_copy(update={"role": Role.STORE})
                out += loaded
        for uid, node in sorted(self.exposures.items()):
            out += self.exposure(uid, node)
        return out


def _row_count(cat: Mapping[str, Any] | None) -> Any:
    """The catalog's row count statistic, when it has one that it includes."""
    stats = (cat or {}).get("stats") or {}
    return next((s.get("value") for k, s in stats.items() if k in ("num_rows", "row_count", "rows")
                 and isinstance(s, Mapping) and s.get("include", True)), None)


def _aliases(node: Mapping[str, Any]) -> tuple[str, ...]:
    """The relation's name as the warehouse has it, when the node's alias differs from its name."""
    alias = node.get("alias") or node.get("identifier")
    if not alias or alias == node.get("name"):
        return ()
    return (".".join(str(p) for p in (node.get("database"), node.get("schema"), alias) if p),)


def _owner(node: Mapping[str, Any]) -> str | None:
    owner = node.get("owner") or (node.get("meta") or {}).get("owner")
    if isinstance(owner, Mapping):
        owner = owner.get("email") or owner.get("name")
    return str(owner) if owner else None


def map_manifest(manifest: Mapping[str, Any], catalog: Mapping[str, Any] | None, naming: Naming,
                 source: str) -> tuple[list[Fact], list[str]]:
    """Facts of a manifest (see the module docstring) and notes on what could not be mapped."""
    mapper = _Mapper(manifest, catalog, naming, source)
    facts = mapper.facts()
    return facts, [*mapper.problems, *_partial(mapper)]


def _partial(mapper: _Mapper) -> list[str]:
    """Notes on why column lineage is partial, once per manifest rather than per model."""
    out = []
    if mapper.star_unknown:
        out.append(f"column lineage of {len(mapper.star_unknown)} model(s) is partial: they read `*` of tables "
                   "whose columns neither the manifest nor a catalog lists; put catalog.json beside the manifest "
                   f"(`dbt docs generate`) ({', '.join(mapper.star_unknown[:5])}"
                   f"{', ...' if len(mapper.star_unknown) > 5 else ''})")
    if mapper.uncompiled:
        out.append(f"{len(mapper.uncompiled)} model(s) have no compiled code in this manifest (written by a "
                   "command that does not compile, such as `dbt test` or `dbt parse`): their raw code was read "
                   "with ref() and source() resolved, and macros are lost; `dbt compile` or `dbt docs generate` "
                   "writes a complete one")
    return out
