"""Text from the inputs made inert in GitHub-flavoured Markdown (a pull-request comment, a job summary).

`escape` is the one Markdown escaper: `lineage check --format markdown` and `lineage export
--format markdown` both put every name and message through it. It writes `&`, `<` and `>` as
HTML entities (no tag, no entity of the input survives), puts a backslash before each character
that makes emphasis, code, links, tables, autolinks or math (``\\ ` * _ { } [ ] ( ) + ! | ~ : $``),
and turns control characters (newlines, tabs) into spaces, so a name cannot break a table row,
start a heading or inject a link or HTML.

Mentions and references are neutralised with a zero-width space (U+200B) after `@`, `#` and
`GH-`: `@team` stays `@team` to the eye but does not notify anyone, and `#123` or `GH-123` does
not link (or cross-reference) an issue. GitHub finds mentions and references in the rendered text,
after Markdown escapes and HTML entities are resolved, so neither `\\@` nor `&#64;` stops them; a
character between `@` and the name does.

Escaped text is meant for the middle of a line (a table cell, after a label), where `-`, `.` and a
leading `#` mean nothing.

Example:
    >>> escape("*a* | <b> @team #1\\nx")
    '\\\\*a\\\\* \\\\| &lt;b&gt; @\\u200bteam #\\u200b1 x'
"""

from __future__ import annotations

import re
from enum import Enum

ZWSP = "\u200b"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_SPECIAL = re.compile(r"(?i)[&<>\\`*_{}\[\]()+!|~:$]|[@#]|\bgh-(?=\d)")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _sub(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ENTITIES:
        return _ENTITIES[char]
    if char in "@#" or char.lower() == "gh-":
        return char + ZWSP
    return "\\" + char


def escape(value: object) -> str:
    """`value` as Markdown text that shows as it is, on one line, and mentions and links nothing.

    Example:
        >>> escape("<img src=x> GH-7 [l](u)")
        '&lt;img src=x&gt; GH-\\u200b7 \\\\[l\\\\]\\\\(u\\\\)'
    """
    text = value.value if isinstance(value, Enum) else value
    return _SPECIAL.sub(_sub, _CONTROL.sub(" ", "" if text is None else str(text)))
