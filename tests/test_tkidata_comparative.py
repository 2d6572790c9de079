"""The comparative-evidence layer: tiering, one report per trial, indirect comparisons, absolute
effects and certainty (``tkidata.comparative``)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tkidata
from tkidata import Filters
from tkidata.comparative import (
    absolute_effects,
    absolute_table,
    certainty_table,
    comparison_certainty,
    harms,
    histology_matched,
    indirect_comparisons,
    league_table,
    network_table,
    randomised_evidence,
    randomised_table,
    transitivity_reader_table,
    transitivity_table,
)
from tkidata.comparative.absolute import modelled_survival, risk_difference
from tkidata.comparative.cinema import imprecision, rating
from tkidata.comparative.evidence import TIER_RANK, TRIAL_KEY, one_per_trial
from tkidata.comparative.indirect import Z95, se_from_ci
from tkidata.patient.filters import LINE_CHOICES


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def _headline(ev: tkidata.Evidence, histology: str, line: str, drug: str) -> str:
    drugs = randomised_evidence(ev, Filters(histology=histology, line=line)).drugs
    return str(drugs.set_index("drug").at[drug, "headline"])


# --- which trials, at which tier -------------------------------------------------------------


def test_second_line_osteosarcoma_has_regorafenib_only_and_names_apatinib(ev) -> None:
    re = randomised_evidence(ev, Filters(histology="osteosarcoma", line="second"))
    assert set(re.rows["drug"]) == {"regorafenib"}
    assert _headline(ev, "osteosarcoma", "second", "regorafenib") == (
        "Randomised vs placebo: PFS HR 0.42 (0.21–0.85), SARC024, osteosarcoma"
    )
    status = re.drugs.set_index("drug")["status"]
    assert status["apatinib"] == "no_trial"
    assert status["anlotinib"] == status["pazopanib"] == "not_for_patient"
    message = re.drugs.set_index("drug").at["apatinib", "message"]
    assert message.startswith("no randomised trial: apatinib")


def test_synovial_sarcoma_tiers_cohorts_before_the_whole_trial(ev) -> None:
    re = randomised_evidence(ev, Filters(histology="synovial", line="second"))
    pfs = re.rows[re.rows["outcome"] == "hr_pfs"].set_index("trial")
    assert pfs.at["APROMISS", "tier"] == "direct"
    assert pfs.at["REGOSARC", "tier"] == "direct"
    assert pfs.at["REGOSARC", "study_id"] == "regosarc_ss_rego"
    assert pfs.at["PALETTE", "tier"] == "group"
    assert "vs dacarbazine" in _headline(ev, "synovial", "second", "anlotinib")
    assert "vs placebo" not in _headline(ev, "synovial", "second", "anlotinib")


def test_leiomyosarcoma_shows_anlotinib_regorafenib_and_pazopanib(ev) -> None:
    re = randomised_evidence(ev, Filters(histology="lms", line="second"))
    assert (
        re.drugs.set_index("drug").loc[["anlotinib", "regorafenib", "pazopanib"], "status"]
        == "randomised"
    ).all()
    assert "PFS HR 0.46 (0.26–0.80), REGOSARC, leiomyosarcoma" in _headline(
        ev, "lms", "second", "regorafenib"
    )


def test_a_line_subgroup_is_preferred_for_a_patient_of_its_line_only(ev) -> None:
    first = randomised_evidence(ev, Filters(histology="asps", line="first")).rows
    alter = first[first["trial"] == "ALTER0203"]
    assert list(alter["subgroup_line"]) == ["first"] and list(alter["hr"]) == [0.24]
    later = randomised_evidence(ev, Filters(histology="asps", line="second")).rows
    assert list(later.loc[later["trial"] == "ALTER0203", "subgroup_line"]) == ["second_later"]
    anyline = randomised_evidence(ev, Filters(histology="asps")).rows
    assert anyline.loc[anyline["trial"] == "ALTER0203", "subgroup_line"].isna().all()


def test_the_pooled_regosarc_report_is_the_preferred_one_for_soft_tissue(ev) -> None:
    rows = randomised_evidence(ev, Filters(histology="sts", line="second")).rows
    regosarc = rows[(rows["trial"] == "REGOSARC") & (rows["outcome"] == "hr_pfs")]
    assert list(regosarc["study_id"]) == ["regosarc_qtwist_rego"]
    assert "kawai2016_pazo" not in set(rows["study_id"])
    table = randomised_table(randomised_evidence(ev, Filters(histology="sts", line="second")))
    assert "Hazard ratio (95% CI)" in table.columns and len(table) == len(rows)


# --- one report per trial, in every view ------------------------------------------------------

_CODES = ["all", "sts", "bone", "lms", "synovial", "asps", "osteosarcoma", "ewing", "lps"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histology=st.sampled_from(_CODES), line=st.sampled_from(LINE_CHOICES))
def test_no_view_mixes_two_reports_of_one_trial(ev, histology: str, line: str) -> None:
    f = Filters(histology=histology, line=line)
    re = randomised_evidence(ev, f)
    rows = re.rows
    assert not rows.duplicated(list(TRIAL_KEY)).any()
    per_trial = rows.groupby(["trial", "outcome", "experimental", "anchor"])["study_id"].nunique()
    assert (per_trial <= 1).all()
    ic = indirect_comparisons(ev, f, evidence=re)
    assert not ic.contrasts.duplicated(["trial", "treat1", "treat2"]).any()
    assert set(ic.contrasts["study_id"]) <= set(rows["study_id"])
    transit = transitivity_table(ev, f, evidence=re)
    assert transit["trial"].is_unique
    absolute = absolute_effects(ev, f, evidence=re)
    assert not absolute.duplicated(["trial", "comparison_label", "months", "week", "kind"]).any()


_ROW = st.fixed_dictionaries(
    {
        "trial": st.sampled_from(["T1", "T2", "T3"]),
        "study_id": st.sampled_from(["r1", "r2", "r3", "r4"]),
        "outcome": st.sampled_from(["hr_pfs", "hr_os"]),
        "experimental": st.just("drug"),
        "anchor": st.sampled_from(["placebo", "dacarbazine"]),
        "tier": st.sampled_from(list(TIER_RANK)),
        "subgroup_line": st.sampled_from([None, "first", "second_later"]),
        "has_ci": st.booleans(),
        "n_experimental": st.sampled_from([None, 10.0, 50.0]),
        "n_control": st.sampled_from([None, 5.0, 25.0]),
    }
)


@settings(max_examples=50, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=12))
def test_one_per_trial_keeps_the_most_direct_row_of_each_trial(records) -> None:
    rows = pd.DataFrame(records)
    kept = one_per_trial(rows)
    assert not kept.duplicated(list(TRIAL_KEY)).any()
    assert len(kept) == len(rows.drop_duplicates(list(TRIAL_KEY)))
    for _, row in kept.iterrows():
        same = rows[(rows[list(TRIAL_KEY)] == row[list(TRIAL_KEY)]).all(axis=1)]
        assert TIER_RANK[row["tier"]] == min(TIER_RANK[t] for t in same["tier"])


# --- indirect comparisons --------------------------------------------------------------------


def test_regorafenib_vs_pazopanib_is_bucher_through_placebo(ev) -> None:
    ic = indirect_comparisons(ev, Filters(histology="sts", line="second"))
    row = ic.league[(ic.league["treat1"] == "regorafenib") & (ic.league["treat2"] == "pazopanib")]
    te = math.log(0.36) - math.log(0.31)
    se = math.hypot(se_from_ci(0.25, 0.53), se_from_ci(0.24, 0.40))
    assert row["hr"].iloc[0] == pytest.approx(math.exp(te), rel=1e-9)
    assert row["ci_low"].iloc[0] == pytest.approx(math.exp(te - Z95 * se), rel=1e-6)
    assert row["ci_high"].iloc[0] == pytest.approx(math.exp(te + Z95 * se), rel=1e-6)
    assert round(row["hr"].iloc[0], 2) == 1.16
    assert (round(row["ci_low"].iloc[0], 2), round(row["ci_high"].iloc[0], 2)) == (0.74, 1.83)
    assert row["evidence"].iloc[0] == "indirect" and row["via"].iloc[0] == "placebo"
    assert set(row["trials"].iloc[0].split(";")) == {"REGOSARC", "PALETTE"}


def test_star_disconnected_and_ci_less_trials_are_said(ev) -> None:
    ic = indirect_comparisons(ev, Filters(histology="sts", line="second"))
    text = " ".join(ic.messages)
    assert "Inconsistency cannot be tested: each drug meets only its control" in text
    assert "APROMISS: the dacarbazine control is not connected" in text
    assert list(ic.not_analysed["trial"]) == ["ALTER0203"]
    components = {c.reference: c for c in ic.components}
    assert components["dacarbazine"].nodes == ("anlotinib", "dacarbazine")
    assert not ic.league[
        ic.league["treat1"].eq("anlotinib") & ic.league["treat2"].isin(["placebo", "regorafenib"])
    ].shape[0]
    edges = network_table(ic)
    assert set(zip(edges["treat1"], edges["treat2"], strict=True)) >= {
        ("placebo", "regorafenib"),
        ("pazopanib", "placebo"),
        ("anlotinib", "dacarbazine"),
    }
    assert (edges["n_studies"] == 1).all()
    table = league_table(ic)
    assert "Regorafenib vs placebo" in set(table["Comparison"])
    assert "Placebo vs regorafenib" not in set(table["Comparison"])


def test_first_line_comparisons_stay_in_their_own_networks(ev) -> None:
    ic = indirect_comparisons(ev, Filters(histology="sts", line="first"))
    assert {c.reference for c in ic.components} == {"placebo+epirubicin", "doxorubicin"}
    reasons = ic.not_analysed.set_index("trial")["reason"]
    assert reasons["EREMISS"].startswith("maintenance setting")
    assert len(ic.messages) == 2


def test_histology_matched_says_why_no_pair_can_be_formed(ev) -> None:
    matched = histology_matched(ev, Filters(line="second")).set_index("subtype")
    assert matched.at["Leiomyosarcoma", "evidence"] == "not estimable"
    assert (
        "ALTER0203 (anlotinib): hazard ratio without a usable CI"
        in matched.at["Leiomyosarcoma", "note"]
    )
    assert "dacarbazine control is not connected" in matched.at["Synovial sarcoma", "note"]


# --- transitivity ----------------------------------------------------------------------------


def test_transitivity_names_the_differences_that_matter(ev) -> None:
    table = transitivity_table(ev, Filters(histology="sts", line="second")).set_index("trial")
    assert table.at["REGOSARC", "control_median_pfs"] == pytest.approx(1.0)
    assert "different baseline risk" in table.at["REGOSARC", "differences"]
    assert "24% of patients had ASPS" in table.at["ALTER0203", "differences"]
    assert "active control (dacarbazine)" in table.at["APROMISS", "differences"]
    shown = transitivity_reader_table(table.reset_index())
    assert "Differences that matter" in shown.columns and len(shown) == len(table)
    lms = transitivity_table(ev, Filters(histology="lms", line="second")).set_index("trial")
    assert lms.at["ALTER0203", "subtype_share"] == "18% (41 of 233)"
    assert lms.at["REGOSARC", "subtype_share"] == "100% (a cohort of this subtype)"


# --- absolute effects ------------------------------------------------------------------------


def test_risk_difference_and_modelled_survival_math() -> None:
    rd, lo, hi = risk_difference(0.423, 52, 0.111, 27)
    se = math.sqrt(0.423 * 0.577 / 52 + 0.111 * 0.889 / 27)
    assert rd == pytest.approx(31.2)
    assert (lo, hi) == pytest.approx((31.2 - 100 * Z95 * se, 31.2 + 100 * Z95 * se))
    assert math.isnan(risk_difference(0.5, None, 0.2, 10)[1])
    s_c, s_e = modelled_survival(2.0, 2.0, 0.5)
    assert s_c == pytest.approx(0.5) and s_e == pytest.approx(math.sqrt(0.5))


def test_observed_landmarks_come_first_and_modelled_ones_are_labelled(ev) -> None:
    table = absolute_effects(ev, Filters(histology="synovial", line="second"))
    apromiss = table[table["trial"] == "APROMISS"].set_index(["kind", "months"])
    six = apromiss.loc[("observed", 6)]
    assert six["rd_per_100"] == pytest.approx(31.2) and six["nnt"] == pytest.approx(100 / 31.2)
    assert ("modelled", 6) not in apromiss.index  # observed wins
    three = apromiss.loc[("modelled", 3)]
    s_c = 2 ** (-3 / 1.64)
    assert three["rate_control"] == pytest.approx(s_c)
    assert three["rate_experimental"] == pytest.approx(s_c**0.449)
    assert apromiss["median_gain"].iloc[0] == pytest.approx(2.89 - 1.64)
    shown = absolute_table(table)
    assert set(shown["Basis"]) == {"observed in the trial", "modelled (exponential, HR)"}
    assert "4" in set(shown.loc[shown["Trial"] == "APROMISS", "Number needed to treat"])


def test_harm_needs_both_arms(ev) -> None:
    table = harms(ev, Filters(histology="sts", line="first")).set_index("term")
    fn = table.loc["Febrile neutropenia"]
    assert fn["trial"] == "EPAZ" and fn["rd_per_100"] == pytest.approx(0 - 100 * 4 / 39)
    assert math.isnan(fn["nnh"])  # fewer events on pazopanib: no number needed to harm
    palette = harms(ev, Filters(histology="sts", line="second"))
    assert set(palette["trial"]) == {"PALETTE"}


# --- certainty -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0.24, 0.40, "no concerns"),
        (0.85, 1.20, "no concerns"),
        (0.55, 1.36, "major concerns"),
        (0.60, 0.95, "some concerns"),
        (0.88, 10.9, "some concerns"),
    ],
)
def test_imprecision_against_the_clinical_range(lo: float, hi: float, expected: str) -> None:
    assert imprecision(lo, hi) == expected


def test_rating_drops_a_level_per_concern() -> None:
    assert rating({"a": "no concerns", "b": "not assessable"}) == "High"
    assert rating({"a": "some concerns"}) == "Moderate"
    assert rating({"a": "major concerns", "b": "some concerns"}) == "Very low"
    assert rating({"a": "major concerns", "b": "major concerns"}) == "Very low"


def test_certainty_in_a_star_network(ev) -> None:
    table = comparison_certainty(ev, Filters(histology="sts", line="second"))
    assert table["provisional"].all()
    assert set(table["incoherence"]) == {"not assessable"}
    row = table[(table["treat1"] == "pazopanib") & (table["treat2"] == "regorafenib")].iloc[0]
    assert row["imprecision"] == "major concerns" and row["rating"] == "Very low"
    unassessed = comparison_certainty(
        ev, Filters(histology="sts", line="second"), risk_of_bias=pd.DataFrame()
    )
    assert set(unassessed["within_study_bias"]) == {"not assessed"}
    shipped = table.set_index(["treat1", "treat2"]).at[("regorafenib", "placebo"), "reasons"]
    assert shipped.startswith("risk of bias") and "REGOSARC: " in shipped  # ev.risk_of_bias
    rob = pd.DataFrame({"trial": ["PALETTE"], "domain": ["overall"], "judgement": ["high"]})
    judged = comparison_certainty(ev, Filters(histology="sts", line="second"), risk_of_bias=rob)
    palette = judged[(judged["treat1"] == "pazopanib") & (judged["treat2"] == "placebo")].iloc[0]
    assert palette["within_study_bias"] == "major concerns" and palette["rating"] == "Low"
    shown = certainty_table(table)
    assert "Certainty (provisional)" in shown.columns
    by_outcome = pd.DataFrame(
        {
            "trial": ["REGOSARC", "REGOSARC", "PALETTE"],
            "outcome": ["all", "hr_os", "all"],
            "domain": ["overall"] * 3,
            "judgement": ["low", "high", "some_concerns"],
        }
    )
    pfs = comparison_certainty(
        ev, f := Filters(histology="sts", line="second"), risk_of_bias=by_outcome
    )
    rego = pfs[(pfs["treat1"] == "regorafenib") & (pfs["treat2"] == "placebo")].iloc[0]
    assert rego["within_study_bias"] == "no concerns"  # the PFS result takes the "all" row
    os_ic = indirect_comparisons(ev, f, outcome="hr_os")
    os_table = comparison_certainty(ev, f, os_ic, risk_of_bias=by_outcome)
    rego_os = os_table[(os_table["treat1"] == "regorafenib") & (os_table["treat2"] == "placebo")]
    assert rego_os["within_study_bias"].iloc[0] == "major concerns"


def test_an_os_comparison_resting_on_crossover_is_less_direct(ev) -> None:
    f = Filters(histology="sts", line="second")
    os_ic = indirect_comparisons(ev, f, outcome="hr_os")
    table = comparison_certainty(ev, f, os_ic).set_index(["treat1", "treat2"])
    assert table.at[("regorafenib", "placebo"), "indirectness"] == "some concerns"
    assert "crossed over" in table.at[("regorafenib", "placebo"), "reasons"]
    assert table.at[("pazopanib", "placebo"), "indirectness"] == "no concerns"  # no crossover


def test_drug_headlines_carry_the_certainty_of_their_own_comparison(ev) -> None:
    from tkidata.comparative import drug_headlines

    bone = drug_headlines(ev, Filters(histology="osteosarcoma", line="second")).set_index("drug")
    assert bone.at["regorafenib", "trial"] == "SARC024"
    assert bone.at["regorafenib", "certainty"] in ("High", "Moderate", "Low", "Very low")
    assert bone.at["apatinib", "status"] == "no_trial" and bone.at["apatinib", "certainty"] == ""
    lms = drug_headlines(ev, Filters(histology="lms", line="second")).set_index("drug")
    assert lms.at["anlotinib", "certainty_note"] == "not rated: the hazard ratio has no CI"
    first = drug_headlines(ev, Filters(histology="sts", line="first")).set_index("drug")
    assert first.at["regorafenib", "certainty_note"].startswith("not rated: maintenance")


def test_a_trial_without_an_hr_still_gives_its_observed_landmark(ev) -> None:
    table = absolute_effects(ev, Filters(histology="osteosarcoma", line="second"))
    regobone = table[table["trial"] == "REGOBONE"].iloc[0]
    assert regobone["week"] == 8 and regobone["kind"] == "observed"
    assert regobone["rd_per_100"] == pytest.approx(65.0)
    assert regobone["nnt"] == pytest.approx(100 / 65)
    assert "REGOBONE" not in set(
        randomised_evidence(ev, Filters(histology="osteosarcoma")).rows["trial"]
    )


def test_randomised_evidence_is_computed_once_per_evidence_and_patient() -> None:
    from tkidata.comparative.evidence import randomised_evidence
    from tkidata.store import user_studies as us

    ev = tkidata.load()
    lms = Filters(histology="lms", line="second")
    first = randomised_evidence(ev, lms)
    assert randomised_evidence(ev, lms) is first
    assert randomised_evidence(ev, Filters(histology="lms", line="first")) is not first
    # a session's what-if batch is another evidence: its own entry, the same trials
    upload = (
        "study_label,drug,histology,line,design,n,responders\n"
        "Mine,apatinib,lms,second,retrospective,20,3\n"
    )
    parsed = us.read_upload(upload.encode(), "mine.csv", ev.vocab)
    assert not parsed.problems
    other = us.with_user_studies(ev, parsed.studies)
    again = randomised_evidence(other, lms)
    assert again is not first
    pd.testing.assert_frame_equal(again.rows, first.rows)
