"""A deck built from the shipped evidence: what the view cites, its caveats and what-if flag."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pptx import Presentation

import tkidata
from report.colors import TKI_DRUGS
from report.deck import deck_bytes
from report.deck_inputs import (
    AE_TERMS_PER_SLIDE,
    DEFAULT_OUTCOMES,
    build_deck_content,
    clinical_question,
)
from report.tables import csv_bytes
from report.view_tables import USER_SUPPLIED_DESIGN, evidence_table, pooled_results_table
from tkidata.analysis import compare, pool_adverse_events, pool_outcome
from tkidata.filters import Filters
from tkidata.method import Method

FOREST_DRUGS = ("anlotinib", "pazopanib")
WHAT_IF = pd.DataFrame(
    {
        "study_id": ["=HYPERLINK(1)"],
        "outcome": ["orr"],
        "events": [9],
        "n": [30],
        "estimate": [None],
    }
)


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def _content(ev: tkidata.Evidence, extra: pd.DataFrame | None = None):
    f, m = Filters(), Method.preset("reference")
    results = [
        pool_outcome(ev, d, o, f, m, timepoint=t, extra=extra)
        for d in TKI_DRUGS
        for o, t in DEFAULT_OUTCOMES
    ]
    ae = {d: pool_adverse_events(ev, d, f, m) for d in TKI_DRUGS}
    content = build_deck_content(
        studies=ev.studies,
        data_version=str(ev.version),
        filters=f,
        method=m,
        compare=compare(ev, f, m),
        ae_by_drug=ae,
        results=results,
        forest_drugs=FOREST_DRUGS,
        date="2026-01-02",
    )
    return content, results, ae


@pytest.fixture(scope="module")
def built(ev: tkidata.Evidence):
    return _content(ev)


@pytest.fixture(scope="module")
def prs(built) -> Presentation:
    return Presentation(io.BytesIO(deck_bytes(built[0])))


def _cited_ids(results, ae) -> set[str]:
    """Every study id behind a number shown in the deck (pools of all TKIs, AE panel terms)."""
    from report.charts.ae_panel import ae_panel_table
    from report.deck_inputs import AE_TERMS

    ids = {s for r in results for s in r.study_ids}
    terms = set(ae_panel_table(ae, top=AE_TERMS)["term"])
    for frame in ae.values():
        for cell in frame.loc[frame["term"].isin(terms), "studies"]:
            ids |= set(str(cell).split(";"))
    return ids


def test_slides_follow_the_tumour_board_order(built, prs: Presentation) -> None:
    _, results, _ = built
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[1].startswith("Efficacy of the four TKIs: ORR and DCR")
    assert titles[2].startswith("Efficacy of the four TKIs: Median PFS and PFS-6")
    assert titles[3:5] == ["Grade ≥3 adverse events (1/2)", "Grade ≥3 adverse events (2/2)"]
    expected = [r for d in FOREST_DRUGS for r in results if r.drug == d and r.pool is not None]
    forests = titles[5 : 5 + len(expected)]
    assert (
        len(forests) == len(expected) and forests[0] == "Anlotinib: Objective response rate (ORR)"
    )
    assert all(t.startswith(("Anlotinib", "Pazopanib")) for t in forests)
    assert titles[5 + len(expected)].startswith("Evidence table")
    assert titles[-1].startswith("References")


def test_references_list_every_cited_study(built, prs: Presentation, ev) -> None:
    content, results, ae = built
    refs = "\n".join(
        sh.text_frame.text
        for s in prs.slides
        if s.shapes.title.text.startswith("References")
        for sh in s.shapes
        if sh.name == "References"
    )
    cited = _cited_ids(results, ae)
    assert len(cited) > 20
    studies = ev.studies.set_index("study_id")
    for sid in cited:
        assert studies.loc[sid, "citation"] in refs, sid
        doi = studies.loc[sid, "doi"]
        if pd.notna(doi):
            assert str(doi) in refs, sid
    # one entry per publication: arms of one paper share a citation
    assert len(content.citations) == len({studies.loc[s, "citation"] for s in cited})


def test_evidence_table_numbers_come_from_the_pools(built) -> None:
    content, results, _ = built
    orr = next(r for r in results if r.drug == "anlotinib" and r.outcome == "orr")
    table = content.evidence.set_index("Study")
    for s in orr.pool.studies:
        row = orr.selection.rows.set_index("label").loc[s.label]
        assert f"({s.events}/{s.n})" in " ".join(table["ORR"]), row["study_id"]
    assert list(content.evidence.columns) == [
        "Study",
        "Drug",
        "Design",
        "Line",
        "Histology",
        "n",
        "ORR",
        "DCR",
        "Median PFS",
        "PFS-6",
    ]
    assert content.evidence["Study"].is_unique


def test_notes_carry_the_caveats(prs: Presentation) -> None:
    for slide in prs.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert "Naive cross-trial comparison" in notes
        assert "single-arm, retrospective or case reports" in notes
    ae_notes = prs.slides[3].notes_slide.notes_text_frame.text
    assert "missing, not zero" in ae_notes and f"{AE_TERMS_PER_SLIDE} per slide" in ae_notes
    comparison = (
        prs.slides[1].notes_slide.notes_text_frame.text
        + prs.slides[2].notes_slide.notes_text_frame.text
    )
    assert "k = 1" in comparison or "k = 2" in comparison or "no study" in comparison


def test_footer_method_in_words(prs: Presentation) -> None:
    for slide in prs.slides:
        footer = next(s for s in slide.shapes if s.name == "Footer").text_frame.text
        assert "FT double arcsine, DerSimonian–Laird, Wald z, Wilson CIs" in footer


def test_method_short_for_every_preset() -> None:
    assert Method.preset("meta").short() == "logit GLMM (ML), Clopper–Pearson CIs"
    assert Method.preset("metafor").short() == "logit, REML, HKSJ, Wilson CIs"


def test_clinical_question_reads_the_filters() -> None:
    q = clinical_question(
        Filters(histology="bone", line="second", age="adult"), [("orr", None), ("pfs_rate", 6)]
    )
    assert q.startswith("For adults with advanced bone sarcoma in second line, what ORR and PFS-6")
    assert "Anlotinib, Apatinib, Regorafenib or Pazopanib as monotherapy" in q
    # the page passes its sidebar label; groups still read as prose, subtypes use the label
    everyone = clinical_question(Filters(), [("orr", None)], histology="All histologies")
    assert everyone.startswith("For patients with advanced sarcoma in any treatment line")
    osteo = clinical_question(Filters(histology="osteosarcoma"), [("orr", None)], histology="OS")
    assert osteo.startswith("For patients with OS in")


def test_user_supplied_study_passes_through(ev) -> None:
    content, results, _ = _content(ev, extra=WHAT_IF)
    assert content.user_supplied == ("=HYPERLINK(1)",)
    row = content.evidence[content.evidence["Design"] == USER_SUPPLIED_DESIGN]
    assert len(row) == len(TKI_DRUGS)  # the what-if ORR row joins every drug's pool
    assert any("user-supplied" in c.text for c in content.citations)
    prs = Presentation(io.BytesIO(deck_bytes(content)))
    for slide in prs.slides:
        footer = next(s for s in slide.shapes if s.name == "Footer").text_frame.text
        assert "WHAT-IF" in footer and "=HYPERLINK(1)" in footer
    # the crafted id is neutralised in the exported evidence table
    table = evidence_table(results, ev.studies)
    text = csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "\r\n=HYPERLINK" not in text


def test_pooled_results_csv_round_trip(ev) -> None:
    f, m = Filters(), Method.preset("reference")
    table = pooled_results_table(compare(ev, f, m))
    back = pd.read_csv(
        io.BytesIO(csv_bytes(table)), encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )
    assert list(back.columns) == list(table.columns)
    pd.testing.assert_series_equal(back["Estimate"], table["Estimate"], check_dtype=False)
    assert back["k"].tolist() == table["k"].tolist()
    assert back["Drug"].tolist() == table["Drug"].tolist()
    assert set(table["Unit"]) == {"proportion", "months"}
