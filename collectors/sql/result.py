"""What parsing one statement yields, before any dataset naming: plain, frozen, picklable data.

These are the internal parse-time references (`TableRef`) kept apart from the public
`lineage.models` facts. A `StatementResult` depends only on the statement's text, its dialect,
the schema and the conventions, so it can be cached by fingerprint and reused by many query-log
entries; `facts.py` turns it into facts once namespaces and default databases are known.

Example:
    >>> r = StatementResult(kind="insert", inputs=(TableRef(("s",)),), outputs=(TableRef(("t",)),))
    >>> StatementResult.from_json(r.to_json()) == r
    True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

RefKind = Literal["table", "uri", "stage", "path"]
Severity = Literal["error", "warning"]

# Transformation ranks: a column reached through several steps keeps the strongest.
IDENTITY, TRANSFORMATION, MASKING, AGGREGATION = 0, 1, 2, 3
RANK_NAMES = ("identity", "transformation", "masking", "aggregation")


@dataclass(frozen=True, slots=True)
class TableRef:
    """A table, file, stage or URL as written in the statement (identifiers already case-folded)."""

    parts: tuple[str, ...]
    kind: RefKind = "table"

    @property
    def key(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class ColumnEdge:
    """Source columns flowing into one output column of the statement's (first) output."""

    target: str
    sources: tuple[tuple[TableRef, str], ...]
    rank: int = IDENTITY
    indirect: Literal["", "filter", "join"] = ""


@dataclass(frozen=True, slots=True)
class AICall:
    """A call that sends data to a model or an outside service."""

    function: str
    processor_type: str
    vendor: str
    model: str | None = None
    inputs: tuple[TableRef, ...] = ()
    endpoint: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A problem met while analysing a statement; `line` is relative to the statement's first line."""

    message: str
    severity: Severity = "error"
    line: int = 0


@dataclass(frozen=True, slots=True)
class StatementResult:
    """Table and column lineage of one statement."""

    kind: str
    inputs: tuple[TableRef, ...] = ()
    outputs: tuple[TableRef, ...] = ()
    temporary: tuple[TableRef, ...] = ()
    retired: tuple[TableRef, ...] = ()
    creates: tuple[TableRef, ...] = ()  # tables and views it creates; their columns are `output_columns`
    columns: tuple[ColumnEdge, ...] = ()
    output_columns: tuple[str, ...] = ()
    ai_calls: tuple[AICall, ...] = ()
    notes: tuple[Note, ...] = ()
    defines: tuple[tuple[str, str], ...] = field(default=())  # (kind, name): USE db, external functions
    confidence: float = 0.9
    column_confidence: float = 0.9

    @property
    def writes(self) -> bool:
        return bool(self.outputs)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> StatementResult:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StatementResult:
        def ref(x: dict[str, Any]) -> TableRef:
            return TableRef(tuple(x["parts"]), x["kind"])

        return cls(
            kind=d["kind"],
            inputs=tuple(ref(x) for x in d["inputs"]),
            outputs=tuple(ref(x) for x in d["outputs"]),
            temporary=tuple(ref(x) for x in d["temporary"]),
            retired=tuple(ref(x) for x in d["retired"]),
            creates=tuple(ref(x) for x in d["creates"]),
            columns=tuple(
                ColumnEdge(c["target"], tuple((ref(s), col) for s, col in c["sources"]), c["rank"], c["indirect"])
                for c in d["columns"]
            ),
            output_columns=tuple(d["output_columns"]),
            ai_calls=tuple(
                AICall(
                    a["function"],
                    a["processor_type"],
                    a["vendor"],
                    a["model"],
                    tuple(ref(x) for x in a["inputs"]),
                    a["endpoint"],
                )
                for a in d["ai_calls"]
            ),
            notes=tuple(Note(n["message"], n["severity"], n["line"]) for n in d["notes"]),
            defines=tuple((k, v) for k, v in d["defines"]),
            confidence=d["confidence"],
            column_confidence=d["column_confidence"],
        )
