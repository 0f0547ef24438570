"""A dbt project folder (one holding `dbt_project.yml`) as other collectors need it: the folders dbt
writes into it, and the relations its manifest says dbt builds (I/O at the edge).

Example:
    >>> sorted(str(p.relative_to("p")) for p in generated_folders(Path("p")))
    ['dbt_packages', 'logs', 'target/compiled', 'target/run']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from lineage.yamlsafe import YamlError, load_yaml

__all__ = ["PROJECT_FILE", "built_relations", "generated_folders", "project_around"]

PROJECT_FILE = "dbt_project.yml"
_DEFAULTS = {"target-path": "target", "packages-install-path": "dbt_packages", "log-path": "logs"}
_BUILT = ("model", "snapshot", "seed")


def _paths(project: Path) -> dict[str, Path]:
    """dbt's own folders of `project`: the defaults, or the relative paths inside the project that
    its `dbt_project.yml` gives instead."""
    try:
        config, _ = load_yaml((project / PROJECT_FILE).read_bytes(), str(project / PROJECT_FILE))
    except (OSError, YamlError):
        config = None
    out = {}
    for key, default in _DEFAULTS.items():
        given = config.get(key) if isinstance(config, Mapping) else None
        safe = isinstance(given, str) and given.strip() and not Path(given.strip()).is_absolute() \
            and ".." not in Path(given.strip()).parts
        out[key] = project / (given.strip() if safe and isinstance(given, str) else default)
    return out


def generated_folders(project: Path) -> set[Path]:
    """The folders dbt writes into `project`: compiled and run copies of its SQL
    (`<target-path>/compiled`, `<target-path>/run`), installed packages, logs. The target folder
    itself is not one: it holds the manifest and catalog."""
    paths = _paths(project)
    target = paths["target-path"]
    return {target / "run", target / "compiled", paths["packages-install-path"], paths["log-path"]}


def project_around(path: Path, levels: int = 3) -> Path | None:
    """The dbt project folder holding `path` (its own folder or one of `levels` above), or None."""
    for folder in list(path.parents)[: levels + 1]:
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


def built_relations(project: Path) -> frozenset[str]:
    """The relations (``database.schema.identifier``, lower-cased) that the project's
    `<target-path>/manifest.json` says dbt builds: models, snapshots, seeds. Empty when there is
    no readable manifest."""
    try:
        manifest = json.loads((_paths(project)["target-path"] / "manifest.json").read_bytes())
    except (OSError, ValueError):
        return frozenset()
    nodes = manifest.get("nodes") if isinstance(manifest, Mapping) else None
    out = set()
    for node in (nodes or {}).values() if isinstance(nodes, Mapping) else ():
        if not isinstance(node, Mapping) or node.get("resource_type") not in _BUILT:
            continue
        parts = [node.get("database"), node.get("schema"), node.get("alias") or node.get("name")]
        out.add(".".join(str(p) for p in parts if p).lower())
    return frozenset(out)
