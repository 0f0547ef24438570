"""One server entry, as any client wrote it, read into a `ServerInfo`: the pure core of the collector.

It says how the server is reached (`transport`: stdio, http, sse, extension), how it is launched
(`launcher`: npx, uvx, docker, ...), which `package` at which `version` (and whether that is a
pin), its `url` (scheme, host and path only: userinfo and queries can hold secrets), how it
authenticates (`auth_mode`), the tool lists the client applies and every literal secret in it.

Auth modes: `none`; `static_header` (a literal credential in a header); `static_env` (a literal
credential in the server's environment or arguments); `env_token` (taken from the client's
environment: `${VAR}`, `bearer_token_env_var`, `env_keys`); `prompted_input` (VS Code `${input:id}`);
`oauth` (an `oauth` block, or a remote server the well-known table says uses OAuth).

Example:
    >>> info = read_server(RawServer("fs", {"command": "npx", "args": ["-y",
    ...     "@modelcontextprotocol/server-filesystem@2025.8.21", "/data"]}, ("mcpServers", "fs"), "user"))
    >>> (info.launcher, info.package, info.version, info.pinned, info.transport)
    ('npx', '@modelcontextprotocol/server-filesystem', '2025.8.21', True, 'stdio')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from collectors.mcp.clients import RawServer
from collectors.mcp.formats import KeyPath
from collectors.mcp.secrets import Found, find_in_args, find_secrets

_EXACT = re.compile(r"^v?\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.-]+)?$|^sha256:[0-9a-f]{64}$")
_DOCKER_VALUE_FLAGS = frozenset({"-e", "--env", "-v", "--volume", "--name", "--network", "-p", "--publish",
                                 "-w", "--workdir", "--env-file", "--mount", "-u", "--user", "--entrypoint",
                                 "--platform", "-l", "--label", "--add-host", "--cpus", "-m", "--memory"})
_ENV_REF = re.compile(r"\$\{(?!input:)[^}]+\}|\$[A-Z_][A-Z0-9_]*|\{env:[^}]+\}")
_RUNNERS = {"npx": "npx", "bunx": "bunx", "uvx": "uvx", "pipx": "pipx", "docker": "docker", "podman": "docker",
            "deno": "deno", "pnpm": "pnpm", "yarn": "yarn", "node": "node", "python": "python",
            "python3": "python", "uv": "uv", "go": "go", "java": "java"}


@dataclass(frozen=True)
class Secret:
    """A literal secret's place (key path) and kind, plus the text to redact (never stored)."""

    path: KeyPath
    kind: str
    found: Found


@dataclass(frozen=True)
class ServerInfo:
    key: str
    path: KeyPath
    scope: str
    project: str | None
    transport: str
    command: str | None = None
    args: tuple[str, ...] = ()
    launcher: str | None = None
    package: str | None = None
    version: str | None = None
    pinned: bool | None = None
    url: str | None = None
    host: str | None = None
    auth_mode: str = "none"
    auto_approve: tuple[str, ...] = ()
    allowed_tools: tuple[str, ...] = ()
    denied_tools: tuple[str, ...] = ()
    enabled: bool = True
    secrets: tuple[Secret, ...] = ()
    env_names: tuple[str, ...] = ()
    problems: tuple[tuple[str, KeyPath], ...] = field(default=())


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int | float))
    return ()


def _split_version(spec: str, separators: tuple[str, ...]) -> tuple[str, str | None]:
    for sep in separators:
        head, found, tail = spec[1:].partition(sep) if spec.startswith("@") else spec.partition(sep)
        if found:
            return (("@" if spec.startswith("@") else "") + head, tail or None)
    return spec, None


def _first_positional(args: tuple[str, ...], value_flags: frozenset[str] = frozenset()) -> int | None:
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in value_flags
        else:
            return i
    return None


def _package(launcher: str, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The package a launcher runs and its version spec, from the launcher's arguments."""
    if launcher in ("npx", "bunx", "pnpm", "yarn"):
        rest = args[1:] if launcher in ("pnpm", "yarn") and args[:1] == ("dlx",) else args
        for flag in ("-p", "--package"):
            if flag in rest and rest.index(flag) + 1 < len(rest):
                return _split_version(rest[rest.index(flag) + 1], ("@",))
        i = _first_positional(rest)
        return _split_version(rest[i], ("@",)) if i is not None else (None, None)
    if launcher in ("uvx", "pipx", "uv"):
        rest = args[1:] if launcher in ("pipx", "uv") and args[:1] in (("run",), ("tool",)) else args
        if "--from" in rest and rest.index("--from") + 1 < len(rest):
            return _split_version(rest[rest.index("--from") + 1], ("==", "@"))
        i = _first_positional(rest, frozenset({"--python", "--with", "-p"}))
        return _split_version(rest[i], ("==", "@")) if i is not None else (None, None)
    if launcher == "docker":
        rest = args[1:] if args[:1] == ("run",) else args
        i = _first_positional(rest, _DOCKER_VALUE_FLAGS)
        if i is None:
            return None, None
        image = rest[i]
        if "@sha256:" in image:
            name, _, digest = image.partition("@")
            return name, digest
        name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
        return name, tag or None
    if launcher == "deno":
        i = _first_positional(args[1:] if args[:1] == ("run",) else args)
        spec = (args[1:] if args[:1] == ("run",) else args)[i] if i is not None else None
        if spec and spec.startswith(("npm:", "jsr:")):
            return _split_version(spec.split(":", 1)[1], ("@",))
        return spec, None
    if launcher == "go" and args[:1] == ("run",) and len(args) > 1:
        return _split_version(args[1], ("@",))
    return None, None


def _transport(entry: Mapping[str, Any], url: str | None, command: str | None) -> str:
    kind = str(entry.get("type") or entry.get("transport") or "").lower().replace("_", "-")
    if kind in ("sse",):
        return "sse"
    if kind in ("http", "streamable-http", "streamablehttp", "remote"):
        return "http"
    if kind in ("builtin", "platform", "extension", "frontend", "inline-python") or entry.get("source") == "extension":
        return "extension"
    if url:
        return "sse" if "httpUrl" not in entry and url.rstrip("/").endswith("/sse") else "http"
    return "stdio" if command else "unknown"


def _clean_url(raw: str) -> tuple[str | None, str | None]:
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return None, None
    if not parts.scheme or not parts.hostname:
        return None, None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{parts.hostname}{port}{parts.path}", parts.hostname


_HEADER_KEYS = frozenset({"headers", "http_headers"})


def _scan(value: Any, path: KeyPath, key: str, out: list[Secret], header: bool = False) -> None:
    """Every literal secret under `value`, by key path: an argument list is read as a command line
    (`--token v`), a command written as one string too, and headers as headers."""
    if isinstance(value, str):
        words = value.split() if key in ("command", "cmd") else []
        if len(words) > 1:
            out.extend(Secret(path, f.kind, f) for _, f in find_in_args(words))
        else:
            out.extend(Secret(path, f.kind, f) for f in find_secrets(key, value, header=header))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _scan(v, (*path, k), str(k), out, header or str(k) in _HEADER_KEYS)
    elif isinstance(value, list) and key == "args":
        strings = [(i, v) for i, v in enumerate(value) if isinstance(v, str)]
        out.extend(Secret((*path, strings[at][0]), f.kind, f) for at, f in find_in_args([v for _, v in strings]))
        for i, v in enumerate(value):
            if not isinstance(v, str):
                _scan(v, (*path, i), key, out, header)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _scan(v, (*path, i), key, out, header)


def read_server(raw: RawServer) -> ServerInfo:
    """Read one entry (see the module docstring); never raises for odd content."""
    entry = dict(raw.entry)
    if isinstance(entry.get("config"), Mapping):  # goose entries may nest their settings
        entry = {**entry["config"], **{k: v for k, v in entry.items() if k != "config"}}
    command_value = entry.get("command") if "command" in entry else entry.get("cmd")
    args = _strings(entry.get("args"))
    env: Mapping[str, Any] = {}
    for env_key in ("env", "envs"):
        if isinstance(entry.get(env_key), Mapping):
            env = {**env, **entry[env_key]}
    if isinstance(command_value, Mapping):  # older Zed: {"command": {"path", "args", "env"}}
        args = _strings(command_value.get("args"))
        env = command_value["env"] if isinstance(command_value.get("env"), Mapping) else env
        command_value = command_value.get("path")
    command = command_value if isinstance(command_value, str) and command_value.strip() else None
    if command and not args and " " in command.strip() and "/" not in command.split()[0][:-1]:
        command, *rest = command.split()  # "npx -y pkg" written as one string
        args = tuple(rest)
    url_value = next((entry[k] for k in ("httpUrl", "serverUrl", "url", "uri") if isinstance(entry.get(k), str)), None)
    url, host = _clean_url(url_value) if url_value else (None, None)
    problems: list[tuple[str, KeyPath]] = []
    if url_value and url is None:
        problems.append((f"server {raw.key!r}: the URL is not an absolute http(s) URL", (*raw.path, "url")))
    transport = _transport(entry, url, command)
    launcher = package = version = None
    if command:
        base = re.split(r"[\\/]", command)[-1].lower().removesuffix(".exe").removesuffix(".cmd")
        launcher = _RUNNERS.get(base, "binary")
        package, version = _package(launcher, args)
        if launcher == "binary":
            package = base
        elif launcher in ("node", "python", "java") and package is None:
            i = _first_positional(args)
            package = re.split(r"[\\/]", args[i])[-1] if i is not None else None
    elif transport == "unknown":
        problems.append((f"server {raw.key!r} has neither a command nor a URL", raw.path))
    pinned = None if package is None or launcher in ("binary", "node", "python") else bool(
        version and _EXACT.match(version))
    secrets: list[Secret] = []
    for key in ("env", "envs", "headers", "http_headers", "requestOptions", "args", "url", "httpUrl", "serverUrl",
                "uri", "command", "cmd", "bearer_token", "config"):
        if key in raw.entry:
            _scan(raw.entry[key], (*raw.path, key), key, secrets, key in _HEADER_KEYS)
    headers = entry.get("headers") or entry.get("http_headers") or {}
    refs = " ".join(str(v) for v in [*env.values(), *(headers.values() if isinstance(headers, Mapping) else [])])
    header_secret = any(set(s.path[len(raw.path):]) & _HEADER_KEYS for s in secrets)
    if "${input:" in refs:
        auth = "prompted_input"
    elif header_secret:
        auth = "static_header"
    elif secrets:
        auth = "static_env"
    elif entry.get("bearer_token_env_var") or entry.get("env_http_headers") or entry.get("env_keys") or (
            _ENV_REF.search(refs)):
        auth = "env_token"
    elif isinstance(headers, Mapping) and any(str(k).lower() in ("authorization", "x-api-key", "api-key")
                                              for k in headers):
        auth = "static_header"  # a credential header to be filled in (`Bearer <token>`)
    elif isinstance(entry.get("oauth"), Mapping) or entry.get("authProviderType") or entry.get("auth") == "oauth":
        auth = "oauth"
    else:
        auth = "none"
    auto = _strings(entry.get("alwaysAllow") or entry.get("autoApprove") or entry.get("auto_approve"))
    if entry.get("trust") is True:
        auto = ("*",)
    enabled = entry.get("disabled") is not True and entry.get("enabled") is not False
    return ServerInfo(
        key=raw.key, path=raw.path, scope=raw.scope, project=raw.project, transport=transport, command=command,
        args=args, launcher=launcher, package=package, version=version, pinned=pinned, url=url, host=host,
        auth_mode=auth, auto_approve=auto,
        allowed_tools=_strings(entry.get("includeTools") or entry.get("enabled_tools")),
        denied_tools=_strings(entry.get("excludeTools") or entry.get("disabled_tools")),
        enabled=enabled, secrets=tuple(secrets), env_names=tuple(sorted(map(str, env))), problems=tuple(problems),
    )
