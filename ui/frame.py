"""The frame every page runs in: page config, URL-synced filters, notices, navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import tkidata
from ui.cache import data_problems
from ui.params import current_filters, current_method, sync_from_url, write_to_url
from ui.runlog import Rerun, logged_rerun
from ui.sidebar import draw_sidebar
from ui.style import apply_house_style
from ui.user_studies import banner as user_studies_banner

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "pages"
TITLE = "Sarcoma TKI evidence explorer"
#: the tab icon, served by the app itself (a Material-symbol icon would be fetched from
#: fonts.gstatic.com on every page load: the app must work offline)
PAGE_ICON = ROOT / "static" / "favicon.png"

#: (file in pages/, url path, title, icon). Each url path equals its file stem: the first
#: request of a fresh server goes through Streamlit's legacy ``pages/`` discovery, which then
#: finds the page (no "Page not found" dialog), and :func:`page_frame` hands over to the app.
PAGE_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("compare.py", "compare", "Compare", ":material/compare_arrows:"),
    ("forest.py", "forest", "Forest plots", ":material/bar_chart:"),
    ("safety.py", "safety", "Safety", ":material/health_and_safety:"),
    ("evidence.py", "evidence", "Evidence", ":material/menu_book:"),
    ("methods.py", "methods", "Methods & validation", ":material/functions:"),
    ("export.py", "export", "Export", ":material/download:"),
)


def build_pages() -> dict[str, st.Page]:
    """The app's pages by url path (the Export page only once its file exists)."""
    return {
        url: st.Page(f"pages/{file}", url_path=url, title=title, icon=icon)
        for file, url, title, icon in PAGE_TABLE
        if (PAGES / file).exists()
    }


_ACTIVE = "frame__active"


def _draw_frame() -> None:
    """House style, URL ↔ filters, link notices and the data check (the sidebar comes last)."""
    apply_house_style()
    notices = sync_from_url()
    write_to_url()
    for notice in notices:
        st.info(notice, icon=":material/link_off:")
    user_studies_banner()
    problems = data_problems()
    if problems:
        st.error(
            "The curated data failed validation, so nothing can be pooled until it is fixed:",
            icon=":material/error:",
        )
        st.code(problems, language=None)
        draw_sidebar()
        st.stop()


def run_app() -> None:
    """Draw the frame, then run the page chosen by ``st.navigation``; log the rerun's line.

    The root URL runs a hidden home page that switches to Compare, so Compare lives at
    ``/compare`` (and a link to ``/`` keeps its query parameters).

    The sidebar's widgets are drawn after the page: their state is seeded from the URL before
    the page reads it, and a browser showing a first run mounts the page's numbers before the
    dozen sidebar widgets (drawn first, they held back the first number by about half a second).

    Every run writes one JSON line to the server's log (``ui.runlog``: page, duration, cache hit
    or miss, replica; no filter value).
    """
    with logged_rerun() as rerun:
        _run_app(rerun)


def _run_app(rerun: Rerun) -> None:
    # first: st.navigation would otherwise take the page's Material icon as the tab icon, which
    # the browser fetches from fonts.gstatic.com (the app must work offline)
    st.set_page_config(layout="wide", page_title=TITLE, page_icon=str(PAGE_ICON))
    pages = build_pages()

    def home() -> None:
        st.switch_page(pages["compare"], query_params=st.query_params.to_dict())

    root = st.Page(home, title="Home", url_path="home", default=True, visibility="hidden")
    page = st.navigation([root, *pages.values()], position="sidebar")
    rerun.page = page.url_path or "home"
    if page.url_path == root.url_path:
        page.run()  # hands over to Compare before anything is drawn (the URL is read there)
        return
    _draw_frame()
    st.session_state[_ACTIVE] = True
    try:
        page.run()
    finally:
        st.session_state[_ACTIVE] = False
        draw_sidebar()


def page_frame() -> tuple[tkidata.Filters, tkidata.Method]:
    """Called first by every page: the filters and method in force.

    A page normally runs inside :func:`run_app`. When Streamlit's legacy ``pages/`` routing runs
    a page file on its own (the first request of a fresh server, or a test switching to the
    file), the whole app is run from here instead: ``st.navigation`` resolves this same page by
    its url path and runs it inside the frame, then the outer run stops.
    """
    if not st.session_state.get(_ACTIVE):
        run_app()  # st.navigation resolves this same page and runs it inside the frame
        st.stop()
    return current_filters(), current_method()
