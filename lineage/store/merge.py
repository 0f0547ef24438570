"""Merging facts into a node's attributes, and aliases into the dataset they name: the rules the
graph is built by, whether from every fact (`lineage.graph`) or kept current in the store
(`lineage.store.current`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from lineage.models import component_key
from lineage.store.base import NodeFactRow


def merge_facts(rows: Sequence[NodeFactRow]) -> dict[str, Any]:
    """Merge one node's facts, given in ascending (layer, observed_at) order, into attributes.

    Scalars: the last non-empty value wins, so a declared fact beats an observed or inferred one;
    what describes a run goes together: a fact with a `run_state` replaces the error message too (a
    run that completes after one that failed leaves no error). Classifications: union. Columns:
    merged by name, field by field the same way.

    Example:
        >>> from datetime import datetime, UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> rows = [NodeFactRow("dataset:s:a", "dataset", "s", "a", {"role": "store"}, 0, t),
        ...         NodeFactRow("dataset:s:a", "dataset", "s", "a", {"role": "cache"}, 2, t)]
        >>> merge_facts(rows)["role"]
        'cache'
    """
    first = rows[0]
    attrs: dict[str, Any] = {"id": first.node_id, "kind": first.kind, "namespace": first.namespace,
                             "name": first.name}
    columns: dict[str, dict[str, Any]] = {}
    components: dict[str, dict[str, Any]] = {}
    classes: set[str] = set()
    layer = 0
    for row in rows:
        layer = max(layer, row.layer)
        attrs["last_seen"] = max(attrs.get("last_seen", row.observed_at), row.observed_at)
        seen_first = row.first_observed_at or row.observed_at
        attrs["first_seen"] = min(attrs.get("first_seen", seen_first), seen_first)
        if row.body.get("run_state"):
            attrs.pop("error_message", None)
        for key, value in row.body.items():
            if key == "classifications":
                classes.update(value)
            elif key == "columns":
                for col in value:
                    merged = columns.setdefault(col["name"], {"name": col["name"]})
                    for ck, cv in col.items():
                        if ck == "classifications":
                            merged["classifications"] = sorted(set(merged.get("classifications", ())) | set(cv))
                        elif cv not in (None, "", [], {}):
                            merged[ck] = cv
            elif key == "components":
                for component in value:
                    merge_component(components, component)
            elif value not in (None, "", [], {}):
                attrs[key] = value
    if components:
        attrs["components"] = [components[k] for k in sorted(components)]
    attrs["classifications"] = sorted(classes)
    attrs["columns"] = list(columns.values())
    attrs["layer"] = layer
    return attrs


_UNION = ("hashes", "licenses", "formats")


def merge_component(components: dict[str, dict[str, Any]], component: Mapping[str, Any]) -> None:
    """Merge one component (a `Component` as JSON) into `components` by its key (ecosystem and
    normalised name): fields as node attributes merge (the last non-empty value wins), except that
    a component pinned by one file stays pinned, at its pinned version; hashes, licenses and formats
    unite, vulnerabilities unite by id.

    Example:
        >>> merged: dict[str, dict[str, Any]] = {}
        >>> merge_component(merged, {"ecosystem": "pypi", "name": "Requests", "version": "2.0"})
        >>> merge_component(merged, {"ecosystem": "pypi", "name": "requests",
        ...                          "vulnerabilities": [{"id": "CVE-1"}]})
        >>> merged["pypi:requests"]["version"], [v["id"] for v in merged["pypi:requests"]["vulnerabilities"]]
        ('2.0', ['CVE-1'])
    """
    key = component_key(component.get("ecosystem"), str(component.get("name") or ""))
    merged = components.setdefault(key, {})
    keep_version = bool(merged.get("pinned")) and not component.get("pinned")  # a lock's pin beats a range
    for field, value in component.items():
        if field == "pinned":
            merged[field] = bool(merged.get(field)) or value
        elif field == "version" and keep_version:
            continue
        elif field in _UNION:
            merged[field] = sorted(set(merged.get(field, ())) | set(value or ()))
        elif field == "vulnerabilities":
            known = {str(v.get("id")): v for v in merged.get(field, ())}
            for vuln in value or ():
                known[str(vuln.get("id"))] = {**known.get(str(vuln.get("id")), {}),
                                              **{k: v for k, v in vuln.items() if v not in (None, "", [], {})}}
            merged[field] = [known[k] for k in sorted(known)]
        elif value not in (None, "", [], {}) or field not in merged:
            merged[field] = value


def alias_map(claims: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Alias id -> dataset id from (dataset id, alias id) claims.

    Example:
        >>> alias_map([("dataset:a", "dataset:b"), ("dataset:b", "dataset:c"), ("dataset:b", "dataset:a")])
        {'dataset:b': 'dataset:a', 'dataset:c': 'dataset:a'}
    """
    first: dict[str, str] = {}
    for dataset, alias in sorted(claims):
        if alias != dataset:
            first.setdefault(alias, dataset)
    out: dict[str, str] = {}
    for alias in first:
        path = [alias]
        target = first[alias]
        while target in first and target not in path:
            path.append(target)
            target = first[target]
        if target in path:  # a cycle: its smallest id is the dataset
            target = min(path[path.index(target):])
        if target != alias:
            out[alias] = target
    return out


def canonical_rows(rows: list[NodeFactRow], canon: Mapping[str, str]) -> list[NodeFactRow]:
    """Node facts (ordered by node, layer and time) with each alias's facts made its dataset's: the
    dataset's id, namespace and name, in (node, layer, time) order, an alias's facts after the
    dataset's own where they tie. Every dataset of `canon` an alias in `rows` stands for must have
    facts in `rows` too."""
    if not canon or not any(row.node_id in canon for row in rows):
        return rows
    named = {row.node_id: row for row in rows}
    out = [
        replace(row, node_id=canon[row.node_id], namespace=named[canon[row.node_id]].namespace,
                name=named[canon[row.node_id]].name) if row.node_id in canon else row
        for row in rows
    ]
    out.sort(key=lambda r: (r.node_id, r.layer, r.observed_at))  # stable: a node's own order is kept
    return out
