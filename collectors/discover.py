"""Finding sources under the paths a user gives and running the right collector on each.

Directories are walked recursively without following symbolic links to folders (so link loops
cannot trap the walk; a linked folder inside the walked one is walked under its own path anyway);
a symbolic link to a file is read only when the file it leads to is inside the folder being walked.
A link that leads out of that folder, to a file or a folder, is skipped with a warning naming the
link and where it leads, so `x.sql -> /etc/passwd` never reaches the store. A path given explicitly
is followed even when it is itself a link: the user named it. Version-control, virtualenv and cache
folders are skipped, and so are the folders dbt writes inside a dbt project (a folder holding
`dbt_project.yml`): `<target-path>/run` and `<target-path>/compiled` (compiled copies of the models,
which would read as plain SQL and name `__dbt_tmp` tables), `<packages-install-path>` and
`<log-path>` (`target`, `dbt_packages` and `logs` unless the project file says otherwise); the
project's `target/manifest.json` and `target/catalog.json` are read. Each file is offered to every
collector's `detect`; files nobody recognises inside a directory are skipped quietly and counted,
while a file named explicitly that nobody recognises is a problem. Nothing here touches the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.base import (
    GZIP_MAGIC,
    Collector,
    Source,
    StreamsFiles,
    available_collectors,
    configured,
    detecting,
    get_collector,
)
from collectors.dbt.project import PROJECT_FILE as DBT_PROJECT_FILE
from collectors.dbt.project import generated_folders
from lineage.errors import CollectorError
from lineage.models import LineageBatch, Problem, RawInput
from lineage.store.base import RawInputRow

HEAD_BYTES = 4096
STREAM_OVER_BYTES = 8 << 20
"""Files larger than this are streamed in chunks by collectors that can (`collect_path`)."""
STREAM_CHUNK_EVENTS = 2000
# Folders that never hold sources. Other hidden folders are searched: MCP clients keep their
# configs in .cursor/, .vscode/, .claude/ and the like, and .mcp.json is a hidden file.
SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".git", ".hg", ".svn", ".venv", "venv", ".tox",
                       ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", ".idea"})


@dataclass
class Plan:
    """What a collect run will read: (collector, file) pairs, plus problems met while looking."""

    work: list[tuple[Collector, Path]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0


def _leaves(link: Path, inside: Path, root: Path, problems: list[Problem]) -> bool:
    """Whether the symbolic link `link` leads out of the folder `inside` (the real path of the
    walked `root`); if so, a warning naming the link and where it leads goes to `problems`."""
    target = Path(os.path.realpath(link))
    if target.is_relative_to(inside):
        return False
    problems.append(Problem(
        severity="warning", source=str(link),
        message=f"a symbolic link to {target}, outside {root}: not followed, not read"))
    return True


def _walk(root: Path, problems: list[Problem]) -> Iterator[Path]:
    """The files under `root`, sorted; symbolic links and skipped folders as the module docstring says."""
    inside = Path(os.path.realpath(root))
    generated: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        if DBT_PROJECT_FILE in filenames:
            generated |= generated_folders(Path(dirpath))
        kept = []
        for name in sorted(dirnames):
            folder = Path(dirpath) / name
            if name in SKIP_DIRS or folder in generated:
                continue
            if folder.is_symlink():  # never descended (see above); warned about when it leads out
                _leaves(folder, inside, root, problems)
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            file = Path(dirpath) / name
            if name in (".DS_Store", ".gitignore", ".gitattributes"):
                continue
            if file.is_symlink() and _leaves(file, inside, root, problems):
                continue
            yield file


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(HEAD_BYTES)


def _detect(path: Path, forced: Collector | None) -> Collector | None:
    """The collector that recognises `path`: `forced` if it does (given by `--kind`), else the first
    of those that may (`detecting`)."""
    head = _head(path)
    for collector in [forced] if forced else detecting(path):
        if collector.detect(path, head):
            return collector
    return None


def plan(paths: list[str | Path], *, kind: str | None = None) -> Plan:
    """Decide which collector reads which file.

    Raises:
        CollectorError: `kind` names no collector.
    """
    forced = get_collector(kind) if kind else None
    out = Plan()
    for given in paths:
        path = Path(given)
        if not path.exists() and not path.is_symlink():
            out.problems.append(Problem(message="no such file or directory", source=str(path)))
        elif path.is_dir():
            found = 0
            for file in _walk(path, out.problems):
                try:
                    collector = _detect(file, forced) if file.is_file() else None
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
                collector = forced or _detect(path, None)
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

    Gzip data read by a collector that streams is held to the same limit on what it expands to as
    in `collect_file_batches` (the larger of `max_bytes` and the file's size): past it, the events
    before the limit are kept, with a problem naming the file.

    `options` maps a collector name to its options (e.g. `{"sql": {"dialect": "snowflake"}}`), for
    the collectors that take options (`TakesOptions`).
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CollectorError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
        given = (options or {}).get(collector.name)
        collector = configured(collector, given)
        limit = max(max_bytes, size)
        if isinstance(collector, StreamsFiles) and data.startswith(GZIP_MAGIC) and _expands_beyond(data, limit):
            # a small gzip file can expand to gigabytes (of spaces, say): read it only up to the
            # limit, keeping the events before it, with a problem saying where reading stopped
            return _one_batch(collector.name, name, collector.collect_path(path, chunk_events=STREAM_CHUNK_EVENTS,
                                                                           max_bytes=limit))
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


def _expands_beyond(data: bytes, limit: int) -> bool:
    from collectors.openlineage.files import gzip_expands_beyond

    return gzip_expands_beyond(data, limit)


def _one_batch(collector: str, name: str, batches: Iterable[LineageBatch]) -> LineageBatch:
    """The batches of one streamed file as one: their facts and problems, their raw texts joined."""
    out = LineageBatch(collector=collector, source=name)
    raw: RawInput | None = None
    texts: list[bytes] = []
    for batch in batches:
        out.facts.extend(batch.facts)
        out.problems.extend(batch.problems)
        if batch.raw is not None:
            raw = raw or batch.raw
            texts.append(batch.raw.content)
    if raw is not None:
        out.raw = raw.model_copy(update={"content": b"\n".join(texts)})
    if not out.facts and not out.problems:
        out.problem("no events in this file")
    return out


def collect_file_batches(collector: Collector, path: Path, *, max_bytes: int,
                         options: Mapping[str, Mapping[str, Any]] | None = None,
                         stream: bool = True, known: Callable[[bytes], bool] | None = None) -> Iterator[LineageBatch]:
    """Like `collect_file`, as batches to store one after another: a large file read by a collector
    that streams (`StreamsFiles`, e.g. OpenLineage event logs)
    comes in chunks, so memory stays flat, and is not refused for its size (`max_bytes` then limits
    only what compressed data expands to beyond the file's own size); anything else comes as the
    one batch of `collect_file`.

    `stream=False` (e.g. `--strict`, which must see every problem before storing anything) always
    gives one batch. `known` tells a streamed chunk stored before by its raw content: such chunks
    are not mapped again and make no batch.
    """
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if (not stream or not isinstance(collector, StreamsFiles) or size <= STREAM_OVER_BYTES
            or (options or {}).get(collector.name)):
        yield collect_file(collector, path, max_bytes=max_bytes, options=options)
        return
    name = str(path)
    any_batch = False

    def stored_before(raw: bytes) -> bool:
        nonlocal any_batch
        hit = known is not None and known(raw)
        any_batch = any_batch or hit
        return hit

    try:
        # Memory stays flat however large the file: only what it decompresses to beyond its own
        # size is held to the limit (a gzip bomb stops there, with a problem saying so).
        for batch in collector.collect_path(path, chunk_events=STREAM_CHUNK_EVENTS, max_bytes=max(max_bytes, size),
                                            known=stored_before):
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
    collector = configured(get_collector(raw.collector), {**(context or {}), **raw.options})
    batch = collector.collect(Source(name=raw.source, data=raw.content))
    if batch.raw is not None:
        batch.raw = batch.raw.model_copy(update={"append_only": raw.append_only, "options": raw.options})
    return batch
