"""LM010: an MCP server launched from a package or image that is not pinned to a version."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding
from lineage.policy.rule import BuiltinRule

_FLOATING = re.compile(r"^(?:latest|next|canary|beta|\*|x)$|[\^~*<>]|\.x\b", re.IGNORECASE)
_VALUE_FLAGS = frozenset({"-e", "--env", "-v", "--volume", "--name", "-p", "--publish", "--network", "-w",
                          "--workdir", "--entrypoint", "-u", "--user", "--platform", "--env-file", "--mount"})


def _npm_version(spec: str) -> str | None:
    at = spec.rfind("@")
    return spec[at + 1:] if at > 0 else None


def _python_version(spec: str) -> str | None:
    for sep in ("==", "@"):
        if sep in spec:
            return spec.split(sep, 1)[1]
    return None


def _image_version(image: str) -> str | None:
    if "@sha256:" in image:
        return "digest"
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else None


def unpinned(launcher: str) -> str | None:
    """Why a launch command is not pinned, or None when it is (or is not a package launcher).

    Example:
        >>> unpinned("npx -y @modelcontextprotocol/server-slack")
        'npx runs @modelcontextprotocol/server-slack with no version'
        >>> unpinned("uvx mcp-server-git==2025.1.14") is None, unpinned("docker run -i ghcr.io/x/y:latest")
        (True, 'docker runs ghcr.io/x/y:latest, a floating tag')
    """
    try:
        words = shlex.split(launcher)
    except ValueError:
        words = launcher.split()
    if not words:
        return None
    tool, args = _tool(words)
    spec = _package(tool, args)
    if spec is None or (version_of := _VERSION_OF.get(tool)) is None:
        return None
    if (version := version_of(spec)) is None:
        return f"{tool} runs {spec} with no version"
    if _FLOATING.search(version):
        return f"{tool} runs {spec}, a floating {'tag' if tool in _CONTAINERS else 'version'}"
    return None


def _tool(words: list[str]) -> tuple[str, list[str]]:
    """The launcher (``uv run``, ``uv tool run``, ``pipx run`` are ``uvx``) and its arguments
    (after a container tool's ``run``)."""
    tool, args = words[0].rsplit("/", 1)[-1], words[1:]
    if tool in ("uv", "pipx") and args[:1] in (["run"], ["tool"]):
        return "uvx", args[2:] if args[:2] == ["tool", "run"] else args[1:]
    if tool in _CONTAINERS and args[:1] == ["run"]:
        return tool, args[1:]
    return tool, args


def _package(tool: str, args: list[str]) -> str | None:
    """The first argument that is not an option (nor a container option's value): the package or
    image. The options of npx and uvx take no value, so ``--from pkg`` gives ``pkg``."""
    skip = False
    for word in args:
        if skip:
            skip = False
        elif not word.startswith("-"):
            return word
        else:
            skip = tool in _CONTAINERS and word in _VALUE_FLAGS
    return None


_CONTAINERS = ("docker", "podman")
_VERSION_OF = {"npx": _npm_version, "bunx": _npm_version, "pnpx": _npm_version, "uvx": _python_version,
               "docker": _image_version, "podman": _image_version}


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    for kind in ("process", "identity"):
        for attrs in ctx.nodes(kind):
            node = str(attrs["id"])
            why = unpinned(str(attrs["launcher"])) if attrs.get("launcher") else None
            if why is None and attrs.get("package") and (
                    not attrs.get("version") or _FLOATING.search(str(attrs["version"]))):
                why = f"the package {attrs['package']} has no fixed version ({attrs.get('version') or 'none'})"
            if why is not None:
                yield ctx.finding(rule, nodes=(node,), message=f"{label(attrs)}: {why}; every launch may run "
                                                               "different code.")


RULE = BuiltinRule(
    id="LM010", title="Unpinned MCP server launcher", severity="medium", references=("LLM03", "MCP04"),
    fix="Pin the exact version (`npx -y pkg@1.2.3`, `uvx pkg==1.2.3`, an image digest `@sha256:...`) and "
        "update it deliberately after review.",
    description="An MCP server is launched with `npx -y pkg`, `@latest`, `uvx pkg` without a version, or a "
                "docker image with `:latest` or no tag.",
    check=_check)
