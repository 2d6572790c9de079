"""Patient matching (line ranges, histology hierarchy, assessments) and evidence tiers."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tkidata
from tkidata.analyses.pooling import row_n
from tkidata.patient.certainty import LEVELS, THRESHOLDS, rate_number
from tkidata.patient.filters import line_contains
from tkidata.patient.selection import DEFAULT_ASSESSMENT, author_year, enrolled_reason, study_labels
from tkidata.patient.tiers import (
    patient_summary_frame,
    tier_steps,
    tiered_adverse_events,
    tiered_compare,
    tiered_outcome,
)
from tkidata.store.codes import LINE_RANGES, LINES
from tkidata.store.validate import split_list

REF = tkidata.Method.preset("reference")
OUTCOMES = (("orr", None), ("dcr", None), ("pfs_median", None), ("pfs_rate", 6))
HISTOLOGIES = ("all", "sts", "bone", "lms", "lps", "synovial", "ups", "osteosarcoma", "ewing")


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


@pytest.mark.parametrize(
    ("line", "patient", "expected"),
    [
        ("second_later", "second", True),
        ("second_later", "later", True),
        ("second_later", "first", False),
        ("first_second", "first", True),
        ("first_second", "later", False),
        ("any", "first", True),
        ("later", "second", False),
        ("second", "second", True),
        (None, "second", False),
    ],
)
def test_a_line_range_contains_the_patients_line(line, patient, expected) -> None:
    assert line_contains(line, patient) is expected


def test_every_line_code_has_a_range() -> None:
    assert set(LINES) == set(LINE_RANGES)


def test_previously_treated_arms_match_a_second_line_patient(ev) -> None:
    f = tkidata.Filters(line="second")
    sel = tkidata.select_arms(ev, "anlotinib", "orr", f)
    arms = ev.studies.set_index("study_id")
    assert sel.k > 0
    for sid in sel.study_ids:
        assert line_contains(arms.at[sid, "line"], "second"), sid
    exact = tkidata.select_arms(ev, "anlotinib", "orr", f.replace(include_mixed_line=False))
    assert set(exact.study_ids) <= set(sel.study_ids)
    for sid in exact.study_ids:
        assert arms.at[sid, "line"] == "second"


def test_study_labels_are_unique_and_readable(ev) -> None:
    labels = study_labels(ev.studies)
    assert len(set(labels.values())) == len(labels)
    for sid, label in labels.items():
        arm = ev.studies.set_index("study_id").loc[sid]
        # by first author and year; by trial where no page read named the author
        assert label.startswith(author_year(arm["first_author"], arm["year"], arm["trial"]))
        assert not label.startswith("[")


def test_tier_ladder_for_a_subtype_a_group_and_all(ev) -> None:
    assert [s.tier for s in tier_steps(ev, "lms")] == ["direct", "group", "all"]
    assert tier_steps(ev, "lms")[1].population == "sts"
    assert [s.tier for s in tier_steps(ev, "bone")] == ["direct", "all"]
    assert [s.tier for s in tier_steps(ev, "all")] == ["direct"]


def test_group_tier_keeps_only_arms_that_may_have_enrolled_the_subtype(ev) -> None:
    for _, arm in ev.studies.iterrows():
        why = enrolled_reason(arm, "lms", ev)
        listed = split_list(arm["subtypes"])
        if arm["histology_group"] == "bone" or (listed and "lms" not in listed):
            assert why, arm["study_id"]
        else:
            assert why is None, arm["study_id"]


def _pooled_arms(number: tkidata.patient.tiers.TieredNumber) -> list[str]:
    return list(number.result.study_ids) if number.result is not None else []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    drug=st.sampled_from(("anlotinib", "apatinib", "regorafenib", "pazopanib")),
    histology=st.sampled_from(HISTOLOGIES),
    line=st.sampled_from(("any", "first", "second", "later")),
    target=st.sampled_from(OUTCOMES),
    mix=st.booleans(),
)
def test_tiers_never_pool_overlapping_reports_and_direct_only_is_a_subset(
    ev, drug, histology, line, target, mix
) -> None:
    outcome, t = target
    f = tkidata.Filters(histology=histology, line=line, mix_assessment=mix)
    tiered = tiered_outcome(ev, drug, outcome, f, REF, timepoint=t)
    direct = tiered_outcome(ev, drug, outcome, f, REF, timepoint=t, direct_only=True)
    overlaps = dict(zip(ev.studies["study_id"], ev.studies["overlaps_with"], strict=True))
    pooled = _pooled_arms(tiered)
    for sid in pooled:
        assert not set(split_list(overlaps[sid])) & set(pooled), (sid, pooled)
    if direct.has_number:
        assert tiered.tier == "direct"
        assert tiered.result.estimate == direct.result.estimate
    assert direct.tier in (None, "direct")
    if tiered.has_number:
        steps = [s.tier for s in tier_steps(ev, histology)]
        before = steps[: steps.index(tiered.tier)]
        assert all(k == 0 for tier, k in tiered.tried if tier in before)
        rows = tiered.pooled_rows()
        assert tiered.result.n_patients == sum(n for _, r in rows.iterrows() if (n := row_n(r, ev)))
        if not mix and outcome in DEFAULT_ASSESSMENT:
            assert set(rows["assessment"]) == {DEFAULT_ASSESSMENT[outcome]}
        if line != "any":
            arms = ev.studies.set_index("study_id")
            for sid in rows["study_id"]:
                assert line_contains(arms.at[sid, "line"], line)


def test_a_subgroup_number_never_borrows_the_whole_arms_n(ev) -> None:
    arms = ev.studies.set_index("study_id")
    for _, row in ev.outcomes.iterrows():
        arm = arms.loc[row["study_id"]]
        whole = row["population"] in tkidata.patient.selection.whole_arm_populations(arm)
        n = row_n(row, ev)
        if not whole and pd.isna(row["n"]):
            assert n is None, row["study_id"]
        if pd.notna(row["n"]):
            assert n == row["n"]


def test_medians_without_ci_are_listed_as_unpooled(ev) -> None:
    rows = ev.outcomes[
        (ev.outcomes["outcome"] == "pfs_median")
        & ev.outcomes["ci_low"].isna()
        & ev.outcomes["estimate"].notna()
        & ev.outcomes["subgroup_line"].isna()
    ]
    arms = ev.studies.set_index("study_id")
    checked = 0
    for _, row in rows.iterrows():
        arm = arms.loc[row["study_id"]]
        if arm["drug"] not in ev.vocab.tki_drugs or not arm["preferred"]:
            continue
        if arm["regimen"] != "monotherapy" or arm["design"] == "case_report":
            continue
        res = tkidata.pool_outcome(
            ev, arm["drug"], "pfs_median", tkidata.Filters(histology=row["population"]), REF
        )
        listed = res.unpooled
        if row["study_id"] in set(res.selection.rows["study_id"]):
            assert row["study_id"] in set(listed["study_id"]), row["study_id"]
            assert row["study_id"] not in res.study_ids
            checked += 1
    assert checked > 0


def test_no_column_is_empty_when_broader_evidence_exists(ev) -> None:
    f = tkidata.Filters(histology="lms", line="second")
    for drug in ev.vocab.tki_drugs:
        for outcome, t in OUTCOMES:
            tiered = tiered_outcome(ev, drug, outcome, f, REF, timepoint=t)
            if tiered.has_evidence:
                continue
            for step in tier_steps(ev, "lms"):
                res = tkidata.pool_outcome(
                    ev,
                    drug,
                    outcome,
                    f.replace(histology=step.population, enrolled=step.enrolled),
                    REF,
                    timepoint=t,
                )
                assert res.k == 0, (drug, outcome, step)


def test_tiered_compare_matches_tiered_outcome(ev) -> None:
    f = tkidata.Filters(histology="osteosarcoma", line="second")
    table = tiered_compare(ev, f, REF)
    row = table[(table["drug"] == "anlotinib") & (table["outcome"] == "orr")].iloc[0]
    number = tiered_outcome(ev, "anlotinib", "orr", f, REF)
    assert row["tier"] == (number.tier or "")
    if number.has_number:
        assert row["est"] == number.result.estimate[0]
        assert row["n"] == number.result.n_patients


def test_adverse_events_fall_back_to_broader_tiers(ev) -> None:
    f = tkidata.Filters(histology="lms")
    tiered = tiered_adverse_events(ev, "anlotinib", f, REF)
    direct = tiered_adverse_events(ev, "anlotinib", f, REF, direct_only=True)
    assert direct.tier in (None, "direct")
    if direct.tier is None:
        assert tiered.tier in (None, "group", "all")
    assert list(tiered.table["est"]) == sorted(tiered.table["est"], reverse=True)


def test_summary_frame_is_in_clinical_words(ev) -> None:
    frame = patient_summary_frame(ev, tkidata.Filters(histology="synovial", line="second"), REF)
    assert set(frame["Drug"]) == {"Anlotinib", "Apatinib", "Regorafenib", "Pazopanib"}
    text = frame.astype(str).to_string()
    for raw in ("pfs_median", "3plus", "rct_arm", "single_arm", "synovial;"):
        assert raw not in text
    assert set(frame["Evidence tier"]) <= {"Direct evidence", "Histology group", "All sarcoma", "—"}
    assert set(frame["Certainty"]) <= {*LEVELS, "—"}


def test_certainty_rules(ev) -> None:
    rows = pd.DataFrame({"study_id": ["chi2018"], "n": [166]})
    precise = rate_number(
        ev, outcome="orr", rows=rows, k=5, n=500, est=0.1, lo=0.07, hi=0.13, i2=10.0, q_p=0.5
    )
    assert precise.level == "High"
    single = rate_number(ev, outcome="orr", rows=rows, k=1, n=27, est=0.0, lo=0.0, hi=0.125)
    assert single.level == "Moderate" and any("single study" in r for r in single.reasons)
    broad = rate_number(
        ev, outcome="orr", rows=rows, k=1, n=27, est=0.0, lo=0.0, hi=0.3, tier="all"
    )
    assert broad.level == "Very low"
    no_ci = rate_number(ev, outcome="pfs_median", rows=rows, k=1, n=27, est=5, lo=None, hi=None)
    assert "imprecision: no confidence interval" in no_ci.reasons
    assert set(THRESHOLDS) == {
        "risk_of_bias",
        "inconsistency",
        "imprecision",
        "indirectness",
        "publication_bias",
    }
    assert "provisional, computed" in precise.text()
