"""Helpers for the code collector tests: collect a snippet or a file, and look at what was found."""

from __future__ import annotations

import textwrap
from pathlib import Path

from collectors.base import Source
from collectors.code import CodeCollector
from lineage.models import LineageBatch


def collect(code: str, name: str = "app/main.py", path: Path | None = None) -> LineageBatch:
    """The batch of a dedented snippet, as the file `name` of the project `app`."""
    return CodeCollector().collect(Source(name, textwrap.dedent(code).encode(), path))


def node_ids(batch: LineageBatch, kind: str | None = None) -> set[str]:
    return {f.ref.id for f in batch.facts if f.fact in ("dataset", "process") and (kind is None or f.fact == kind)}


def third_parties(batch: LineageBatch) -> set[str]:
    return {f.ref.id for f in batch.facts if f.fact == "process" and f.third_party}


def edges(batch: LineageBatch) -> set[tuple[str, str, str]]:
    return {(f.source.id, f.kind.value, f.target.id) for f in batch.facts if f.fact == "edge"}


def node(batch: LineageBatch, node_id: str) -> object:
    [found] = [f for f in batch.facts if f.fact in ("dataset", "process") and f.ref.id == node_id]
    return found
