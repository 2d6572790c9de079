"""Browser: a deep link to one patient answers the clinic question in the first viewport."""

from __future__ import annotations

import pytest
from app_page import open_page, screenshot
from playwright.sync_api import Page, expect

from report.colors import TKI_DRUGS, drug_label

pytestmark = pytest.mark.e2e

PATIENTS = (
    "histology=lms&line=second",
    "histology=osteosarcoma&line=second",
    "histology=synovial&line=second",
    "",
)
WIDTH, HEIGHT = 1440, 900


@pytest.mark.parametrize("query", PATIENTS, ids=lambda q: q or "all")
def test_first_viewport_shows_every_drug_with_orr_pfs_and_grade3(
    watched_page: Page, app_url: str, query: str
) -> None:
    page = watched_page
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    open_page(page, f"{app_url}/compare?{query}")
    assert page.evaluate("window.scrollY") == 0
    for drug in TKI_DRUGS:
        card = page.locator(f".tki-card[aria-label='{drug_label(drug)}']")
        expect(card).to_have_count(1)
        box = card.bounding_box()
        assert box is not None and box["y"] >= 0
        assert box["y"] + box["height"] <= HEIGHT, (drug, box)
        text = card.inner_text()
        assert "ORR" in text, text
        assert "Median PFS" in text or "PFS-6" in text, text
        assert "Grade ≥3 adverse events" in text, text
    caveat = page.get_by_text("Naive cross-trial comparison", exact=False).first
    box = caveat.bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT
    screenshot(page, f"patient-{query.replace('&', '-').replace('=', '_') or 'all'}")


def test_phone_stacks_the_cards_drug_by_drug(watched_page: Page, app_url: str) -> None:
    page = watched_page
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, f"{app_url}/compare?histology=lms&line=second")
    tops = []
    for drug in TKI_DRUGS:
        box = page.locator(f".tki-card[aria-label='{drug_label(drug)}']").bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, (drug, box)
        tops.append(box["y"])
    assert tops == sorted(tops) and len(set(tops)) == 4, tops
    screenshot(page, "patient-phone")
