"""Dataset aliases merged into one node, whichever source named which first.

A dataset can say that other names are the same dataset (OpenLineage's `symlinks` facet: a Spark
job writes `file:/warehouse/x` whose table is `hive://metastore` `db.x`). Collectors record those
names in the dataset's `aliases`. An event stream resolves an alias it has already seen, but a file
collected earlier, another file, or the endpoint after a restart may name the dataset by its alias
before or without the statement that makes it one. So the graph is built from facts in which every
alias is replaced by its dataset: its facts, edges and column lineage become the dataset's.

Canonical name rule: an alias belongs to the dataset that lists it; if several datasets list it,
the one whose id sorts first; chains resolve to their end, and in a cycle the smallest id is the
dataset.
"""

from __future__ import annotations

from collections.abc import Mapping

from lineage.store.base import GraphData
from lineage.store.merge import alias_map, canonical_rows


def resolve_aliases(data: GraphData) -> GraphData:
    """`data` with every alias replaced by its dataset (see the module's description); `data`
    itself when no dataset has an alias that anything else names."""
    claims = [(row.node_id, alias) for row in data.nodes if row.kind == "dataset"
              for alias in _aliases(row.body)]
    if not claims:
        return data
    canon = alias_map(claims)
    named = {row.node_id: row for row in data.nodes}
    used = set(named) | {e[0] for e in data.edges} | {e[1] for e in data.edges} | _column_datasets(data)
    canon = {alias: dataset for alias, dataset in canon.items() if alias in used and dataset in named}
    if not canon:
        return data
    nodes = canonical_rows(data.nodes, canon)
    edges = [(canon.get(u, u), canon.get(v, v), kind, perms, conf) for u, v, kind, perms, conf in data.edges]
    columns = [
        {**c, "target": canon.get(c["target"], c["target"]),
         "sources": [[canon.get(s[0], s[0]), *s[1:]] for s in c["sources"]]}
        for c in data.column_lineage
    ]
    return GraphData(nodes=nodes, edges=[e for e in edges if e[0] != e[1]], column_lineage=columns)


def _aliases(body: Mapping[str, object]) -> list[str]:
    value = body.get("aliases")
    return [a for a in value if isinstance(a, str)] if isinstance(value, list) else []


def _column_datasets(data: GraphData) -> set[str]:
    out = {c["target"] for c in data.column_lineage}
    out.update(s[0] for c in data.column_lineage for s in c["sources"])
    return out
