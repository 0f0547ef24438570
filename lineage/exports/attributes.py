"""Node attributes as every export shows them: secrets reduced, values JSON-ready, one legend.

`public_attributes` is the one gate every format passes node attributes through. An attribute
named `secrets` is a list of places a credential was found; only each entry's `location` and
`kind` leave this module, whatever else a collector put there (a value it should not have kept).

`category` sorts a node into the legend all pictures share (dot, mermaid, html): origin, store,
cache and other datasets, internal jobs, third-party processors, identities.

Example:
    >>> public_attributes({"id": "process:n:p", "secrets": [{"location": "env:KEY", "kind": "api_key",
    ...                    "value": "sk-123"}]})["secrets"]
    [{'location': 'env:KEY', 'kind': 'api_key'}]
    >>> category({"kind": "dataset", "role": "cache"})
    'cache'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

SECRET_FIELDS: tuple[str, ...] = ("location", "kind")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass(frozen=True)
class Category:
    """One entry of the legend: what it means, its colour and its shape in each picture format."""

    label: str
    color: str
    dot_shape: str
    mermaid_open: str
    mermaid_close: str
    vis_shape: str


CATEGORIES: dict[str, Category] = {
    "origin": Category("origin dataset (data enters here)", "#2e7d32", "cylinder", "[(", ")]", "dot"),
    "store": Category("store", "#1565c0", "cylinder", "[(", ")]", "dot"),
    "cache": Category("cache (temporary copy)", "#ef6c00", "cylinder", "[(", ")]", "dot"),
    "dataset": Category("dataset (role unknown)", "#607d8b", "cylinder", "[(", ")]", "dot"),
    "process": Category("internal job", "#6a1b9a", "box", "[", "]", "box"),
    "third_party": Category("third-party processor", "#c62828", "hexagon", "{{", "}}", "hexagon"),
    "identity": Category("identity (agent, service account)", "#00838f", "ellipse", "([", "])", "diamond"),
}

EDGE_STYLES: dict[str, str] = {"read": "solid", "write": "solid", "runs": "dashed", "grant": "dotted"}


def category(attrs: Mapping[str, Any]) -> str:
    """The legend key of a node (a key of `CATEGORIES`)."""
    kind = attrs.get("kind")
    if kind == "dataset":
        role = text(attrs.get("role"))
        return role if role in ("origin", "store", "cache") else "dataset"
    if kind == "process":
        return "third_party" if attrs.get("third_party") else "process"
    return "identity"


def text(value: Any) -> str:
    """A value as display text: enum members by value, None as empty.

    Example:
        >>> text(None), text(3)
        ('', '3')
    """
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def one_line(value: Any) -> str:
    """Display text on one line: newlines and other control characters become one space.

    Example:
        >>> one_line("a\\nb\\tc")
        'a b c'
    """
    return _CONTROL.sub(" ", text(value))


def label(attrs: Mapping[str, Any]) -> str:
    """The short label of a node: its name (one line), or its id when it has none."""
    return one_line(attrs.get("name") or attrs.get("id") or "")


def plain(value: Any) -> Any:
    """A value as JSON-ready data: times as ISO strings, enums by value, sets and tuples as lists.

    Example:
        >>> plain({"b": {2, 1}, "t": (1,)})
        {'b': [1, 2], 't': [1]}
    """
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def public_secrets(value: Any) -> list[dict[str, str]]:
    """Secret findings reduced to where they are and what kind they are; never a value.

    Example:
        >>> public_secrets([{"kind": "token", "value": "x"}, "garbage"])
        [{'location': '', 'kind': 'token'}]
    """
    out = []
    for entry in value if isinstance(value, list | tuple) else ():
        if isinstance(entry, Mapping):
            out.append({key: text(entry.get(key)) for key in SECRET_FIELDS})
    return out


def public_attributes(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A node's attributes, safe to export and JSON-ready, keys sorted."""
    out: dict[str, Any] = {}
    for key in sorted(attrs):
        value = attrs[key]
        out[key] = public_secrets(value) if key == "secrets" else plain(value)
    return out
