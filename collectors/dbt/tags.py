"""dbt `meta` and `tags` as lineage tags: origin and classifications.

- `meta.origin` (real, synthetic, mixed, unknown), or a `synthetic` tag, sets the origin;
- `meta.contains_pii: true` adds `pii`; `meta.classification` / `meta.classifications` (a string
  or a list) add themselves; tags that read as classifications (`pii`, `pii.*`, `financial`,
  `health`, `secret`, `confidential`, `public`, `untrusted`) add themselves.

Example:
    >>> origin_and_classes({"origin": "synthetic", "classification": "pii.email"}, ["nightly"])
    ('synthetic', ('pii.email',))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

ORIGINS = ("real", "synthetic", "mixed", "unknown")
_CLASS_TAG = re.compile(r"^(pii(\.[a-z0-9_]+)*|financial|health|secret|confidential|public|untrusted|phi|pci)$")
_CLASS = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$")


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in value if isinstance(v, str)]
    return []


def origin_and_classes(meta: Any, tags: Any) -> tuple[str | None, tuple[str, ...]]:
    """The origin (or None) and classifications declared by a node's or column's meta and tags."""
    meta = meta if isinstance(meta, Mapping) else {}
    tag_list = [t.lower() for t in _listed(tags)]
    origin = str(meta.get("origin", "")).lower() or None
    if origin not in ORIGINS:
        origin = "synthetic" if "synthetic" in tag_list or meta.get("synthetic") is True else None
    classes: list[str] = []
    if meta.get("contains_pii") is True:
        classes.append("pii")
    for key in ("classification", "classifications"):
        classes += [c.lower() for c in _listed(meta.get(key)) if _CLASS.match(c.lower())]
    classes += [t for t in tag_list if _CLASS_TAG.match(t)]
    return origin, tuple(dict.fromkeys(classes))
