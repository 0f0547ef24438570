"""English plurals for the words the map counts (node kinds, edge kinds, findings) in what is shown.

Example:
    >>> [plural(w) for w in ("dataset", "process", "identity", "key", "index", "batch")]
    ['datasets', 'processes', 'identities', 'keys', 'indexes', 'batches']
    >>> counted(1, "process"), counted(3, "identity")
    ('1 process', '3 identities')
"""

from __future__ import annotations

_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")
_VOWELS = "aeiou"


def plural(noun: str, count: int = 2) -> str:
    """`noun` as the plural English needs for `count` of it (unchanged for exactly one).

    Regular rules only: a consonant then `y` becomes `ies`, a sibilant ending takes `es`, anything
    else takes `s`; the words the map uses are all regular.
    """
    if count == 1 or not noun:
        return noun
    lower = noun.lower()
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in _VOWELS:
        return noun[:-1] + "ies"
    if lower.endswith(_SIBILANT_ENDINGS):
        return noun + "es"
    return noun + "s"


def counted(count: int, noun: str) -> str:
    """`count` and `noun` in the number it needs: `1 dataset`, `2 processes`."""
    return f"{count} {plural(noun, count)}"
