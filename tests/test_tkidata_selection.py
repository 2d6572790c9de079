"""Selection semantics: overlap, placebo, case reports, histology populations, line, set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import tkidata
from tkidata.patient.filters import LINE_WORDS, Filters
from tkidata.patient.selection import author_year, select_arms, study_labels
from tkidata.store.errors import DataValidationError

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


def _edit_alpha_studies(tmp_path: Path, changes: dict[str, dict[str, str]]) -> tkidata.Evidence:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    path = data / "alpha" / "studies.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for sid, cells in changes.items():
        for column, value in cells.items():
            if column not in frame.columns:
                frame[column] = ""
            frame.loc[frame["study_id"] == sid, column] = value
    frame.to_csv(path, index=False)
    return tkidata.load(data)


def test_a_cohort_with_non_sarcoma_tumours_is_never_pooled(tmp_path: Path) -> None:
    ev = _edit_alpha_studies(tmp_path, {"anoline": {"non_sarcoma": "desmoid tumours"}})
    for f in (Filters(), Filters(include_quoted=True), Filters(histology="sts")):
        sel = select_arms(ev, "anlotinib", "orr", f)
        assert "anoline" not in _ids(sel)
        assert "includes desmoid tumours (not sarcoma)" in _reason(sel, "anoline")
    aes = tkidata.pool_adverse_events(ev, "anlotinib", Filters(), tkidata.Method(), grade="any")
    assert not aes["studies"].str.contains("anoline").any()


def test_an_arm_known_only_from_a_quotation_enters_only_when_asked(tmp_path: Path) -> None:
    ev = _edit_alpha_studies(tmp_path, {"anoline": {"extraction_level": "quoted"}})
    sel = select_arms(ev, "anlotinib", "orr", Filters())
    assert "anoline" not in _ids(sel)
    assert "quoted in another paper" in _reason(sel, "anoline")
    assert "anoline" in _ids(select_arms(ev, "anlotinib", "orr", Filters(include_quoted=True)))


def test_possible_overlaps_stay_pooled_and_are_named_on_the_result(tmp_path: Path) -> None:
    ev = _edit_alpha_studies(
        tmp_path,
        {"asingle": {"possible_overlaps": "amixed"}, "amixed": {"possible_overlaps": "asingle"}},
    )
    res = tkidata.pool_outcome(ev, "anlotinib", "orr", Filters(), tkidata.Method())
    assert {"asingle", "amixed"} <= set(res.study_ids)
    pair = "Asingle 2020 and Amixed 2020 (Fixture J) [amixed]"
    assert f"possible overlap: {pair} may share patients" in res.note
    other = tkidata.pool_outcome(ev, "anlotinib", "orr", Filters(histology="sts"), tkidata.Method())
    assert "possible overlap" not in other.note  # only one of the two is in this pool


def test_possible_overlaps_are_declared_both_ways_and_never_beside_a_declared_one(
    tmp_path: Path,
) -> None:
    with pytest.raises(DataValidationError) as info:
        _edit_alpha_studies(
            tmp_path,
            {
                "asingle": {"possible_overlaps": "amixed"},
                "amixed_dup": {"possible_overlaps": "amixed"},
                "amixed": {"possible_overlaps": "amixed_dup"},
            },
        )
    text = str(info.value)
    assert "possible_overlaps: 'amixed' does not list 'asingle' back" in text
    assert "possible_overlaps: 'amixed_dup' is already in overlaps_with" in text


def test_the_optional_columns_may_be_left_out_of_a_header(ev) -> None:
    assert "non_sarcoma" in ev.studies.columns and ev.studies["non_sarcoma"].isna().all()
    assert ev.studies["possible_overlaps"].isna().all()
