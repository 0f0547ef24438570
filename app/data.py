"""Everything the pages show, read through `lineage` functions and cached.

The store is opened lazily inside a `st.cache_resource` function (never at import). Every read is
keyed by the store's path and a cheap change marker (how many inputs, runs and reviews it holds),
so a new ingest or review shows up on the next rerun without a restart.

Pages read the part of the store's current graph they show (`lineage.focused`: a node, its
neighbourhood, its walks, the part upstream of it its tags come from; the counts), so a page on a
million-edge store costs what its part costs. The findings come from `run_check`, which the store
keeps until the graph changes. Only the data map of a small graph, History (the graph as of two
times) and Third parties (what reaches every third-party processor, from the whole graph's tags)
load a whole graph: a `st.cache_resource` (shared, never copied; `st.cache_data` would pickle it
on every read), as are its tags. Pages get plain rows, dicts and `View`s. The only writes are review
decisions (`record_review`) and the findings the check keeps.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from app.components.graph_model import (
    DEFAULT_CAP,
    Filters,
    View,
    column_view,
    focus_view,
    is_group,
    layered_view,
    path_view,
)
from app.components.ui import esc
from lineage import focused
from lineage.access import GraphLinks, identity_access
from lineage.errors import LineageError, NodeNotFound
from lineage.graph import LineageGraph, load_graph
from lineage.models import FLOW_EDGES
from lineage.paths import PATH_LIMIT, Paths, paths_between, paths_from_sources
from lineage.policy.context import sensitive
from lineage.project import Project, load_project
from lineage.severity import SEVERITIES
from lineage.store import Store, open_store
from lineage.tagging import Tags, propagate
from lineage.vendors import Endpoint, endpoints

REVIEW_STATUSES = ("accepted_risk", "false_positive")
WALK_ROWS = 10_000  # upstream/downstream rows listed on the node page (and in its CSV)


# -- the store ---------------------------------------------------------------------------------------


def db_path(argv: Sequence[str] | None = None) -> str:
    """The store file: `--db FILE` after `streamlit run app/streamlit_app.py --`, else the settings'."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    known, _ = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    if known.db:
        return str(known.db)
    return project().settings.db


def project() -> Project:
    """The project file (./lineage.yaml where the dashboard runs, with the environment over it),
    read at most every 2 s and passed down: its store settings and its policy, which the
    dashboard's findings follow as `lineage check` does."""
    return _project(os.getcwd(), os.environ.get("LINEAGE_DB"))


@st.cache_resource(ttl=2, show_spinner=False)
def _project(cwd: str, db: str | None) -> Project:
    """Read at most every 2 s for a place and store (edits to lineage.yaml show soon after)."""
    return load_project(cwd=Path(cwd))


@st.cache_resource(show_spinner=False)
def store(path: str) -> Store:
    """The store, opened once per path; each read inside it is a short-lived connection."""
    return open_store(path, lock_timeout=project().settings.lock_timeout)


@st.cache_data(ttl=2, show_spinner=False)
def journal_note(path: str) -> str | None:
    """Folds an orphaned endpoint journal into the store (acknowledged events are visible without
    restarting the endpoint); what a reader should know about events not yet stored, if anything."""
    from lineage.services.fold import fold
    from lineage.services.journal import journal_folder

    return fold(store(path), journal_folder(path), wait=project().settings.lock_timeout).message()


@st.cache_data(ttl=2, show_spinner=False)
def change_marker(path: str) -> str:
    """Changes whenever something is ingested, a run is recorded or a review is made (after an
    orphaned journal is folded in, see `journal_note`)."""
    journal_note(path)
    s = store(path)
    counts = s.counts()
    reviews = s.reviews()  # the latest of each finding: a second decision on one finding changes the newest
    newest = max((r.created_at for r in reviews if r.created_at), default=None)
    return f"{counts.get('inputs', 0)}:{counts.get('collection_runs', 0)}:{len(reviews)}:{newest}"


def key() -> tuple[str, str]:
    """(path, marker): the cache key of everything read from the store on this rerun."""
    path = db_path()
    return path, change_marker(path)


@st.cache_resource(max_entries=3, show_spinner="Building the lineage graph…")
def graph(path: str, marker: str, as_of: str | None = None) -> LineageGraph:
    return load_graph(store(path), datetime.fromisoformat(as_of) if as_of else None)


# -- overview ----------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def stats(path: str, marker: str, as_of: str | None = None) -> dict[str, Any]:
    """Counts of the map: counted in the store's current graph, or (nodes and edges by kind) in the
    facts visible at a time."""
    if as_of is None:
        return store(path).current_stats()
    return store(path).as_of(datetime.fromisoformat(as_of)).stats()


@st.cache_data(show_spinner=False)
def third_parties(path: str, marker: str) -> list[dict[str, Any]]:
    rows = []
    for a in store(path).current_nodes(kind="process", flag="third_party"):
        approved = a.get("approved")
        rows.append({"processor": a["name"], "namespace": a["namespace"], "type": a.get("processor_type") or "",
                     "vendor": a.get("vendor") or "", "region": a.get("region") or "",
                     "retention": a.get("retention") or "",
                     "approved": "yes" if approved else ("no" if approved is False else "unknown"), "id": a["id"]})
    return rows


@st.cache_resource(max_entries=3, show_spinner="Deriving the tags…")
def whole_tags(path: str, marker: str) -> Tags:
    """The tags of the whole current graph (the cached `graph`), worked out once per change."""
    return propagate(graph(path, marker))


def open_findings_by_node(path: str, marker: str) -> dict[str, int]:
    """How many open findings are about each node (the node is one the finding names)."""
    out: dict[str, int] = {}
    for f in findings(path, marker):
        if f.get("status", "open") == "open":
            for node in set(f.get("nodes") or ()):
                out[str(node)] = out.get(str(node), 0) + 1
    return out


@st.cache_data(show_spinner="Working out what each third party receives…")
def vendor_endpoints(path: str, marker: str) -> list[Endpoint]:
    """Every third-party processor with the data that reaches it (`lineage.vendors`), from the
    cached whole graph, its tags and the findings."""
    return endpoints(graph(path, marker), whole_tags(path, marker), open_findings_by_node(path, marker))


@st.cache_data(show_spinner=False)
def source_paths(path: str, marker: str, processors: tuple[str, ...],
                 limit: int = PATH_LIMIT) -> tuple[list[dict[str, Any]], list[tuple[str, ...]], bool]:
    """Every path from a source dataset to each of `processors`: as rows, as node ids, and whether
    some were left out. One processor lists up to `limit`; several share it (at least 10 each, and
    no more than 5 times `limit` in all)."""
    g, tags = graph(path, marker), whole_tags(path, marker)
    rows: list[dict[str, Any]] = []
    node_paths: list[tuple[str, ...]] = []
    cut = False
    each = limit if len(processors) <= 1 else max(10, limit // len(processors))
    for pid in processors:
        if len(rows) >= 5 * limit:
            cut = True
            break
        found = paths_from_sources(g, pid, limit=each, budget=max(2_000, 50 * each))
        cut = cut or found.truncated
        for p in found.paths:
            rows.append({"endpoint": pid, "source": p[0], "source origin": tags.origin(p[0]),
                         "sensitive classes at the source": ", ".join(sensitive(tags.classifications(p[0]))),
                         "steps": len(p) - 1, "path": " → ".join(p)})
            node_paths.append(p)
    return rows, node_paths, cut


def paths_view(path: str, marker: str, node_paths: Sequence[Sequence[str]], *, align_right: bool = True) -> View:
    """Several paths drawn together, read from the store: each node at its place along its path
    (the paths' last nodes lined up on the right, or their first nodes on the left)."""
    levels: dict[str, int] = {}
    for p in node_paths:
        for i, node in enumerate(p):
            level = i - len(p) + 1 if align_right else i
            levels[node] = min(levels.get(node, level), level)
    return layered_view(focused.part(store(path), levels), levels)


# the data map's columns: origins, the processors their data reaches, the stores and caches they write
_ORIGINS, _PROCESSORS, _STORES, _CACHES = 0, 2, 4, 6


@st.cache_data(show_spinner=False)
def data_map(path: str, marker: str, cap: int = 60, opened: tuple[str, ...] = ()) -> View | None:
    """Origins, then the processors their data reaches (third parties marked), then the stores and
    caches those processors write, the groups `opened` drawn node by node; None when the graph is
    too big to draw this way."""
    if stats(path, marker)["nodes"] > 20_000:
        return None
    g = graph(path, marker)
    levels = _data_map_levels(g)
    view = layered_view(g, levels, cap=cap, group=lambda a: a.get("role") != "origin", opened=opened)
    # left to right only; an origin's data reaching a processor through other steps is a dashed edge
    shown = {n["id"]: n["level"] for n in view.nodes}
    view.edges = [e for e in view.edges if shown[e["from"]] < shown[e["to"]]]
    existing = {(e["from"], e["to"]) for e in view.edges}
    for a, b in sorted(_origins_reaching(g, levels, view.members) - existing):
        if a in shown and b in shown:
            view.edges.append({"from": a, "to": b, "arrows": "to", "title": "data reaches (through other steps)",
                               "dashes": [4, 4], "color": {"color": "#9ca3af"}})
    return view


def _data_map_levels(g: LineageGraph) -> dict[str, int]:
    """The column of each node on the data map: every process fed by an origin or writing something,
    the origins upstream of it, and what it writes (but origins)."""
    levels: dict[str, int] = {}
    for proc in g.nodes("process"):
        pid = proc["id"]
        fed = [n for n in g.upstream(pid, kinds=("dataset",)) if g.node(n).get("role") == "origin"]
        writes = g.successors(pid, "write")
        if not fed and not writes:
            continue
        levels[pid] = _PROCESSORS
        for origin in fed:
            levels[origin] = _ORIGINS
        for target in writes:
            role = g.node(target).get("role")
            if role != "origin":
                levels[target] = _CACHES if role == "cache" else _STORES
    return levels


def _origins_reaching(g: LineageGraph, levels: dict[str, int], members: dict[str, str]) -> set[tuple[str, str]]:
    """(origin, processor) pairs, as drawn (a member as its group), where the origin's data reaches
    the processor."""
    return {(members.get(origin, origin), members.get(pid, pid))
            for pid, level in levels.items() if level == _PROCESSORS
            for origin in g.upstream(pid, kinds=("dataset",)) if levels.get(origin) == _ORIGINS}


@st.cache_data(show_spinner=False)
def runs(path: str, marker: str, limit: int = 100) -> list[dict[str, Any]]:
    rows = []
    for r in store(path).runs(limit):
        duration = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
        rows.append({"started": r.started_at, "command": r.command, "status": r.status,
                     "seconds": round(duration, 1) if duration is not None else None, "sources": r.sources,
                     "facts": r.facts, "problems": r.problems,
                     "paths": ", ".join(map(str, r.detail.get("paths", []))), "run id": r.run_id})
    return rows


@st.cache_data(show_spinner=False)
def problems(path: str, marker: str, limit: int = 1000) -> list[dict[str, Any]]:
    return store(path).problems(limit)


@st.cache_data(show_spinner=False)
def run_times(path: str, marker: str) -> list[datetime]:
    """When each collection run finished, newest first: moments worth comparing on History."""
    return sorted({r.finished_at or r.started_at for r in store(path).runs(200)}, reverse=True)


# -- explore -----------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def search(path: str, marker: str, text: str, limit: int = 50) -> list[str]:
    """Node ids containing `text` (any case); exact and whole-name matches first."""
    if not text.strip():
        return []
    found = focused.search(store(path), text.strip(), limit=limit)
    try:
        exact = focused.resolve(store(path), text.strip())
    except NodeNotFound:
        return found
    return [exact, *(n for n in found if n != exact)]


@st.cache_data(show_spinner=False)
def filter_options(path: str, marker: str) -> dict[str, list[str]]:
    return store(path).current_facets()


@st.cache_data(show_spinner=False)
def explore_view(path: str, marker: str, focus: str, *, depth: int, direction: str, filters: Filters,
                 identities: bool, grants: bool, columns: bool, cap: int = DEFAULT_CAP,
                 up: tuple[str, ...] = (), down: tuple[str, ...] = (), opened: tuple[str, ...] = ()) -> View:
    """The neighbourhood of `focus`, read from the store (only the part shown), with one level
    more upstream of the nodes `up` and downstream of those `down`, and the groups `opened` drawn
    node by node."""
    s = store(path)
    g = focused.neighbourhood(s, focus, depth=depth, upstream=direction in ("both", "upstream"),
                              downstream=direction in ("both", "downstream"), runs=identities, grants=grants)
    if up or down:  # the neighbours the expansions add, read with the rest
        ids = {n["id"] for n in g.nodes()}
        ups, downs, done = set(up), set(down), set()
        while todo := (ups | downs) & ids - done:
            links = s.links(todo, FLOW_EDGES)
            ids |= {a for a, b, _ in links if b in todo & ups} | {b for a, b, _ in links if a in todo & downs}
            done |= todo
        extra = {"runs"} if identities else set()
        extra |= {"grant"} if grants else set()
        if extra:
            ids |= {a for a, b, _ in s.links(ids, extra) if b in ids}
        g = focused.part(s, ids)
    view = focus_view(g, focus, depth=depth, upstream=direction in ("both", "upstream"),
                      downstream=direction in ("both", "downstream"), filters=filters, identities=identities,
                      grants=grants, cap=cap, expand_up=up, expand_down=down, opened=opened)
    if columns:
        return column_view(g, {n["id"]: n["level"] // 2 for n in view.nodes if not is_group(n)}, focus)
    return view


def node_brief(path: str, marker: str, node_id: str) -> dict[str, Any]:
    return focused.node(store(path), node_id)


@st.cache_data(show_spinner=False)
def node_attributes(path: str, marker: str, node_id: str) -> list[dict[str, str]]:
    """A node's attributes as (attribute, value) text rows."""
    return _attribute_rows(focused.node(store(path), node_id))


def _attribute_rows(attrs: dict[str, Any]) -> list[dict[str, str]]:
    return [{"attribute": k, "value": _text(v)} for k, v in sorted(attrs.items())
            if k != "columns" and v not in (None, "", [], {})]


# -- node detail -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return "" if value is None else str(value)


@st.cache_data(show_spinner=False)
def node_detail(path: str, marker: str, node_id: str) -> dict[str, Any]:
    """Attributes, schema, column lineage, neighbours and walks of one node, as plain rows."""
    s = store(path)
    with s.reading():  # one connection for the several small reads
        return _node_detail(s, node_id, upstream_tags(path, marker, node_id))


@st.cache_resource(max_entries=32, show_spinner=False)
def upstream_tags(path: str, marker: str, node_id: str) -> Tags:
    """The tags of a node and of everything upstream of it (all that its tags come from), shared
    (tags hold their explanations as functions: kept, never copied)."""
    return propagate(focused.upstream_part(store(path), node_id))


def _node_detail(s: Store, node_id: str, tags: Tags) -> dict[str, Any]:
    g = focused.around(s, node_id)
    attrs = g.node(node_id)
    attributes = _attribute_rows(attrs)  # the node is read already: no second read
    columns = [{"column": c["name"], "type": c.get("type") or "", "classifications": _text(c.get("classifications")),
                "description": c.get("description") or ""} for c in attrs.get("columns") or []]
    column_lineage = [{"target": f"{c['target']}.{c['column']}",
                       "sources": ", ".join(f"{d}.{col}" for d, col in c["sources"]),
                       "transformation": c["transformation"], "indirect": bool(c.get("indirect")),
                       "through": c.get("process") or ""} for c in s.column_lineage_about(node_id)]
    links = []
    for label, ids in (("reads from", g.predecessors(node_id, "read")), ("writes to", g.successors(node_id, "write")),
                       ("read by", g.successors(node_id, "read")), ("written by", g.predecessors(node_id, "write")),
                       ("run by", g.predecessors(node_id, "runs")), ("runs", g.successors(node_id, "runs")),
                       ("granted to", g.predecessors(node_id, "grant")),
                       ("has grants on", g.successors(node_id, "grant"))):
        for other in ids:
            perms = ""
            if label in ("granted to", "has grants on"):
                edge = g.edge(other, node_id, "grant") if label == "granted to" else g.edge(node_id, other, "grant")
                perms = "/".join((edge or {}).get("permissions") or [])
            links.append({"relation": label, "node": other, "permissions": perms})

    def walk(upstream: bool) -> tuple[int, list[dict[str, Any]]]:
        found, nodes = focused.walk(s, node_id, upstream=upstream)
        out = []
        for n, d in list(found.items())[:WALK_ROWS]:
            a = nodes[n]
            out.append({"distance": d, "id": n, "kind": a.get("kind"), "namespace": a.get("namespace"),
                        "name": a.get("name"), "role": a.get("role") or "", "origin": a.get("origin") or "",
                        **({"effective origin": tags.origin(n)} if upstream else {}),
                        "third party": bool(a.get("third_party")),
                        "classifications": _text(a.get("classifications"))})
        return len(found), out

    (up_total, up), (down_total, down) = walk(True), walk(False)
    return {"attrs": {k: v for k, v in attrs.items() if k != "columns"}, "attributes": attributes,
            "upstream_total": up_total, "downstream_total": down_total,
            "columns": columns, "column_lineage": column_lineage, "links": links,
            "upstream": up, "downstream": down}


@st.cache_data(show_spinner=False)
def evidence(path: str, marker: str, node_id: str) -> list[dict[str, Any]]:
    layers = {0: "inferred", 1: "observed", 2: "declared"}
    rows = []
    for f in store(path).facts_about([node_id]):
        if f["fact"] == "edge":
            toward = f["subject"] == node_id
            about = f"{f['edge_kind']} edge {'to' if toward else 'from'} {f['other'] if toward else f['subject']}"
        elif f["fact"] == "node":
            about = f"attributes {f['body']}"
        else:
            about = f"column lineage via {f['other']}: {f['body']}"
        rows.append({"layer": layers.get(f["layer"], str(f["layer"])), "collector": f["collector"],
                     "source": f["source"], "line": f["line"], "run id": f["run_id"] or "",
                     "first observed": f["first_observed_at"], "last observed": f["observed_at"],
                     "times": f["times"], "last run id": f["last_run_id"] or "",
                     "superseded": f["superseded_at"] is not None, "fact": about})
    return rows


@st.cache_data(show_spinner=False)
def process_runs(path: str, marker: str, node_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """A process's runs as its OpenLineage events reported them, newest first."""
    return [{"run id": r.run_id, "state": r.state, "started": r.started_at, "ended": r.ended_at,
             "duration (s)": r.duration_s, "error": r.error or "", "parent": r.parent or "",
             "parent run": r.parent_run or ""}
            for r in store(path).runs_of(node_id, limit)]


@st.cache_data(show_spinner=False)
def latest_facets(path: str, marker: str, node_id: str, kind: str,
                  aliases: tuple[str, ...] = ()) -> tuple[str, list[dict[str, Any]]]:
    """The facets producers sent about a node (`lineage.services.facets`): the event they come
    from, and each facet read into the attributes or shown as JSON."""
    from lineage.services.facets import about, node_facets

    event, rows = node_facets(store(path), node_id, kind, aliases)
    if event is None:
        return "", []
    return about(event, job=kind == "dataset"), [{"where": where, "facet": name, "value": shown}
                                                 for where, name, shown in rows]


# -- policy: tags, findings and reviews ---------------------------------------------------------------


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value


@st.cache_data(show_spinner="Evaluating the policy…")
def findings(path: str, marker: str) -> list[dict[str, Any]]:
    """Every finding with its review state, as plain dicts: what `lineage check` reports (the
    project's rules, custom rules and reviews, the store's reviews), with evidence."""
    from lineage.services.check import run_check

    result = run_check(store(path), project().policy, now=datetime.now(UTC))
    out = []
    for f in result:
        row = _plain(f)
        row["path"] = [str(n) for n in row.get("path") or ()]
        out.append(row)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(out, key=lambda r: (order.get(str(r.get("severity")), 9), str(r.get("rule_id")),
                                      str(r.get("fingerprint"))))


@st.cache_data(show_spinner=False)
def tags_of(path: str, marker: str, node_id: str) -> dict[str, Any]:
    """Propagated origin and classifications of a node with the paths that explain them, worked out
    from what lies upstream of it."""
    tags = upstream_tags(path, marker, node_id)
    why = []
    for reason in tags.why(node_id) or ():
        r = _plain(reason)
        why.append({"tag": r.get("tag"), "value": _text(r.get("value")),
                    "declared": bool(r.get("declared")), "path": " → ".join(map(str, r.get("path") or ()))})
    return {"origin": _plain(tags.origin(node_id)), "classifications": sorted(map(str, _plain(
        list(tags.classifications(node_id) or ())))), "why": why}


@st.cache_data(show_spinner=False)
def review_history(path: str, marker: str, fingerprint: str) -> list[dict[str, Any]]:
    return [_plain(r) if not isinstance(r, dict) else r for r in store(path).review_history(fingerprint)]


def record_review(fingerprint: str, status: str, reviewer: str, reason: str, expires_at: datetime | None) -> None:
    """Record a person's decision on a finding (the app's only write), then refresh what is shown."""
    if status not in REVIEW_STATUSES:
        raise ValueError(f"unknown review status {status!r}")
    store(db_path()).add_review(fingerprint, status, reviewer, reason, expires_at)
    change_marker.clear()


def undo_review(fingerprint: str, recorded_at: datetime | None, reviewer: str) -> bool:
    """Undo the decision recorded at `recorded_at` on a finding, if it is still the latest: the
    audit trail keeps it, and a new entry puts back the decision before it (or reopens the
    finding). False when another decision came after it (nothing is changed then)."""
    s = store(db_path())
    history = s.review_history(fingerprint)
    if not history or history[-1].created_at != recorded_at:
        return False
    undone = history[-1]
    when = undone.created_at.isoformat(timespec="seconds") if undone.created_at else "earlier"
    if len(history) > 1:
        before = history[-2]
        s.add_review(fingerprint, before.status, reviewer, f"Undo of the {undone.status} decision of {when}; "
                     f"back to: {before.reason}", before.expires_at)
    else:
        s.add_review(fingerprint, "open", reviewer, f"Undo of the {undone.status} decision of {when}")
    change_marker.clear()
    return True


def latest_review_time(fingerprint: str) -> datetime | None:
    """When the latest decision on a finding was recorded (read fresh, not cached)."""
    history = store(db_path()).review_history(fingerprint)
    return history[-1].created_at if history else None


@st.cache_data(show_spinner=False)
def finding_view(path: str, marker: str, node_path: tuple[str, ...]) -> View:
    return path_view(focused.part(store(path), node_path), node_path)


# -- identities --------------------------------------------------------------------------------------


@st.cache_data(show_spinner="Comparing every identity's grants with its use…")
def identities(path: str, marker: str) -> list[dict[str, Any]]:
    """One row per identity, those to look at first on top: most nodes with unused grants, then
    with missing grants, then most open findings naming it. Read from the store: the identities,
    what they run and hold grants on, and what the processes they run read and write."""
    s = store(path)
    with s.reading():
        nodes = s.current_nodes(kind="identity")
        ids = [str(a["id"]) for a in nodes]
        known = set(ids)
        held = [(src, dst, kind) for src, dst, kind in s.links(ids, ("runs", "grant")) if src in known]
        run = sorted({dst for _, dst, kind in held if kind == "runs"})
        keep = {*ids, *(dst for _, dst, _ in held)}
        if run:
            keep.update(n for src, dst, _ in s.links(run, ("read", "write")) for n in (src, dst))
        g = focused.part(s, keep)
    links = GraphLinks(g)
    open_by_node = open_findings_by_node(path, marker)
    rows = []
    for a in nodes:
        ident = str(a["id"])
        access = identity_access(links, ident)
        rows.append({"id": ident, "name": a.get("name"), "namespace": a.get("namespace"),
                     "type": a.get("identity_type") or "", "unused grants": sum(1 for x in access if x.unused),
                     "missing grants": sum(1 for x in access if x.missing),
                     "open findings": open_by_node.get(ident, 0), "runs": len(links.runs(ident)),
                     "grants": len(g.successors(ident, "grant"))})
    rows.sort(key=lambda r: (-r["unused grants"], -r["missing grants"], -r["open findings"], r["id"]))
    return rows


@st.cache_data(show_spinner=False)
def identity_view(path: str, marker: str, identity: str) -> View:
    """What the identity reaches: the processes it runs, what they read and write, and what it
    holds grants on (with the grants' permissions), read from the store."""
    g = focused.identity_part(store(path), identity)
    runs = g.successors(identity, "runs")
    levels = {identity: 0, **dict.fromkeys(g.successors(identity, "grant"), 4), **dict.fromkeys(runs, 2)}
    for process in runs:
        levels.update((n, 4) for n in (*g.predecessors(process, "read"), *g.successors(process, "write"))
                      if n not in levels)
    view = path_view(g, sorted(levels, key=lambda n: (levels[n], n)))  # every kind of edge among them
    for node in view.nodes:  # then placed by role: the identity, what it runs, the data and grants
        node["level"] = levels.get(node["id"], node["level"])
    return view


@st.cache_data(show_spinner=False)
def access(path: str, marker: str, identity: str) -> list[dict[str, Any]]:
    """One row per node the identity is granted or observed to use: granted permissions next to the
    use seen in the lineage (what the processes it runs read and write, and which processors it runs)."""
    g = focused.identity_part(store(path), identity)
    rows = []
    for a in identity_access(GraphLinks(g), identity):
        have, need, unused, missing = a.granted, a.used, a.unused, a.missing
        status = "used, not granted" if missing else ("granted, not used" if unused else "as granted")
        via = {g.node(p).get("name", p) for p in a.via} | ({"runs it"} if a.runs else set())
        rows.append({"node": a.node, "kind": g.node(a.node).get("kind"), "granted": "/".join(sorted(have)),
                     "observed use": "/".join(sorted(need)), "unused grants": "/".join(unused),
                     "missing grants": "/".join(missing), "status": status,
                     "via": ", ".join(sorted(map(str, via)))})
    return rows


# -- paths between two nodes -------------------------------------------------------------------------


@st.cache_data(show_spinner="Finding the paths…")
def paths_both_ways(path: str, marker: str, a: str, b: str, edge_kinds: frozenset[str],
                    limit: int = PATH_LIMIT) -> tuple[Paths, Paths]:
    """Every path from `a` to `b` and from `b` to `a` along `edge_kinds` (at most `limit` each),
    worked out on the part of the store's current graph that lies between them."""
    s = store(path)
    with s.reading():
        ab = {a, b} | (set(s.walk(a, reverse=False, depth=None, edge_kinds=edge_kinds))
                       & set(s.walk(b, reverse=True, depth=None, edge_kinds=edge_kinds)))
        ba = {a, b} | (set(s.walk(b, reverse=False, depth=None, edge_kinds=edge_kinds))
                       & set(s.walk(a, reverse=True, depth=None, edge_kinds=edge_kinds)))
        g = focused.part(s, ab | ba)
    return (paths_between(g, a, b, limit=limit, edge_kinds=edge_kinds),
            paths_between(g, b, a, limit=limit, edge_kinds=edge_kinds))


# -- history -----------------------------------------------------------------------------------------


@st.cache_data(show_spinner="Comparing the two times…")
def history_diff(path: str, marker: str, before: str | None, after: str | None) -> list[dict[str, str]]:
    """The changes from `before` to `after` (ISO times; None is now) as rows, read from the part of
    the graph whose facts changed in between (`focused.changes`), not from two whole graphs."""
    from lineage.diff import diff_graphs, diff_rows

    edge_kinds = {"read", "write", "runs", "grant"}
    parts = focused.changes(store(path), *(datetime.fromisoformat(t) if t else None for t in (before, after)))
    return [dict(r) for r in diff_rows(diff_graphs(*parts, edge_kinds=edge_kinds))]


def safe(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a data function; a store or lineage error becomes a message on the page, not a traceback."""
    try:
        return call(*args, **kwargs)
    except LineageError as exc:
        st.error(f"{type(exc).__name__}: {esc(exc)}")
        st.stop()
