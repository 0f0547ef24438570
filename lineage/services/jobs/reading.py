"""Reading a source incrementally: only what changed since the job last read it.

- A file whose size, mtime and inode are unchanged is not opened. A changed file is hashed; the
  same bytes as last time store nothing; new bytes are collected whole by the file's collector.
- An event log (an OpenLineage JSON-lines file: the file transport appends one event per line) is
  read from where the last run stopped, with what the lines before taught (`lineage.services.logs`),
  at most 2,000 events a batch; the position is saved after each batch, so a killed run resumes
  where it stopped.
- A URL is fetched with `If-None-Match`/`If-Modified-Since`; a 304 or identical bytes store nothing.
- A connection string (`postgres://`, `postgresql://`, `duckdb://PATH`) is read by the collector
  that reads its scheme (`ReadsLocations`: the catalog collector), or the one named; a catalog whose
  snapshot is unchanged stores nothing, a changed one replaces the previous snapshot (so dropped
  tables leave the current graph and stay in the history).

Network errors, HTTP 429 and 5xx raise `TransientError`, which the runner retries with backoff.
Every other failure is a problem in the run, never an exception.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from collectors.base import (
    Collector,
    ReadsLocations,
    Source,
    TailsLogs,
    available_collectors,
    configured,
    get_collector,
    location_collector,
)
from lineage.errors import CollectorError
from lineage.models import LineageBatch, Problem
from lineage.services.jobs.sources import SourceRef
from lineage.services.logs import Step, TransientError, read_log, untouched
from lineage.store.base import SourceState
from lineage.store.facts import Stage


def _problem(ref: SourceRef, message: str, severity: str = "error") -> Step:
    level = "warning" if severity == "warning" else "error"
    return Step(problems=[Problem(severity=level, message=message, source=ref.name)], note=message)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_source(ref: SourceRef, prev: SourceState | None, *, job: str,
                options: Mapping[str, Mapping[str, Any]], max_bytes: int, timeout: float,
                stage: Stage | None = None) -> Iterator[Step]:
    """The steps of reading one source after `prev` (None: never read); `stage` (the store's
    `stage_facts`) lets a large event log be read by a worker process (`read_log`).

    Raises:
        TransientError: the source failed for a reason that may pass; try again later.
    """
    if ref.kind == "file":
        yield from _read_file(ref, prev, job, options, max_bytes, stage)
    elif ref.kind == "url":
        yield from _read_url(ref, prev, job, options, max_bytes, timeout)
    else:
        yield from _read_catalog(ref, prev, job, options)


# -- files -----------------------------------------------------------------------------------------


def _read_file(ref: SourceRef, prev: SourceState | None, job: str,
               options: Mapping[str, Mapping[str, Any]], max_bytes: int, stage: Stage | None) -> Iterator[Step]:
    from collectors.discover import collect_file

    path = Path(ref.location)
    try:
        st = path.stat()
    except FileNotFoundError:
        yield _problem(ref, "the file is gone", "warning")
        return
    except OSError as exc:
        raise TransientError(f"{ref.name}: cannot read: {exc.strerror or exc}") from exc
    if untouched(prev, st):
        return
    collector = get_collector(ref.collector) if ref.collector else None
    if collector is None:
        yield _problem(ref, "no collector named for this file")
        return
    if isinstance(collector, TailsLogs) and collector.tails(path):
        yield from read_log(collector, ref.name, path, st, prev, job=job, max_bytes=max_bytes, stage=stage)
        return
    if st.st_size > max_bytes:
        yield _problem(ref, f"file is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit")
        return
    try:
        sha = _sha(path.read_bytes())
    except OSError as exc:
        raise TransientError(f"{ref.name}: cannot read: {exc.strerror or exc}") from exc
    state = SourceState(job=job, source=ref.name, size=st.st_size, mtime_ns=st.st_mtime_ns, content_sha=sha,
                        detail={"inode": st.st_ino})
    if prev is not None and prev.content_sha == sha:
        yield Step(state=state, note="unchanged (touched)")
        return
    batch = collect_file(collector, path, max_bytes=max_bytes, options=options)
    yield Step(batch=batch, state=state, note="read whole")


# -- URLs and catalogs -------------------------------------------------------------------------------


def _detect(ref: SourceRef, data: bytes) -> Collector | None:
    if ref.collector:
        return get_collector(ref.collector)
    name = PurePosixPath(urlsplit(ref.location).path).name or "source"
    for collector in available_collectors().values():
        if collector.detect(Path(name), data[:4096]):
            return collector
    return None


def _read_url(ref: SourceRef, prev: SourceState | None, job: str,
              options: Mapping[str, Mapping[str, Any]], max_bytes: int, timeout: float) -> Iterator[Step]:
    headers = {"User-Agent": "lineage-mapper-jobs"}
    if prev is not None and prev.detail.get("etag"):
        headers["If-None-Match"] = str(prev.detail["etag"])
    if prev is not None and prev.detail.get("last_modified"):
        headers["If-Modified-Since"] = str(prev.detail["last_modified"])
    if urlsplit(ref.location).scheme not in ("http", "https"):
        yield _problem(ref, "only http:// and https:// URLs are fetched")
        return
    request = urllib.request.Request(ref.location, headers=headers)  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            data = response.read(max_bytes + 1)
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return
        if exc.code == 429 or exc.code >= 500:
            raise TransientError(f"{ref.name}: HTTP {exc.code} {exc.reason}") from exc
        yield _problem(ref, f"HTTP {exc.code} {exc.reason}")
        return
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientError(f"{ref.name}: cannot fetch: {reason}") from exc
    if len(data) > max_bytes:
        yield _problem(ref, f"the response is over the {max_bytes:,}-byte limit")
        return
    sha = _sha(data)
    detail = {k: v for k, v in (("etag", etag), ("last_modified", modified)) if v}
    state = SourceState(job=job, source=ref.name, size=len(data), content_sha=sha, detail=detail)
    if prev is not None and prev.content_sha == sha:
        yield Step(state=state, note="unchanged")
        return
    collector = _detect(ref, data)
    if collector is None:
        yield _problem(ref, "no collector recognises this content; name one with `collector:`")
        return
    try:
        batch = configured(collector, options.get(collector.name)).collect(Source(name=ref.name, data=data))
    except CollectorError as exc:
        yield _problem(ref, str(exc))
        return
    yield Step(batch=batch, state=state, note="fetched")




def _read_catalog(ref: SourceRef, prev: SourceState | None, job: str,
                  options: Mapping[str, Mapping[str, Any]]) -> Iterator[Step]:
    scheme = ref.location.partition("://")[0].lower()
    found = get_collector(ref.collector) if ref.collector else location_collector(scheme)
    if found is None:
        yield _problem(ref, "a connection string needs `collector:` naming a catalog collector")
        return
    collector = configured(found, options.get(found.name))
    if not isinstance(collector, ReadsLocations):
        yield _problem(ref, f"the {found.name!r} collector cannot read connection strings")
        return
    try:
        batch: LineageBatch = collector.collect_location(ref.location, ref.name)
    except CollectorError as exc:
        yield _problem(ref, str(exc))
        return
    except OSError as exc:
        raise TransientError(f"{ref.name}: {exc}") from exc
    content = batch.raw.content if batch.raw else "\n".join(
        sorted(f.model_dump_json(exclude={"evidence"}) for f in batch.facts)).encode()
    state = SourceState(job=job, source=ref.name, content_sha=_sha(content), size=len(content))
    if prev is not None and prev.content_sha == state.content_sha:
        yield Step(state=state, note="unchanged")
        return
    yield Step(batch=batch, state=state, note="catalog changed")
