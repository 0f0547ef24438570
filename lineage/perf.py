"""Helpers for the few hot loops that build millions of small objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_FREEZE = False


def freeze_after_pauses() -> None:
    """For a process that ends soon (a CLI command): when a pause ends, what was built is frozen
    (`gc.freeze`), so the collector never walks it again. Without this, the first collection after
    a pause walks every object the pause let pile up (seconds, for a million-edge graph). Frozen
    objects that later become unreachable cycles stay until the process ends, which is why the
    long-running endpoint, scheduler and dashboard do not ask for it."""
    global _FREEZE
    _FREEZE = True


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that all stay alive.

    The collector's passes over a growing heap make such loops quadratic-looking; nothing built
    here forms cycles that need it. Reference counting still frees everything as usual.

    Example:
        >>> with paused_gc():
        ...     rows = [[i] for i in range(3)]
        >>> import gc; gc.isenabled()
        True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if _FREEZE:
                gc.freeze()
            gc.enable()
