"""Browser: each drug's card leads with its randomised evidence and guideline standing in the
first viewport; the Head-to-head page shows league, transitivity, certainty and NNT, on a
desktop and on a phone."""

from __future__ import annotations

import pytest
from app_page import open_page, screenshot
from page_checks import sideways_overflow
from playwright.sync_api import Page, expect

from report.colors import TKI_DRUGS, drug_label

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
#: patient → drug → what its card must lead with (comparison with its control named, and HR)
EXPECTED = {
    "osteosarcoma": {
        "regorafenib": ("Randomised vs placebo", "PFS HR 0.42 (0.21–0.85)", "SARC024")
    },
    "lms": {
        "anlotinib": ("Randomised vs placebo", "PFS HR 0.19", "ALTER0203"),
        "regorafenib": ("Randomised vs placebo", "PFS HR 0.46 (0.26–0.80)", "REGOSARC"),
        "pazopanib": ("Randomised vs placebo", "PFS HR 0.31 (0.24–0.40)", "PALETTE"),
    },
    "synovial": {
        "anlotinib": ("Randomised vs dacarbazine", "PFS HR 0.45 (0.27–0.74)", "APROMISS"),
        "regorafenib": ("Randomised vs placebo", "PFS HR 0.10 (0.03–0.35)", "REGOSARC"),
        "pazopanib": ("Randomised vs placebo", "PFS HR 0.31 (0.24–0.40)", "PALETTE"),
    },
}


@pytest.mark.parametrize("histology", EXPECTED)
def test_cards_lead_with_randomised_hr_and_standing_in_the_first_viewport(
    watched_page: Page, app_url: str, histology: str
) -> None:
    page = watched_page
    page.set_viewport_size(DESKTOP)
    open_page(page, f"{app_url}/compare?histology={histology}&line=second")
    for drug in TKI_DRUGS:
        lead = page.locator(f".tki-card[aria-label='{drug_label(drug)}'] .tki-lead")
        expect(lead).to_have_count(1)
        box = lead.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"]
        text = lead.inner_text()
        assert "Standing:" in text, (drug, text)
        if drug in EXPECTED[histology]:
            for words in EXPECTED[histology][drug]:
                assert words in text, (drug, words, text)
        if drug == "apatinib":
            assert "No randomised trial" in text, text
    screenshot(page, f"h2h-cards-{histology}-1440x900")


def test_phone_card_shows_the_randomised_hr_without_panning(
    watched_page: Page, app_url: str
) -> None:
    page = watched_page
    page.set_viewport_size(PHONE)
    open_page(page, f"{app_url}/compare?histology=osteosarcoma&line=second")
    lead = page.locator(f".tki-card[aria-label='{drug_label('regorafenib')}'] .tki-lead")
    lead.scroll_into_view_if_needed()
    expect(lead).to_contain_text("PFS HR 0.42 (0.21–0.85)")
    assert not (wide := sideways_overflow(page)), "\n".join(wide)
    screenshot(page, "h2h-cards-osteosarcoma-390x844")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_head_to_head_page_shows_league_transitivity_certainty_and_nnt(
    watched_page: Page, app_url: str, size: dict
) -> None:
    page = watched_page
    page.set_viewport_size(size)
    open_page(page, f"{app_url}/compare?histology=lms&line=second")
    page.get_by_role("link", name="Randomised, head to head").click()
    expect(
        page.get_by_role("heading", name="Head to head: second-line leiomyosarcoma")
    ).to_be_visible()
    for heading in (
        "Drug against drug: anchored indirect comparisons",
        "Are the trials comparable? (transitivity)",
        "Certainty per comparison (CINeMA, provisional)",
        "Absolute effects: progression-free per 100 patients",
        "Guideline and regulatory standing",
        "Risk of bias per trial (RoB 2)",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_attached()
    expect(page.get_by_text("League table: every pair of treatments (PFS)")).to_be_attached()
    expect(page.get_by_text("Inconsistency cannot be tested", exact=False).first).to_be_attached()
    # each table's own caption (the grids draw their cells on a canvas)
    for caption in (
        "below 1 favours the first",  # league
        "the last column says what differs",  # transitivity
        "Imprecision is judged against hazard ratios",  # certainty
        "Number needed to treat = 100 ÷ difference per 100",  # absolute effects
    ):
        expect(page.get_by_text(caption, exact=False).first).to_be_attached()
    expect(page.get_by_test_id("stDataFrame").first).to_be_attached()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.first).to_be_attached()
    if size == PHONE:
        assert not (wide := sideways_overflow(page)), "\n".join(wide)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"h2h-page-lms-{size['width']}x{size['height']}")
    page.get_by_role(
        "heading", name="Drug against drug: anchored indirect comparisons"
    ).scroll_into_view_if_needed()
    screenshot(page, f"h2h-page-lms-network-{size['width']}x{size['height']}")
