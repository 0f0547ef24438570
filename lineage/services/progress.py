"""How a long service tells whoever runs it how far it is: the CLI draws bars, others stay quiet."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Tasks with a label and a total (None: not known), advanced as work is done.

    `begin` returns a handle for `advance` and `end`; a task may be begun inside another.
    """

    def begin(self, label: str, total: int | None) -> object: ...

    def advance(self, task: object, amount: int = 1, *, label: str | None = None) -> None: ...

    def end(self, task: object) -> None: ...


class Quiet:
    """Progress nobody watches."""

    def begin(self, label: str, total: int | None) -> object:
        return None

    def advance(self, task: object, amount: int = 1, *, label: str | None = None) -> None:
        return None

    def end(self, task: object) -> None:
        return None
