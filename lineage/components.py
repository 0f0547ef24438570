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
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lineage.models import component_key

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


_LAUNCHED_FROM = {"npx": "npm", "bunx": "npm", "pnpx": "npm", "uvx": "pypi", "pipx": "pypi"}


def launcher_component(attrs: Mapping[str, Any]) -> dict[str, Any] | None:
    """An MCP server's launcher package (npx, bunx, pnpx: npm; uvx, pipx: PyPI) as a component at
    the server's version, or None for a server not launched from a package.

    Example:
        >>> launcher_component({"launcher": "npx", "package": "@modelcontextprotocol/server-github@0.6.0",
        ...                     "version": "0.6.0", "pinned": True})["name"]
        '@modelcontextprotocol/server-github'
    """
    ecosystem = _LAUNCHED_FROM.get(str(attrs.get("launcher") or "").rsplit("/", 1)[-1])
    package = str(attrs.get("package") or "")
    if ecosystem is None or not package:
        return None
    name = re.split(r"[=<>~!]=?", package, maxsplit=1)[0]
    at = name.rfind("@")
    name = name[:at] if at > 0 else name
    return {"type": "application", "ecosystem": ecosystem, "name": name, "version": attrs.get("version"),
            "pinned": attrs.get("pinned")}


def run_components(attrs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """What a process runs: its components and, for an MCP server, its launcher package (unless a
    component already names it)."""
    found = components(attrs)
    launched = launcher_component(attrs)
    if launched is not None and all(component_key(c.get("ecosystem"), str(c["name"])) !=
                                    component_key(launched["ecosystem"], launched["name"]) for c in found):
        found.append(launched)
    return found


def advisory_index(nodes: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Every vulnerability a collected component carries, by component key: an advisory collected
    anywhere (an offline OSV export in a folder of its own) applies to that package wherever it runs."""
    index: dict[str, dict[str, Mapping[str, Any]]] = {}
    for attrs in nodes:
        for component in components(attrs):
            for vuln in component.get("vulnerabilities") or ():
                if isinstance(vuln, Mapping) and vuln.get("id") and vuln.get("affected"):
                    key = component_key(component.get("ecosystem"), str(component["name"]))
                    index.setdefault(key, {}).setdefault(str(vuln["id"]), vuln)
    return {key: list(vulns.values()) for key, vulns in index.items()}


def all_vulnerabilities(component: Mapping[str, Any],
                        advisories: Mapping[str, Sequence[Mapping[str, Any]]] | None = None) -> list[Mapping[str, Any]]:
    """The component's own vulnerabilities, then those `advisories` list for its package (by id, once)."""
    own = [v for v in component.get("vulnerabilities") or () if isinstance(v, Mapping) and v.get("id")]
    ids = {str(v["id"]) for v in own}
    extra = (advisories or {}).get(component_key(component.get("ecosystem"), str(component["name"])), ())
    return own + [v for v in extra if str(v["id"]) not in ids]


def known_vulnerabilities(component: Mapping[str, Any], attrs: Mapping[str, Any],
                          advisories: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
                          ) -> list[Mapping[str, Any]]:
    """The vulnerabilities of a component (its own, and those `advisories` list for its package)
    that affect the version the process runs."""
    return [v for v in all_vulnerabilities(component, advisories) if vulnerability_status(v, component, attrs)]


def component_ref(component: Mapping[str, Any], attrs: Mapping[str, Any]) -> str:
    """How a component is named in findings and exports: its package URL, else
    `ecosystem:name@version`."""
    if component.get("purl"):
        return str(component["purl"])
    version = version_of(component, attrs)
    return f"{component.get('ecosystem') or 'component'}:{component['name']}" + (f"@{version}" if version else "")
