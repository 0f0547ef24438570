"""Finding sources under the paths a user gives and running the right collector on each.

Directories are walked recursively without following symbolic links (so link loops cannot trap
the walk); version-control, virtualenv and cache folders are skipped. Each file is offered to every
collector's `detect`; files nobody recognises inside a directory are skipped quietly and counted,
while a file named explicitly that nobody recognises is a problem. Nothing here touches the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.base import Collector, Source, available_collectors, get_collector
from lineage.errors import CollectorError
from lineage.models import LineageBatch, Problem
from lineage.store.base import RawInputRow

HEAD_BYTES = 4096
STREAM_OVER_BYTES = 8 << 20
"""Files larger than this are streamed in chunks by collectors that can (`collect_path`)."""
STREAM_CHUNK_EVENTS = 2000
# Folders that never hold sources. Other hidden folders are searched: MCP clients keep their
# configs in .cursor/, .vscode/, .claude/ and the like, and .mcp.json is a hidden file.
SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".git", ".hg", ".svn", ".venv", "venv", ".tox",
                       ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", ".idea",
                       "dbt_packages", "logs"})


@dataclass
class Plan:
    """What a collect run will read: (collector, file) pairs, plus problems met while looking."""

    work: list[tuple[Collector, Path]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name not in (".DS_Store", ".gitignore", ".gitattributes"):
                yield Path(dirpath) / name


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(HEAD_BYTES)


def _detect(path: Path, collectors: list[Collector]) -> Collector | None:
    head = _head(path)
    for collector in collectors:
        if collector.detect(path, head):
            return collector
    return None


def plan(paths: list[str | Path], *, kind: str | None = None) -> Plan:
    """Decide which collector reads which file.

    Raises:
        CollectorError: `kind` names no collector.
    """
    collectors = [get_collector(kind)] if kind else list(available_collectors().values())
    out = Plan()
    for given in paths:
        path = Path(given)
        if not path.exists() and not path.is_symlink():
            out.problems.append(Problem(message="no such file or directory", source=str(path)))
        elif path.is_dir():
            found = 0
            for file in _walk(path):
                try:
                    collector = _detect(file, collectors) if file.is_file() else None
                except OSError as exc:
                    out.problems.append(Problem(message=f"cannot read: {exc.strerror}", source=str(file)))
                    continue
                if collector is None:
                    out.skipped += 1
                else:
                    out.work.append((collector, file))
                    found += 1
            if not found:
                what = f"{kind} sources" if kind else "sources of any known kind"
                out.problems.append(Problem(message=f"no {what} found in this directory", source=str(path)))
        elif not path.is_file():
            out.problems.append(Problem(message="not a regular file", source=str(path)))
        else:
            try:
                collector = collectors[0] if kind else _detect(path, collectors)
            except OSError as exc:
                out.problems.append(Problem(message=f"cannot read: {exc.strerror}", source=str(path)))
                continue
            if collector is None:
                out.problems.append(Problem(
                    message="no collector recognises this file; name its kind with --kind "
                    f"({', '.join(sorted(available_collectors()))})", source=str(path)))
            else:
                out.work.append((collector, path))
    return out


def collect_file(collector: Collector, path: Path, *, max_bytes: int,
                 options: Mapping[str, Mapping[str, Any]] | None = None) -> LineageBatch:
    """Run one collector on one file; unreadable or oversized files give a batch with one problem.

    `options` maps a collector name to its options (e.g. `{"sql": {"dialect": "snowflake"}}`); a
    collector that takes options has `with_options(mapping) -> Collector`.
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CollectorError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
        given = (options or {}).get(collector.name)
        configure = getattr(collector, "with_options", None)
        if given and configure is not None:
            collector = configure(given)
        batch = collector.collect(Source(name=name, data=data, path=path))
        if given and batch.raw is not None:
            # plain options are kept with the raw input, so a rebuild reads it the same way
            plain = {k: v for k, v in given.items() if isinstance(v, str | int | float | bool)}
            batch.raw = batch.raw.model_copy(update={"options": plain})
        return batch
    except OSError as exc:
        message = f"cannot read: {exc.strerror or exc}"
    except CollectorError as exc:
        message = str(exc)
    batch = LineageBatch(collector=collector.name, source=name)
    batch.problem(message)
    return batch


def collect_file_batches(collector: Collector, path: Path, *, max_bytes: int,
                         options: Mapping[str, Mapping[str, Any]] | None = None,
                         stream: bool = True) -> Iterator[LineageBatch]:
    """Like `collect_file`, as batches to store one after another: a large file read by a collector
    that streams (`collect_path(path, chunk_events=..., max_bytes=...)`, e.g. OpenLineage event logs)
    comes in chunks, so memory stays flat, and is not refused for its size (`max_bytes` then limits
    only what compressed data expands to beyond the file's own size); anything else comes as the
    one batch of `collect_file`.

    `stream=False` (e.g. `--strict`, which must see every problem before storing anything) always
    gives one batch.
    """
    streaming = getattr(collector, "collect_path", None)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if not stream or streaming is None or size <= STREAM_OVER_BYTES or (options or {}).get(collector.name):
        yield collect_file(collector, path, max_bytes=max_bytes, options=options)
        return
    name = str(path)
    any_batch = False
    try:
        # Memory stays flat however large the file: only what it decompresses to beyond its own
        # size is held to the limit (a gzip bomb stops there, with a problem saying so).
        for batch in streaming(path, chunk_events=STREAM_CHUNK_EVENTS, max_bytes=max(max_bytes, size)):
            any_batch = True
            yield batch
    except CollectorError as exc:
        batch = LineageBatch(collector=collector.name, source=name)
        batch.problem(str(exc))
        yield batch
        return
    if not any_batch:
        batch = LineageBatch(collector=collector.name, source=name)
        batch.problem("no events in this file")
        yield batch


def recollect(raw: RawInputRow, context: Mapping[str, Any] | None = None) -> LineageBatch:
    """Collect a kept raw input again, with the collector and options it was first read with.

    `context` adds options that are not kept with the input because they come from the store
    (for SQL: the schemas known so far and the parse cache).

    Raises:
        CollectorError: its collector is no longer available.
    """
    collector = get_collector(raw.collector)
    configure = getattr(collector, "with_options", None)
    given = {**(context or {}), **raw.options}
    if given and configure is not None:
        collector = configure(given)
    batch = collector.collect(Source(name=raw.source, data=raw.content))
    if batch.raw is not None:
        batch.raw = batch.raw.model_copy(update={"append_only": raw.append_only, "options": raw.options})
    return batch
