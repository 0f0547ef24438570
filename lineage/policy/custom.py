"""Custom flow rules, written in `lineage.yaml` without code.

A flow rule holds when data can flow (along read and write edges) from a node matching `from` to
a node matching `to`, passing a node matching `through` if given, and no node matching
`not_through`. It reports one finding per matching `to` node, with the path from the nearest
`from` node. A selector matches a node when every field it gives matches:

- `kind` (dataset, process, identity), `role`, `origin` (the derived origin), `environment`,
  `vendor`, `region`, `name` (matched against the name and the full id): a glob or a list of
  globs, case-insensitive;
- `classification`: a glob (or list) that any of the node's derived classifications matches;
- `third_party`: true or false;
- `not`: a selector the node must not match.

Example:
    >>> from lineage.graph import LineageGraph
    >>> rule = FlowRule.model_validate({
    ...     "id": "EU001", "severity": "high", "message": "real PII leaves the EU",
    ...     "from": {"origin": "real", "classification": "pii.*"},
    ...     "to": {"third_party": True, "not": {"region": "eu*"}}})
    >>> g = LineageGraph.from_records(
    ...     nodes=[{"id": "dataset:s:a", "kind": "dataset", "origin": "real", "classifications": ["pii.email"]},
    ...            {"id": "process:https://api.x.com:v1", "kind": "process", "third_party": True, "region": "us"}],
    ...     edges=[("dataset:s:a", "process:https://api.x.com:v1", "read")])
    >>> from lineage.policy.context import PolicyContext
    >>> [f.path for f in rule(PolicyContext.build(g))]
    [('dataset:s:a', 'process:https://api.x.com:v1')]
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from lineage.policy.context import PolicyContext, is_third_party
from lineage.policy.finding import Finding, Severity


def _listed(value: object) -> object:
    return [value] if isinstance(value, str) else value


Globs = Annotated[list[Annotated[str, StringConstraints(min_length=1)]], BeforeValidator(_listed)]


class Selector(BaseModel):
    """Which nodes a flow rule starts at, ends at, or passes (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Globs | None = None
    role: Globs | None = None
    origin: Globs | None = None
    classification: Globs | None = None
    environment: Globs | None = None
    third_party: bool | None = None
    vendor: Globs | None = None
    region: Globs | None = None
    name: Globs | None = None
    not_: Selector | None = Field(default=None, alias="not")

    def matches(self, ctx: PolicyContext, node: str) -> bool:
        """Whether the node matches every field given."""
        attrs = ctx.attrs(node)
        checks: list[tuple[Globs | None, list[str]]] = [
            (self.kind, [str(attrs.get("kind", ""))]),
            (self.role, [str(attrs.get("role") or "")]),
            (self.origin, [ctx.tags.origin(node)]),
            (self.classification, sorted(ctx.tags.classifications(node))),
            (self.environment, [str(attrs.get("environment") or "")]),
            (self.vendor, [str(attrs.get("vendor") or "")]),
            (self.region, [str(attrs.get("region") or "")]),
            (self.name, [str(attrs.get("name") or ""), node]),
        ]
        for globs, values in checks:
            if globs is not None and not any(fnmatch.fnmatchcase(v.casefold(), g.casefold())
                                             for g in globs for v in values if v):
                return False
        if self.third_party is not None and is_third_party(attrs) != self.third_party:
            return False
        return not (self.not_ is not None and self.not_.matches(ctx, node))


class FlowRule(BaseModel):
    """A custom rule: data must not flow from `from` to `to` (through / not through a selector)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
    title: str = ""
    severity: Severity = "high"
    message: Annotated[str, StringConstraints(min_length=1)]
    from_: Selector = Field(alias="from")
    to: Selector
    through: Selector | None = None
    not_through: Selector | None = None
    references: tuple[str, ...] = ()
    fix: str = ""
    source: str = ""
    """Where the rule is written (`FILE:LINE`)."""

    def __call__(self, ctx: PolicyContext) -> Iterator[Finding]:
        """The rule's findings on the context's graph (see the module docstring)."""
        ix = self.index_ids(ctx)
        for target, path in _flows(ctx, self, ix):
            message = self.message.replace("{source}", path[0]).replace("{target}", target)
            finding = ctx.finding(self, nodes=(target,), path=path, message=message)
            yield finding.model_copy(update={"title": self.title or self.message})

    @staticmethod
    def index_ids(ctx: PolicyContext) -> list[str]:
        return ctx.index.ids


def _flows(ctx: PolicyContext, rule: FlowRule, ids: list[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(target, path) for each node matching `to` reachable from a `from` node under the rule."""
    succ = ctx.index.succ
    blocked = [rule.not_through is not None and rule.not_through.matches(ctx, n) for n in ids]
    via = [rule.through is None or rule.through.matches(ctx, n) for n in ids]
    back: dict[tuple[int, bool], tuple[int, bool] | None] = {}
    queue: deque[tuple[int, bool]] = deque()
    for i, node in enumerate(ids):
        if rule.from_.matches(ctx, node) and not blocked[i]:
            state = (i, via[i])
            back[state] = None
            queue.append(state)
    reached: dict[int, tuple[int, bool]] = {}  # target -> the state it was reached from
    is_target: dict[int, bool] = {}
    while queue:
        state = queue.popleft()
        i, passed = state
        for j in succ[i]:
            if blocked[j]:
                continue
            through = passed or via[j]
            if through and j not in reached:
                hit = is_target.get(j)
                if hit is None:
                    hit = is_target[j] = rule.to.matches(ctx, ids[j])
                if hit:
                    reached[j] = state
            nxt = (j, through)
            if nxt not in back:
                back[nxt] = state
                queue.append(nxt)
    for target in sorted(reached):
        path: list[int] = [target]
        at: tuple[int, bool] | None = reached[target]
        while at is not None:
            path.append(at[0])
            at = back[at]
        yield ids[target], tuple(ids[k] for k in reversed(path))


def describe(rule: FlowRule) -> dict[str, Any]:
    """The rule as plain data, for reports."""
    return rule.model_dump(mode="json", by_alias=True, exclude_none=True)
