"""Collect sources into a store: plan the files, run their collectors, store what they found.

The one place where collectors meet the store for `lineage collect`, `lineage demo`, `lineage
store rebuild` and the benchmarks; scheduled jobs read their sources incrementally
(`lineage.services.jobs`) but take their SQL options from here too.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage.models import LineageBatch, Problem
from lineage.perf import paused_gc
from lineage.project import Project
from lineage.services.fold import open_current
from lineage.services.progress import Progress, Quiet
from lineage.store import RawInputRow, RunRecord, Store, StoreWriter
from lineage.store.base import SourceState

if TYPE_CHECKING:
    from collectors.base import TailsLogs
    from lineage.store.facts import Prepared

GROUP_FACTS = 20_000
"""Facts stored in one transaction of a collect, at most (unless one source states more)."""
LOGS = ":collect"
"""Under which `lineage collect` keeps where it read event logs up to (no job can have this name)."""


@dataclass
class CollectResult:
    """What one collect did."""

    sources: int = 0
    facts: int = 0
    """Fact rows the store gained."""
    unchanged: int = 0
    refused: int = 0
    """Sources that had problems and stored nothing (`strict`)."""
    problems: list[Problem] = field(default_factory=list)
    ignored_files: int = 0
    path_problems: int = 0
    """Errors with the paths themselves (a missing path): usage errors."""

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")


def sql_options(store: Store, given: dict[str, Any]) -> dict[str, Any]:
    """SQL collector options: the flags, the parse cache (the store) and the schemas it knows."""
    from collectors.sql.schema import load_schema_file

    known: dict[str, Any] = store.dataset_columns()
    if given.get("schema"):
        known.update(load_schema_file(given["schema"]))
    return {**given, "schema": known or None, "cache": store}


def collect(project: Project, paths: Sequence[str | Path], *, kind: str | None = None, strict: bool = False,
            command: str = "collect", sql: dict[str, Any] | None = None,
            progress: Progress | None = None) -> CollectResult:
    """Collect `paths` into the project's store, recording the run; collectors take the options
    the project file gives them (`sql` adds the SQL flags).

    A large event log comes in chunks (flat memory), stored through one write session; `strict`
    reads each file whole first and stores nothing from one with a problem.
    """
    from collectors.base import TailsLogs
    from collectors.discover import collect_file_batches, plan

    shown = progress or Quiet()
    settings = project.settings
    store = open_current(settings.db, lock_timeout=settings.lock_timeout)
    store.migrate()
    run = RunRecord(run_id=uuid.uuid4().hex, command=command, started_at=datetime.now(UTC))
    work = plan(list(paths), kind=kind)
    result = CollectResult(sources=len(work.work), problems=list(work.problems), ignored_files=work.skipped,
                           path_problems=sum(p.severity == "error" for p in work.problems))
    options = project.collector_options()
    stored = store.snapshot_hashes([str(path) for _, path in work.work])
    logs = store.source_states(LOGS)
    task = shown.begin("collecting", len(work.work))
    with store.writer(max_hold_s=5.0) as session:  # one session: the file is opened once, let go when others wait
        group = _Group(session, store, result)
        for collector, path in work.work:
            shown.advance(task, 0, label=f"collecting {path.name}")
            if _unchanged(stored.get((collector.name, str(path))), path):
                result.unchanged += 1
                shown.advance(task)
                continue
            if not strict and isinstance(collector, TailsLogs) and collector.tails(path):
                group.files += 1
                _collect_log(collector, path, logs.get(str(path)), group, shown, settings.max_source_bytes)
                shown.advance(task)
                continue
            if collector.name == "sql" and "sql" not in options:
                group.flush()  # the schemas known are those of what was collected before
                options["sql"] = sql_options(store, sql or {})
            group.files += 1
            within = _file_task(shown, path)
            # A large file's chunks build many objects that live until stored: the cyclic collector
            # is paused for the file, not once per chunk (each pause's end starts a pass over them all).
            with paused_gc() if within is not None else nullcontext():
                for batch in collect_file_batches(collector, path, max_bytes=settings.max_source_bytes,
                                                  options=options, stream=not strict,
                                                  known=partial(store.holds, collector.name)):
                    if within is not None and batch.raw:
                        shown.advance(within, len(batch.raw.content) + 1)
                    result.problems.extend(batch.problems)
                    if strict and batch.problems:
                        result.refused += 1
                        group.changed.add(path)
                    else:
                        group.add(path, batch)
            if within is not None:
                shown.end(within)
            shown.advance(task)
        group.flush()
        result.unchanged += group.files - len(group.changed)
    shown.end(task)
    run.finished_at = datetime.now(UTC)
    run.sources, run.facts, run.problems = result.sources, result.facts, len(result.problems)
    run.status = "failed" if result.errors else "ok"
    run.detail = {"paths": [str(p) for p in paths], "skipped_unchanged": result.unchanged,
                  "refused": result.refused}
    store.record_run(run)
    return result


def _collect_log(collector: TailsLogs, path: Path, prev: SourceState | None, group: _Group, shown: Progress,
                 max_bytes: int) -> None:
    """The lines of an event log appended since it was last collected (`prev`), with what the
    earlier lines taught; nothing at all when the file is untouched since."""
    from lineage.services.logs import TransientError, read_log, untouched

    try:
        st = path.stat()
        if untouched(prev, st):
            return
        within = _file_task(shown, path)
        # a log is read whole however large (flat memory): `max_bytes` bounds only what gzip expands to
        steps = read_log(collector, str(path), path, st, prev, job=LOGS, max_bytes=max(max_bytes, st.st_size),
                         stage=group.store.stage_facts)
        with paused_gc() if within is not None else nullcontext():  # as for other large files
            for step in steps:
                if step.batch is not None:
                    group.result.problems.extend(step.batch.problems)
                    if within is not None and step.batch.raw:
                        shown.advance(within, len(step.batch.raw.content))
                group.add(path, step.batch, step.state)
        if within is not None:
            shown.end(within)
    except (OSError, TransientError) as exc:
        group.result.problems.append(Problem(message=f"cannot read: {exc}", source=str(path)))


@dataclass
class _Group:
    """Batches stored together, in one transaction when enough of them wait (a few hundred small
    sources) or one is large: many small files cost one refresh of the current graph, not one each."""

    session: StoreWriter
    store: Store
    result: CollectResult
    files: int = 0
    """Files read so far."""
    changed: set[Path] = field(default_factory=set)
    """Files of which something new was stored, or that were refused."""
    waiting: list[tuple[Path, LineageBatch | Prepared]] = field(default_factory=list)
    states: list[SourceState] = field(default_factory=list)
    """Where the logs of the waiting batches were read up to: saved once those are stored."""
    facts: int = 0

    def add(self, path: Path, batch: LineageBatch | Prepared | None, state: SourceState | None = None) -> None:
        if batch is not None:
            self.waiting.append((path, batch))
            self.facts += (len(batch.facts) if isinstance(batch, LineageBatch) else len(batch.rows.facts)) + 1
        if state is not None:
            self.states.append(state)
        if self.facts >= GROUP_FACTS:
            self.flush()

    def flush(self) -> None:
        results = self.session.ingest_all([batch for _, batch in self.waiting]) if self.waiting else []
        for (path, _), ingested in zip(self.waiting, results, strict=True):
            self.result.facts += ingested.facts
            if not ingested.skipped:
                self.changed.add(path)
        self.store.save_source_states(self.states)
        self.waiting, self.states, self.facts = [], [], 0


def _unchanged(stored_sha: str | None, path: Path) -> bool:
    """Whether the file holds what the store keeps as its current snapshot (`stored_sha`, the hash
    of its content then): nothing to read again. Files that do not fit in memory are left to their
    collector, which reads them in chunks."""
    from collectors.discover import STREAM_OVER_BYTES

    if stored_sha is None:
        return False
    try:
        if path.stat().st_size > STREAM_OVER_BYTES:
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == stored_sha
    except OSError:
        return False  # the collector says what is wrong with it


def _file_task(progress: Progress, path: Path) -> object | None:
    """A task for a file large enough to be read in chunks: its bytes (no total when gzipped,
    since what it expands to is not known)."""
    from collectors.discover import STREAM_OVER_BYTES

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            gzipped = fh.read(2) == b"\x1f\x8b"
    except OSError:
        return None
    if size <= STREAM_OVER_BYTES:
        return None
    return progress.begin(f"  {path.name}", None if gzipped else size)


@dataclass
class RebuildResult:
    inputs: int = 0
    facts: int = 0
    problems: list[Problem] = field(default_factory=list)


def rebuild(source: Store, target: Store, *, options: Mapping[str, Mapping[str, Any]] | None = None,
            progress: Progress | None = None) -> RebuildResult:
    """Collect every raw input `source` keeps again, oldest first, each with the options it was
    first read with (over the project's `options` by collector), into the empty store `target`."""
    from collectors.discover import recollect

    shown = progress or Quiet()
    target.migrate()
    raws: list[RawInputRow] = list(source.raw_inputs())
    result = RebuildResult(inputs=len(raws))
    sql_context: dict[str, Any] | None = None
    task = shown.begin("rebuilding", len(raws))
    for raw in raws:
        if raw.collector == "sql" and sql_context is None:  # as `collect` does at its first SQL source
            sql_context = sql_options(target, {})
        batch = recollect(raw, sql_context if raw.collector == "sql" else (options or {}).get(raw.collector))
        result.problems.extend(batch.problems)
        result.facts += target.ingest(batch).facts
        shown.advance(task)
    shown.end(task)
    return result
