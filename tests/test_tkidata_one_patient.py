"""The patient's tiered selection as every page takes it (tkidata.patient.tiers, issue 24)."""

from __future__ import annotations

import pytest

import tkidata
from tkidata.analyses.evidence_table import evidence_table, with_patient_arms
from tkidata.analyses.presets import preset_comparison
from tkidata.patient.tiers import (
    adverse_events_at_tier,
    outcome_at_tiers,
    patient_summary,
    patient_tiers,
    tier_filters,
    tier_headline,
    tiered_arms,
    tiered_compare,
    tiered_outcome,
)
from tkidata.store.validate import split_list

REF = tkidata.Method.preset("reference")
LMS = tkidata.Filters(histology="lms", line="second")


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def test_ladders_and_their_filters(ev) -> None:
    assert patient_tiers(ev, LMS) == ("direct", "group", "all")
    assert patient_tiers(ev, LMS, direct_only=True) == ("direct",)
    assert patient_tiers(ev, LMS.replace(histology="bone")) == ("direct", "all")
    group = tier_filters(ev, LMS, "group")
    assert (group.histology, group.enrolled, group.line) == ("sts", "lms", "second")
    with pytest.raises(ValueError, match="not a step"):
        tier_filters(ev, LMS.replace(histology="sts"), "group")


def test_tier_headline_names_the_tier_for_the_patient(ev) -> None:
    assert tier_headline(ev, "group", "lms") == (
        "Histology group: soft-tissue sarcoma studies, leiomyosarcoma not reported separately"
    )
    assert tier_headline(ev, "all", "osteosarcoma").startswith("All sarcoma: bone and soft")
    assert tier_headline(ev, "direct", "bone") == "Direct evidence: bone sarcoma studies"
    assert tier_headline(ev, None, "lms") == "No study reports it for this patient"


@pytest.mark.parametrize("histology", ("lms", "osteosarcoma", "synovial", "ups"))
def test_the_answering_tier_is_one_of_the_pools_at_every_tier(ev, histology) -> None:
    f = LMS.replace(histology=histology)
    for drug in ev.vocab.tki_drugs:
        answer = tiered_outcome(ev, drug, "orr", f, REF)
        at_tiers = dict(outcome_at_tiers(ev, drug, "orr", f, REF))
        assert tuple(at_tiers) == patient_tiers(ev, f)
        assert tuple((t, r.k) for t, r in at_tiers.items())[: len(answer.tried)] == answer.tried
        if answer.has_number:
            pool = at_tiers[answer.tier]
            assert (pool.k, pool.n_patients, pool.estimate) == (
                answer.result.k,
                answer.result.n_patients,
                answer.result.estimate,
            )


def test_adverse_events_at_the_cards_tier_are_the_cards(ev) -> None:
    for summary in patient_summary(ev, LMS, REF):
        ae = summary.adverse_events
        if ae.tier is None:
            continue
        again = adverse_events_at_tier(ev, summary.drug, LMS, REF, ae.tier)
        assert again.tier == ae.tier
        assert list(again.table["term"]) == list(ae.table["term"])
        assert list(again.table["est"]) == list(ae.table["est"])


def test_tiered_arms_are_every_arm_behind_a_tiered_number(ev) -> None:
    table = tiered_compare(ev, LMS, REF)
    summaries = patient_summary(ev, LMS, REF)
    arms = tiered_arms(ev, table, summaries)
    behind = {s for cell in table.loc[table["k"] > 0, "study_ids"] for s in split_list(cell)}
    behind |= {
        s for x in summaries for cell in x.adverse_events.table["studies"] for s in split_list(cell)
    }
    assert set(arms["study_id"]) == behind
    serves = dict(zip(arms["study_id"], arms["serves"], strict=True))
    pazopanib = next(x for x in summaries if x.drug == "pazopanib").numbers["orr"]
    assert pazopanib.tier == "group"
    for sid in pazopanib.result.study_ids:
        assert "ORR" in serves[sid] and "histology group" in serves[sid], serves[sid]
    marked = with_patient_arms(evidence_table(ev, LMS), arms)
    assert set(marked.loc[marked["enters_pools"], "study_id"]) == behind
    assert list(marked.columns).index("serves") == list(marked.columns).index("enters_pools") + 1


def test_presets_side_by_side_pool_at_the_patients_tier(ev) -> None:
    """Methods' presets table: the reference preset's numbers are the cards' numbers."""
    f = LMS.replace(histology="osteosarcoma")
    table = preset_comparison(ev, f, tiered=True).set_index(["drug", "quantity", "preset"])
    for summary in patient_summary(ev, f, REF):
        orr = summary.numbers["orr"]
        row = table.loc[(summary.drug, "ORR", "reference")]
        assert row["k"] == (orr.result.k if orr.has_number else 0)
        if orr.has_number:
            assert row["est"] == pytest.approx(orr.result.estimate[0], rel=1e-12)
        for _, term in summary.adverse_events.top().iterrows():
            ae = table.loc[(summary.drug, f"Grade ≥3 {term['term']}", "reference")]
            assert ae["est"] == pytest.approx(term["est"], rel=1e-12)
