"""Bearer-token authentication for the endpoint.

Tokens come from the environment variable `LINEAGE_API_TOKENS` (comma-separated) and from the
project file (`server: {api_tokens: [...]}` in lineage.yaml); both are used when both are set.
A request is let in when its `Authorization: Bearer <token>` header holds one of them. Tokens are
compared as SHA-256 digests with `hmac.compare_digest`, every configured token every time, so the
time taken says nothing about how much of a token was right. Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence

from lineage.errors import ConfigError

ENV_VAR = "LINEAGE_API_TOKENS"
MIN_TOKEN_LENGTH = 16


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).digest()


def tokens_from(env: Mapping[str, str], in_project: Sequence[str] = ()) -> tuple[str, ...]:
    """The configured tokens: env `LINEAGE_API_TOKENS` plus the project file's `server.api_tokens`
    (`lineage.project.Project.api_tokens`).

    Raises:
        ConfigError: a token is shorter than 16 characters.

    Example:
        >>> tokens_from({"LINEAGE_API_TOKENS": " a-long-enough-token , "})
        ('a-long-enough-token',)
    """
    found = [t.strip() for t in env.get(ENV_VAR, "").split(",") if t.strip()]
    found.extend(in_project)
    for token in found:
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"an API token is shorter than {MIN_TOKEN_LENGTH} characters; use a long random one "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
    return tuple(dict.fromkeys(found))


class TokenCheck:
    """Decides whether an `Authorization` header carries a valid token.

    Example:
        >>> check = TokenCheck(["s3cret-token-0123456789"])
        >>> check.allows("Bearer s3cret-token-0123456789"), check.allows("Bearer nope"), check.allows(None)
        (True, False, False)
    """

    def __init__(self, tokens: Iterable[str]) -> None:
        self._digests = tuple(_digest(t) for t in tokens)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def allows(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        given = _digest(token.strip())
        ok = False
        for digest in self._digests:
            ok |= hmac.compare_digest(given, digest)
        return ok
