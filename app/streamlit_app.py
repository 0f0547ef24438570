"""The dashboard's entry point: `lineage app`, or `streamlit run app/streamlit_app.py -- --db FILE`.

A router only: it sets up the page and hands over to one of the pages in `app/pages/`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # a source checkout run without installing the package
    sys.path.insert(0, str(ROOT))

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Lineage map", page_icon=":material/account_tree:", layout="wide")

navigation = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    st.Page(PAGES / "explore.py", title="Explore", icon=":material/account_tree:", url_path="explore"),
    st.Page(PAGES / "node_detail.py", title="Node detail", icon=":material/info:", url_path="node"),
    st.Page(PAGES / "findings.py", title="Findings", icon=":material/report:", url_path="findings"),
    st.Page(PAGES / "identities.py", title="Identities", icon=":material/badge:", url_path="identities"),
    st.Page(PAGES / "history.py", title="History", icon=":material/history:", url_path="history"),
    st.Page(PAGES / "collectors.py", title="Collectors", icon=":material/input:", url_path="collectors"),
])
navigation.run()
