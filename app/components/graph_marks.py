"""What a drawn graph adds from the rest of the map: each node's effective (propagated) origin and
its sensitive classes, and which granted permissions go unused. Plain data in and out, no
streamlit, so the tests can check it directly; `app.components.graph_facts` reads the facts.

Example:
    >>> from app.components.graph_model import View
    >>> view = View(nodes=[{"id": "dataset:s:b", "level": 0, "kind": "dataset"}],
    ...             attrs={"dataset:s:b": {"id": "dataset:s:b", "kind": "dataset", "name": "b"}})
    >>> node = marked(view, {"dataset:s:b": EffectiveTags("real", True, ("pii.email",), ("pii.email",))}).nodes[0]
    >>> node["label"], node["hatch"], node["badge"]
    ('b\\n(real, derived)', True, 'PII')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from app.components.graph_model import View, is_group
from app.components.graph_style import EffectiveTags, grant_style, node_style, vis_node

__all__ = ["EffectiveTags", "grant_edges_with_use", "marked"]


def marked(view: View, tags: Mapping[str, EffectiveTags],
           unused: Mapping[tuple[str, str], Iterable[str]] | None = None) -> View:
    """A copy of `view` whose nodes are drawn by their effective tags (a node missing from `tags`
    keeps its declared ones) and, with `unused` ((identity, node) -> unused permissions), whose
    grant edges show which permissions go unused."""
    nodes = []
    for node in view.nodes:
        page = str(node.get("page", node["id"]))
        attrs = view.attrs.get(page)
        if is_group(node) or attrs is None:
            nodes.append(node)
        elif node.get("kind") == "column":
            found = tags.get(page)
            nodes.append({**node, "color": node_style(attrs, found)["color"]} if found else node)
        else:
            nodes.append(vis_node(attrs, int(node["level"]), focus=node["id"] == view.focus,
                                  tags=tags.get(str(node["id"]))))
    edges = grant_edges_with_use(view.edges, unused) if unused is not None else list(view.edges)
    return dataclasses.replace(view, nodes=nodes, edges=edges)


def grant_edges_with_use(edges: Iterable[Mapping[str, Any]],
                         unused: Mapping[tuple[str, str], Iterable[str]]) -> list[dict[str, Any]]:
    """The edges, each grant labelled with its permissions and dashed red when some go unused (for
    an edge drawn for several grants, as a group's: those unused in every one of them)."""
    out = []
    for edge in edges:
        pairs = [tuple(p) for p in edge.get("grants") or ()]
        if not pairs:
            out.append(dict(edge))
            continue
        idle = set.intersection(*(set(unused.get((str(a), str(b)), ())) for a, b in pairs))
        style = grant_style([str(p) for p in edge.get("permissions") or ()], idle)
        title = str(edge.get("title") or "")
        if idle:
            title += f"\nunused: {'/'.join(sorted(idle))} (granted, never seen in use)"
        out.append({**edge, "dashes": False, "unused": [], **style, "title": title})
    return out
