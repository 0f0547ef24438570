"""Fixtures for the scheduled-jobs tests (helpers live in `tests.jobs.support`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jobs.support import Project, Web, serve_web


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "logs").mkdir()
    return Project(tmp_path)


@pytest.fixture
def web() -> Iterator[Web]:
    with serve_web() as server:
        yield server
