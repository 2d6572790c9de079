"""AppTest: one patient, one answer on every page (issue 24).

For second-line leiomyosarcoma, osteosarcoma, synovial sarcoma and UPS, Forest, Safety, Evidence
and Export show the numbers of Compare's cards: the same tier, k, N and estimate, and the cards'
grade ≥3 terms with the same incidence on Safety. The cards' numbers are read from the Compare
page itself and checked against ``tkidata.patient_summary``; every other page is then read and
compared number by number.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import tkidata
from report.colors import drug_label
from tkidata.tiers import DrugSummary, number_text, patient_summary, tier_headline
from tkidata.wording import NO_STUDY, TIER_WORDS, format_interval, format_value, outcome_label

APP = str(Path(__file__).resolve().parent.parent / "app.py")
REF = tkidata.Method.preset("reference")
HISTOLOGIES = ("lms", "osteosarcoma", "synovial", "ups")
POOLED_ROW = ("Random effects", "Common effect", "Prediction")


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def patient(histology: str) -> tkidata.Filters:
    return tkidata.Filters(histology=histology, line="second")


def run(page: str, histology: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"histology": histology, "line": "second", **params}.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def card_texts(at: AppTest) -> dict[str, str]:
    """Drug label → the HTML of its Compare card."""
    out = {}
    for md in at.markdown:
        text = str(md.value)
        match = re.search(r"aria-label='([A-Za-z]+)'", text)
        if "tki-card" in text and match:
            out[match.group(1)] = text
    return out


def orr_words(number) -> tuple[str, str, str]:
    """The card's ORR as shown: estimate, k words and N words."""
    est, _ = number_text(number)
    res = number.result
    k = "single study, not pooled" if res.k == 1 else f"k = {res.k}"
    return est, k, f"N = {res.n_patients:,}"


@pytest.fixture(scope="module")
def cards(ev) -> dict[str, tuple[DrugSummary, ...]]:
    """Each patient's summaries, checked against what Compare's cards show."""
    out = {}
    for histology in HISTOLOGIES:
        summaries = patient_summary(ev, patient(histology), REF)
        shown = card_texts(run("compare", histology))
        for summary in summaries:
            card = shown[drug_label(summary.drug)]
            orr = summary.numbers["orr"]
            if orr.has_number:
                for words in orr_words(orr):
                    assert words in card, (histology, summary.drug, words)
                assert TIER_WORDS[orr.tier] in card
            for _, row in summary.adverse_events.top().iterrows():
                assert (
                    f"<b>{row['term']}</b> {format_value(row['est'])} "
                    f"<span class='tki-meta'>(k = {int(row['k'])}, N = {int(row['n']):,})"
                ) in card
        out[histology] = summaries
    return out


@pytest.mark.parametrize("histology", HISTOLOGIES)
def test_forest_shows_the_cards_orr_at_the_cards_tier(ev, cards, histology) -> None:
    for summary in cards[histology]:
        number = summary.numbers["orr"]
        at = run("forest", histology, drug=summary.drug, outcome="orr")
        shown = "\n".join(str(m.value) for m in at.markdown)
        infos = "\n".join(str(i.value) for i in at.info)
        if not number.has_evidence:
            assert f"{drug_label(summary.drug)}, {outcome_label('orr')}: {NO_STUDY}" in infos
            continue
        assert "No " not in infos.split(":")[0], infos
        picked = [r for r in at.radio if r.label == "Evidence tier shown"]
        assert len(picked) == 1 and picked[0].value == number.tier, (summary.drug, picked)
        assert tier_headline(ev, number.tier, histology) in shown, shown
        forest = next(d.value for d in at.dataframe if "Estimate (95% CI)" in d.value.columns)
        studies = forest[~forest["Study"].astype(str).str.startswith(POOLED_ROW)]
        est, _, _ = orr_words(number)
        assert len(studies) == number.result.k, (summary.drug, studies)
        assert studies["n"].astype(int).sum() == number.result.n_patients
        estimate = forest[forest["Study"].astype(str).str.startswith("Random effects")]
        row = estimate if number.result.k > 1 else studies
        assert row["Estimate (95% CI)"].iloc[0].startswith(est), (summary.drug, row)


@pytest.mark.parametrize("histology", HISTOLOGIES)
def test_safety_shows_the_cards_grade3_terms_at_the_cards_tier(ev, cards, histology) -> None:
    at = run("safety", histology)
    bullets = next(str(m.value) for m in at.markdown if str(m.value).startswith("- **"))
    table = next(d.value for d in at.dataframe if "CTCAE term" in d.value.columns)
    for summary in cards[histology]:
        ae = summary.adverse_events
        line = next(b for b in bullets.splitlines() if f"**{drug_label(summary.drug)}**" in b)
        if ae.tier is None:
            assert NO_STUDY in line
            continue
        assert tier_headline(ev, ae.tier, histology) in line
        for _, term in ae.top().iterrows():
            assert str(term["term"]).lower() in line
            shown = table[
                (table["CTCAE term"] == term["term"])
                & (table["Drug"] == drug_label(summary.drug))
                & (table["Grade"] == "Grade ≥3")
            ]
            assert len(shown) == 1, (summary.drug, term["term"])
            text = f"{format_interval(term['est'], term['ci_lb'], term['ci_ub'])}, k = {term['k']}"
            assert shown["Estimate (95% CI)"].iloc[0] == text
            assert int(shown["n"].iloc[0]) == int(term["n"])


def test_every_patient_has_a_tiered_number_somewhere(cards) -> None:
    """The four patients exercise the ladder: group-tier numbers that exact filters miss."""
    tiers = {s.numbers["orr"].tier for summaries in cards.values() for s in summaries}
    assert {"direct", "group"} <= tiers
