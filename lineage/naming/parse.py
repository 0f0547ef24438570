"""Taking a namespace or dataset URI apart: scheme, platform, authority, path; secrets dropped.

Userinfo, JDBC ``;key=value`` properties (but a ``databaseName``), and, for tables, queries and
fragments never make it into the parts.

Example:
    >>> parts = parse("jdbc:sqlserver://user:pw@DB:1433;databaseName=Shop;password=x")
    >>> parts.scheme, parts.userinfo, parts.authority, parts.path, parts.database
    ('sqlserver', 'user:pw', 'DB:1433', '', 'Shop')
    >>> host_port("[::1]:9092,b2")
    ('[::1]', 9092)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lineage.naming.platforms import BY_SCHEME, PLATFORMS, Platform, canonical

__all__ = ["DRIVE", "SCHEME", "Parts", "host_port", "parse"]

SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-_]*):")
DRIVE = re.compile(r"/?[A-Za-z]:[\\/]")
_JDBC = re.compile(r"(?i)^(?:jdbc:)?(?:(?:microsoft|jtds):(?=sqlserver:))?")
_ORACLE_THIN = re.compile(r"oracle:thin:(?:.*@)?(?://)?([^/:?;@]+)(?::([0-9]+))?(?:[:/]([^/?;]*))?", re.I)
_DATABASE_KEYS = ("databasename", "database")


@dataclass(frozen=True, slots=True)
class Parts:
    """A namespace or URI taken apart; `authority` is None in the bare ``scheme:path`` form."""

    scheme: str
    platform: Platform | None
    userinfo: str
    authority: str | None
    path: str
    database: str | None = None  # from a JDBC ``;databaseName=`` property


def parse(text: str) -> Parts:
    """Take `text` (a URI or a connection URL with a scheme) apart.

    Raises:
        ValueError: it has no scheme, or is an ARN without partition, service, region and account.
    """
    text = _unwrap(text)
    if (match := SCHEME.match(text)) is None:
        raise ValueError("not a dataset URI or namespace: no scheme (and not a path)")
    scheme, rest = canonical(match.group(1)), text[match.end() :]
    if scheme == "arn":
        return _arn(rest)
    platform = BY_SCHEME.get(scheme)
    if platform is not None and platform.authority == "path":
        return _path_authority(scheme, platform, rest)
    if not rest.startswith("//"):
        return Parts(scheme, platform, "", None, rest)
    userinfo, rest, end = _without_userinfo(rest[2:])
    authority, path, database = _authority_path(rest, end, platform)
    return Parts(scheme, platform, userinfo, authority, path, database)


def _unwrap(text: str) -> str:
    """Without ``jdbc:`` (and SQL Server's driver prefixes); Oracle's thin form as a plain URL."""
    text = _JDBC.sub("", text)
    if thin := _ORACLE_THIN.match(text):
        host, port, service = thin.groups()
        text = f"oracle://{host}{':' + port if port else ''}/{service or ''}"
    return text


def _arn(rest: str) -> Parts:
    """``arn:partition:service:region:account[:resource]``; a Glue ARN has the Glue platform."""
    fields = rest.split(":", 4)
    glue = PLATFORMS["glue"] if len(fields) > 1 and fields[1].lower() == "glue" else None
    if len(fields) < 4 or (glue and not all(fields[:4])) or re.search(r"\s", ":".join(fields[:4])):
        raise ValueError("an ARN namespace needs partition, service, region and account")
    return Parts("arn", glue, "", ":".join(fields[:4]).lower(), fields[4] if len(fields) > 4 else "")


def _path_authority(scheme: str, platform: Platform, rest: str) -> Parts:
    """DuckDB: the authority is a file path, without credentials, query or properties."""
    rest = re.sub(r"^[^/@:]*:[^@]*@", "", rest.removeprefix("//"))  # "@" alone is legal in a path
    return Parts(scheme, platform, "", re.split(r"[?#;]", rest, maxsplit=1)[0], "")


def _without_userinfo(rest: str) -> tuple[str, str, int]:
    """Drop every ``user:password@`` (passwords may hold a raw ``/`` or ``@``): the last userinfo,
    what follows it, and where its authority ends."""
    userinfo = ""
    while True:
        end = len(re.split(r"[/?#]", rest, maxsplit=1)[0])
        at = rest.rfind("@", 0, end)
        if at < 0 and _secret_like(rest[:end]):
            at = rest.find("@")
        if at < 0:
            return userinfo, rest, end
        userinfo, rest = rest[:at], rest[at + 1 :]


def _secret_like(head: str) -> bool:
    """True when ``head`` (the text before the first ``/``) reads ``user:password``, not ``host:port``."""
    port = head.partition(":")[2]
    return bool(port) and not head.startswith("[") and not re.fullmatch(r"[0-9]+(,.*)?", port)


def _authority_path(rest: str, end: int, platform: Platform | None) -> tuple[str, str, str | None]:
    """The authority, the path and a JDBC ``databaseName`` of `rest` (whose authority ends at `end`).

    JDBC properties (after the authority, or after a table platform's database path) run to the
    end and may hold a password: only the database is kept. Object keys and files keep ``?`` and
    ``#`` in their path; tables and unknown schemes lose them.

    Example:
        >>> _authority_path("db/shop;user=u;password=x", 2, None)
        ('db', '/shop', None)
    """
    semi = rest.find(";")
    if 0 <= semi < end:
        authority, path, props = rest[:semi], "", rest[semi + 1 :]
    else:
        authority, path, props = rest[:end], rest[end:], ""
    if path[:1] != "/" or platform is None or platform.kind == "table":
        path = re.split(r"[?#]", path, maxsplit=1)[0]
        path, _, more = path.partition(";")
        props = f"{props};{more}" if more else props
    return authority, path, _database(props)


def _database(props: str) -> str | None:
    """The last ``databaseName=`` (or ``database=``) of JDBC properties."""
    database = None
    for key, _, value in (prop.partition("=") for prop in props.split(";")):
        if key.strip().lower() in _DATABASE_KEYS and value.strip():
            database = value.strip()
    return database


def host_port(authority: str) -> tuple[str, int | None]:
    """The first server's host (lower-cased) and port.

    Raises:
        ValueError: a malformed IPv6 literal, whitespace in the host, or an invalid port (which is
            not echoed: it may be a password).
    """
    authority = authority.split(",", 1)[0]
    if authority.startswith("["):  # IPv6 literal
        host, bracket, tail = authority.partition("]")
        host += bracket
        if not re.fullmatch(r"\[[0-9A-Fa-f:.]+\]", host) or tail[:1] not in ("", ":"):
            raise ValueError(f"invalid host {authority!r}")
        port_text = tail[1:]
    else:
        host, _, port_text = authority.partition(":")
    if any(c.isspace() for c in host):
        raise ValueError(f"host {host!r} contains whitespace")
    if not port_text:
        return host.lower(), None
    if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 0 < int(port_text) < 65536:
        raise ValueError(f"invalid port for host {host!r}")  # the "port" may be a password
    return host.lower(), int(port_text)
