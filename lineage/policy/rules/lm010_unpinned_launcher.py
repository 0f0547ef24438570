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
    tool = words[0].rsplit("/", 1)[-1]
    rest = words[1:]
    if tool in ("uv", "pipx") and rest[:1] in (["run"], ["tool"]):
        rest = rest[2:] if rest[:2] == ["tool", "run"] else rest[1:]
        tool = "uvx"
    if tool in ("docker", "podman"):
        rest = rest[1:] if rest[:1] == ["run"] else rest
    spec, skip = None, False
    for word in rest:
        if skip:
            skip = False
            continue
        if word in ("--from", "--package", "-p") and tool in ("uvx", "npx"):
            spec = None
            skip = False
            continue
        if word.startswith("-"):
            skip = tool in ("docker", "podman") and word in _VALUE_FLAGS
            continue
        spec = word
        break
    if spec is None:
        return None
    if tool in ("npx", "bunx", "pnpx"):
        version = _npm_version(spec)
    elif tool == "uvx":
        version = _python_version(spec)
    elif tool in ("docker", "podman"):
        version = _image_version(spec)
    else:
        return None
    if version is None:
        return f"{tool} runs {spec} with no version"
    if _FLOATING.search(version):
        return f"{tool} runs {spec}, a floating tag" if tool in ("docker", "podman") else \
            f"{tool} runs {spec}, a floating version"
    return None


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
