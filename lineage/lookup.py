"""Which node a user means: one rule for turning what a person typed into a node id, over any
lookup of nodes (a loaded graph's, or the store's current graph).

Example:
    >>> nodes = {"dataset:s:orders": "orders", "dataset:s:orders_raw": "orders_raw"}
    >>> def find(ids=(), names=(), aliases=(), containing=None, limit=50):
    ...     out = {"id": [i for i in ids if i in nodes], "alias": [],
    ...            "name": sorted(i for i, n in nodes.items() if n in names)}
    ...     if containing is not None:
    ...         found = sorted(i for i in nodes if containing.casefold() in i.casefold())
    ...         out["containing"] = [*found[:limit], str(len(found))]
    ...     return out
    >>> resolve_node(find, "orders"), resolve_node(find, "s:orders_raw")
    ('dataset:s:orders', 'dataset:s:orders_raw')
    >>> resolve_node(find, "\u2068dataset:\u2060s:\u2060orders\u2069")  # copied from the dashboard
    'dataset:s:orders'
"""

from __future__ import annotations

from collections.abc import Callable

from lineage.errors import NodeNotFound

_SHOWN_ONLY = dict.fromkeys(map(ord, "\u2060\u2068\u2069"))
"""Invisible characters the dashboard adds when it shows a name (a word joiner, bidi isolates),
which come along when a person copies it."""


def resolve_node(find: Callable[..., dict[str, list[str]]], query: str) -> str:
    """The id of the node a user means: an exact id, `namespace:name` of a dataset, process or
    identity, an alias of a dataset, an exact name, or a unique case-insensitive part of an id.
    `find` looks nodes up (`LineageGraph.find_nodes`, or the store's for its current graph). A
    query copied from the dashboard is also tried without the invisible characters it adds.

    Raises:
        NodeNotFound: nothing matches, or several nodes do (the message lists some).
    """
    try:
        return _resolve(find, query)
    except NodeNotFound:
        plain = query.translate(_SHOWN_ONLY)
        if plain == query:
            raise
        return _resolve(find, plain)


def _resolve(find: Callable[..., dict[str, list[str]]], query: str) -> str:
    kinds = ("dataset", "process", "identity")
    found = find(ids=[query, *(f"{k}:{query}" for k in kinds)], aliases=[query, f"dataset:{query}"],
                 names=[query])
    for candidate in (query, *(f"{k}:{query}" for k in kinds)):
        if candidate in found["id"]:
            return candidate
    if found["alias"]:
        return found["alias"][0]
    exact = found["name"]
    if len(exact) == 1:
        return exact[0]
    if exact:
        matches, total = exact[:10], len(exact)
    else:
        *matches, count = find(containing=query, limit=10)["containing"]
        total = int(count)
        if total == 1:
            return matches[0]
    if not total:
        raise NodeNotFound(f"no node matches {query!r}")
    more = f" and {total - 10} more" if total > 10 else ""
    raise NodeNotFound(f"{query!r} matches {total} nodes: {', '.join(matches[:10])}{more}; give the full id")
