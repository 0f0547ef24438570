"""Check a store: evaluate the policy on its graph, with the reviews kept in the store and in the
project file, and attach the evidence behind each finding's nodes. `lineage check`, the dashboard,
scheduled jobs' monitoring and `lineage explain` all ask this.

Evaluating a million-edge graph takes a while, so the findings (before reviews, which change on
their own) are kept in the store with the graph's generation: while nothing is ingested, and the
policy and the rules' code are the same, the next check reads them instead. After a change that
reaches few nodes (those connected to the nodes it touched, which the store records for each
change), only those nodes are read and evaluated; the findings kept on every other node stand.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from lineage.errors import StoreError
from lineage.graph import LineageGraph
from lineage.policy.engine import apply_reviews, evaluate, with_evidence
from lineage.policy.finding import Finding, Place, sort_key
from lineage.policy.project import PolicyConfig
from lineage.policy.rules import RULES
from lineage.policy.rules.lm024_component_license import forbidding
from lineage.tagging import Tags

RESULT = "findings"
"""The name the findings are kept under in the store."""
_FORMAT = 4
"""How they are kept (`_dumps`); another number, and what was kept before is worked out again."""


def evidence_of(store: Any, node_ids: Sequence[str]) -> dict[str, list[Place]]:
    """(source, line) of the current facts about each node, declared facts first."""
    if not node_ids:
        return {}
    out: dict[str, list[Place]] = {}
    for node, source, line in store.fact_places(sorted(set(node_ids))):
        out.setdefault(node, []).append((source, line))
    return out


def run_check(store: Any, config: PolicyConfig, *, now: datetime | None = None,
              baseline_at: datetime | None = None, about: str | None = None) -> list[Finding]:
    """The findings on the store's current graph with their reviews and evidence: the ones kept
    in the store when the graph, the policy and the rules are unchanged, else worked out (and kept).
    With `about`, only the findings whose nodes or path include that node."""
    baseline = baseline_at or config.baseline_at
    key = _key(config, baseline)
    kept = store.derived(RESULT, key)
    found = _loads(kept, about) if kept is not None else None
    if found is None:
        generation = store.generation()  # before reading: a change meanwhile makes what is kept stale
        found = _again(store, config, key, baseline)
        with contextlib.suppress(StoreError):  # a store this process may only read: right, just not kept
            store.keep_derived(RESULT, key, generation, _dumps(found))
        if about is not None:
            found = [f for f in found if about in f.nodes or about in f.path]
    return _reviewed(found, store, config, now)


REACH_LIMIT = 50_000
"""The most nodes a change may reach for the findings to be worked out again for those alone."""


def _again(store: Any, config: PolicyConfig, key: str, baseline: datetime | None) -> list[Finding]:
    """The findings on the current graph, worked out again: after a change that reaches few nodes
    (the nodes connected to those it touched), for those nodes alone, keeping the findings kept
    before on every other node; else for the whole graph. Rules look along paths, so a finding
    depends only on nodes connected to its own."""
    from lineage.graph import load_graph

    before = store.derived_before(RESULT, key)
    old = _loads(before[1], None) if before is not None else None
    changed = store.changed_since(before[0]) if before is not None and old is not None else None
    region = store.reach(changed, REACH_LIMIT) if changed is not None else None
    if old is None or changed is None or region is None:
        return _unreviewed(load_graph(store), store, config, baseline=baseline)
    affected = region | changed  # removed nodes too: findings through them are gone
    unaffected = [f for f in old if affected.isdisjoint(f.nodes) and affected.isdisjoint(f.path)]
    part = LineageGraph.from_current(store.current_part(region))
    return unaffected + _unreviewed(part, store, config, baseline=baseline)


_PER_RULE = ("title", "fix", "references")
"""What every finding of one rule says alike: kept once per rule."""


def _dumps(findings: list[Finding]) -> bytes:
    """The findings, compact: what each rule says alike once (first line), each evidence place once
    (second line), then one finding a line, so those about one node are found without parsing all."""
    rules: dict[str, dict[str, Any]] = {}
    places: dict[tuple[str, int | None], int] = {}
    rows = []
    for f in findings:
        row = f.model_dump(mode="json", exclude={"status", "review", "evidence"})
        shared = {k: row.pop(k) for k in _PER_RULE}
        if rules.setdefault(f.rule_id, shared) != shared:  # a rule that words them differently: kept as said
            row.update(shared)
        row["evidence"] = [places.setdefault((p[0], p[1]), len(places)) for p in f.evidence]
        rows.append(orjson.dumps(row))
    return zlib.compress(b"\n".join([orjson.dumps(rules), orjson.dumps(list(places)), *rows]), 1)


def _loads(payload: bytes, about: str | None) -> list[Finding] | None:
    """The findings `_dumps` kept (those about one node, with `about`: only the lines naming it are
    parsed); None when they cannot be read (then they are worked out again)."""
    try:
        rules_line, places_line, *lines = zlib.decompress(payload).split(b"\n")
        if about is not None:
            named = orjson.dumps(about)
            lines = [line for line in lines if named in line]
        if not lines:
            return []
        rules, places = orjson.loads(rules_line), orjson.loads(places_line)
        out = []
        for line in lines:
            row = orjson.loads(line)
            if about is None or about in row["nodes"] or about in row["path"]:
                out.append(Finding.model_validate({**rules[row["rule_id"]], **row,
                                                   "evidence": [places[i] for i in row["evidence"]]}))
        return out
    except (ValueError, TypeError, KeyError, zlib.error):  # pydantic's ValidationError is a ValueError
        return None


def check_graph(graph: LineageGraph, store: Any, config: PolicyConfig, *, tags: Tags | None = None,
                now: datetime | None = None, baseline_at: datetime | None = None) -> list[Finding]:
    """The findings on a graph already loaded from `store` (and its tags, when already propagated),
    with reviews and evidence: for a graph as of another time, or one the caller holds anyway."""
    found = _unreviewed(graph, store, config, tags=tags, baseline=baseline_at or config.baseline_at)
    return _reviewed(found, store, config, now)


def _unreviewed(graph: LineageGraph, store: Any, config: PolicyConfig, *, tags: Tags | None = None,
                baseline: datetime | None) -> list[Finding]:
    rules = [forbidding(config.forbidden_licenses) if r.id == "LM024" and config.forbidden_licenses else r
             for r in RULES if r.id not in config.disabled]
    findings = evaluate(graph, rules=rules, custom_rules=config.rules, tags=tags, baseline_at=baseline)
    nodes = [n for f in findings for n in (*f.nodes, *f.path) if n in graph]
    return with_evidence(findings, evidence_of(store, nodes))


def _reviewed(found: list[Finding], store: Any, config: PolicyConfig, now: datetime | None) -> list[Finding]:
    reviews = [*config.reviews, *store.reviews()]
    return sorted(apply_reviews(found, reviews, now or datetime.now(UTC)), key=sort_key)


def _key(config: PolicyConfig, baseline: datetime | None) -> str:
    """What the findings depend on besides the graph: the rules' code and the project's policy."""
    policy = repr((_FORMAT, config.rules, sorted(config.disabled), baseline.isoformat() if baseline else None,
                   sorted(config.forbidden_licenses)))
    return hashlib.blake2b(f"{_code()}\x1f{policy}".encode(), digest_size=16).hexdigest()


@functools.cache
def _code() -> str:
    """A digest of the code findings are worked out by (the policy and tagging packages)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=16)
    for package in ("policy", "tagging"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
