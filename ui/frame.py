"""The frame every page runs in: page config, URL-synced filters, notices, navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.params import sync_from_url, write_to_url
from ui.sidebar import draw_sidebar

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "pages"
TITLE = "Sarcoma TKI evidence explorer"

#: (file in pages/, url path, title, icon); url paths differ from every file stem on purpose:
#: a path equal to a stem in pages/ would let Streamlit's legacy routing run the page alone.
PAGE_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("compare_page.py", "compare", "Compare", ":material/compare_arrows:"),
    ("forest_page.py", "forest", "Forest plots", ":material/bar_chart:"),
    ("safety_page.py", "safety", "Safety", ":material/health_and_safety:"),
    ("evidence_page.py", "evidence", "Evidence", ":material/menu_book:"),
    ("methods_page.py", "methods", "Methods & validation", ":material/functions:"),
    ("export_page.py", "export", "Export", ":material/download:"),
)


def build_pages() -> dict[str, st.Page]:
    """The app's pages by url path (the Export page only once its file exists)."""
    return {
        url: st.Page(f"pages/{file}", url_path=url, title=title, icon=icon)
        for file, url, title, icon in PAGE_TABLE
        if (PAGES / file).exists()
    }


def run_app() -> None:
    """Configure the page, sync the shared filters with the URL, then run the chosen page.

    The root URL runs a hidden home page that switches to Compare, so Compare lives at
    ``/compare`` (and a link to ``/`` keeps its query parameters).
    """
    st.set_page_config(layout="wide", page_title=TITLE, page_icon=":material/biotech:")
    notices = sync_from_url()
    draw_sidebar()
    write_to_url()
    pages = build_pages()

    def home() -> None:
        st.switch_page(pages["compare"], query_params=st.query_params.to_dict())

    root = st.Page(home, title="Home", url_path="home", default=True, visibility="hidden")
    page = st.navigation([root, *pages.values()], position="sidebar")
    for notice in notices:
        st.info(notice, icon=":material/link_off:")
    page.run()
