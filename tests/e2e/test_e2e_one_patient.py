"""Browser: one patient, one answer on every page (issue 24).

For second-line leiomyosarcoma, osteosarcoma, synovial sarcoma and UPS, the numbers of Compare's
cards (read from the page) are the numbers Forest, Safety, Evidence, the Export page's efficacy
figure and the deck downloaded from it show: same tier, k, N and estimate, and the cards' grade
≥3 terms on Safety with the same incidence.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from app_page import open_page, screenshot, wait_rerun
from playwright.sync_api import Page, expect
from pptx import Presentation

import tkidata
from report.colors import TKI_DRUGS, drug_label
from tkidata.patient.tiers import patient_summary, tier_headline, tiered_arms, tiered_compare
from tkidata.wording import NO_STUDY, TIER_WORDS

pytestmark = pytest.mark.e2e

HISTOLOGIES = ("lms", "osteosarcoma", "synovial", "ups")
REF = tkidata.Method.preset("reference")
BUILD_TIMEOUT = 180_000
#: the meta line of a card's number: "95% CI 4.4–17.3% · k = 2 · N = 90"
META = re.compile(r"(?:k = (?P<k>\d+)|single study, not pooled) · N = (?P<n>[\d,]+)")
#: a card's grade ≥3 event: "Hypertension 4.8% (k = 1, N = 83)"
AE_VALUE = re.compile(r"(\d+\.\d%) \(k = ")
TIER_OF = {words: tier for tier, words in TIER_WORDS.items()}


@dataclass(frozen=True)
class Card:
    """One drug's ORR and grade ≥3 events as its Compare card shows them."""

    drug: str
    orr: str  # the estimate, "10.0%", or "—"
    k: int
    n: int
    tier: str
    ae: tuple[tuple[str, str], ...]  # (term, estimate)


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def read_cards(page: Page) -> dict[str, Card]:
    cards = {}
    for drug in TKI_DRUGS:
        card = page.locator(f".tki-card[aria-label='{drug_label(drug)}']")
        orr = card.locator(".tki-num").first
        value = orr.locator(".tki-value").inner_text().strip()
        meta = META.search(orr.inner_text())
        tier = orr.locator(".tki-tier").first
        ae = tuple(
            (li.locator("b").inner_text().strip(), AE_VALUE.search(li.inner_text())[1])
            for li in card.locator(".tki-ae li").all()
        )
        cards[drug] = Card(
            drug,
            value,
            int(meta["k"] or 1) if meta else 0,
            int(meta["n"].replace(",", "")) if meta else 0,
            tier.inner_text().strip() if meta else "",
            ae,
        )
    return cards


def chart_names(page: Page) -> list[str]:
    charts = page.locator("[data-testid='stVegaLiteChart'][role='graphics-document']:visible")
    return charts.evaluate_all("els => els.map(e => e.getAttribute('aria-label') || '')")


@pytest.mark.parametrize("histology", HISTOLOGIES)
def test_every_page_shows_the_cards_numbers(
    watched_page: Page, app_url: str, ev, histology: str, tmp_path: Path
) -> None:
    page = watched_page
    patient = f"histology={histology}&line=second"
    open_page(page, f"{app_url}/compare?{patient}")
    cards = read_cards(page)
    f = tkidata.Filters(histology=histology, line="second")
    for summary in patient_summary(ev, f, REF):  # the cards are the tiered answers
        number, card = summary.numbers["orr"], cards[summary.drug]
        assert card.k == (number.result.k if number.has_number else 0), card
        assert [t for t, _ in card.ae] == list(summary.adverse_events.top()["term"]), card

    # Forest: the card's ORR, at the card's tier, named in words
    for card in cards.values():
        open_page(page, f"{app_url}/forest?{patient}&drug={card.drug}&outcome=orr")
        if not card.k:
            expect(page.get_by_text(NO_STUDY, exact=False).first).to_be_visible()
            continue
        tier = TIER_OF[card.tier.split(" · ")[0]]
        expect(page.get_by_text(tier_headline(ev, tier, histology)).first).to_be_visible()
        radio = page.get_by_role("radio", name=re.compile("answers for this patient"))
        if radio.count():
            expect(radio).to_be_checked()
            expect(radio).to_have_accessible_name(re.compile(rf"\(k = {card.k}\)"))
        forest = next(n for n in chart_names(page) if n.startswith("Forest plot."))
        assert f": {card.orr} (" in forest, (card, forest[:300])
        assert f"Forest plot. {drug_label(card.drug)}: Objective response rate" in forest

    # Safety: the cards' grade ≥3 terms, same incidence, at the same tier
    open_page(page, f"{app_url}/safety?{patient}")
    names = " ".join(chart_names(page))
    for card in cards.values():
        for term, est in card.ae:
            expect(page.get_by_text(term.lower(), exact=False).first).to_be_visible()
            assert f"{term}, {drug_label(card.drug)}, Grade ≥3: {est} (" in names, (term, est)

    # Evidence: the arms behind the tiered answers
    arms = tiered_arms(ev, tiered_compare(ev, f, REF), patient_summary(ev, f, REF))
    open_page(page, f"{app_url}/evidence?{patient}")
    page.get_by_text("Only the arms behind this patient's numbers").click()
    wait_rerun(page)
    expect(page.get_by_text(re.compile(rf"^{len(arms)} of \d+ study arms"))).to_be_visible()

    # Export: the efficacy figure and the deck built from the page
    open_page(page, f"{app_url}/export?{patient}")
    efficacy = next(n for n in chart_names(page) if n.startswith("Efficacy of the four TKIs"))
    for card in cards.values():
        orr = f"Objective response rate (ORR), {drug_label(card.drug)}: "
        if not card.k:
            assert orr + NO_STUDY in efficacy
            continue
        words = "single study" if card.k == 1 else f"k = {card.k}"
        assert re.search(re.escape(orr + card.orr) + r" \([^)]*\)\s+" + words, efficacy), card
    button = page.get_by_role("button", name=re.compile(r"Build and download the deck \(PPTX\)"))
    with page.expect_download(timeout=BUILD_TIMEOUT) as info:
        button.click()
    path = tmp_path / "deck.pptx"
    info.value.save_as(path)
    rows = []
    for slide in Presentation(io.BytesIO(path.read_bytes())).slides:
        for shape in slide.shapes:
            if shape.has_table:
                cells = [[c.text for c in r.cells] for r in shape.table.rows]
                if cells[0][:2] == ["Drug", "Outcome"]:
                    rows += [dict(zip(cells[0], r, strict=True)) for r in cells[1:]]
    for card in cards.values():
        orr = next(r for r in rows if r["Drug"] == drug_label(card.drug) and r["Outcome"] == "ORR")
        if card.k:
            assert (orr["Estimate"], orr["k"], orr["N"]) == (card.orr, str(card.k), str(card.n))
            assert orr["Evidence tier"] == card.tier.split(" · ")[0]
        for term, est in card.ae:
            shown = next(
                r
                for r in rows
                if r["Drug"] == drug_label(card.drug) and r["Outcome"] == f"Grade ≥3 {term.lower()}"
            )
            assert shown["Estimate"] == est


@pytest.mark.parametrize(
    "size",
    ({"width": 1440, "height": 900}, {"width": 390, "height": 844}),
    ids=("desktop", "phone"),
)
def test_forest_and_safety_screenshots_for_second_line_osteosarcoma(
    watched_page: Page, app_url: str, size: dict
) -> None:
    page = watched_page
    page.set_viewport_size(size)
    name = "desktop" if size["width"] > 640 else "phone"
    open_page(page, f"{app_url}/forest?histology=osteosarcoma&line=second&drug=anlotinib")
    expect(page.get_by_text("Histology group: bone sarcoma studies").first).to_be_visible()
    screenshot(page, f"one-patient-forest-osteosarcoma-{name}")
    open_page(page, f"{app_url}/safety?histology=osteosarcoma&line=second")
    expect(page.get_by_text("most frequent grade ≥3").first).to_be_visible()
    screenshot(page, f"one-patient-safety-osteosarcoma-{name}")
