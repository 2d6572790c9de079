"""The very first request to a fresh server deep-links into a non-home page with filters."""

from __future__ import annotations

import re

import pytest
from app_page import open_page, screenshot
from playwright.sync_api import Page, expect

from ui.frame import PAGE_TABLE

pytestmark = pytest.mark.e2e

PAGE_TITLES = tuple(title for _, _, title, _ in PAGE_TABLE)


def test_deep_link_as_first_request_gets_the_full_app(
    fresh_app_url: str, watched_page: Page
) -> None:
    # fresh_app_url comes first: its server then stops after the tab is closed and checked
    page = watched_page
    open_page(
        page, f"{fresh_app_url}/forest?histology=bone&line=second&preset=metafor&drug=regorafenib"
    )
    expect(page.get_by_role("heading", name="Forest plots", exact=True)).to_be_visible()
    # Streamlit's legacy pages/ routing answers a first request with a "Page not found" dialog
    expect(page.get_by_role("dialog")).to_have_count(0)
    nav = page.get_by_test_id("stSidebarNav")
    for title in PAGE_TITLES:
        expect(nav.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(nav.get_by_role("link")).to_have_count(len(PAGE_TITLES))  # no raw file stems
    expect(page.get_by_role("combobox", name="Drug")).to_have_value("Regorafenib")
    expect(page.get_by_role("combobox", name="Histology")).to_have_value("Bone sarcoma (all)")
    expect(page.get_by_role("combobox", name="Treatment line")).to_have_value("Second line")
    expect(page.get_by_role("radio", name=re.compile(r"^metafor"))).to_be_checked()
    expect(page.get_by_text(re.compile(r"^Bone sarcoma \(all\) · second line"))).to_be_visible()
    expect(page).to_have_title(re.compile("Sarcoma TKI evidence explorer"))
    assert re.search(r"/forest\?", page.url) and "histology=bone" in page.url
    screenshot(page, "deep-link-first-request")
