"""Turning a location written in SQL (s3://..., gs://..., @stage/..., /local/path) into a ref.

Example:
    >>> location_ref("s3://bucket/data/")
    TableRef(parts=('s3://bucket/data/',), kind='uri')
    >>> location_ref("@my_stage/path/f.csv")
    TableRef(parts=('@my_stage',), kind='stage')
"""

from __future__ import annotations

import re

from collectors.sql.result import TableRef

_QUOTED = re.compile(r"'((?:[^'\\]|\\.|'')*)'")


def location_ref(text: str) -> TableRef:
    """A ref for a file location; stages keep only their name (the path inside is a file of it)."""
    text = text.strip().strip("'\"")
    if text.startswith("@"):
        return TableRef((text.split("/", 1)[0].lower(),), "stage")
    if text.lower().startswith("file://"):
        return TableRef((text[7:],), "path")
    if "://" in text:
        return TableRef((text,), "uri")
    return TableRef((text,), "path")


def is_location(text: str) -> bool:
    """Whether a literal looks like a file location rather than a value."""
    t = text.strip()
    return (
        "://" in t
        or t.startswith(("@", "/", "./", "~/"))
        or t.lower().endswith(
            (".csv", ".parquet", ".json", ".jsonl", ".ndjson", ".avro", ".orc", ".tsv", ".txt", ".gz", ".zst")
        )
    )
