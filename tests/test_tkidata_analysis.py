"""Pooling through core: derived flags, AE not-reported vs 0, what-if rows, compare, HRs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import tkidata
from core import pool_glmm, pool_medians, pool_proportions
from tkidata import Filters, Method
from tkidata.store import user_studies as us

FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"
REF = Method.preset("reference")


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load(FIXTURES / "valid")


def test_orr_pool_equals_core_on_the_selected_rows(ev) -> None:
    res = tkidata.pool_outcome(ev, "anlotinib", "orr", Filters(), REF)
    direct = pool_proportions([10, 2, 6, 2], [100, 20, 60, 25], measure="PFT", method="DL")
    assert res.study_ids == ("arct_anl", "asingle", "amixed", "anoline")
    assert res.k == 4 and res.n_patients == 205
    assert res.pool.to_dict()["random"] == direct.to_dict()["random"]
    assert res.derived is False and res.user_supplied == ()


def test_presets_call_the_matching_engine(ev) -> None:
    meta = tkidata.pool_outcome(ev, "anlotinib", "orr", Filters(), Method.preset("meta"))
    glmm = pool_glmm([10, 2, 6, 2], [100, 20, 60, 25], ci_method="exact")
    assert meta.pool.random.est == pytest.approx(glmm.random.est)
    metafor = tkidata.pool_outcome(ev, "anlotinib", "orr", Filters(), Method.preset("metafor"))
    direct = pool_proportions(
        [10, 2, 6, 2], [100, 20, 60, 25], measure="PLO", method="REML", test="knha"
    )
    assert metafor.pool.random.ci_lb == pytest.approx(direct.random.ci_lb)


def test_method_describe_in_words() -> None:
    assert REF.describe().startswith(
        "Freeman–Tukey double arcsine, DerSimonian–Laird, Wald z CI, Wilson study CIs"
    )
    assert "GLMM" in Method.preset("meta").describe()
    assert "Hartung–Knapp" in Method.preset("metafor").describe()
    assert REF.replace(tau2="REML").preset_name is None
    assert Method.preset("metafor").preset_name == "metafor"


def test_landmark_rate_events_are_derived_half_up(ev) -> None:
    res = tkidata.pool_outcome(ev, "anlotinib", "pfs_rate", Filters(), REF, timepoint=6)
    assert res.derived is True
    # 0.5 x 100 = 50; 0.333 x 20 = 6.66 -> 7
    assert [(s.events, s.n) for s in res.pool.studies] == [(50, 100), (7, 20)]


def test_medians_without_ci_are_listed_not_pooled(ev) -> None:
    res = tkidata.pool_outcome(ev, "anlotinib", "pfs_median", Filters(), REF)
    assert res.study_ids == ("arct_anl", "amixed")
    assert "Asingle 2020" in res.note
    direct = pool_medians([6.0, 5.0], [5.0, 4.0], [7.5, None], upper_reached=[True, False])
    assert res.pool.random.est == pytest.approx(direct.random.est)


def test_k0_and_k1_results(ev) -> None:
    none = tkidata.pool_outcome(ev, "apatinib", "orr", Filters(), REF)
    assert none.pool is None and none.k == 0 and none.estimate is None
    assert none.note.startswith("k = 0")
    one = tkidata.pool_outcome(ev, "anlotinib", "dcr", Filters(), REF)
    assert one.k == 1 and one.estimate[0] == pytest.approx(0.6)
    assert "k = 1: single study, not pooled" in one.note


def _with_mine(ev: tkidata.Evidence, csv: str) -> tkidata.Evidence:
    parsed = us.read_upload(csv.encode(), "mine.csv", ev.vocab)
    assert parsed.problems == ()
    return us.with_user_studies(ev, parsed.studies)


def test_user_studies_are_a_batch_pooled_and_marked(ev) -> None:
    mine = _with_mine(
        ev,
        "study_label,drug,histology,line,design,n,responders\nmine,anlotinib,sts,,single_arm,10,5\n",
    )
    assert mine.fingerprint[0] == ev.fingerprint[0] and mine.fingerprint[1] != ""
    assert ev.fingerprint[1] == "" and len(mine.studies) == len(ev.studies) + 1
    res = tkidata.pool_outcome(mine, "anlotinib", "orr", Filters(), REF)
    assert res.user_supplied == ("mine",)
    assert res.k == 5 and res.study_ids[-1] == "mine"
    assert res.pool.studies[-1].label == "mine (user)"
    assert tkidata.pool_outcome(ev, "anlotinib", "orr", Filters(), REF).k == 4
    clash = us.read_upload(
        b"study_label,drug,histology,line,design,n,responders\n"
        b"asingle,anlotinib,sts,,single_arm,10,1\n",
        "clash.csv",
        ev.vocab,
    )
    assert clash.problems == ()
    with pytest.raises(ValueError, match="asingle"):
        us.with_user_studies(ev, clash.studies)


def test_adverse_events_not_reported_is_missing_not_zero(ev) -> None:
    table = tkidata.pool_adverse_events(ev, "anlotinib", Filters(), REF, grade="3plus")
    hyp = table.set_index("term").loc["Hypertension"]
    assert hyp["k"] == 3 and hyp["n"] == 180
    assert hyp["studies"] == "arct_anl;asingle;amixed"
    assert hyp["not_reported_by"] == "anoline"
    assert bool(hyp["derived"]) is True  # asingle: events = round(0.05 x 20)
    assert hyp["events"] == 10 + 1 + 3
    dia = table.set_index("term").loc["Diarrhea"]
    assert dia["k"] == 1 and dia["events"] == 0  # a stated zero is a row
    assert dia["not_reported_by"] == "arct_anl;asingle;anoline"
    assert dia["soc"] == "Gastrointestinal disorders"


def test_adverse_events_by_grade_histology_and_user_studies(ev) -> None:
    anyg = tkidata.pool_adverse_events(ev, "anlotinib", Filters(), REF, grade="any")
    assert list(anyg["term"]) == ["Hypertension"] and anyg.at[0, "k"] == 1
    bone = tkidata.pool_adverse_events(ev, "anlotinib", Filters(histology="bone"), REF)
    assert list(bone["studies"]) == ["asingle"]  # the mixed arm's AEs are not attributable
    mine = _with_mine(
        ev,
        "study_label,drug,histology,line,design,n,ae3_Diarrhea\nmine,anlotinib,sts,,single_arm,20,2\n",
    )
    table = tkidata.pool_adverse_events(mine, "anlotinib", Filters(), REF)
    dia = table.set_index("term").loc["Diarrhea"]
    assert dia["k"] == 2 and dia["user_supplied"] == "mine"


def test_hazard_ratios_are_labelled_anchored(ev) -> None:
    hr = tkidata.hazard_ratios(ev, Filters())
    assert list(hr["study_id"]) == ["arct_anl", "rrct_reg"]
    assert set(hr["comparison"]) == {"anchored, within trial"}
    assert list(hr["comparator_drug"]) == ["placebo", "placebo"]
    assert tkidata.hazard_ratios(ev, Filters(histology="bone")).empty


def test_compare_long_table(ev) -> None:
    table = tkidata.compare(ev, Filters(), REF)
    assert set(table["drug"]) == {"anlotinib", "apatinib", "regorafenib", "pazopanib"}
    assert list(table.loc[table["drug"] == "anlotinib", "label"]) == [
        "ORR",
        "DCR",
        "median PFS",
        "median OS",
        "PFS-6",
    ]
    orr = table[(table["drug"] == "anlotinib") & (table["outcome"] == "orr")].iloc[0]
    assert orr["k"] == 4 and orr["study_ids"] == "arct_anl;asingle;amixed;anoline"
    empty = table[(table["drug"] == "apatinib") & (table["outcome"] == "orr")].iloc[0]
    assert empty["k"] == 0 and pd.isna(empty["est"])
