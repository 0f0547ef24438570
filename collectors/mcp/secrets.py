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
from collections.abc import Sequence
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
_URL_TOKEN = re.compile(
    r"[?&][^=&#\s]*(?:token|key|secret|passw|pwd|auth|sig|session)[^=&#\s]*=(?P<secret>[^&\s#]{8,})", re.I)
_BEARER = re.compile(r"^(?:Bearer|Basic|Token|Digest)\s+(?P<secret>\S{8,})$", re.I)
# A name that holds a credential (`GITHUB_TOKEN`, `--api-key`, `X-Api-Key`, `Proxy-Authorization`) ...
_SENSITIVE_NAME = re.compile(r"(?i)(token|secret|passw|pwd|api[_-]?key|apikey|access[_-]?key|auth(?!or)|credential|"
                             r"private[_-]?key|session|cookie|signature|^key$)")
# ... unless its last word says it holds a setting about one (`TOKEN_URL`, `--api-key-env`, `AUTH_TYPE`).
_SETTING_NAME = re.compile(r"(?i)(?:^|[_.-])(file|path|dir|env|var|name|id|type|url|uri|endpoint|header|mode|ttl|"
                           r"timeout|expiry|expires|length|size|limit|scopes?|method|provider|kind|format|prefix|"
                           r"location|region|command|cmd)s?$")
_PASSWORD_NAME = re.compile(r"(?i)passw|pwd|passphrase")
_COOKIE_NAME = re.compile(r"(?i)^(set-)?cookie2?$")
_ASSIGNMENT = re.compile(r"^(-{1,2}[A-Za-z][\w.-]*|[A-Za-z_][\w.-]*)=(.*)$", re.S)  # --flag=v, KEY=v
_HEADER_ARG = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$", re.S)  # `--header "Authorization: Bearer v"`
_HEADER_FLAGS = frozenset({"-H", "--header", "--headers"})
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")  # OPENAI_API_KEY: a variable's name, not its value
_MARKER = re.compile(r"\[REDACTED:(?P<kind>[a-z_]+)\]")
# A reference to a value kept elsewhere, anywhere in a value: the value is a template filled in at run time.
_REFERENCE = re.compile(r"\$\{[^}]*\}|\{env:[^}]*\}|\{\{[^}]*\}\}|<[A-Za-z][\w .:/-]*>|%[A-Z_][A-Z0-9_]*%")
_WHOLE_REFERENCE = re.compile(r"^\$[A-Za-z_][A-Za-z0-9_]*$")  # $VAR (only as the whole value: `Pa$Sw0rd` is literal)
# The words a placeholder is written with (`YOUR_API_KEY`, `your-token-here`, `<paste key>`, `REPLACE_ME`).
_PLACEHOLDER_WORDS = frozenset({
    "your", "my", "the", "a", "an", "here", "goes", "api", "key", "keys", "token", "tokens", "secret", "password",
    "pass", "passwd", "pat", "access", "personal", "auth", "bearer", "client", "id", "value", "changeme", "change",
    "me", "placeholder", "example", "redacted", "replace", "insert", "paste", "enter", "put", "add", "set", "dummy",
    "fake", "sample", "todo", "tbd", "fixme", "none", "null", "empty", "xxx", "github", "slack", "openai",
    "anthropic", "aws", "google", "stripe", "bot", "user", "app", "service", "account", "env", "environment",
})
_INSTRUCTION_WORDS = frozenset({"your", "my", "insert", "replace", "paste", "enter", "put", "changeme", "placeholder"})
_MASK = re.compile(r"^[A-Za-z]{0,4}([xX0#])\1{3,}$")  # xxxx, XXXX, 0000, AKIAXXXXXXXXXXXXXXXX: a masked template


@dataclass(frozen=True)
class Found:
    """A secret found in one string: its kind and the exact text to redact."""

    kind: str
    text: str

    @property
    def redacted(self) -> bool:
        """Whether the text is already a redaction marker (a kept raw input read again)."""
        return bool(_MARKER.fullmatch(self.text))


def is_placeholder(value: str) -> bool:
    """Whether a value refers to a secret kept elsewhere, or is a template for one, instead of holding one.

    Precise, not a substring test: a value is a placeholder when it is empty, refers to a variable
    (`${VAR}`, `${input:id}`, `{env:VAR}`, `{{var}}`, `<token>`, `%VAR%`, or exactly `$VAR`), or
    when every word of it is a placeholder word (`YOUR_API_KEY`, `your-token-here`), a mask
    (`xxxx`, `AKIAXXXXXXXXXXXXXXXX`) or a short prefix beside a mask (`sk-...xxxx`), or its first
    word says to put a value there (`your_github_token`, `REPLACE_WITH_KEY_123`). A real token that
    contains `example` or `xxxx` inside a word is not a placeholder.

    Example:
        >>> is_placeholder("${input:github_token}"), is_placeholder("Bearer ${TOKEN}"), is_placeholder("sk-...xxxx")
        (True, True, True)
        >>> is_placeholder("sk-ant-api03-Rt7Yexample4Kd9Lq2Wm8Xn5Bv3Cz1Pj6Hs0Gf")
        False
    """
    text = _MARKER.sub("", value).strip()
    if not text or _WHOLE_REFERENCE.match(text) or _REFERENCE.search(text):
        return True
    words = re.findall(r"[A-Za-z0-9]+", text)
    if not words:
        return True  # `***`, `...`
    if words[0].lower() in _INSTRUCTION_WORDS:
        return True
    masked = any(_MASK.match(w) for w in words)
    return all(w.lower() in _PLACEHOLDER_WORDS or _MASK.match(w) or (masked and len(w) <= 4) for w in words)


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


def _candidate(kind: str, text: str) -> Found | None:
    """`text` as a secret of `kind`; a redaction marker stays one (of its own kind); None for a placeholder."""
    marker = _MARKER.fullmatch(text.strip())
    if marker:
        return Found(marker.group("kind"), text.strip())
    return None if is_placeholder(text) else Found(kind, text)


def _shaped(value: str) -> list[Found]:
    """Secrets recognised by their own shape (a GitHub token, a JWT, a password in a URL), wherever they are."""
    found: list[Found] = []
    for kind, pattern in _PATTERNS:  # the first, most specific, kind of a text wins (sk-ant- is not also openai)
        found += [f for m in pattern.finditer(value) if (f := _candidate(kind, m.group(0)))
                  and not any(f.text in g.text or g.text in f.text for g in found)]
    for pattern, kind in ((_URL_PASSWORD, "password_in_url"), (_URL_TOKEN, "token_in_url")):
        for m in pattern.finditer(value):
            secret = _candidate(kind, m.group("secret"))
            if secret and not any(secret.text in f.text or f.text in secret.text for f in found):
                found.append(secret)
    return found


def _literal(name: str, value: str) -> bool:
    """Whether `value`, held under a credential's name, is a literal credential (not a path, URL, flag, name)."""
    value = value.strip()
    return (
        len(value) >= 8
        and not value.isdigit()
        and not any(c.isspace() for c in value)
        and not value.startswith(("/", "./", "../", "~", "-", "http://", "https://", "file:"))
        and not re.match(r"^[A-Za-z]:[\\/]", value)
        and value.lower() not in ("true", "false")
        and not (_ENV_NAME.match(value) and not _generic(value))
        and (_generic(value) or len(value) >= 12 or bool(_PASSWORD_NAME.search(name)))
    )


def sensitive_name(name: str) -> bool:
    """Whether a name (env variable, header, flag) holds a credential.

    Example:
        >>> sensitive_name("--api-key"), sensitive_name("X-Api-Key"), sensitive_name("TOKEN_URL")
        (True, True, False)
    """
    name = name.lstrip("-")
    return bool(_SENSITIVE_NAME.search(name)) and not _SETTING_NAME.search(name)


def find_secrets(key: str, value: str, *, header: bool = False) -> list[Found]:
    """The literal secrets in one string value held under `key` (an env name, header or arg).

    `KEY=VALUE` and `--flag=VALUE` are read as VALUE held under KEY (or the flag). A header
    (`header=True`) is a secret when its name holds a credential (`Cookie`, `Proxy-Authorization`,
    `X-Api-Key`) or when its value looks like one (a long high-entropy token, under any name).

    Args:
        key: the name the value is held under (`GITHUB_TOKEN`, `Authorization`, or `args` for an argument).
        value: the string.
        header: whether `key` is an HTTP header's name.

    Returns:
        What to redact and its kind; empty for placeholders and plain values.
    """
    found = _shaped(value)
    if found:
        return found
    if header and _COOKIE_NAME.match(key):
        cookie = _candidate("cookie", value) if len(value.strip()) >= 8 else None
        return [cookie] if cookie else []
    bearer = _BEARER.match(value.strip())
    if bearer:
        secret = _candidate("bearer_token", bearer.group("secret"))
        return [secret] if secret else []
    name = key
    assigned = _ASSIGNMENT.match(value)
    while assigned:  # --env=API_TOKEN=v: v under API_TOKEN
        name, value = assigned.group(1), assigned.group(2)
        assigned = _ASSIGNMENT.match(value)
    if name != key:
        return find_secrets(name, value, header=header)
    marker = _MARKER.fullmatch(value.strip())
    if marker:
        return [Found(marker.group("kind"), value.strip())]
    if sensitive_name(name) and not is_placeholder(value) and _literal(name, value):
        return [Found("generic_secret", value)]
    if header and _generic(value.strip()) and not is_placeholder(value):
        return [Found("generic_secret", value.strip())]
    return []


def find_in_args(args: Sequence[str]) -> list[tuple[int, Found]]:
    """The literal secrets in a command line, by argument index.

    Besides what each argument holds (`API_TOKEN=v`, `--token=v`, a token's own shape), a flag
    that names a credential takes the next argument as its value (`--api-key v`, `--password v`),
    and a header flag its header (`--header "Authorization: Bearer v"`).

    Example:
        >>> [(i, f.kind) for i, f in find_in_args(["-y", "server", "--token", "q8Zk2Lm9Xv4Bn7Cw1Rt5"])]
        [(3, 'generic_secret')]
    """
    out: list[tuple[int, Found]] = []
    for i, arg in enumerate(args):
        found = find_secrets("args", arg)
        flag = args[i - 1] if i > 0 else ""
        if not found and flag.startswith("-") and "=" not in flag and not arg.startswith("-"):
            header = _HEADER_ARG.match(arg) if flag in _HEADER_FLAGS else None
            if header:
                found = find_secrets(header.group(1), header.group(2), header=True)
            elif flag not in _HEADER_FLAGS:
                found = find_secrets(flag.lstrip("-"), arg)
        out += [(i, f) for f in found]
    return out


def find_anywhere(text: str) -> list[tuple[int, Found]]:
    """Secrets of a known shape anywhere in a file's text (a commented-out token too), by offset.

    Example:
        >>> [(at, f.kind) for at, f in find_anywhere('# old: ghp_' + 'a1B2' * 9)]
        [(7, 'github_token')]
    """
    return [(m.start(), f) for kind, pattern in _PATTERNS for m in pattern.finditer(text)
            if (f := _candidate(kind, m.group(0))) and not f.redacted]  # overlaps are redacted longest first


def redact(text: str, secrets: list[Found]) -> str:
    """`text` with every secret replaced by a marker naming its kind.

    Example:
        >>> redact('{"t": "xoxb-123456789012-abcdef"}', [Found("slack_token", "xoxb-123456789012-abcdef")])
        '{"t": "[REDACTED:slack_token]"}'
    """
    for found in sorted(secrets, key=lambda f: -len(f.text)):
        text = text.replace(found.text, REDACTED.format(kind=found.kind))
    return text
