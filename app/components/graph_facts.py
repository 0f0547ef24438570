"""What a drawn graph needs to know from the store besides its own nodes, read and cached: the
effective tags of the nodes shown (as the node page's Tags tab works them out, from all that lies
upstream of them, however far) and the grants the identities shown never use (as the Identities
page works them out).

Keyed by the store's path and change marker, like `app.data`; the store itself is passed in (as
`_store`, which the cache does not hash).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from app.components.graph_model import View, is_group
from app.components.graph_style import EffectiveTags
from lineage import focused
from lineage.access import GraphLinks, identity_access
from lineage.models import FLOW_EDGES
from lineage.policy.context import sensitive
from lineage.tagging import Tags, propagate


def effective_tags(store: Any, path: str, marker: str, view: View) -> dict[str, EffectiveTags]:
    """The effective tags of every node drawn in `view` (and of the datasets its columns belong to)."""
    ids = sorted({str(n.get("page", n["id"])) for n in view.nodes if not is_group(n)})
    return _effective_tags(store, path, marker, tuple(ids))


@st.cache_data(show_spinner=False)
def _effective_tags(_store: Any, path: str, marker: str, node_ids: tuple[str, ...]) -> dict[str, EffectiveTags]:
    with _store.reading():
        tags = propagate(focused.part(_store, upstream_of(_store, node_ids)))
    return {node: _tags_of(tags, node) for node in node_ids}


def upstream_of(store: Any, node_ids: Iterable[str]) -> set[str]:
    """The nodes and everything upstream of any of them along data-flow edges: one walk from all
    of them at once, one query per level."""
    seen = set(node_ids)
    frontier = set(seen)
    while frontier:
        found = {source for source, target, _ in store.links(frontier, FLOW_EDGES)
                 if target in frontier and source not in seen}
        seen |= found
        frontier = found
    return seen


def _tags_of(tags: Tags, node: str) -> EffectiveTags:
    reasons = tags.why(node, "origin")
    derived = not any(r.declared for r in reasons) and any(len(r.path) > 1 for r in reasons)
    classes = frozenset(map(str, tags.classifications(node)))
    return EffectiveTags(origin=str(tags.origin(node)), derived=derived, classifications=tuple(sorted(classes)),
                         sensitive=tuple(sensitive(classes)))


def unused_grants(store: Any, path: str, marker: str, view: View) -> dict[tuple[str, str], list[str]]:
    """(identity, node) -> the permissions granted on the node that the identity is never seen
    using, for every identity with a grant drawn in `view`."""
    identities = sorted({str(a) for e in view.edges for a, _ in e.get("grants") or ()})
    return _unused_grants(store, path, marker, tuple(identities)) if identities else {}


@st.cache_data(show_spinner=False)
def _unused_grants(_store: Any, path: str, marker: str,
                   identities: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for identity in identities:
        part = focused.identity_part(_store, identity)
        for access in identity_access(GraphLinks(part), identity):
            if access.unused:
                out[(identity, access.node)] = access.unused
    return out
