"""The dashboard's entry point: `lineage app`, or `streamlit run app/streamlit_app.py -- --db FILE`.

A router only: it sets up the page and hands over to one of the pages in `app/views/`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # a source checkout run without installing the package
    sys.path.insert(0, str(ROOT))

PAGES = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="Lineage map", layout="wide")

navigation = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", url_path="overview", default=True),
    st.Page(PAGES / "explore.py", title="Explore", url_path="explore"),
    st.Page(PAGES / "node.py", title="Node detail", url_path="node"),
    st.Page(PAGES / "third_parties.py", title="Third parties", url_path="third-parties"),
    st.Page(PAGES / "paths.py", title="Paths", url_path="paths"),
    st.Page(PAGES / "findings.py", title="Findings", url_path="findings"),
    st.Page(PAGES / "identities.py", title="Identities", url_path="identities"),
    st.Page(PAGES / "history.py", title="History", url_path="history"),
    st.Page(PAGES / "collectors.py", title="Collectors", url_path="collectors"),
])
from app import data  # noqa: E402  (after the path set-up above)
from app.components.ui import esc  # noqa: E402

if note := data.journal_note(data.db_path()):
    st.caption(esc(note))
navigation.run()
