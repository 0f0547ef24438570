"""What a job's `sources:` name: files (paths, folders, globs), URLs, and catalog connection strings.

Paths are read relative to the project file's folder; a glob (`logs/**/*.jsonl`) or a folder
yields every file a collector recognises (others are skipped quietly and counted), while a file
named outright that nobody recognises is a problem. A path that does not exist yet (a log that
has not been written) is a warning, not an error. `http://` and `https://` sources are URLs; any
other `scheme://...` is a connection string for a catalog collector. Passwords in connection
strings and URLs never appear in names shown or stored.

Example:
    >>> classify("s3://bucket/x"), classify("https://h/e.json"), classify("logs/*.jsonl")
    ('catalog', 'url', 'file')
    >>> redact("postgres://app:secret@db:5432/shop")
    'postgres://app:***@db:5432/shop'
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lineage.models import Problem

SourceKind = Literal["file", "url", "catalog"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*):[^@/]*@")
_GLOB = re.compile(r"[*?\[]")


def classify(text: str) -> SourceKind:
    """Whether a source is a file path or glob, a URL, or a catalog connection string."""
    if text.startswith(("http://", "https://")):
        return "url"
    return "catalog" if _SCHEME.match(text) else "file"


def redact(text: str) -> str:
    """A location with the password of its user info replaced by `***`."""
    return _USERINFO.sub(r"\1:***@", text)


@dataclass(frozen=True)
class SourceRef:
    """One source a run reads: its kind, where it is, the name shown and stored, and the collector
    that reads it (None: detect it from the content)."""

    kind: SourceKind
    location: str
    name: str
    collector: str | None = None


@dataclass
class Expansion:
    """The sources a job's entries expand to, problems met, and files no collector recognised."""

    sources: list[SourceRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: int = 0


def _files(pattern: str, base: Path, kind: str | None, out: Expansion) -> None:
    from collectors.discover import plan

    path = Path(pattern).expanduser()
    full = path if path.is_absolute() else base / path
    if _GLOB.search(pattern):
        matches = sorted(glob.glob(str(full), recursive=True))
        if not matches:
            out.problems.append(Problem(severity="warning", message="the pattern matches no files yet",
                                        source=pattern))
        for match in matches:
            found = plan([match], kind=kind)
            if Path(match).is_file() and not found.work:
                out.ignored += 1  # like a file nobody recognises inside a folder
                continue
            out.problems.extend(p for p in found.problems if "no sources of any known kind" not in p.message)
            out.ignored += found.skipped
            out.sources.extend(SourceRef("file", str(p), str(p), c.name) for c, p in found.work)
        return
    if not full.exists():
        out.problems.append(Problem(severity="warning", message="no such file or directory (yet)",
                                    source=str(full)))
        return
    found = plan([full], kind=kind)
    out.problems.extend(found.problems)
    out.ignored += found.skipped
    out.sources.extend(SourceRef("file", str(p), str(p), c.name) for c, p in found.work)


def expand(entries: tuple[str, ...], base: Path, collector: str | None) -> Expansion:
    """Every source that `entries` name, in order, each once.

    Raises:
        CollectorError: `collector` names no collector.
    """
    out = Expansion()
    for entry in entries:
        kind = classify(entry)
        if kind == "file":
            _files(entry, base, collector, out)
        elif entry.lower().startswith("duckdb://") and not Path(entry[9:]).expanduser().is_absolute():
            location = "duckdb://" + str(base / entry[9:])  # a path relative to the project file
            out.sources.append(SourceRef(kind, location, location, collector))
        else:
            out.sources.append(SourceRef(kind, entry, redact(entry), collector))
    seen: set[str] = set()
    unique = []
    for ref in out.sources:
        if ref.name not in seen:
            seen.add(ref.name)
            unique.append(ref)
    out.sources = unique
    return out
