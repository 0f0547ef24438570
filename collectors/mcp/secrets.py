"""Literal secrets in MCP configs: found by shape or by the key that holds them, never kept.

A secret is reported as a `SecretRef` (where: file, line and key path; what: its kind). Its value
is used only to redact the raw config before it is stored (`redact`), and is never put in a fact,
a problem message or a log line. Placeholders (`${VAR}`, `${input:id}`, `{env:VAR}`, `<token>`,
`your-token-here`) are not secrets: they say the value comes from elsewhere.

Example:
    >>> [f.kind for f in find_secrets("GITHUB_TOKEN", "ghp_" + "a1B2" * 9)]
    ['github_token']
    >>> find_secrets("GITHUB_TOKEN", "${GITHUB_TOKEN}")
    []
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

REDACTED = "[REDACTED:{kind}]"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255})\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,250}\b")),
    ("slack_webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}")),
    ("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("aws_access_key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("google_api_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("stripe_key", re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("private_key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
)
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<secret>[^\s/@]{3,})@", re.I)
_URL_TOKEN = re.compile(r"[?&](?:token|access_token|api_key|apikey|key|secret)=(?P<secret>[^&\s#]{8,})", re.I)
_BEARER = re.compile(r"^(?:Bearer|Basic|Token)\s+(?P<secret>\S{8,})$", re.I)
_SENSITIVE_KEY = re.compile(r"(?i)(token|secret|passw|api[_-]?key|apikey|auth|credential|private[_-]?key|^key$)")
_PLACEHOLDER = re.compile(
    r"\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{env:[^}]*\}|\{\{[^}]*\}\}|<[^>]+>|%[A-Z_]+%|"
    r"(?i:your[-_ ]|changeme|placeholder|example|xxxx|\*\*\*|redacted)"
)


@dataclass(frozen=True)
class Found:
    """A secret found in one string: its kind and the exact text to redact."""

    kind: str
    text: str


def is_placeholder(value: str) -> bool:
    """Whether a value refers to a secret kept elsewhere instead of holding one.

    Example:
        >>> is_placeholder("${input:github_token}"), is_placeholder("Bearer ${TOKEN}")
        (True, True)
    """
    return bool(_PLACEHOLDER.search(value))


def _entropy(value: str) -> float:
    counts = {c: value.count(c) for c in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _generic(value: str) -> bool:
    """A high-entropy token: long, no spaces, mixed letters and digits."""
    return (
        len(value) >= 16
        and not any(c.isspace() for c in value)
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and _entropy(value) >= 3.0
        and not value.startswith(("/", "./", "~", "http://", "https://"))
    )


def find_secrets(key: str, value: str) -> list[Found]:
    """The literal secrets in one string value held under `key` (an env name, header or arg).

    Args:
        key: the name the value is held under (`GITHUB_TOKEN`, `Authorization`, or `args` for an argument).
        value: the string.

    Returns:
        What to redact and its kind; empty for placeholders and plain values.
    """
    found: list[Found] = []
    for kind, pattern in _PATTERNS:
        found += [Found(kind, m.group(0)) for m in pattern.finditer(value) if not is_placeholder(m.group(0))]
    for pattern, kind in ((_URL_PASSWORD, "password_in_url"), (_URL_TOKEN, "token_in_url")):
        for m in pattern.finditer(value):
            secret = m.group("secret")
            if not is_placeholder(secret) and not any(secret in f.text or f.text in secret for f in found):
                found.append(Found(kind, secret))
    if found:
        return found
    bearer = _BEARER.match(value.strip())
    if bearer and not is_placeholder(bearer.group("secret")):
        return [Found("bearer_token", bearer.group("secret"))]
    name = key.rsplit("=", 1)[0]
    if "=" in value and value.startswith("-"):  # --token=abc
        name, _, value = value.partition("=")
    plain = len(value) >= 12 and " " not in value and not value.startswith(("/", "http"))
    if (_SENSITIVE_KEY.search(name) and len(value) >= 8 and not is_placeholder(value) and not value.isdigit()
            and (_generic(value) or plain)):
        return [Found("generic_secret", value)]
    return []


def redact(text: str, secrets: list[Found]) -> str:
    """`text` with every secret replaced by a marker naming its kind.

    Example:
        >>> redact('{"t": "xoxb-123456789012-abcdef"}', [Found("slack_token", "xoxb-123456789012-abcdef")])
        '{"t": "[REDACTED:slack_token]"}'
    """
    for found in sorted(secrets, key=lambda f: -len(f.text)):
        text = text.replace(found.text, REDACTED.format(kind=found.kind))
    return text
