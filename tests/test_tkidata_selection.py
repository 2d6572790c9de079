"""Selection semantics: overlap, placebo, case reports, histology populations, line, set."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import tkidata
from tkidata.filters import LINE_WORDS, Filters
from tkidata.selection import author_year, select_arms, study_labels

FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load(FIXTURES / "valid")


def _ids(sel) -> list[str]:
    return list(sel.rows["study_id"])


def _reason(sel, study_id: str) -> str:
    hit = sel.excluded.loc[sel.excluded["study_id"] == study_id, "reason"]
    assert len(hit) == 1, f"{study_id} not excluded"
    return str(hit.iloc[0])


def test_default_selection_excludes_overlap_placebo_case_report_and_maintenance(ev) -> None:
    sel = select_arms(ev, "anlotinib", "orr", Filters())
    assert _ids(sel) == ["arct_anl", "asingle", "amixed", "anoline"]
    assert "overlapping report" in _reason(sel, "amixed_dup")
    assert "preferred report: amixed" in _reason(sel, "amixed_dup")
    assert "placebo arm of TRIAL1" in _reason(sel, "arct_pbo")
    assert "case report" in _reason(sel, "acase")
    assert "regimen maintenance (filter: monotherapy)" in _reason(sel, "amaint")


def test_placebo_is_not_a_drug_to_pool(ev) -> None:
    with pytest.raises(ValueError, match="not a compared drug"):
        select_arms(ev, "placebo", "orr", Filters())


def test_regimen_filter(ev) -> None:
    assert _ids(select_arms(ev, "anlotinib", "orr", Filters(regimen="maintenance"))) == ["amaint"]
    anyreg = _ids(select_arms(ev, "anlotinib", "orr", Filters(regimen="any")))
    assert "amaint" in anyreg and "acase" not in anyreg  # case reports never pooled


@pytest.mark.parametrize(
    ("histology", "expected"),
    [
        ("all", [("arct_anl", "all"), ("asingle", "all"), ("amixed", "all"), ("anoline", "all")]),
        ("sts", [("arct_anl", "all"), ("amixed", "sts"), ("anoline", "all")]),
        ("bone", [("asingle", "all"), ("amixed", "bone")]),
        ("lms", [("amixed", "lms")]),
        ("osteosarcoma", [("asingle", "all")]),
    ],
)
def test_histology_populations(ev, histology: str, expected: list[tuple[str, str]]) -> None:
    sel = select_arms(ev, "anlotinib", "orr", Filters(histology=histology))
    assert list(zip(sel.rows["study_id"], sel.rows["population"], strict=True)) == expected


def test_mixed_study_enters_a_histology_only_through_its_rows(ev) -> None:
    sel = select_arms(ev, "anlotinib", "orr", Filters(histology="osteosarcoma"))
    assert _reason(sel, "amixed") == "no orr reported for population osteosarcoma"
    assert _reason(sel, "arct_anl") == "sts arm (histology filter: osteosarcoma)"


def test_population_argument_overrides_filter(ev) -> None:
    sel = select_arms(ev, "anlotinib", "orr", Filters(histology="all"), population="bone")
    assert sel.population == "bone"
    assert _ids(sel) == ["asingle", "amixed"]


@pytest.mark.parametrize(
    ("line", "mixed", "expected"),
    [
        ("any", True, ["arct_anl", "asingle", "amixed", "anoline"]),
        ("any", False, ["arct_anl", "asingle", "anoline"]),
        ("second", True, ["arct_anl", "amixed"]),
        ("second", False, ["arct_anl"]),
        ("first", False, ["asingle"]),
        ("first", True, ["asingle", "amixed"]),
        ("later", False, []),
    ],
)
def test_line_filter_with_and_without_mixed(ev, line: str, mixed: bool, expected) -> None:
    sel = select_arms(ev, "anlotinib", "orr", Filters(line=line, include_mixed_line=mixed))
    assert _ids(sel) == expected
    if line != "any":
        assert _reason(sel, "anoline") == f"line not reported (patient: {LINE_WORDS[line]})"


def test_design_and_age_filters(ev) -> None:
    assert _ids(select_arms(ev, "anlotinib", "orr", Filters(design="rct"))) == ["arct_anl"]
    prospective = select_arms(ev, "anlotinib", "orr", Filters(design="prospective"))
    assert _ids(prospective) == ["arct_anl", "asingle"]
    adult = select_arms(ev, "anlotinib", "orr", Filters(age="adult"))
    assert _ids(adult) == ["arct_anl", "anoline"]
    assert _reason(adult, "amixed") == "age group mixed (filter: adult)"
    assert _ids(select_arms(ev, "anlotinib", "orr", Filters(age="paediatric"))) == ["asingle"]


def test_study_set_restricts_and_pools_the_sets_own_reports(ev) -> None:
    sel = select_arms(ev, "anlotinib", "orr", Filters(), study_set="li2025")
    # amixed_dup is a preferred=false report, pooled here because the published set used it;
    # its preferred twin amixed is not in the set, so the two are never pooled together.
    assert _ids(sel) == ["arct_anl", "asingle", "amixed_dup"]
    assert _reason(sel, "anoline") == "not in study set li2025"
    assert _reason(sel, "amixed") == "not in study set li2025"


def test_rates_need_a_timepoint(ev) -> None:
    with pytest.raises(ValueError, match="timepoint"):
        select_arms(ev, "anlotinib", "pfs_rate", Filters())
    sel = select_arms(ev, "anlotinib", "pfs_rate", Filters(), timepoint=6)
    assert _ids(sel) == ["arct_anl", "asingle"]


def test_filters_and_method_are_hashable_and_validated() -> None:
    assert hash(Filters()) == hash(Filters())
    assert Filters().replace(line="second").line == "second"
    with pytest.raises(ValueError):
        Filters(line="third")
    assert len({tkidata.Method.preset(p) for p in ("reference", "meta", "metafor")}) == 3


def test_an_arm_whose_author_was_not_seen_is_named_by_its_trial() -> None:
    studies = pd.DataFrame(
        {
            "study_id": ["nct1_rego", "trialx_rego", "trialx_pbo", "chi_a"],
            "drug": ["regorafenib", "regorafenib", "placebo", "anlotinib"],
            "first_author": ["[not seen]", "[not seen]", "[not seen]", "Chi"],
            "year": [2020, 2017, 2017, 2018],
            "trial": ["NCT02307500", "REGOSARC", "REGOSARC", ""],
            "arm": ["regorafenib", "regorafenib", "placebo", ""],
            "journal": ["", "", "", "Clin Cancer Res"],
        }
    )
    labels = study_labels(studies, frozenset({"placebo"}))
    assert labels == {
        "nct1_rego": "NCT02307500 2020",
        "trialx_rego": "REGOSARC 2017",
        "trialx_pbo": "REGOSARC 2017 (placebo)",  # the trial is not named twice
        "chi_a": "Chi 2018",
    }
    assert author_year("Mir", 2016, "REGOSARC") == "Mir 2016"
    assert author_year(" [not seen] ", 2016, "REGOSARC") == "REGOSARC 2016"


def test_no_shipped_label_shows_a_curators_placeholder() -> None:
    shipped = tkidata.load()
    labels = study_labels(shipped.studies, frozenset({"placebo"}))
    assert not [label for label in labels.values() if "[" in label]
