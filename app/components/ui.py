"""Small shared pieces of the pages: text that is always shown as text, tables, CSV, the node picker."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:@])")
_WWW = re.compile(r"(w)(ww\\\.)", re.IGNORECASE)  # after escaping: "www\." starts an autolink
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_JOINER = "\u2060"  # word joiner: invisible, breaks ":emoji:" shortcodes and autolinks
ISOLATE, END_ISOLATE = "\u2068", "\u2069"  # first strong isolate ... pop directional isolate


def plain(text: object) -> str:
    """`text` for `st.text`: its bidirectional controls shown as `[U+202E]` (so `report\u202eslx.exe`
    cannot draw as `reportexe.xls`), the whole isolated from the text around it.

    Example:
        >>> plain("report\u202eslx.exe") == "\u2068report[U+202E]slx.exe\u2069"
        True
    """
    shown = _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", str(text))
    return f"{ISOLATE}{shown}{END_ISOLATE}"


def esc(text: object) -> str:
    """`text` for `st.markdown`, `st.error`, captions and labels, shown as the text it is: every
    Markdown (and HTML) special character escaped, a word joiner after each `:` and `@` and inside
    `www.` (no emoji shortcode, no autolink), bidirectional controls made visible, isolated.

    Example:
        >>> esc("<img src=x>") == "\u2068\\\\<img src=x\\\\>\u2069"
        True
        >>> "](" in esc("[x](http://evil.example)") or "http://" in esc("http://evil.example")
        False
    """
    shown = _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", str(text))
    escaped = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(1) + (_JOINER if m.group(1) in ":@" else ""), shown)
    return f"{ISOLATE}{_WWW.sub(lambda m: m.group(1) + _JOINER + m.group(2), escaped)}{END_ISOLATE}"


def table(rows: Iterable[Mapping[str, Any]], *, empty: str = "Nothing here.", key: str | None = None,
          select: bool = False, height: int | str = "auto", on_select: Callable[[], None] | None = None,
          selected: int | None = None) -> Any:
    """Rows as a dataframe (cells are always text); with `select`, one row can be clicked
    (`on_select` runs then, before the rerun), the row `selected` at first."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        st.caption(empty)
        return None
    if select:
        default = {"selection": {"rows": [selected]}} if selected is not None and selected < len(frame) else None
        return st.dataframe(frame, hide_index=True, key=key, on_select=on_select or "rerun",
                            selection_mode="single-row", height=height, selection_default=default)
    return st.dataframe(frame, hide_index=True, key=key, height=height)


def csv_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Rows as CSV (UTF-8), written as the CSV export writes its tables (`lineage.exports.tables`):
    cells starting with = + - @ are prefixed with ' so spreadsheets do not run them.

    Example:
        >>> csv_bytes([{"a": "=1+1", "b": 2}]).decode().splitlines()
        ['a,b', "'=1+1,2"]
    """
    from lineage.exports.tables import csv_text

    rows = list(rows)
    if not rows:
        return b""
    header = list(rows[0])
    return csv_text(header, ([row.get(k) for k in header] for row in rows)).encode("utf-8")


def node_picker(search: Callable[[str], list[str]], *, key: str, label: str = "Find a node") -> str | None:
    """A search box (any part of a name or id, any case) whose text `search` turns into matching
    ids, and a list of them; the choice is kept in the URL (`?node=...`) so a page can be linked
    to a node."""
    current = st.query_params.get("node")
    text = st.text_input(label, value="", key=f"{key}-search", placeholder="part of a name, e.g. orders or vector")
    matches = search(text) if text else []
    if text and not matches:
        st.warning(f"No node matches {esc(text)}.")
    choices = list(dict.fromkeys(([current] if current else []) + matches))
    if not choices:
        return None
    index = choices.index(matches[0]) if matches else 0
    chosen: str | None = st.selectbox("Node", choices, index=index, key=f"{key}-pick", label_visibility="collapsed",
                                      format_func=plain)  # an id from the URL or the store, shown as text
    if chosen and chosen != current:
        st.query_params["node"] = chosen
    return chosen
