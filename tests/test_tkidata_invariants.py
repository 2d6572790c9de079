"""Pooling invariants on the shipped data, over a grid of filters and study sets.

Whatever the filters, a drug's pool never holds two reports that share patients, never holds a
placebo arm, and every hazard ratio names a comparator arm of the same trial.
"""

from __future__ import annotations

import itertools

import pytest

import tkidata
from tkidata import Filters
from tkidata.selection import select_arms
from tkidata.validate import split_list

DRUGS = ("anlotinib", "apatinib", "regorafenib", "pazopanib")
OUTCOMES = (("orr", None), ("pfs_median", None), ("pfs_rate", 6))
FILTER_GRID = [
    Filters(histology=h, line=line, regimen=r)
    for h, line, r in itertools.product(
        ("all", "sts", "bone", "osteosarcoma"),
        ("any", "second"),
        ("monotherapy", "any"),
    )
]


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


@pytest.fixture(scope="module")
def selections(ev: tkidata.Evidence) -> list:
    sets = [None, *sorted(ev.vocab.meta_analyses["source_id"])]
    return [
        select_arms(ev, drug, outcome, f, timepoint=tp, study_set=study_set)
        for drug, (outcome, tp), f, study_set in itertools.product(
            DRUGS, OUTCOMES, FILTER_GRID, sets
        )
    ]


def test_no_pool_ever_holds_two_reports_that_share_patients(ev, selections) -> None:
    overlaps = {row.study_id: set(split_list(row.overlaps_with)) for row in ev.studies.itertuples()}
    checked = 0
    for sel in selections:
        ids = set(sel.study_ids)
        for sid in ids:
            assert not (overlaps[sid] & ids), (sel.drug, sel.outcome, sel.filters, sid)
        checked += sel.k
    assert checked > 100  # the grid really selected arms


def test_placebo_arms_never_enter_a_drug_pool(ev, selections) -> None:
    drug_of = dict(zip(ev.studies["study_id"], ev.studies["drug"], strict=True))
    for sel in selections:
        assert all(drug_of[sid] == sel.drug for sid in sel.study_ids), (sel.drug, sel.study_ids)


def test_every_hazard_ratio_names_a_comparator_arm_of_the_same_trial(ev) -> None:
    hr = ev.comparisons
    assert len(hr) > 0
    assert not ev.outcomes["outcome"].isin(["hr_pfs", "hr_os"]).any()
    studies = ev.studies.set_index("study_id")
    for row in hr.itertuples():
        comparator = row.control_study_id
        assert isinstance(comparator, str) and comparator in studies.index, row.study_id
        assert comparator != row.study_id
        arm, other = studies.loc[row.study_id], studies.loc[comparator]
        assert other["design"] == "rct_arm" and arm["design"] == "rct_arm", row.study_id
        assert arm["trial"] == other["trial"], (row.study_id, comparator)


def test_anchored_hazard_ratios_are_labelled_as_within_trial(ev) -> None:
    table = tkidata.hazard_ratios(ev, Filters())
    assert len(table) > 0
    assert set(table["drug"]) <= set(DRUGS)
    assert (table["comparison"] == "anchored, within trial").all()
    placebo = table["comparator_drug"] == "placebo"
    assert (table.loc[~placebo, "comparison_label"] != "vs placebo").all()


def test_cohort_hazard_ratios_show_under_their_group_and_under_all(ev) -> None:
    rows = {
        h: set(zip(t["trial"], t["population"], strict=True))
        for h in ("all", "sts", "bone", "lms")
        for t in [tkidata.hazard_ratios(ev, Filters(histology=h))]
    }
    assert ("REGOSARC", "lms") in rows["all"] and ("REGOSARC", "lms") in rows["sts"]
    assert ("REGOSARC", "lms") in rows["lms"] and ("REGOSARC", "lps") not in rows["lms"]
    assert not {pop for _, pop in rows["bone"]} & {"lms", "lps", "synovial", "all"}


def test_every_pool_labels_its_studies_uniquely_and_readably(ev, selections) -> None:
    for sel in selections:
        assert sel.rows["label"].is_unique, (sel.drug, sel.outcome, list(sel.rows["label"]))
    orr = select_arms(ev, "anlotinib", "orr", Filters())
    assert "Chi 2018 (ALTER0203)" in set(orr.rows["label"]) and "Chi 2018" in set(orr.rows["label"])
