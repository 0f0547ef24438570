"""The shared corpus beside the checkout (`../shared`): real producers' events, the spec's examples
and the labelled SQL corpus. CI has it; a fresh clone does not, and the tests that read it then
skip, each with a one-line reason."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def needs(path: Path) -> pytest.MarkDecorator:
    """Skip a test, with a one-line reason, when `path` of the shared corpus is not here."""
    where = path.relative_to(SHARED.parent) if path.is_relative_to(SHARED.parent) else path
    return pytest.mark.skipif(not path.exists(), reason=f"needs ../{where} beside the checkout (not here)")
