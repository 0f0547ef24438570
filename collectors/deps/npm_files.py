"""npm manifests: `package.json` (declared ranges) and `package-lock.json` (lockfile v1 to v3:
resolved versions, integrity hashes, licenses).

Example:
    >>> from lineage.models import LineageBatch
    >>> batch = LineageBatch(collector="deps", source="package.json")
    >>> found = package_json(b'{"name": "srv", "dependencies": {"zod": "^3.22.0", "@scope/x": "1.0.0"}}', batch)
    >>> found.project, [(c.name, c.version, c.pinned) for c in found.components]
    ('srv', [('zod', '^3.22.0', False), ('@scope/x', '1.0.0', True)])
"""

from __future__ import annotations

import json
from typing import Any

from collectors.deps.python_files import Found
from collectors.deps.records import component, licenses_of, strings, text
from lineage.models import LineageBatch

MAX_DEPTH = 64
"""How deep nested `dependencies` of a v1 lockfile are followed."""
_SECTIONS = (("dependencies", None), ("optionalDependencies", "optional"), ("peerDependencies", "optional"),
             ("devDependencies", "optional"))


def _json(data: bytes, batch: LineageBatch) -> dict[str, Any] | None:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        batch.problem(f"not valid JSON: {str(exc)[:200] or 'nested too deeply'}", line=getattr(exc, "lineno", None))
        return None
    if not isinstance(doc, dict):
        batch.problem("expected a JSON object")
        return None
    return doc


def package_json(data: bytes, batch: LineageBatch) -> Found:
    """The packages a `package.json` asks for, each with the range it declares."""
    found = Found()
    doc = _json(data, batch)
    if doc is None:
        return found
    found.project = text(doc.get("name"))
    for section, scope in _SECTIONS:
        deps = doc.get(section)
        if deps is None:
            continue
        if not isinstance(deps, dict):
            batch.problem("expected an object of package: version range", field=f"$.{section}")
            continue
        for name, version in deps.items():
            found.add(component("npm", name, version if isinstance(version, str) else None, scope=scope,
                                source=f"{batch.source}:$.{section}"), batch)
    return found.done()


def _integrity(value: Any) -> tuple[str, ...]:
    """`sha512-<base64>` integrity strings as `sha512:<base64>` hashes."""
    return tuple(h.replace("-", ":", 1) for h in strings(str(value).split() if isinstance(value, str) else ()))


def package_lock(data: bytes, batch: LineageBatch) -> Found:
    """Every package a `package-lock.json` resolved: `packages` (v2, v3) or nested `dependencies` (v1)."""
    found = Found()
    doc = _json(data, batch)
    if doc is None:
        return found
    found.project = text(doc.get("name"))
    packages = doc.get("packages")
    if isinstance(packages, dict):
        for path, entry in packages.items():
            if not path or not isinstance(entry, dict):
                continue
            name = entry.get("name") or path.rsplit("node_modules/", 1)[-1]
            found.add(component("npm", name, entry.get("version"), hashes=_integrity(entry.get("integrity")),
                                licenses=licenses_of(entry.get("license")),
                                scope="optional" if entry.get("dev") or entry.get("optional") else None,
                                source=f"{batch.source}:$.packages.{path}"), batch)
        return found.done()
    stack: list[tuple[str, Any, int]] = [("$.dependencies", doc.get("dependencies"), 0)]
    while stack:
        where, deps, depth = stack.pop()
        if not isinstance(deps, dict):
            continue
        if depth > MAX_DEPTH:
            batch.problem(f"dependencies nested deeper than {MAX_DEPTH}: not followed", field=where)
            continue
        for name, entry in deps.items():
            if not isinstance(entry, dict):
                batch.problem("expected an object", field=f"{where}.{name}")
                continue
            found.add(component("npm", name, entry.get("version"), hashes=_integrity(entry.get("integrity")),
                                scope="optional" if entry.get("dev") or entry.get("optional") else None,
                                source=f"{batch.source}:{where}.{name}"), batch)
            stack.append((f"{where}.{name}.dependencies", entry.get("dependencies"), depth + 1))
    return found.done()
