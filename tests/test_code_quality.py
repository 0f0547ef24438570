"""The linters and the type checker are part of the test suite, so CI enforces them."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from tests.conftest import REPO_ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600, check=False)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "lineage", "collectors", "app", "tests", "benchmarks", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_the_packages() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold() -> None:
    """The layers, no import circles, and each heavy library behind one module ([tool.importlinter])."""
    script = ("import sys; from importlinter.cli import lint_imports_command; "
              "sys.argv = ['lint-imports', '--no-cache']; sys.exit(lint_imports_command())")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_of_lineage_has_a_layer() -> None:
    """A new module of `lineage` is either named in the core contract or is one of the upper layers,
    so the contracts cover it."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    core = next(c for c in config if c["id"] == "core")["source_modules"]
    upper = {"lineage.cli", "lineage.server", "lineage.scheduler", "lineage.services"}
    found = {f"lineage.{p.stem}" for p in (REPO_ROOT / "lineage").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert found == set(core) | upper
