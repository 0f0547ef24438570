"""Symbolic links met while `lineage collect` walks a folder: one that leads out of the folder (to a
file or a folder) is skipped with a warning naming it and where it leads, and nothing of what it
leads to reaches the store; one that stays inside is read; a path named on the command line is
followed even when it is a link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from collectors.discover import plan
from lineage.cli import main
from lineage.store import open_store

MARKER = "top_secret_marker_7f3a"
SECRET_SQL = f"CREATE TABLE {MARKER}_copy AS SELECT * FROM {MARKER}_source;\n"
SECRET_SPEC = f"version: 1\npipeline: {MARKER}\nprocesses:\n  - {{id: j, name: {MARKER}_job}}\n"
INSIDE_SQL = "CREATE TABLE reports AS SELECT * FROM orders;\n"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    """`outside/` holds files that must never be read; `repo/` is collected and links into both."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.sql").write_text(SECRET_SQL)
    (outside / "folder" / "pipeline.yaml").write_text(SECRET_SPEC)
    repo = tmp_path / "repo"
    (repo / "sql").mkdir(parents=True)
    (repo / "sql" / "reports.sql").write_text(INSIDE_SQL)
    os.symlink(outside / "secret.sql", repo / "x.sql")  # absolute, to a file outside
    os.symlink(Path("..") / ".." / "outside" / "secret.sql", repo / "sql" / "rel.sql")  # relative, outside
    os.symlink(outside / "folder", repo / "specs")  # to a folder outside
    os.symlink(Path("sql") / "reports.sql", repo / "same.sql")  # to a file inside: read
    os.symlink(repo, repo / "sql" / "loop")  # to the folder itself: not walked again
    return {"outside": outside, "repo": repo, "db": tmp_path / "store.duckdb"}


def _everything_stored(db: Path) -> str:
    """All the store holds that could carry the outside files' text: raw inputs and the export."""
    store = open_store(str(db))
    raw = [row.content.decode("utf-8", "replace") + row.source for row in store.raw_inputs()]
    return "\n".join(raw)


def test_links_leading_out_of_the_collected_folder_are_skipped_with_a_warning(
        tree: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    repo, outside, db = tree["repo"], tree["outside"], tree["db"]
    assert main(["collect", str(repo), "--db", str(db)]) == 0  # a skipped link is a warning, not an error
    captured = capsys.readouterr()
    err = captured.err

    real_outside = Path(os.path.realpath(outside))
    for link, target in ((repo / "x.sql", real_outside / "secret.sql"),
                         (repo / "sql" / "rel.sql", real_outside / "secret.sql"),
                         (repo / "specs", real_outside / "folder")):
        line = next((x for x in err.splitlines() if str(link) in x), None)
        assert line is not None, f"no warning names {link}:\n{err}"
        assert str(target) in line and "not followed" in line
    assert str(repo / "same.sql") not in err and "loop" not in err

    stored = _everything_stored(db)
    assert MARKER not in stored
    assert INSIDE_SQL in stored  # the folder's own file, read both as itself and through same.sql
    sources = {row.source for row in open_store(str(db)).raw_inputs()}
    assert {str(repo / "sql" / "reports.sql"), str(repo / "same.sql")} <= sources
    assert not any(s.startswith(str(outside)) or "secret" in s or "specs" in s for s in sources)

    assert main(["export", "--format", "json", "-o", str(db.parent / "graph.json"), "--db", str(db)]) == 0
    assert MARKER not in (db.parent / "graph.json").read_text()


def test_a_link_named_on_the_command_line_is_followed(tree: dict[str, Path]) -> None:
    repo, db = tree["repo"], tree["db"]
    main(["collect", str(repo / "x.sql"), "--db", str(db)])
    assert SECRET_SQL in _everything_stored(db)


def test_a_linked_folder_named_on_the_command_line_is_walked(tree: dict[str, Path]) -> None:
    found = plan([tree["repo"] / "specs"])
    assert [(c.name, p.name) for c, p in found.work] == [("spec", "pipeline.yaml")]
    assert not found.problems


def test_the_walk_plans_no_file_behind_a_link_that_leads_out(tree: dict[str, Path]) -> None:
    found = plan([tree["repo"]])
    planned = {p.relative_to(tree["repo"]).as_posix() for _, p in found.work}
    assert planned == {"same.sql", "sql/reports.sql"}
    warned = {Path(p.source).name for p in found.problems}
    assert warned == {"x.sql", "rel.sql", "specs"}
    assert all(p.severity == "warning" for p in found.problems)
