"""A deck built from the shipped evidence, reopened: board-ready slides, words, sizes, sources.

Built as the Export page and ``python -m report deck`` build it (:mod:`report.view`). Checks
the slide list, the method label of each forest, the toxicity table naming every drug, font
sizes (chart text >= 14 pt on the slide, no text under 12 pt), every shape inside the slide,
alt text on every picture, no raw codes, and complete references.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

import tkidata
from report.colors import TKI_DRUGS, drug_label
from report.deck import (
    CONTENT_H_IN,
    CONTENT_TOP_IN,
    CONTENT_W_IN,
    MIN_PPI,
    ChartSlide,
    chart_text_pt,
    deck_bytes,
)
from report.deck_inputs import (
    citations,
    clinical_question,
)
from report.figures import render_charts
from report.tables import csv_bytes
from report.view import compute_view, view_deck_content
from report.view_tables import USER_SUPPLIED_DESIGN, evidence_table, pooled_results_table
from tkidata.analyses.evidence_table import evidence_table as tkidata_evidence_rows
from tkidata.analyses.method import Method
from tkidata.analyses.pooling import compare
from tkidata.comparative import randomised_evidence
from tkidata.patient.filters import Filters
from tkidata.store import user_studies
from tkidata.wording import unknown_in_words

FOREST_DRUGS = ("anlotinib", "pazopanib")
WHAT_IF = (
    b'study_label,drug,histology,line,design,n,responders\n"=HYPERLINK(1)",anlotinib,sts,,'
    b"single_arm,30,9\n"
)
"""A user study whose label is a spreadsheet formula."""


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def _content(ev: tkidata.Evidence):
    f, m = Filters(), Method.preset("reference")
    view = compute_view(ev, f, m, forest_drugs=FOREST_DRUGS)
    return view_deck_content(view, date="2026-01-02"), list(view.results), view.ae_by_drug


@pytest.fixture(scope="module")
def built(ev: tkidata.Evidence):
    return _content(ev)


@pytest.fixture(scope="module")
def prs(built) -> Presentation:
    return Presentation(io.BytesIO(deck_bytes(built[0])))


def _evidence(content) -> pd.DataFrame:
    return next(s.table for s in content.slides if s.title.startswith("Evidence table"))


def _slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_table:
            parts += [c.text for r in shape.table.rows for c in r.cells]
        elif shape.has_text_frame:
            parts.append(shape.text_frame.text)
    return "\n".join(parts)


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


def _kind(title: str) -> str:
    """A slide title without its "(i/n)" page suffix."""
    return title.rsplit(" (", 1)[0] if title.endswith(")") and "/" in title[-6:] else title


def test_slides_follow_the_tumour_board_order(built, prs: Presentation) -> None:
    _, results, _ = built
    titles = [s.shapes.title.text for s in prs.slides]
    kinds = list(dict.fromkeys(_kind(t) for t in titles))
    forests = [r for d in FOREST_DRUGS for r in results if r.drug == d and r.pool is not None]
    assert kinds[1] == "For this patient: what each drug offers"
    assert kinds[2] == "Efficacy of the four TKIs: ORR and DCR"
    assert kinds[3] == "Efficacy of the four TKIs: Median PFS and PFS-6"
    assert kinds[4:8] == [
        "Grade ≥3 adverse events: pooled incidence (95% CI)",
        "Anchored comparisons: hazard ratios within randomised trials",
        "Randomised evidence and anchored indirect comparisons",
        "Limitations",
    ]
    forest_titles = kinds[8 : 8 + len(forests)]
    assert forest_titles[0] == "Anlotinib: Objective response rate (ORR)"
    assert all(t.startswith(("Anlotinib", "Pazopanib")) for t in forest_titles)
    assert kinds[8 + len(forests) :] == ["Evidence table", "Methods", "References"]


def test_patient_summary_slide_shows_tiers_and_certainty(prs: Presentation) -> None:
    slides = [s for s in prs.slides if s.shapes.title.text.startswith("For this patient")]
    rows = []
    for slide in slides:
        table = next(s for s in slide.shapes if s.has_table).table
        assert [c.text for c in table.rows[0].cells] == [
            "Drug",
            "Outcome",
            "Estimate",
            "95% CI",
            "k",
            "N",
            "Evidence tier",
            "Certainty",
        ]
        rows += [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    drugs = {r[0] for r in rows}
    assert drugs == {drug_label(d) for d in TKI_DRUGS}
    assert {r[1] for r in rows} >= {"ORR", "DCR"}
    assert all(r[7] in ("High", "Moderate", "Low", "Very low", "—") for r in rows)


def _slide(prs: Presentation, title: str):
    return next(s for s in prs.slides if s.shapes.title.text.startswith(title))


def test_limitations_state_the_cross_trial_caveat(prs: Presentation) -> None:
    slide = next(s for s in prs.slides if s.shapes.title.text == "Limitations")
    text = _slide_text(slide)
    assert "Cross-trial comparison" in text and "not randomised comparisons" in text
    assert "single-arm, retrospective or case reports" in text


def test_toxicity_names_every_drug_and_keeps_not_reported(prs: Presentation) -> None:
    slide = _slide(prs, "Grade ≥3 adverse events")
    table = next(s for s in slide.shapes if s.has_table).table
    header = [c.text for c in table.rows[0].cells]
    assert header == ["CTCAE term", *[drug_label(d) for d in TKI_DRUGS]]
    cells = [c.text for r in list(table.rows)[1:] for c in list(r.cells)[1:]]
    assert "not reported" in cells
    assert all(c == "not reported" or ", k = " in c for c in cells)


def test_hazard_ratio_slide_lists_the_anchored_comparisons(ev, prs: Presentation) -> None:
    slides = [s for s in prs.slides if s.shapes.title.text.startswith("Anchored comparisons")]
    trials = set()
    for slide in slides:
        table = next(s for s in slide.shapes if s.has_table).table
        header = [c.text for c in table.rows[0].cells]
        assert header == ["Drug", "Comparison", "Trial", "Endpoint", "Population", "HR (95% CI)"]
        trials |= {r.cells[2].text for r in list(table.rows)[1:]}
    slide = slides[0]
    assert {"REGOSARC", "PALETTE"} <= trials
    assert "anchored, within trial" in slide.notes_slide.notes_text_frame.text


def test_forest_method_label_matches_the_outcome(built) -> None:
    content, _, _ = built
    for spec in content.slides:
        if not isinstance(spec, ChartSlide) or not spec.title.startswith(("Anlot", "Pazop")):
            continue
        title = spec.chart.title
        subtitle = " ".join([title.text, *title.subtitle])
        if spec.title.endswith("Median PFS"):
            assert "inverse variance" in subtitle and "Freeman" not in subtitle
        elif spec.title.startswith(("Anlotinib", "Pazopanib")):
            assert "Freeman–Tukey" in subtitle and "inverse variance" not in subtitle


def test_text_is_legible_from_the_back_of_the_room(built, prs: Presentation) -> None:
    content, _, _ = built
    for slide in prs.slides:
        for shape in slide.shapes:
            frames = (
                [c.text_frame for r in shape.table.rows for c in r.cells]
                if shape.has_table
                else [shape.text_frame]
                if shape.has_text_frame
                else []
            )
            sizes = [r.font.size.pt for f in frames for p in f.paragraphs for r in p.runs]
            assert all(s >= 12 for s in sizes), (shape.name, sizes)
            if shape.name != "Footer":
                assert all(s >= 14 for s in sizes), (shape.name, sizes)
    charts = [s for s in content.slides if isinstance(s, ChartSlide)]
    drawn = render_charts(
        [c.chart for c in charts], box=(CONTENT_W_IN, CONTENT_H_IN), min_ppi=MIN_PPI
    )
    pictures = [
        s for slide in prs.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    assert len(pictures) == len(charts)
    for spec, done, pic in zip(charts, drawn, pictures, strict=True):
        shown_w = pic.width / EMU_PER_IN
        assert chart_text_pt(done.svg, shown_w) >= 14, spec.title
        assert pic.image.size[0] / shown_w >= MIN_PPI - 1e-6


def test_nothing_runs_off_a_slide(prs: Presentation) -> None:
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= prs.slide_width, (number, shape.name)
            assert shape.top + shape.height <= prs.slide_height, (number, shape.name)
            if shape.has_table:
                bottom = shape.top + sum(r.height for r in shape.table.rows)
                assert bottom <= (CONTENT_TOP_IN + CONTENT_H_IN) * EMU_PER_IN, number


def test_every_picture_says_what_it_shows(prs: Presentation) -> None:
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                descr = shape._element.nvPicPr.cNvPr.get("descr") or ""
                assert len(descr) > 40 and not descr.endswith(".png"), descr
                assert any(w in descr for w in ("95% CI", "HR", "pooled", "single study"))


RAW_CODES = (
    "histology all",
    "age all",
    "regimen monotherapy",
    "3plus",
    "single_arm",
    "rct_arm",
    "pfs_median",
    "pfs_rate",
    "[Authors",
    "first_second",
    "second_later",
)


def test_no_raw_codes_anywhere(prs: Presentation) -> None:
    for slide in prs.slides:
        text = _slide_text(slide) + slide.notes_slide.notes_text_frame.text
        for code in RAW_CODES:
            assert code not in text, (slide.shapes.title.text, code)
    footer = next(s for s in prs.slides[1].shapes if s.name == "Footer").text_frame.text
    assert "All histologies · any line · all designs · monotherapy · all ages" in footer


EMU_PER_IN = 914400


def test_references_list_every_cited_study(built, prs: Presentation, ev) -> None:
    content, results, ae = built
    refs = "\n".join(
        sh.text_frame.text
        for s in prs.slides
        if s.shapes.title.text.startswith("References")
        for sh in s.shapes
        if sh.name == "References"
    )
    trials = randomised_evidence(ev, Filters()).rows  # the comparative slide's trial arms
    cited = list(dict.fromkeys([*_cited_ids(results, ae), *trials["study_id"]]))
    assert len(cited) > 20
    studies = ev.studies.set_index("study_id")
    for sid in cited:
        citation = unknown_in_words(studies.loc[sid, "citation"])
        assert citation in refs, sid
        doi = studies.loc[sid, "doi"]
        if pd.notna(doi):
            assert str(doi) in refs, sid
        elif pd.notna(studies.loc[sid, "pmid"]):
            assert f"PMID: {int(studies.loc[sid, 'pmid'])}" in refs, sid
        else:
            assert str(studies.loc[sid, "source_url"]) in refs, sid
    # one entry per publication: arms of one paper share a citation
    assert len(content.citations) == len({studies.loc[s, "citation"] for s in cited})


def test_evidence_table_numbers_come_from_the_pools(built) -> None:
    content, results, _ = built
    orr = next(r for r in results if r.drug == "anlotinib" and r.outcome == "orr")
    evidence = _evidence(content)
    table = evidence.set_index("Study")
    for s in orr.pool.studies:
        row = orr.selection.rows.set_index("label").loc[s.label]
        assert f"({s.events}/{s.n})" in " ".join(table["ORR"]), row["study_id"]
    assert list(evidence.columns) == [
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
    assert evidence["Study"].is_unique


def test_notes_carry_the_caveats(prs: Presentation) -> None:
    for slide in prs.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert "Naive cross-trial comparison" in notes
        assert "single-arm, retrospective or case reports" in notes
    ae_notes = _slide(prs, "Grade ≥3 adverse events").notes_slide.notes_text_frame.text
    assert "missing, not zero" in ae_notes and "'not reported'" in ae_notes
    comparison = "".join(
        s.notes_slide.notes_text_frame.text
        for s in prs.slides
        if s.shapes.title.text.startswith("Efficacy")
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
    parsed = user_studies.read_upload(WHAT_IF, "mine.csv", ev.vocab)
    mine = user_studies.with_user_studies(ev, parsed.studies)
    content, results, _ = _content(mine)
    assert content.user_supplied == ("=HYPERLINK(1)",)
    evidence = _evidence(content)
    row = evidence[evidence["Design"] == USER_SUPPLIED_DESIGN]
    assert len(row) == 1  # the what-if study joins its own drug's pools
    assert any("user-supplied" in c.text for c in content.citations)
    prs = Presentation(io.BytesIO(deck_bytes(content)))
    for slide in prs.slides:
        footer = next(s for s in slide.shapes if s.name == "Footer").text_frame.text
        assert "WHAT-IF" in footer and "=HYPERLINK(1)" in footer
    assert any("user-supplied" in s.shapes.title.text for s in prs.slides)
    limits = next(s for s in prs.slides if s.shapes.title.text == "Limitations")
    assert "=HYPERLINK(1)" in _slide_text(limits)
    # the crafted id is neutralised in the exported evidence table
    table = evidence_table(results, mine.studies)
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


def test_evidence_table_names_an_arm_without_a_seen_author_by_its_trial(ev) -> None:
    unnamed = ev.studies[ev.studies["first_author"] == "[not seen]"]
    assert not unnamed.empty  # the shipped data hold such arms (regorafenib)
    table = evidence_table([], ev.studies, also_cited=list(unnamed["study_id"]))
    assert not table["Study"].str.contains("not seen").any(), table["Study"].tolist()
    by_id = table.set_index("study_id")["Study"]
    first = unnamed.iloc[0]
    assert by_id[first["study_id"]].startswith(f"{first['trial']} {first['year']}")


def test_comparative_slide_shows_randomised_and_indirect_evidence_with_certainty(
    prs: Presentation,
) -> None:
    slide = next(s for s in prs.slides if s.shapes.title.text.startswith("Randomised evidence and"))
    table = next(s for s in slide.shapes if s.has_table).table
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Comparison", "Hazard ratio (95% CI)", "Evidence", "Certainty (provisional)"]
    rows = [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    assert rows[1][:2] == ["Apatinib: no randomised trial", "—"]
    assert all(r[3] in ("High", "Moderate", "Low", "Very low", "—") for r in rows)
    assert any(r[2].startswith("indirect, through placebo") for r in rows)
    assert not any("vs placebo" in r[0] and "dacarbazine" in r[2] for r in rows)
    notes = slide.notes_slide.notes_text_frame.text
    assert "Method: each drug against its own trial's control" in notes
    assert "CINeMA" in notes and "provisional" in notes


def test_exported_citations_and_labels_say_what_is_unknown_in_clinical_words(ev) -> None:
    # "[Authors and title not seen]", "(author not seen)" and "[journal not seen]" are curators'
    # notes; the evidence-table export and the deck's references say "not available" instead
    rows = tkidata_evidence_rows(ev)
    deck_refs = [c.line() for c in citations(ev.studies, list(ev.studies["study_id"]))]
    deck_study = evidence_table([], ev.studies, also_cited=list(ev.studies["study_id"]))["Study"]
    for texts in (rows["citation"].dropna(), rows["label"], pd.Series(deck_refs), deck_study):
        curators = texts.str.contains("not (?:seen|visible|shown)", regex=True)
        assert not curators.any(), list(texts[curators])[:3]
    assert rows["citation"].str.contains("Authors and title not available.").any()
    assert rows["label"].str.contains(r"\(author not available\)").any()
    esmo = [r for r in deck_refs if "abstract 5156" in r]
    assert esmo and esmo[0].startswith("Authors not available. Efficacy and safety of apatinib")


def test_every_slide_chart_is_handed_on_before_the_randomised_evidence_is_made(
    ev, monkeypatch
) -> None:
    """The render workers get every chart (efficacy panels, forests) before the deck makes the
    randomised evidence (its slowest part), so they draw while it is computed; the trials it
    cites still join the references."""
    from dataclasses import replace

    import report.figures
    from report.deck import ChartSlide
    from report.head_to_head import head_to_head

    handed: list[object] = []
    seen_when_made: list[int] = []

    class Handed:  # stands in for report.figures.Prefetch: records what the deck hands on
        def __init__(self, **_: object) -> None:
            pass

        def __call__(self, chart: object) -> None:
            handed.append(chart)

    def make():
        seen_when_made.append(len(handed))
        return head_to_head(ev, view.filters)

    monkeypatch.setattr(report.figures, "Prefetch", Handed)
    view = compute_view(ev, Filters(), Method.preset("reference"), forest_drugs=FOREST_DRUGS)
    content = view_deck_content(replace(view, make_head_to_head=make), date="2026-01-02")
    charts = [s.chart for s in content.slides if isinstance(s, ChartSlide)]
    assert seen_when_made == [len(charts)] and handed == charts
    trials = set(head_to_head(ev, view.filters).evidence.rows["study_id"])
    assert trials and trials <= {i for c in content.citations for i in c.study_id.split(";")}


def test_a_chart_sits_right_under_its_title(prs: Presentation) -> None:
    """A short chart (a one-study forest) floated mid-slide, its title far above it."""
    pictures = [
        shape
        for slide in prs.slides
        for shape in slide.shapes
        if shape.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    assert pictures
    for pic in pictures:
        assert pic.top == round(CONTENT_TOP_IN * EMU_PER_IN), pic.name


def test_a_one_study_forest_says_nothing_is_pooled() -> None:
    """A forest of one study named the pooling method (Freeman–Tukey, DerSimonian–Laird),
    though the study is shown as reported: its words say so, and how its interval was made."""
    from report.params import method_for

    m = Method.preset("reference")
    one = method_for("orr", m, k=1)
    assert one == "Single study, not pooled: Wilson score 95% CI"
    assert "Freeman" not in one and "DerSimonian" not in one
    assert method_for("pfs_median", m, k=1) == (
        "Single study, not pooled: its median and 95% CI as reported"
    )
    assert "Clopper–Pearson" in method_for("orr", Method(ci_method="exact"), k=1)
    assert method_for("orr", m, k=2) == method_for("orr", m)
    ev = tkidata.load()
    view = compute_view(ev, Filters(histology="lms", line="second"), m)
    content = view_deck_content(view, date="2026-01-02")
    singles = [
        s
        for s in content.slides
        if isinstance(s, ChartSlide) and "single study, not pooled" in s.alt_text
    ]
    assert singles
    for spec in singles:
        title = spec.chart.title
        words = " ".join([title.text, *title.subtitle])
        assert "Single study, not pooled" in words and "Freeman" not in words
