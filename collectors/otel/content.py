"""Prompt and output text: its sensitive classes and a hash, never the text.

A span with content capture on carries what was sent to a model (`gen_ai.input.messages`, the
indexed `gen_ai.prompt.*` of older instrumentations, OpenInference's `input.value`) and what came
back. The text is classified with the project's classifiers (`lineage.classify`: e-mail
addresses, payment cards with their checksum, IBANs, national ids, IP addresses, secrets by shape)
over the words and word groups of the text, and replaced by a marker holding only the classes
found and a SHA-256 of the text. The marker is what is kept (in the journal, in the store's raw
inputs); mapping a marker again gives the same classes.

Example:
    >>> m = redact("write to jane.doe@example.com, card 4111 1111 1111 1111")
    >>> m.startswith("[content sha256="), classes_of(m)
    (True, ('financial.payment_card', 'pii.email'))
    >>> classes_of("nothing to see here"), redact(m) == m
    ((), True)
"""

from __future__ import annotations

import hashlib
import re

from lineage.classify import classes_from_values

MAX_CLASSIFIED_CHARS = 256 * 1024
"""Text beyond this many characters is hashed but not classified (a bound on the time one span takes)."""

_MARKER = re.compile(r"^\[content sha256=(?P<sha>[0-9a-f]{64})(?: classes=(?P<classes>[a-z0-9_.,]+))?\]$")
_TOKEN = re.compile(r"[^\s\"'<>()\[\]{},;]+")
_DIGIT_GROUPS = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
_IBAN_GROUPS = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_TRIM = ".:!?"


def classify(text: str) -> tuple[str, ...]:
    """The sensitive classes found in free text, sorted.

    Example:
        >>> classify("call me at 192.168.0.7 or mail bob@corp.example."), classify("IBAN DE89 3704 0044 0532 0130 00")
        (('pii.email', 'pii.ip_address'), ('financial.bank_account',))
    """
    text = text[:MAX_CLASSIFIED_CHARS]
    found: set[str] = set()
    candidates = {token.strip(_TRIM) for token in _TOKEN.findall(text)}
    candidates.update(_DIGIT_GROUPS.findall(text))
    candidates.update(_IBAN_GROUPS.findall(text))
    for candidate in candidates:
        if (7 <= len(candidate) <= 200 and any(ch.isdigit() or ch == "@" for ch in candidate)) or len(candidate) >= 20:
            found |= classes_from_values([candidate], threshold=1.0)
    return tuple(sorted(found))


def classes_of(text: str) -> tuple[str, ...]:
    """The classes of content: read back from a marker, else found in the text."""
    marker = _MARKER.match(text)
    if marker is not None:
        return tuple(sorted(c for c in (marker.group("classes") or "").split(",") if c))
    return classify(text)


def redact(text: str) -> str:
    """The marker that replaces content: its classes and its SHA-256 (a marker stays as it is)."""
    if _MARKER.match(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    classes = classify(text)
    return f"[content sha256={digest}" + (f" classes={','.join(classes)}" if classes else "") + "]"
