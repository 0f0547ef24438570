"""Fixtures of the policy tests (helpers live in support.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens", default=False))
