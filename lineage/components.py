"""Components (the libraries and models a process runs, `Process.components`) as the graph holds
them: which of a component's known vulnerabilities affect the version the process runs.

Example:
    >>> affects(["<3.1.3"], "3.1.2"), affects(["<3.1.3"], "3.1.4"), affects(["<3.1.3"], ">=3.0")
    (True, False, None)
    >>> component = {"name": "jinja2", "version": "3.1.2", "vulnerabilities": [{"id": "V", "affected": ["<3.1.3"]}]}
    >>> [v["id"] for v in known_vulnerabilities(component, {})]
    ['V']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from packaging.version import Version

_EXACT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+!_-]*$")


def components(attrs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The components recorded on a node (`Process.components` as JSON), in key order."""
    return [c for c in attrs.get("components") or () if isinstance(c, Mapping) and c.get("name")]


def version_of(component: Mapping[str, Any], attrs: Mapping[str, Any]) -> str | None:
    """The version a process runs a component at: the component's, else (for an MCP server's own
    launcher package, named by an advisory) the server's version."""
    if component.get("version"):
        return str(component["version"])
    package = str(attrs.get("package") or "")
    base = package[: package.rfind("@")] if package.rfind("@") > 0 else package
    if base and base.lower() == str(component.get("name", "")).lower() and attrs.get("version"):
        return str(attrs["version"])
    return None


def affects(specs: Sequence[str], version: str | None) -> bool | None:
    """Whether a vulnerability whose affected versions are `specs` affects `version`; None when the
    version is not one exact release (a range, or unknown). No specs: the report matched it already."""
    if not specs:
        return True
    if not version or not _EXACT.match(version):
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # on first use: a large import
    from packaging.version import InvalidVersion, Version

    try:
        parsed: Version | None = Version(version)
    except InvalidVersion:
        parsed = None
    for spec in specs:
        if spec == f"=={version}":
            return True
        if parsed is None:
            continue
        try:
            if parsed in SpecifierSet(spec, prereleases=True):
                return True
        except InvalidSpecifier:
            continue
    return False


def vulnerability_status(vuln: Mapping[str, Any], component: Mapping[str, Any],
                         attrs: Mapping[str, Any]) -> bool | None:
    """Whether `vuln` affects the component as the process runs it (None: not known)."""
    return affects([str(s) for s in vuln.get("affected") or ()], version_of(component, attrs))


def known_vulnerabilities(component: Mapping[str, Any], attrs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The vulnerabilities of a component that affect the version the process runs."""
    return [v for v in component.get("vulnerabilities") or ()
            if isinstance(v, Mapping) and vulnerability_status(v, component, attrs)]


def component_ref(component: Mapping[str, Any], attrs: Mapping[str, Any]) -> str:
    """How a component is named in findings and exports: its package URL, else
    `ecosystem:name@version`."""
    if component.get("purl"):
        return str(component["purl"])
    version = version_of(component, attrs)
    return f"{component.get('ecosystem') or 'component'}:{component['name']}" + (f"@{version}" if version else "")
