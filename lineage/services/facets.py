"""The facets producers sent about a node: a process's latest event, or the newest event entry that
names a dataset (by its name or a symlink) with facets, among the latest events of its readers and
writers. What `lineage explain` and the dashboard's Node detail show; read from the kept events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DATASET_EVENTS = 20
"""How many of the latest events of a dataset's readers and writers are searched for its facets."""


def node_facets(store: Any, node_id: str, kind: str,
                aliases: Iterable[str] = ()) -> tuple[Mapping[str, Any] | None, list[tuple[str, str, str]]]:
    """The event the facets come from (None: no event has any) and its facets as (where, facet,
    what became of it: read into the attributes, or the facet as JSON)."""
    if kind == "process":
        events = store.latest_events([node_id])
    elif kind == "dataset":
        jobs = sorted({t if s == node_id else s for s, t, _ in store.links([node_id], ("read", "write"))})
        events = store.latest_events(jobs, DATASET_EVENTS)
    else:
        events = []
    if not events:  # the collector's readers are not even imported
        return None, []
    from collectors.openlineage.datasets import entry_naming
    from collectors.openlineage.facets import entry_facets, event_facets

    if kind == "process":
        return events[0], event_facets(events[0])
    found = entry_naming(events, {node_id, *aliases})
    return (found[0], entry_facets(found[1])) if found else (None, [])


def about(event: Mapping[str, Any], *, job: bool = False) -> str:
    """What an event is, in a few words: its type, time, (job) and run."""
    run, named = event.get("run"), event.get("job")
    by = f", job {named.get('name')}" if job and isinstance(named, Mapping) else ""
    return (f"{event.get('eventType')} at {event.get('eventTime')}{by}, run "
            f"{run.get('runId') if isinstance(run, Mapping) else None}")
