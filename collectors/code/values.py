"""What an expression evaluates to, as far as lineage cares.

A `Value` carries its *taint* (the ids of the datasets and processors its data came from, and
`param:<i>` for a function's own parameters while its summary is worked out), a `Handle` when it
is an object the collector knows (an SDK client, a model object, a vector store, a connection),
its text when it is a literal or a module constant, and the place it was downloaded from.

Example:
    >>> a = Value(taint=frozenset({"dataset:file:x"}))
    >>> b = Value(const="gpt-4o")
    >>> sorted(join([a, b]).taint), join([a, b]).const
    (['dataset:file:x'], None)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

PARAM = "param:"


@dataclass(frozen=True)
class Handle:
    """An object the collector knows. `kind` picks its method rows (`openai`, `s3`, `chroma`, ...)
    or its generic behaviour (`model`, `store`, `composite`, `sql`, `http`, `mcp`, `synthetic`)."""

    kind: str
    family: str | None = None
    endpoint: str | None = None
    region: str | None = None
    deployment: str | None = None
    model: str | None = None
    processors: frozenset[str] = frozenset()
    datasets: frozenset[str] = frozenset()
    namespace: str | None = None
    dialect: str | None = None
    database: str | None = None
    server: str | None = None
    secrets: tuple[tuple[str, int], ...] = ()

    def merged(self, other: Handle) -> Handle:
        return replace(self, kind="composite" if other.kind != self.kind else self.kind,
                       processors=self.processors | other.processors, datasets=self.datasets | other.datasets)


@dataclass(frozen=True)
class Value:
    taint: frozenset[str] = frozenset()
    handle: Handle | None = None
    const: str | None = None
    url: str | None = None
    items: tuple[Value, ...] = field(default=(), compare=False)
    choices: tuple[str, ...] = ()
    """The literals an expression may be (`A if cond else B`), when it is one of several."""

    @property
    def literals(self) -> tuple[str, ...]:
        return (self.const,) if self.const is not None else self.choices

    def with_taint(self, more: Iterable[str]) -> Value:
        return replace(self, taint=self.taint | frozenset(more))


EMPTY = Value()


def join(values: Iterable[Value]) -> Value:
    """One value holding the data of all `values` (a container, a string built from them); their
    handles combine into a composite when any carries processors or datasets."""
    taint: set[str] = set()
    handle: Handle | None = None
    url: str | None = None
    for v in values:
        taint |= v.taint
        url = url or v.url
        if v.handle is not None and (v.handle.processors or v.handle.datasets or v.handle.kind == "mcp"):
            handle = v.handle if handle is None else handle.merged(v.handle)
    return Value(frozenset(taint), handle, None, url)


def datasets(taint: Iterable[str]) -> list[str]:
    return sorted(t for t in taint if t.startswith("dataset:"))


def processors(taint: Iterable[str]) -> list[str]:
    return sorted(t for t in taint if t.startswith("process:"))


def params(taint: Iterable[str]) -> list[int]:
    return sorted(int(t[len(PARAM):]) for t in taint if t.startswith(PARAM))
