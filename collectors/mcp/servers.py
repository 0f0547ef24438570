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

from collectors.mcp.aliases import first_present, first_set, spellings
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


def _after(rest: tuple[str, ...], flags: tuple[str, ...]) -> str | None:
    """The value given to the first of `flags` that `rest` holds with a value after it."""
    for flag in flags:
        if flag in rest and rest.index(flag) + 1 < len(rest):
            return rest[rest.index(flag) + 1]
    return None


def _npm_package(launcher: str, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """`npx [-y] pkg@1.2`, `npx -p pkg@1.2 bin`, `pnpm dlx pkg`, `yarn dlx pkg`, `bunx pkg`."""
    rest = args[1:] if launcher in ("pnpm", "yarn") and args[:1] == ("dlx",) else args
    flagged = _after(rest, ("-p", "--package"))
    if flagged is not None:
        return _split_version(flagged, ("@",))
    i = _first_positional(rest)
    return _split_version(rest[i], ("@",)) if i is not None else (None, None)


def _python_package(launcher: str, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """`uvx pkg==1.2`, `uvx --from pkg@1.2 bin`, `pipx run pkg`, `uv tool run pkg`."""
    rest = args[1:] if launcher in ("pipx", "uv") and args[:1] in (("run",), ("tool",)) else args
    flagged = _after(rest, ("--from",))
    if flagged is not None:
        return _split_version(flagged, ("==", "@"))
    i = _first_positional(rest, frozenset({"--python", "--with", "-p"}))
    return _split_version(rest[i], ("==", "@")) if i is not None else (None, None)


def _docker_image(_: str, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """`docker run [flags] image[:tag|@sha256:digest]`: the image and its tag or digest."""
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


def _deno_package(_: str, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """`deno run npm:pkg@1.2` or `jsr:pkg@1.2` (a package), else the script run."""
    rest = args[1:] if args[:1] == ("run",) else args
    i = _first_positional(rest)
    spec = rest[i] if i is not None else None
    if spec and spec.startswith(("npm:", "jsr:")):
        return _split_version(spec.split(":", 1)[1], ("@",))
    return spec, None


def _go_package(_: str, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """`go run module@version`."""
    if args[:1] == ("run",) and len(args) > 1:
        return _split_version(args[1], ("@",))
    return None, None


_PACKAGES = {"npx": _npm_package, "bunx": _npm_package, "pnpm": _npm_package, "yarn": _npm_package,
             "uvx": _python_package, "pipx": _python_package, "uv": _python_package, "docker": _docker_image,
             "deno": _deno_package, "go": _go_package}


def _package(launcher: str, args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The package a launcher runs and its version spec, from the launcher's arguments."""
    read = _PACKAGES.get(launcher)
    return read(launcher, args) if read else (None, None)


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


def _settings(raw: RawServer) -> Mapping[str, Any]:
    """The entry's settings; a Goose entry may nest them in a `config` (its own keys win)."""
    entry = dict(raw.entry)
    if isinstance(entry.get("config"), Mapping):
        entry = {**entry["config"], **{k: v for k, v in entry.items() if k != "config"}}
    return entry


def _launch(entry: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...], Mapping[str, Any]]:
    """The command, its arguments and its environment. Older Zed writes the command as an object
    (`{"path", "args", "env"}`); a command written as one string (`"npx -y pkg"`) is split."""
    command_value = first_present(entry, "command")
    args = _strings(first_present(entry, "args"))
    env: Mapping[str, Any] = {}
    for env_key in spellings("env"):
        if isinstance(entry.get(env_key), Mapping):
            env = {**env, **entry[env_key]}
    if isinstance(command_value, Mapping):
        args = _strings(command_value.get("args"))
        env = command_value["env"] if isinstance(command_value.get("env"), Mapping) else env
        command_value = command_value.get("path")
    command = command_value if isinstance(command_value, str) and command_value.strip() else None
    if command and not args and " " in command.strip() and "/" not in command.split()[0][:-1]:
        command, *rest = command.split()
        args = tuple(rest)
    return command, args, env


def _launched(command: str, args: tuple[str, ...]) -> tuple[str, str | None, str | None]:
    """The launcher of a command (a known runner, else `binary`), the package and its version."""
    base = re.split(r"[\\/]", command)[-1].lower().removesuffix(".exe").removesuffix(".cmd")
    launcher = _RUNNERS.get(base, "binary")
    package, version = _package(launcher, args)
    if launcher == "binary":
        package = base
    elif launcher in ("node", "python", "java") and package is None:
        i = _first_positional(args)
        package = re.split(r"[\\/]", args[i])[-1] if i is not None else None
    return launcher, package, version


# The keys searched for literal secrets, in the order they are reported.
_SCANNED = ("env", "envs", "headers", "http_headers", "requestOptions", "args", "url", "httpUrl", "serverUrl",
            "uri", "command", "cmd", "bearer_token", "config")


def _secrets(raw: RawServer) -> list[Secret]:
    secrets: list[Secret] = []
    for key in _SCANNED:
        if key in raw.entry:
            _scan(raw.entry[key], (*raw.path, key), key, secrets, key in _HEADER_KEYS)
    return secrets


def _auth(entry: Mapping[str, Any], env: Mapping[str, Any], secrets: list[Secret], path: KeyPath) -> str:
    """The auth mode (see the module docstring), the first that applies in this order."""
    headers = first_set(entry, "headers") or {}
    refs = " ".join(str(v) for v in [*env.values(), *(headers.values() if isinstance(headers, Mapping) else [])])
    if "${input:" in refs:
        return "prompted_input"
    if any(set(s.path[len(path):]) & _HEADER_KEYS for s in secrets):
        return "static_header"
    if secrets:
        return "static_env"
    if any(entry.get(key) for key in spellings("token_env")) or _ENV_REF.search(refs):
        return "env_token"
    if isinstance(headers, Mapping) and any(str(k).lower() in ("authorization", "x-api-key", "api-key")
                                            for k in headers):
        return "static_header"  # a credential header to be filled in (`Bearer <token>`)
    if isinstance(entry.get("oauth"), Mapping) or entry.get("authProviderType") or entry.get("auth") == "oauth":
        return "oauth"
    return "none"


def _auto_approve(entry: Mapping[str, Any]) -> tuple[str, ...]:
    if any(entry.get(key) is True for key in spellings("approve_all")):
        return ("*",)
    return _strings(first_set(entry, "auto_approve"))


def _enabled(entry: Mapping[str, Any]) -> bool:
    return all(entry.get(key) is not True for key in spellings("disabled")) and all(
        entry.get(key) is not False for key in spellings("enabled"))


def read_server(raw: RawServer) -> ServerInfo:
    """Read one entry (see the module docstring); never raises for odd content."""
    entry = _settings(raw)
    command, args, env = _launch(entry)
    url_value = next((entry[k] for k in spellings("url") if isinstance(entry.get(k), str)), None)
    url, host = _clean_url(url_value) if url_value else (None, None)
    problems: list[tuple[str, KeyPath]] = []
    if url_value and url is None:
        problems.append((f"server {raw.key!r}: the URL is not an absolute http(s) URL", (*raw.path, "url")))
    transport = _transport(entry, url, command)
    launcher, package, version = _launched(command, args) if command else (None, None, None)
    if not command and transport == "unknown":
        problems.append((f"server {raw.key!r} has neither a command nor a URL", raw.path))
    pinned = None if package is None or launcher in ("binary", "node", "python") else bool(
        version and _EXACT.match(version))
    secrets = _secrets(raw)
    return ServerInfo(
        key=raw.key, path=raw.path, scope=raw.scope, project=raw.project, transport=transport, command=command,
        args=args, launcher=launcher, package=package, version=version, pinned=pinned, url=url, host=host,
        auth_mode=_auth(entry, env, secrets, raw.path), auto_approve=_auto_approve(entry),
        allowed_tools=_strings(first_set(entry, "allowed_tools")),
        denied_tools=_strings(first_set(entry, "denied_tools")),
        enabled=_enabled(entry), secrets=tuple(secrets), env_names=tuple(sorted(map(str, env))),
        problems=tuple(problems),
    )
