"""Browser journey: switching the method preset changes the method text and the numbers."""

from __future__ import annotations

import re

import pytest
from app_page import open_page, screenshot, wait_rerun
from playwright.sync_api import Page, expect

import tkidata
from ui.params import PRESET_LABELS

pytestmark = pytest.mark.e2e


def test_method_preset_switch_changes_the_method_text(watched_page: Page, app_url: str) -> None:
    page = watched_page
    reference = tkidata.Method.preset("reference").describe()
    metafor = tkidata.Method.preset("metafor").describe()
    assert reference != metafor
    open_page(page, f"{app_url}/methods")
    expect(page.get_by_text(reference, exact=True)).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_text(PRESET_LABELS["metafor"], exact=True).click()
    wait_rerun(page)
    expect(page.get_by_role("radio", name=PRESET_LABELS["metafor"])).to_be_checked()
    expect(page.get_by_text(metafor, exact=True)).to_be_visible()
    expect(page.get_by_text(reference, exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]preset=metafor(&|$)"))
    screenshot(page, "method-preset-metafor")
