"""AppTest: one patient, one answer on every page (issue 24).

For second-line leiomyosarcoma, osteosarcoma, synovial sarcoma and UPS, Forest, Safety, Evidence
and Export show the numbers of Compare's cards: the same tier, k, N and estimate, and the cards'
grade ≥3 terms with the same incidence on Safety. The cards' numbers are read from the Compare
page itself and checked against ``tkidata.patient_summary``; every other page is then read and
compared number by number.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import tkidata
from report.colors import drug_label
from tkidata.patient.selection import label_of
from tkidata.patient.tiers import DrugSummary, number_text, patient_summary, tier_headline
from tkidata.wording import (
    NO_AE_STUDY,
    NO_STUDY,
    TIER_WORDS,
    format_interval,
    format_value,
    outcome_label,
)

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
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
            assert NO_AE_STUDY in line
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


@pytest.mark.parametrize("histology", HISTOLOGIES)
def test_evidence_lists_the_arms_behind_the_cards_with_their_tier(ev, cards, histology) -> None:
    at = run("evidence", histology)
    at.toggle(key="evidence_only_entering").set_value(True).run()
    assert not at.exception, at.exception
    rows = next(d.value for d in at.dataframe if "serves" in d.value.columns)
    assert rows["enters_pools"].all()
    serves = dict(zip(rows["label"], rows["serves"], strict=True))
    for summary in cards[histology]:
        number = summary.numbers["orr"]
        if not number.has_number:
            continue
        for label in number.pooled_rows()["label"]:
            assert f"{TIER_WORDS[number.tier].lower()}" in serves[label], (label, serves[label])
            assert "ORR" in serves[label]
        for cell in summary.adverse_events.top()["studies"]:
            for sid in str(cell).split(";"):
                label = label_of(ev, sid)
                assert "grade ≥3 AEs" in serves[label], (label, serves[label])


@pytest.mark.parametrize("histology", HISTOLOGIES)
def test_export_efficacy_figure_shows_the_cards_numbers(cards, histology) -> None:
    import pyarrow as pa

    at = run("export", histology)
    assert at.selectbox(key="export_figure").value == "Efficacy of the four TKIs"
    chart = at.get("vega_lite_chart")[0].proto
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.datasets]
    drawn = pd.concat(frames, ignore_index=True)
    assert "Efficacy of the four TKIs" in json.loads(chart.spec)["description"]
    for summary in cards[histology]:
        for number in (summary.numbers["orr"], summary.numbers["dcr"], summary.pfs):
            row = drawn[(drawn["drug"] == summary.drug) & (drawn["outcome"] == number.outcome)]
            if number.timepoint is not None:
                row = row[row["timepoint"] == number.timepoint]
            assert len(row) == 1, (summary.drug, number.outcome)
            row = row.iloc[0]
            if not number.has_number:
                assert row["text"] == NO_STUDY, row["text"]
                continue
            res = number.result
            assert (int(row["k"]), int(row["n_patients"])) == (res.k, res.n_patients)
            assert row["est"] == pytest.approx(res.estimate[0], rel=1e-12)


@pytest.mark.parametrize("histology", HISTOLOGIES)
def test_deck_shows_the_cards_numbers(ev, cards, histology, tmp_path) -> None:
    """``python -m report deck`` for the patient: slide text read back with python-pptx."""
    from pptx import Presentation

    out = tmp_path / "deck.pptx"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "report",
            "deck",
            "--out",
            str(out),
            "--histology",
            histology,
            "--line",
            "second",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    prs = Presentation(str(out))
    alt_texts, summary_rows = [], []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type == 13:  # picture
                alt_texts.append(shape._element.nvPicPr.cNvPr.get("descr"))
            if shape.has_table:
                cells = [[c.text for c in r.cells] for r in shape.table.rows]
                if cells[0][:2] == ["Drug", "Outcome"]:
                    summary_rows += [dict(zip(cells[0], r, strict=True)) for r in cells[1:]]
    efficacy = next(t for t in alt_texts if t.startswith("Dot-and-interval chart, pooled ORR"))
    for summary in cards[histology]:
        name = f"{drug_label(summary.drug)} ORR"
        number = summary.numbers["orr"]
        if not number.has_number:
            assert f"{name}: {NO_STUDY}" in efficacy
            continue
        res = number.result
        est, lo, hi = res.estimate
        assert (
            f"{name} {format_interval(est, lo, hi)}, k = {res.k}, "
            f"{TIER_WORDS[number.tier].lower()}" in efficacy
        ), efficacy
        forest = next(
            t
            for t in alt_texts
            if t.startswith(f"Forest plot of {drug_label(summary.drug)} Objective")
        )
        assert f"({tier_headline(ev, number.tier, histology)})" in forest, forest
        assert f": {res.k} stud" in forest and f"{res.n_patients} patients" in forest, forest
        shown = [
            r
            for r in summary_rows
            if r["Drug"] == drug_label(summary.drug) and r["Outcome"] == "ORR"
        ]
        assert len(shown) == 1
        assert (shown[0]["Estimate"], shown[0]["k"], shown[0]["N"]) == (
            number_text(number)[0],
            str(res.k),
            str(res.n_patients),
        )
        assert shown[0]["Evidence tier"] == TIER_WORDS[number.tier]
    for summary in cards[histology]:
        for _, term in summary.adverse_events.top().iterrows():
            outcome = f"Grade ≥3 {str(term['term']).lower()}"
            shown = [
                r
                for r in summary_rows
                if r["Drug"] == drug_label(summary.drug) and r["Outcome"] == outcome
            ]
            assert len(shown) == 1, (summary.drug, outcome)
            assert shown[0]["Estimate"] == format_value(term["est"])
            assert (shown[0]["k"], shown[0]["N"]) == (str(int(term["k"])), str(int(term["n"])))


def test_direct_only_makes_forest_safety_and_export_direct_only(ev) -> None:
    """Second-line osteosarcoma, anlotinib ORR: histology group by default, nothing direct."""
    f = patient("osteosarcoma")
    direct = {s.drug: s for s in patient_summary(ev, f, REF, direct_only=True)}
    assert not direct["anlotinib"].numbers["orr"].has_evidence
    at = run("forest", "osteosarcoma", drug="anlotinib", outcome="orr", direct="yes")
    assert not [r for r in at.radio if r.label == "Evidence tier shown"], "other tiers offered"
    infos = "\n".join(str(i.value) for i in at.info)
    assert f"Anlotinib, {outcome_label('orr')}: {NO_STUDY} (direct evidence only)" in infos
    at = run("safety", "osteosarcoma", direct="yes")
    bullets = next(str(m.value) for m in at.markdown if str(m.value).startswith("- **"))
    for drug, summary in direct.items():
        line = next(b for b in bullets.splitlines() if f"**{drug_label(drug)}**" in b)
        assert summary.adverse_events.tier in (None, "direct")
        if summary.adverse_events.tier is None:
            assert NO_AE_STUDY in line
        else:
            assert tier_headline(ev, "direct", "osteosarcoma") in line
    at = run("export", "osteosarcoma", direct="yes")
    chart = at.get("vega_lite_chart")[0].proto
    description = json.loads(chart.spec)["description"]
    assert f"Objective response rate (ORR), Anlotinib: {NO_STUDY}" in description
