"""Work done ahead in a second process: the items of a generator made by a worker process while
this one uses the ones before, so both cores work (a large event log is read, mapped and turned
into rows by the worker while this process stores the chunks before; the store keeps one writer).

The worker is started fresh (`spawn`: nothing of this process's open store or threads is copied),
runs the generator to its end, and hands over at most `depth` items at a time, so memory stays flat
however long the generator runs. An exception in the worker is raised here; leaving the loop early
stops the worker.

Example:
    >>> list(ahead(range, 3))
    [0, 1, 2]
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from lineage.errors import LineageError

T = TypeVar("T")

POLL_S = 0.5
"""How often the wait for the next item checks that the worker is still alive."""


class WorkerDied(LineageError):
    """The worker process ended without finishing (killed, out of memory)."""


def ahead(make: Callable[..., Iterable[T]], *args: Any, depth: int = 2) -> Iterator[T]:
    """The items of `make(*args)`, made in a worker process (`make` and `args` must pickle; `make` a
    module-level function)."""
    context = multiprocessing.get_context("spawn")
    handover: multiprocessing.Queue[tuple[str, Any]] = context.Queue(maxsize=depth)
    worker = context.Process(target=_run, args=(handover, make, args), daemon=True, name="lineage-ahead")
    worker.start()
    try:
        while True:
            try:
                what, item = handover.get(timeout=POLL_S)
            except queue.Empty:
                if not worker.is_alive():
                    raise WorkerDied("the worker process stopped without finishing "
                                     f"(exit code {worker.exitcode})") from None
                continue
            if what == "item":
                yield item
            elif what == "error":
                raise item
            else:
                return
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        handover.close()


def _run(handover: multiprocessing.Queue[tuple[str, Any]], make: Callable[..., Iterable[Any]],
         args: tuple[Any, ...]) -> None:
    try:
        for item in make(*args):
            handover.put(("item", item))
    except BaseException as exc:  # every failure is handed over, to be raised there
        handover.put(("error", _picklable(exc)))
    else:
        handover.put(("done", None))


def _picklable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a `LineageError` with its message."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - bytes this line just made
    except Exception:  # any exception that cannot cross is replaced by its text
        return LineageError(f"{type(exc).__name__}: {exc}")
    return exc
