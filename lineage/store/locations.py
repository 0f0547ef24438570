"""Where a store is: telling a PostgreSQL location from a DuckDB file, and showing it with its
secrets masked. Plain text work, so a command on a DuckDB file never loads the PostgreSQL driver."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: str) -> bool:
    """Whether `location` names a PostgreSQL store.

    Example:
        >>> is_postgres_url("postgresql://lineage@db:5432/lineage"), is_postgres_url("lineage.duckdb")
        (True, False)
    """
    return location.split("://", 1)[0].lower() in SCHEMES and "://" in location


SECRET_KEYWORDS = frozenset({"password", "sslpassword", "oauth_client_secret", "scram_client_key",
                             "scram_server_key"})
"""The libpq connection parameters that are secrets: never shown."""



def mask_url(url: str) -> str:
    """`url` with its password (in the user part or a `password=` parameter, and any other secret
    parameter) replaced by `***`.

    Example:
        >>> mask_url("postgresql://app:s3cret@db:5432/lineage?sslmode=require&password=x")
        'postgresql://app:***@db:5432/lineage?sslmode=require&password=***'
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, host = netloc.rsplit("@", 1)
            if ":" in user:
                user = user.split(":", 1)[0] + ":***"
            netloc = f"{user}@{host}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(k.lower() in SECRET_KEYWORDS for k, _ in pairs):
                query = urlencode([(k, "***" if k.lower() in SECRET_KEYWORDS else v) for k, v in pairs], safe="*")
        # by hand: urlunsplit drops the `//` of a URL with no host (`postgresql:///lineage`)
        return (f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
                + (f"#{parts.fragment}" if parts.fragment else ""))
    except ValueError:
        return url.split("://", 1)[0] + "://***"
