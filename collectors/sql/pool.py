"""Analysing many distinct statements: from the parse cache first, then in this process for small
inputs or across all cores (`ProcessPoolExecutor`) for large ones. Each statement runs under the
size, nesting and time guards of `guard.Limits`, in whichever process parses it.

The cache is any object with `cached_parses(keys) -> {key: json}` and `cache_parses({key: json})`;
the CLI passes the store. Collectors never open the store themselves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Protocol

from collectors.sql.guard import alarm_handler
from collectors.sql.options import SqlOptions
from collectors.sql.result import StatementResult
from collectors.sql.statements import Analyzer, analyse_text


class ParseCache(Protocol):
    def cached_parses(self, fingerprints: list[str]) -> Mapping[str, str]: ...

    def cache_parses(self, entries: Mapping[str, str]) -> None: ...


_WORKER: Analyzer | None = None


def _init_worker(options: SqlOptions) -> None:
    global _WORKER
    _WORKER = Analyzer.build(options)


def _work(texts: list[str]) -> list[list[StatementResult]]:
    assert _WORKER is not None
    with alarm_handler():
        return [analyse_text(t, _WORKER) for t in texts]


def _encode(results: list[StatementResult]) -> str:
    return "[" + ",".join(r.to_json() for r in results) + "]"


def _decode(text: str) -> list[StatementResult]:
    return [StatementResult.from_dict(d) for d in json.loads(text)]


def analyse_many(
    texts: Sequence[str], keys: Sequence[str], analyzer: Analyzer, cache: ParseCache | None = None
) -> tuple[list[list[StatementResult]], int]:
    """Results for each text (keys are their fingerprints), and how many came from the cache."""
    options = analyzer.options
    suffix = ":" + options.analysis_key() if cache is not None else ""
    cache_keys = [k + suffix for k in keys]
    cached: Mapping[str, str] = {}
    if cache is not None and not analyzer.external:
        cached = cache.cached_parses(list(dict.fromkeys(cache_keys)))
    out: list[list[StatementResult] | None] = [None] * len(texts)
    todo: list[int] = []
    for i, key in enumerate(cache_keys):
        hit = cached.get(key)
        if hit is not None:
            out[i] = _decode(hit)
        else:
            todo.append(i)
    hits = len(texts) - len(todo)
    for i, results in zip(todo, _analyse(texts, todo, analyzer), strict=True):
        out[i] = results
    if cache is not None and todo and not analyzer.external:
        cache.cache_parses({cache_keys[i]: _encode(out[i] or []) for i in todo})
    return [r or [] for r in out], hits


def _analyse(texts: Sequence[str], todo: list[int], analyzer: Analyzer) -> list[list[StatementResult]]:
    """The results of the texts at `todo`: in worker processes when there are enough of them
    (and no external analyser), else here under the statement time limit."""
    options = analyzer.options
    if len(todo) >= options.parallel_threshold and options.worker_count > 1 and not analyzer.external:
        workers = options.worker_count
        size = max(16, len(todo) // (workers * 8))
        chunks = [[texts[i] for i in todo[j : j + size]] for j in range(0, len(todo), size)]
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(replace(options, cache=None),)) as ex:
            return [r for chunk in ex.map(_work, chunks) for r in chunk]
    with alarm_handler():
        return [analyse_text(texts[i], analyzer) for i in todo]
