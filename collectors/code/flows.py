"""How data moves between what a module touches: the edges every act draws.

Confidence: a dataset a function reads or writes directly is an edge of the function's process
(0.9); data that reaches a processor's input is a read edge from each dataset it came from to the
processor (0.8), and a processor's answer written somewhere a write edge from the processor (0.8);
a store read into a chain 0.7; a flow completed through a helper function's parameters keeps 0.9
of that.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from collectors.code.facts import Place, Recorder
from collectors.code.scopes import Pending, Scope
from collectors.code.values import EMPTY, Handle, Value, datasets, params, processors


def constant(value: Value | None) -> str | None:
    return value.const if value is not None else None


def keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def flag(node: ast.Call, name: str) -> bool | None:
    """A keyword argument written as a literal `True` / `False`; None when absent or not a literal."""
    value = keyword(node, name)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, bool) else None


class Flows:
    """The edges; a base of the acts, mixed into `reader.Reader`, which supplies the attributes declared here."""

    rec: Recorder
    module: str
    defaults: list[Handle]
    place: Callable[[ast.AST | None], Place]
    warn: Callable[[str, int | None], None]

    def function(self, sc: Scope, place: Place) -> str:
        return self.rec.function(sc.name, place)

    def flow_in(self, sc: Scope, value: Value, node: str, place: Place, confidence: float = 0.8) -> None:
        """The data of `value` reaches the process `node`."""
        for d in datasets(value.taint):
            self.rec.read(d, node, place, confidence)
        for i in params(value.taint):
            sc.pending.append(Pending("read", i, node, place.source, place.line, confidence))

    def flow_out(self, sc: Scope, value: Value, node: str, place: Place, confidence: float = 0.8) -> None:
        """The data of `value` is written to the dataset `node`: by the processors it came from, and
        by this function, which read the datasets it came from."""
        for p in processors(value.taint):
            self.rec.write(p, node, place, confidence)
        sources = [d for d in datasets(value.taint) if d != node]
        if sources:
            step = self.function(sc, place)
            for d in sources:
                self.rec.read(d, step, place, confidence)
            self.rec.write(step, node, place, confidence)
        for i in params(value.taint):
            sc.pending.append(Pending("write", i, node, place.source, place.line, confidence))

    def reads(self, sc: Scope, dataset: str | None, place: Place) -> Value:
        if dataset is None:
            return EMPTY
        self.rec.read(dataset, self.function(sc, place), place, 0.9)
        return Value(taint=frozenset({dataset}))

    def writes(self, sc: Scope, dataset: str | None, data: Value, place: Place) -> None:
        if dataset is None:
            return
        self.rec.write(self.function(sc, place), dataset, place, 0.9)
        self.flow_out(sc, data, dataset, place)

    def invoke(self, handle: Handle, inputs: Value, sc: Scope, place: Place) -> Value:
        """A model, agent or chain run on `inputs`: they and its retrievers' data reach its processors."""
        for store in sorted(handle.datasets):
            self.reads(sc, store, place)
        for proc in sorted(handle.processors):
            self.flow_in(sc, inputs, proc, place)
            for store in sorted(handle.datasets):
                self.rec.read(store, proc, place, 0.7)
        return Value(taint=inputs.taint | handle.processors | handle.datasets)
