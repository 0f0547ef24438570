"""The catalog collector: tables, views and materialized views of a DuckDB file or a PostgreSQL
database, with view SQL read as lineage.

Sources it recognises:

- a DuckDB database file (by its header), opened read-only; namespace `duckdb://<file name>` (how
  `lineage.naming` names a database file, whatever folder its path names);
- a catalog source file (`*.catalog.yaml`) naming a live database, e.g.
  `catalog: {postgres: "postgresql://reader@db.internal:5432/shop"}` or `catalog: {duckdb: x.duckdb,
  namespace: duckdb://warehouse.duckdb}`; put no password in it: libpq reads `PGPASSWORD` or `~/.pgpass`;
- a catalog snapshot (JSON with `"format": "lineage-catalog-snapshot"`), which is also what the
  store keeps as the raw input, so a collection can be rebuilt without the database.

A DuckDB file inside a dbt project (its folder or one of three above holds `dbt_project.yml`) is
read with the project's manifest: the views dbt builds are written by their dbt process (which
the dbt collector and dbt-ol's events name), so the catalog adds no writer of its own for them;
the snapshot lists them as `dbt_relations`.

Example:
    >>> CatalogCollector().detect(Path("w.duckdb"), b'\\xa9"\\xf9\\xf6mT\\x18BDUCK\\xe7\\x03')
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from collectors.base import Source, register_collector
from collectors.catalog.readers import read_duckdb, read_postgres
from collectors.catalog.snapshot import COLLECTOR, FORMAT, map_snapshot
from collectors.dbt.project import built_relations, project_around
from lineage.errors import CollectorError
from lineage.models import LineageBatch, RawInput
from lineage.yamlsafe import YamlError, load_yaml

__all__ = ["COLLECTOR", "CatalogCollector", "collect_snapshot"]


def _with_dbt(snapshot: dict[str, Any], path: Path) -> dict[str, Any]:
    """`snapshot` with `dbt_relations`: its views that a dbt project around `path` builds."""
    project = project_around(path.resolve())
    built = built_relations(project) if project is not None else frozenset()
    views = {".".join(str(r[k]) for k in ("database", "schema", "name") if r.get(k)).lower()
             for r in snapshot.get("relations") or () if r.get("kind") in ("view", "materialized_view")}
    if views & built:
        snapshot["dbt_relations"] = sorted(views & built)
    return snapshot


def collect_snapshot(snapshot: Mapping[str, Any], source: str) -> LineageBatch:
    """The batch of one snapshot, keeping the snapshot (never a URL or password) as the raw input."""
    batch = LineageBatch(collector=COLLECTOR, source=source)
    if snapshot.get("format") != FORMAT or not isinstance(snapshot.get("namespace"), str):
        batch.problem(f"not a catalog snapshot: `format` must be {FORMAT!r} and `namespace` a string", field="format")
        return batch
    facts, notes = map_snapshot(snapshot, source)
    batch.extend(facts)
    for note in notes:
        batch.problem(note, severity="warning")
    batch.raw = RawInput(collector=COLLECTOR, source=source,
                         content=json.dumps(snapshot, sort_keys=True, default=str).encode())
    return batch


@register_collector
class CatalogCollector:
    """DuckDB files, PostgreSQL databases (through a `*.catalog.yaml` file) and catalog snapshots."""

    name = COLLECTOR

    def detect(self, path: Path, head: bytes) -> bool:
        if head[8:12] == b"DUCK":
            return True
        name = path.name.lower()
        if name.endswith((".catalog.yaml", ".catalog.yml")):
            return True
        return name.endswith(".json") and f'"format": "{FORMAT}"'.encode() in head

    def collect(self, source: Source) -> LineageBatch:
        """Raises CollectorError when the database cannot be opened or read."""
        name = source.name
        if source.data[8:12] == b"DUCK":
            if source.path is None:
                raise CollectorError(f"{name}: a DuckDB file is read from its path")
            return collect_snapshot(_with_dbt(read_duckdb(source.path, f"duckdb://{name}"), source.path), name)
        if name.lower().endswith(".json"):
            try:
                return collect_snapshot(json.loads(source.data), name)
            except ValueError as exc:
                batch = LineageBatch(collector=COLLECTOR, source=name)
                batch.problem(f"not valid JSON: {exc}"[:300])
                return batch
        batch = LineageBatch(collector=COLLECTOR, source=name)
        try:
            data, _ = load_yaml(source.data, name)
        except YamlError as exc:
            batch.problem(exc.reason, line=exc.line)
            return batch
        entry = data.get("catalog") if isinstance(data, Mapping) else None
        if not isinstance(entry, Mapping) or not (entry.get("postgres") or entry.get("duckdb")):
            batch.problem("a catalog file has `catalog:` with `postgres: URL` or `duckdb: PATH`", line=1,
                          field="catalog")
            return batch
        if entry.get("postgres"):
            snapshot = read_postgres(str(entry["postgres"]))
        else:
            file = Path(str(entry["duckdb"]))
            if not file.is_absolute() and source.path is not None:
                file = source.path.parent / file
            snapshot = _with_dbt(read_duckdb(file, str(entry.get("namespace") or f"duckdb://{entry['duckdb']}")), file)
        return collect_snapshot(snapshot, name)

    schemes = ("postgres", "postgresql", "duckdb")

    def collect_location(self, location: str, name: str) -> LineageBatch:
        """A `postgres://`, `postgresql://` or `duckdb://PATH` catalog read through read-only
        connections, as the snapshot batch named `name`.

        Raises:
            CollectorError: another scheme, or the catalog cannot be read.
        """
        scheme, _, rest = location.partition("://")
        if scheme.lower() in ("postgres", "postgresql"):
            snapshot = read_postgres(location)
        elif scheme.lower() == "duckdb":
            snapshot = _with_dbt(read_duckdb(Path(rest)), Path(rest))
        else:
            raise CollectorError(f"no catalog reader for {scheme}:// (known: {', '.join(self.schemes)})")
        return collect_snapshot(snapshot, name)
