"""Datasets of an event mapped to facts: their facets, symlinks and column lineage (see `events`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collectors.openlineage import facets as F
from collectors.openlineage.mapping import (
    EventError,
    MapperBase,
    dataset_node,
    dataset_ref_of,
    facets_of,
    name_of,
    object_of,
)
from lineage.models import (
    ColumnLineage,
    ColumnRef,
    Dataset,
    Evidence,
    NodeRef,
    Transformation,
)


def entry_naming(events: list[dict[str, Any]], names: set[str]) -> tuple[dict[str, Any], Mapping[str, Any]] | None:
    """The newest of `events` (newest first) with an input, output or dataset entry that has facets
    and names one of the node ids `names` (a dataset's id and its aliases), by its own name or a
    symlink; with that entry.

    Example:
        >>> e = {"outputs": [{"namespace": "s3://b", "name": "t", "facets": {"acme": {}}}]}
        >>> entry_naming([e], {"dataset:s3://b:t"})[1]["facets"]
        {'acme': {}}
    """
    for event in events:
        entries = [*(event.get("inputs") or ()), *(event.get("outputs") or ()), event.get("dataset")]
        for entry in entries:
            if (isinstance(entry, Mapping) and any(entry.get(k) for k in ("facets", "inputFacets", "outputFacets"))
                    and names & _entry_ids(entry)):
                return event, entry
    return None


def _entry_ids(entry: Mapping[str, Any]) -> set[str]:
    """The node ids an entry names: its own and its symlinks' (empty for a malformed entry)."""
    facets = entry.get("facets")
    symlinks = facets.get("symlinks") if isinstance(facets, Mapping) else None
    idents = symlinks.get("identifiers") if isinstance(symlinks, Mapping) else None
    ids = set()
    for named in [entry, *(idents if isinstance(idents, list) else ())]:
        try:
            ids.add(dataset_node(str(named["namespace"]), str(named["name"])).id)
        except (KeyError, TypeError, ValueError):
            continue
    return ids


class DatasetMapping(MapperBase):
    """Maps an event's inputs, outputs or dataset: a `Dataset` fact per entry and `ColumnLineage`
    facts for an output's column lineage, each memoised by the entry's content."""

    def dataset(self, entry: Mapping[str, Any], where: str, ev: Evidence, side: str | None) -> Dataset:
        return self.dataset_and_ref(entry, where, ev, side)[0]

    def dataset_and_ref(
        self, entry: Mapping[str, Any], where: str, ev: Evidence, side: str | None
    ) -> tuple[Dataset, NodeRef]:
        def make() -> tuple[tuple[Any, ...], NodeRef | None]:
            ds, ref = self._dataset_and_ref(entry, where, ev, side)
            return (ds,), ref

        facts, ref = self.memoised(entry, ("dataset", where, side), ev, make)
        assert ref is not None
        return facts[0], ref

    def _dataset_and_ref(
        self, entry: Mapping[str, Any], where: str, ev: Evidence, side: str | None
    ) -> tuple[Dataset, NodeRef]:
        ref = self.dataset_ref(entry, where)
        facets = facets_of(entry, "facets", where, self.warn)
        values: dict[str, Any] = {}
        marks = F.Marks()
        fw = f"{where}.facets"
        columns: tuple[Any, ...] = ()
        if (schema := F._facet(facets, "schema", fw, self.warn)) is not None:
            columns = F.read_schema(schema, f"{fw}.schema", marks, self.warn)
        if (doc := F._facet(facets, "documentation", fw, self.warn)) is not None:
            values["description"] = F.text(doc.get("description"))
        if (own := F._facet(facets, "ownership", fw, self.warn)) is not None:
            values["owner"] = F.read_owners(own)
        if (src := F._facet(facets, "dataSource", fw, self.warn)) is not None:
            values["data_source"] = F.read_data_source(src)
        if (storage := F._facet(facets, "storage", fw, self.warn)) is not None:
            values["storage"] = F.read_storage(storage)
        if (tags := F._facet(facets, "tags", fw, self.warn)) is not None:
            F.read_tags(tags, f"{fw}.tags", marks, self.warn)
        if (life := F._facet(facets, "lifecycleStateChange", fw, self.warn)) is not None:
            change = str(life.get("lifecycleStateChange", "")).upper()
            if change == "DROP":
                values["retired"] = True
            elif change in ("CREATE", "OVERWRITE"):
                values["retired"] = False
        aliases = self._symlinks(facets, fw, ref)
        if side == "input":
            extra = facets_of(entry, "inputFacets", where, self.warn)
            if (dq := F._facet(extra, "dataQualityMetrics", f"{where}.inputFacets", self.warn)) is not None:
                values["row_count"] = F.read_count(dq, "rowCount")
                values["size_bytes"] = F.read_count(dq, "bytes", "size")
            if (qa := F._facet(extra, "dataQualityAssertions", f"{where}.inputFacets", self.warn)) is not None:
                values["quality"] = F.read_assertions(qa)
        elif side == "output":
            extra = facets_of(entry, "outputFacets", where, self.warn)
            if (st := F._facet(extra, "outputStatistics", f"{where}.outputFacets", self.warn)) is not None:
                values["row_count"] = F.read_count(st, "rowCount")
                values["size_bytes"] = F.read_count(st, "size", "bytes")
        if (qa := F._facet(facets, "dataQualityAssertions", fw, self.warn)) is not None:
            values["quality"] = F.read_assertions(qa)
        return F.build(
            Dataset,
            namespace=ref.namespace,
            name=ref.name,
            columns=F.with_column_marks(columns, marks),
            classifications=tuple(sorted(marks.classifications)),
            origin=marks.origin,
            environment=marks.environment,
            aliases=aliases,
            evidence=ev,
            **{k: v for k, v in values.items() if v not in (None, ())},
        ), ref

    def _symlinks(self, facets: Mapping[str, Any], where: str, ref: NodeRef) -> tuple[str, ...]:
        facet = F._facet(facets, "symlinks", where, self.warn)
        if facet is None:
            return ()
        identifiers = facet.get("identifiers")
        if not isinstance(identifiers, list):
            self.warn("symlinks facet has no list of identifiers; ignored", f"{where}.symlinks")
            return ()
        out = []
        for i, ident in enumerate(identifiers):
            try:
                alias = self.dataset_ref(
                    object_of(ident, f"{where}.symlinks.identifiers.{i}"), f"{where}.symlinks.identifiers.{i}"
                )
            except EventError as exc:
                self.warn(f"symlink {exc}; ignored", exc.field)
                continue
            if alias.id != ref.id:
                self.aliases.add(alias, ref)
                if self.trace is not None:
                    self.trace.added.append((alias, ref))
                out.append(alias.id)
        return tuple(sorted(set(out)))

    # -- column lineage ------------------------------------------------------------------------

    def column_lineage(
        self,
        entry: Mapping[str, Any],
        target: Dataset,
        where: str,
        process: NodeRef | None,
        known: set[str] | None,
        ev: Evidence,
    ) -> list[ColumnLineage]:
        key = ("columns", where, target.namespace, target.name,
               process.id if process else None, tuple(sorted(known)) if known is not None else None)
        facts, _ = self.memoised(
            entry, key, ev, lambda: (tuple(self._column_lineage(entry, target, where, process, known, ev)), None)
        )
        return facts

    def _column_lineage(
        self,
        entry: Mapping[str, Any],
        target: Dataset,
        where: str,
        process: NodeRef | None,
        known: set[str] | None,
        ev: Evidence,
    ) -> list[ColumnLineage]:
        facets = facets_of(entry, "facets", where, self.warn)
        facet = F._facet(facets, "columnLineage", f"{where}.facets", self.warn)
        if facet is None:
            return []
        fw = f"{where}.facets.columnLineage"
        out: list[ColumnLineage] = []
        fields = facet.get("fields")
        if not isinstance(fields, Mapping):
            self.warn("columnLineage facet has no fields object; ignored", f"{fw}.fields")
            fields = {}
        dropped: set[str] = set()

        def sources(items: Any, path: str, legacy: Any) -> dict[tuple[Transformation, bool], list[ColumnRef]]:
            groups: dict[tuple[Transformation, bool], list[ColumnRef]] = {}
            if not isinstance(items, list):
                self.warn("inputFields must be a list; ignored", path)
                return groups
            for i, item in enumerate(items):
                try:
                    obj = object_of(item, f"{path}.{i}")
                    ref = self.dataset_ref(obj, f"{path}.{i}")
                    column = name_of(obj.get("field"), f"{path}.{i}.field")
                except EventError as exc:
                    self.warn(f"column lineage input {exc}; ignored", exc.field)
                    continue
                if known is not None and ref.id not in known:
                    if ref.id not in dropped:
                        dropped.add(ref.id)
                        self.warn(
                            f"column lineage names {ref.namespace}/{ref.name}, which is not an input "
                            "of this event (a CTE or alias?); not made a dataset",
                            f"{path}.{i}",
                        )
                    continue
                col = F.build(ColumnRef, dataset=ref, column=column)
                for kind in F.transformation_kinds(obj, legacy):
                    bucket = groups.setdefault(kind, [])
                    if col not in bucket:
                        bucket.append(col)
            return groups

        for column, spec in fields.items():
            if not isinstance(spec, Mapping) or not isinstance(column, str) or not column:
                self.warn("a column lineage entry must be an object; ignored", f"{fw}.fields.{column}")
                continue
            groups = sources(
                spec.get("inputFields"), f"{fw}.fields.{column}.inputFields", spec.get("transformationType")
            )
            out.extend(self._lineage(target, column, groups, process, ev))
        if "dataset" in facet:
            groups = sources(facet.get("dataset"), f"{fw}.dataset", None)
            indirect: dict[tuple[Transformation, bool], list[ColumnRef]] = {
                (t if t is not Transformation.IDENTITY else Transformation.TRANSFORMATION, True): refs
                for (t, _), refs in groups.items()
            }
            targets = [c.name for c in target.columns] or [c for c in fields if isinstance(c, str)]
            for column in dict.fromkeys(targets):
                out.extend(self._lineage(target, column, indirect, process, ev))
        return out

    @staticmethod
    def _lineage(
        target: Dataset,
        column: str,
        groups: dict[tuple[Transformation, bool], list[ColumnRef]],
        process: NodeRef | None,
        ev: Evidence,
    ) -> list[ColumnLineage]:
        ref = F.build(ColumnRef, dataset=dataset_ref_of(target), column=column)
        return [
            F.build(
                ColumnLineage,
                target=ref,
                sources=tuple(cols),
                transformation=t,
                indirect=indirect,
                process=process,
                evidence=ev,
            )
            for (t, indirect), cols in groups.items()
            if cols
        ]

    # -- jobs ----------------------------------------------------------------------------------
