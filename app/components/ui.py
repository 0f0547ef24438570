"""Small shared pieces of the pages: text that is always shown as text, tables, CSV, the node picker."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")


def esc(text: object) -> str:
    """`text` with every Markdown (and HTML) special character escaped, for `st.markdown` and labels.

    Example:
        >>> esc("<img src=x>")
        '\\\\<img src=x\\\\>'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def table(rows: Iterable[Mapping[str, Any]], *, empty: str = "Nothing here.", key: str | None = None,
          select: bool = False, height: int | str = "auto") -> Any:
    """Rows as a dataframe (cells are always text); with `select`, one row can be clicked."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        st.caption(empty)
        return None
    if select:
        return st.dataframe(frame, hide_index=True, key=key, on_select="rerun", selection_mode="single-row",
                            height=height)
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
    chosen: str | None = st.selectbox("Node", choices, index=index, key=f"{key}-pick", label_visibility="collapsed")
    if chosen and chosen != current:
        st.query_params["node"] = chosen
    return chosen
