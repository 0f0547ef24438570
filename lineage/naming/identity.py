"""From parts to the normalised ``(namespace, name)``: one step per platform authority and name kind.

Example:
    >>> resolve("jdbc:postgresql://h/shop", "public.T")[:2]
    ('postgres://h:5432', 'shop.public.t')
    >>> resolve("s3://b/dir", "x")[:2]
    ('s3://b', 'dir/x')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import unquote

from lineage.naming.parse import DRIVE, SCHEME, Parts, host_port, parse
from lineage.naming.platforms import BY_SCHEME, PLATFORMS, Platform, canonical, clean

__all__ = ["resolve", "source", "table"]

_FILE = PLATFORMS["file"]
_ENDS = re.compile(r"^[\s/]+|[\s/]+$")
_REDSHIFT = re.compile(r"([^.]+)\.[^.]+\.([^.]+)\.redshift(?:-serverless)?\.amazonaws\.com")


def resolve(text: str, name: str | None) -> tuple[str, str, Platform | None]:
    """Normalise ``(text, name)``, or split the URI ``text`` when ``name`` is None."""
    with_path = name is not None
    text = clean(text, "namespace" if with_path else "dataset URI", echo=False)
    name = clean(name, "name") if name is not None else None
    if _is_local(text, name):
        parts, name = Parts("file", _FILE, "", None, text if with_path else ""), name or text
    elif ":" not in text and name is not None:  # a bare namespace: "bigquery", "file", "food_delivery"
        if (known := BY_SCHEME.get(canonical(text))) is None:
            return _bare(text), name, None
        parts = Parts(known.scheme, known, "", None, "")
    else:
        parts = parse(text)
    if name is None and parts.platform is not None and parts.platform.authority == "path":
        parts, name = _database_and_table(parts)
    return source(parts, with_path=with_path), _name(parts, name), parts.platform


def _is_local(text: str, name: str | None) -> bool:
    """A local path: absolute, relative, home-relative, a Windows drive, or a URI-less ``a/b``."""
    if text.startswith(("/", "./", "../", "~/")) or DRIVE.match(text):
        return True
    return name is None and ":" not in text and "/" in text


def _bare(text: str) -> str:
    """An unknown bare namespace, lower-cased if it reads as a scheme."""
    return text.lower() if SCHEME.fullmatch(text + ":") else text


def _database_and_table(parts: Parts) -> tuple[Parts, str]:
    """A DuckDB URI: the database path before its last ``/``, the (encoded) table after it."""
    path, slash, encoded = (parts.authority or "").rpartition("/")
    if not slash or not path.strip("/") or not encoded:
        raise ValueError(f"{parts.scheme} URI needs a database path and a table after its last '/'")
    return Parts(parts.scheme, parts.platform, "", path, ""), unquote(encoded)


# -- the namespace -------------------------------------------------------------------------------


def source(parts: Parts, *, with_path: bool) -> str:
    """The normalised namespace; ``with_path`` keeps an unknown scheme's path in it."""
    if parts.scheme == "arn":
        return f"arn:{parts.authority or ''}"
    if parts.platform is None:
        return _unknown_source(parts, with_path=with_path)
    return _SOURCES[parts.platform.authority](parts.platform, parts)


def _unknown_source(parts: Parts, *, with_path: bool) -> str:
    if parts.authority is None:
        return f"{parts.scheme}:{parts.path}" if parts.path and with_path else parts.scheme
    if any(c.isspace() for c in parts.authority):
        raise ValueError(f"host {parts.authority!r} contains whitespace")
    tail = _ENDS.sub("", parts.path) if with_path else ""
    if not parts.authority and not tail:
        return parts.scheme
    return f"{parts.scheme}://{parts.authority.lower()}{'/' + tail if tail else ''}"


def _path_source(p: Platform, parts: Parts) -> str:
    """A database file (DuckDB): its file name, whatever folder the path names (see `lineage.naming`)."""
    path = re.sub(r"[\s/\\]+$", "", (parts.authority or "").strip())
    if (file := re.split(r"[/\\]", path)[-1].strip()) in ("", ".", ".."):
        raise ValueError(f"{p.scheme} namespace needs a database path ending in a file name")
    return f"{p.scheme}://{file}"


def _no_authority_source(p: Platform, parts: Parts) -> str:
    if parts.authority:
        raise ValueError(f"{p.scheme} namespace has no authority (got {parts.authority!r})")
    return p.scheme


def _optional_source(p: Platform, parts: Parts) -> str:
    """Files: a remote host is kept, the local one (none, ``localhost``) is the bare scheme."""
    host, _ = host_port(parts.authority or "")
    return f"{p.scheme}://{host}" if host and host != "localhost" else p.scheme


def _host_port_source(p: Platform, parts: Parts) -> str:
    host, port = _fixed_host(p, parts)
    return f"{p.scheme}://{host}:{port or p.default_port}"


def _host_source(p: Platform, parts: Parts) -> str:
    """The host alone; Azure keeps the container given as ``container@account...``."""
    host, _ = _fixed_host(p, parts)
    container = parts.userinfo.partition(":")[0].lower() if p.scheme in ("abfss", "wasbs") else ""
    return f"{p.scheme}://{container}{'@' if container else ''}{host}"


def _fixed_host(p: Platform, parts: Parts) -> tuple[str, int | None]:
    """The host (as the platform shortens it) and port; a host is required."""
    host, port = host_port(parts.authority or "")
    fixer = _HOST_FIXERS.get(p.scheme) if host and not host.startswith("[") else None
    if not (host := fixer(host) if fixer else host):
        raise ValueError(f"{p.scheme} namespace needs a host")
    return host, port


def _snowflake_account(host: str) -> str:
    for suffix in (".snowflakecomputing.com", ".privatelink"):
        host = host.removesuffix(suffix)
    parts = host.split(".")
    if "-" in parts[0] or "_" in parts[0]:  # orgname-accountname never carries a region
        return parts[0]
    return ".".join([*parts, "us-west-1", "aws"][:3] if len(parts) == 1 else [*parts, "aws"][:3])


def _redshift_host(host: str) -> str:
    endpoint = _REDSHIFT.fullmatch(host)
    return f"{endpoint.group(1)}.{endpoint.group(2)}" if endpoint else host


_HOST_FIXERS = {"snowflake": _snowflake_account, "redshift": _redshift_host}
_SOURCES: dict[str, Callable[[Platform, Parts], str]] = {
    "path": _path_source, "none": _no_authority_source, "optional": _optional_source,
    "hostport": _host_port_source, "host": _host_source,
}


# -- the name ------------------------------------------------------------------------------------


def _name(parts: Parts, name: str | None) -> str:
    """The normalised name; ``name`` None takes it from the path of a URI."""
    p = parts.platform
    if parts.scheme == "arn" and name is not None and parts.path:
        raise ValueError("an ARN namespace ends at the account; put the resource in the name")
    if p is None:
        return _unknown_name(parts, name)
    if p.kind == "table":
        return _table_name(p, parts, name)
    return _NAMES[p.kind](p, parts.path, name or "", parts.authority is not None)


def _unknown_name(parts: Parts, name: str | None) -> str:
    if name is None:
        name = parts.path.lstrip("/") if parts.authority is not None else parts.path
    return clean(name, "name")


def _table_name(p: Platform, parts: Parts, name: str | None) -> str:
    """A URI's whole path is the name; a namespace's path gives the outer levels."""
    outer: list[str | None] = [parts.database] if parts.database else []
    if name is None:
        path = parts.path[1:] if parts.authority is not None and parts.path[:1] == "/" else parts.path
        name = clean(unquote(path), "table name")
    else:
        outer += [s for s in parts.path.split("/") if s.strip()]
    name = name[len(p.prefix) :] if name.lower().startswith(p.prefix) else name
    return table(p, name.split(p.separator), (outer + [None] * p.levels)[: p.levels - 1])


def _key_name(p: Platform, path: str, name: str, authority: bool) -> str:
    """An object key: no leading slash, case and ``.`` segments kept."""
    return _settle(f"{path}/{name}", keep_dots=True) or "/"


def _opaque_name(p: Platform, path: str, name: str, authority: bool) -> str:
    """A topic or key: kept, slashes and spaces trimmed at the ends."""
    return clean(_ENDS.sub("", f"{path}/{name}"), "name")


def _path_name(p: Platform, path: str, name: str, authority: bool) -> str:
    """A file-system path: absolute names win over the namespace's path; Windows drives kept."""
    full = name if name.startswith("/") or not path or DRIVE.match(name) else f"{path}/{name}".rstrip("/")
    if p.kind == "file" and DRIVE.match(full):  # Windows: C:\data\x.csv -> C:/data/x.csv
        full = full.lstrip("/").replace("\\", "/")
        return full[:2] + "/" + _settle(full[2:], keep_dots=False)
    lead = "/" if p.kind == "path" or authority or full.startswith("/") else ""
    return clean(lead + _settle(full, keep_dots=False), "name")


_NAMES: dict[str, Callable[[Platform, str, str, bool], str]] = {
    "key": _key_name, "opaque": _opaque_name, "path": _path_name, "file": _path_name,
}


def table(p: Platform, parts: Sequence[str], outer: Sequence[str | None]) -> str:
    """Join table-name ``parts``, filling missing outer levels from ``outer`` (outermost first)."""
    filled = [part.strip() for part in parts]
    if not all(filled):
        raise ValueError(f"table name {p.separator.join(parts)!r} has an empty part")
    for container in reversed(outer[: max(p.levels - len(filled), 0)]):
        if not container or not all(x.strip() for x in container.split(p.separator)):
            break  # a level cannot be skipped: stop at the first unknown one
        filled[:0] = [clean(x, "default container") for x in container.split(p.separator)]
    name = p.prefix + p.separator.join(filled)
    return name.lower() if p.case == "lower" else name.upper() if p.case == "upper" else name


def _settle(path: str, *, keep_dots: bool) -> str:
    """Collapse ``//``, drop ``.`` segments unless ``keep_dots``, trim slashes and spaces at the ends."""
    while True:
        tidy = _ENDS.sub("", "/".join(s for s in path.split("/") if s and (keep_dots or s.strip() != ".")))
        if tidy == path:
            return tidy
        path = tidy
