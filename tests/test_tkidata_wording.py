"""Clinical wording: labels and number formats shared by every table, chart, slide and export."""

from __future__ import annotations

import numpy as np
import pytest

from tkidata import wording


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("orr", None), "Objective response rate (ORR)"),
        (("pfs_rate", 6), "PFS at 6 months"),
        (("os_rate", 12.0), "OS at 12 months"),
        (("pfs_median", None), "Median PFS"),
    ],
)
def test_outcome_labels(args: tuple, expected: str) -> None:
    assert wording.outcome_label(*args) == expected


def test_format_interval() -> None:
    assert wording.format_interval(0.2134, 0.15, 0.3) == "21.3% (15.0–30.0)"
    assert wording.format_interval(np.nan, 0.1, 0.2) == "—"
    assert wording.format_interval(7.8, 6.1, None, months=True) == "7.8 mo (CI not reported)"


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (-4.0, 12.2, "0.0–12.2 mo (lower limit truncated at 0 months)"),
        (4.9, 7.4, "4.9–7.4 mo"),
    ],
)
def test_a_time_interval_never_reads_below_zero(lo: float, hi: float, expected: str) -> None:
    assert wording.format_ci(lo, hi, months=True) == expected
    text = wording.format_interval(5.0, lo, hi, months=True)
    assert "-" not in text and "−" not in text


@pytest.mark.parametrize(
    ("function", "code", "expected"),
    [
        (wording.line_label, "second_later", "Second line or later"),
        (wording.line_label, "first_second", "First or second line"),
        (wording.population_label, "lms", "Leiomyosarcoma"),
        (wording.population_label, "sts", "Soft tissue sarcoma"),
        (wording.population_label, "all", "All sarcoma"),
        (wording.grade_label, "3plus", "Grade ≥3"),
        (wording.extraction_label, "conference_abstract", "Conference abstract"),
        (wording.regimen_label, "monotherapy", "Monotherapy"),
        (wording.age_label, "paediatric", "Children"),
        (wording.preset_label, "meta", wording.PRESET_LABELS["meta"]),
        (wording.outcome_label, "hr_pfs", "Hazard ratio for PFS"),
    ],
)
def test_codes_read_as_clinical_words(function, code: str, expected: str) -> None:
    assert function(code) == expected


def test_unknown_codes_and_empty_cells_never_reach_a_reader() -> None:
    assert wording.line_label("third_plus") == "Third plus"
    for empty in (None, np.nan, ""):
        assert wording.population_label(empty) == wording.MISSING
        assert wording.design_label(None) == wording.MISSING
    assert wording.format_count(None) == wording.MISSING
    assert wording.format_percent(float("nan")) == wording.MISSING


def test_assessment_difference_and_hazard_ratio_formats() -> None:
    assert wording.assessment_label("week", 12) == "Status at week 12"
    assert wording.format_difference(-0.13) == "−13.0 points"
    assert wording.format_difference(0.4, months=True) == "+0.40 mo"
    assert wording.format_hazard_ratio(0.456, 0.26, 0.8) == "0.46 (0.26–0.80)"
    assert wording.format_hazard_ratio(0.33, None, None) == "0.33"
    assert wording.format_pvalue(0.0004) == "p < 0.001"


def test_every_shipped_code_has_words() -> None:
    from tkidata.store import codes

    for code in codes.LINES:
        assert code in wording.LINE_LABELS
    for code in codes.DESIGNS:
        assert code in wording.DESIGN_LABELS
    for code in codes.EXTRACTION_LEVELS:
        assert code in wording.EXTRACTION_LABELS
    for code in codes.ASSESSMENTS:
        assert code in wording.ASSESSMENT_LABELS
    for code in (*codes.POOLED_OUTCOMES, *codes.HR_OUTCOMES):
        assert code in wording.OUTCOME_LABELS
    for values, labels in (
        (codes.HISTOLOGY_GROUPS, wording.HISTOLOGY_GROUP_LABELS),
        (codes.AGE_GROUPS, wording.AGE_LABELS),
        (codes.REGIMENS, wording.REGIMEN_LABELS),
        (codes.GRADES, wording.GRADE_LABELS),
    ):
        assert set(values) <= set(labels)


@pytest.mark.parametrize(
    ("curated", "read"),
    [
        (
            "X. Oncology. 2019 [journal not seen].",
            "X. Oncology. 2019 (journal details not available).",
        ),
        ("[Authors not seen]. Title. Cancer. 2017.", "Authors not available. Title. Cancer. 2017."),
        ("[Authors not seen.] Title.", "Authors not available. Title."),
        ("Turkish cohort (author not seen) 2020", "Turkish cohort (author not available) 2020"),
        ("Jones [initials not seen], et al.", "Jones (initials not available), et al."),
        ("A [title truncated]. Oncology.", "A (title shortened). Oncology."),
        ("[Authors not shown on the abstract page.] T.", "Authors not available. T."),
        (
            "[Authors and title not visible on the stored copy.] J.",
            "Authors and title not available. J.",
        ),
        ("G H. Title [thesis]. Kunming.", "G H. Title [thesis]. Kunming."),
        (
            "Chi Y, et al. Title. Clin Cancer Res. 2018.",
            "Chi Y, et al. Title. Clin Cancer Res. 2018.",
        ),
    ],
)
def test_what_is_unknown_reads_in_clinical_words(curated: str, read: str) -> None:
    assert wording.unknown_in_words(curated) == read


def test_an_add_on_comparison_names_the_drug_once() -> None:
    from tkidata.wording import comparison_label, drug_comparison

    add_on = comparison_label("pazopanib+gemcitabine", "pazopanib")
    assert drug_comparison("pazopanib", add_on) == "adding gemcitabine to pazopanib"
    assert drug_comparison("anlotinib", comparison_label("anlotinib", "placebo")) == (
        "anlotinib vs placebo"
    )
    maintenance = comparison_label("anlotinib", "placebo", "maintenance")
    assert drug_comparison("anlotinib", maintenance) == "anlotinib maintenance vs placebo"
