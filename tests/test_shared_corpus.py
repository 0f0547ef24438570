"""In CI the shared corpus must be beside the checkout, so that the tests that read it run there."""

from __future__ import annotations

import os

import pytest

from tests.shared import SHARED


def test_ci_runs_with_the_shared_corpus_beside_the_checkout() -> None:
    if not os.environ.get("CI") and not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout (outside CI its tests skip)")
    for part in ("fixtures/openlineage/spec/OpenLineage.json", "benchmarks/sql-lineage/manifest.json"):
        assert (SHARED / part).is_file(), f"../shared/{part} is missing: the tests that need it would skip"
