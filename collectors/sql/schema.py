"""Known table schemas, for expanding `SELECT *` and resolving unqualified columns.

A schema is given as JSON (`--schema FILE.json`) or comes from the store (columns that
OpenLineage events, dbt or catalogs reported). Accepted shapes, mixed freely:

- nested by database and schema: `{"tpch": {"customer": ["c_custkey", ...]}}`;
- dotted names: `{"shop.public.orders": ["id", "total"]}`;
- columns as a list of names or a mapping of name to type.

A table written with fewer parts than the schema knows (`customer` for `tpch.customer`) matches
when the suffix is unique.

Example:
    >>> idx = SchemaIndex.from_mapping({"tpch": {"customer": ["c_custkey"]}})
    >>> idx.lookup(("customer",))
    (('tpch', 'customer'), ('c_custkey',))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lineage.errors import CollectorError

Fold = Callable[[str], str]


class SchemaIndex:
    """Tables by their full name parts, plus a unique-suffix index."""

    def __init__(self, tables: Mapping[tuple[str, ...], tuple[str, ...]]) -> None:
        self.tables = dict(tables)
        suffixes: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for parts in self.tables:
            for i in range(1, len(parts)):
                suffixes.setdefault(parts[i:], []).append(parts)
        self._suffix = {k: v[0] for k, v in suffixes.items() if len(v) == 1}

    def __len__(self) -> int:
        return len(self.tables)

    def lookup(self, parts: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(full parts, columns) of a table as written, or None when unknown or ambiguous."""
        cols = self.tables.get(parts)
        if cols is not None:
            return parts, cols
        full = self._suffix.get(parts)
        return (full, self.tables[full]) if full else None

    def folded(self, fold: Fold) -> SchemaIndex:
        """The same schema with every table name part and column passed through `fold` (a dialect's
        case rule for unquoted names)."""
        return SchemaIndex({tuple(fold(p) for p in k): tuple(fold(c) for c in v) for k, v in self.tables.items()})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SchemaIndex:
        """Raises CollectorError when the mapping is not a schema."""
        tables: dict[tuple[str, ...], tuple[str, ...]] = {}

        def walk(prefix: tuple[str, ...], node: Any) -> None:
            if isinstance(node, list | tuple):
                tables[prefix] = tuple(str(c["name"]) if isinstance(c, Mapping) else str(c) for c in node)
            elif isinstance(node, Mapping) and node and all(isinstance(v, str) or v is None for v in node.values()):
                tables[prefix] = tuple(str(k) for k in node)
            elif isinstance(node, Mapping):
                for key, value in node.items():
                    walk(prefix + tuple(str(key).split(".")), value)
            else:
                raise CollectorError(f"schema entry {'.'.join(prefix)!r}: expected a list or mapping of columns")

        if not isinstance(data, Mapping):
            raise CollectorError("a schema must be a JSON object of tables")
        walk((), data)
        tables.pop((), None)
        return cls(tables)


def load_schema_file(path: str | Path) -> dict[str, Any]:
    """A schema file's JSON.

    Raises:
        CollectorError: unreadable or not a JSON object.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CollectorError(f"{path}: cannot read the schema file: {exc}") from exc
    if not isinstance(data, dict):
        raise CollectorError(f"{path}: a schema file must hold a JSON object of tables")
    SchemaIndex.from_mapping(data)  # validate early, with the file name in the message
    return data
