"""What GraphML and GEXF share: typed attribute columns, XML-safe values, and safe parsing.

Both formats declare each attribute once with a type. A column whose values are all booleans is
`boolean`, all integers `long`, all numbers `double`, all strings `string`; anything else (lists,
objects, mixed values) is written as JSON text in a `string` column whose id ends in `.json`, so
readers that know the convention decode it and others still show readable text.

XML 1.0 cannot carry some characters at all (NUL and most other C0 controls), even escaped. A
string column holding one is written as JSON instead (JSON escapes them as `\\u0000`), so no value
is ever lost; in an XML attribute (a node id) such a character becomes U+FFFD, and the exact id is
kept in the node's `id` column. A carriage return in element text is written as `&#13;` so XML
parsers do not turn it into a newline.

Example:
    >>> [(c.name, c.type, c.json) for c in columns([{"a": 1, "b": ["x"]}, {"a": 2, "b": None}])]
    [('a', 'long', False), ('b', 'string', True)]
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lineage.exports.attributes import public_attributes
from lineage.exports.base import ExportError
from lineage.exports.interchange import column_lineage_records
from lineage.graph import LineageGraph

_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
JSON_SUFFIX = ".json"


@dataclass(frozen=True)
class Column:
    """One declared attribute: its name, XML type, and whether values are JSON text."""

    name: str
    type: str
    json: bool


def xml_safe(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold replaced by U+FFFD.

    Example:
        >>> xml_safe("a\\x00b")
        'a\\ufffdb'
    """
    return _ILLEGAL.sub("\ufffd", text)


def _type(values: list[Any]) -> tuple[str, bool]:
    if all(isinstance(v, bool) for v in values):
        return "boolean", False
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "long", False
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "double", False
    if all(isinstance(v, str) and not _ILLEGAL.search(v) for v in values):
        return "string", False
    return "string", True


def columns(rows: Iterable[Mapping[str, Any]]) -> list[Column]:
    """The attribute columns of `rows`, sorted by name, typed by every non-null value they hold."""
    seen: dict[str, list[Any]] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                seen.setdefault(key, []).append(value)
    return [Column(name, *_type(values)) for name, values in sorted(seen.items())]


def encode(column: Column, value: Any) -> str:
    """A value as the text of its column.

    Example:
        >>> encode(Column("c", "string", True), {"b": 1, "a": "é"}), encode(Column("f", "boolean", False), True)
        ('{"a": "é", "b": 1}', 'true')
    """
    if column.json:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        return text if not _ILLEGAL.search(text) else json.dumps(value, sort_keys=True)
    if column.type == "boolean":
        return "true" if value else "false"
    if column.type == "double":
        return repr(float(value))
    return str(value)


def decode(type_: str, is_json: bool, text: str) -> Any:
    """The inverse of `encode`.

    Raises:
        ExportError: the text is not a value of the type.
    """
    try:
        if is_json:
            return json.loads(text)
        if type_ == "boolean":
            return text.strip().lower() in ("true", "1")
        if type_ in ("long", "integer", "int"):
            return int(text)
        if type_ in ("double", "float"):
            return float(text)
    except ValueError as exc:
        raise ExportError(f"{text[:60]!r} is not a {type_}{' (JSON)' if is_json else ''} value: {exc}") from None
    return text


def serialize(root: ET.Element) -> str:
    """The document as indented UTF-8 text with an XML declaration, ending in a newline."""
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    # Attributes already escape CR; a raw CR left in the output is element text.
    return "<?xml version='1.0' encoding='utf-8'?>\n" + body.replace("\r", "&#13;") + "\n"


def parse(text: str | bytes) -> ET.Element:
    """Parse a document this package wrote; DTDs (and so entity expansion) are refused.

    Raises:
        ExportError: the text declares a DTD or is not well-formed XML.
    """
    head = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    if "<!DOCTYPE" in head.upper() or "<!ENTITY" in head.upper():
        raise ExportError("documents with a DTD or entity declarations are refused")
    try:
        return ET.fromstring(text)  # noqa: S314 - no DTD, so no entity expansion
    except ET.ParseError as exc:
        raise ExportError(f"not well-formed XML: {exc}") from None


def node_rows(graph: LineageGraph) -> list[dict[str, Any]]:
    """Every node's public attributes, sorted by id."""
    return sorted((public_attributes(a) for a in graph.nodes()), key=lambda a: str(a["id"]))


def edge_rows(graph: LineageGraph) -> list[tuple[str, str, dict[str, Any]]]:
    """Every edge as (source, target, attributes): `kind`, `confidence`, and `permissions` on grants."""
    rows = []
    for u, v, kind, attrs in graph.edges():
        row: dict[str, Any] = {"kind": kind, "confidence": float(attrs.get("confidence", 1.0))}
        if kind == "grant":
            row["permissions"] = sorted(attrs.get("permissions") or [])
        rows.append((u, v, row))
    rows.sort(key=lambda r: (r[0], r[1], r[2]["kind"]))
    return rows


def build(nodes: list[dict[str, Any]], edges: list[tuple[str, str, dict[str, Any]]],
          column_lineage: list[Any]) -> LineageGraph:
    """A graph from read-back rows (the last step of the GraphML and GEXF readers).

    Raises:
        ExportError: a node has no kind, an edge no kind or an end that is not a node.
    """
    ids = set()
    for node in nodes:
        if not isinstance(node.get("kind"), str):
            raise ExportError(f"node {node.get('id')!r} has no kind")
        ids.add(node["id"])
    records = []
    for u, v, attrs in edges:
        if u not in ids or v not in ids or not isinstance(attrs.get("kind"), str):
            raise ExportError(f"edge {u!r} -> {v!r} has no kind or an end that is not a node")
        records.append((u, v, attrs["kind"], {"permissions": attrs.get("permissions") or [],
                                              "confidence": attrs.get("confidence", 1.0)}))
    return LineageGraph.from_records(nodes, records, column_lineage_records(column_lineage))
