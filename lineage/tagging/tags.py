"""The result of tag propagation: each node's effective origin and classifications, and why.

A tag is either declared (a person wrote it in a file, or a collector read it from a catalog)
or derived; a derived tag carries the path of node ids, from where the tag starts to the node,
that explains it.

Example:
    >>> reason = TagReason(tag="origin", value="real", path=("dataset:s:a", "process:j:p"), declared=False)
    >>> reason.path[0]
    'dataset:s:a'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict


class TagReason(BaseModel):
    """Why a node carries a tag: the tag (`origin` or `classification`), its value, and the path
    of node ids from where it starts to the node (just the node when it is declared there)."""

    model_config = ConfigDict(frozen=True)

    tag: str
    value: str
    path: tuple[str, ...]
    declared: bool
    column: str | None = None
    note: str = ""


@dataclass
class Tags:
    """Effective tags per node id; see `lineage.tagging.propagate`.

    Unknown node ids get the defaults: origin `unknown`, no classifications, no reasons.
    """

    _origins: dict[str, str]
    _classes: dict[str, frozenset[str]]
    _columns: dict[str, dict[str, frozenset[str]]]
    _why: Callable[[str, str | None], list[TagReason]]
    false_synthetic: frozenset[str] = frozenset()
    """Datasets declared synthetic whose upstream is real with no privacy step between."""
    unknown_sources: tuple[str, ...] = ()
    """Nodes where unknown origin enters the map: undeclared nodes with nothing upstream."""
    flow_index: Any = None
    """The `FlowIndex` the tags were computed on, for analyses of the same graph to reuse."""
    _cache: dict[tuple[str, str | None], list[TagReason]] = field(default_factory=dict)

    def origin(self, node_id: str) -> str:
        """The effective origin: `real`, `synthetic`, `mixed` or `unknown`."""
        return self._origins.get(node_id, "unknown")

    def classifications(self, node_id: str) -> set[str]:
        """Effective classifications: declared, inferred and propagated (for a process: what it reads)."""
        return set(self._classes.get(node_id, frozenset()))

    def column_classifications(self, node_id: str) -> Mapping[str, frozenset[str]]:
        """Effective classifications per column of a dataset (only columns that have some)."""
        return dict(self._columns.get(node_id, {}))

    def why(self, node_id: str, tag: str | None = None) -> list[TagReason]:
        """The reasons for every tag of the node: origin first, then classifications by name;
        with `tag` (`origin` or `classification`), only those (the others are not worked out)."""
        cached = self._cache.get((node_id, tag))
        if cached is None:
            cached = self._why(node_id, tag)
            self._cache[(node_id, tag)] = cached
        return list(cached)
