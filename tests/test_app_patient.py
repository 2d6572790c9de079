"""AppTest: Compare's first screen answers one patient's question (tiers, N, unpooled medians,
drill-down rows that make each number)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import tkidata
from tkidata.patient.tiers import number_text, patient_summary, tiered_outcome
from tkidata.wording import TIER_WORDS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
REF = tkidata.Method.preset("reference")
PATIENTS = (
    {"histology": "lms", "line": "second"},
    {"histology": "osteosarcoma", "line": "second"},
    {"histology": "synovial", "line": "second"},
    {"histology": "all", "line": "any"},
)
LABELS = {"anlotinib": "Anlotinib", "apatinib": "Apatinib", "regorafenib": "Regorafenib"}
LABELS["pazopanib"] = "Pazopanib"


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def compare(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/compare.py")
    return at.run()


def cards(at: AppTest) -> dict[str, str]:
    """Drug label → the text of its first-screen card."""
    out = {}
    for md in at.markdown:
        text = str(md.value)
        match = re.search(r"aria-label='([A-Za-z]+)'", text)
        if "tki-card" in text and match:
            out[match.group(1)] = text
    return out


def drill_frames(at: AppTest) -> list[pd.DataFrame]:
    return [
        d.value
        for d in at.dataframe
        if {"Citation", "Design", "Line enrolled", "DOI"} <= set(d.value.columns)
    ]


@pytest.mark.parametrize("params", PATIENTS, ids=lambda p: f"{p['histology']}-{p['line']}")
def test_first_screen_shows_each_drug_with_tier_n_and_certainty(ev, params) -> None:
    at = compare(params)
    assert not at.exception, at.exception
    f = tkidata.Filters(histology=params["histology"], line=params["line"])
    shown = cards(at)
    assert set(shown) == set(LABELS.values())
    for summary in patient_summary(ev, f, REF):
        card = shown[LABELS[summary.drug]]
        assert "ORR" in card and ("Median PFS" in card or "PFS-6" in card)
        assert "Grade ≥3 adverse events" in card
        assert "Designs behind these numbers" in card
        for number in (summary.numbers["orr"], summary.pfs):
            est, _ = number_text(number)
            if not number.has_evidence:
                assert "no study reports it for this patient" in card
                continue
            assert est in card
            assert TIER_WORDS[number.tier] in card
            assert f"Certainty: <b>{number.certainty.level}</b>" in card
            assert "provisional, computed" in card
            if number.has_number and number.result.n_patients:
                assert f"N = {number.result.n_patients:,}" in card
        for _, row in summary.adverse_events.top(3).iterrows():
            assert f"N = {int(row['n']):,}" in card
    warning = " ".join(str(w.value) for w in at.warning)
    assert "cross-trial" in warning


def test_second_line_leiomyosarcoma_gets_evidence_in_more_columns(ev) -> None:
    at = compare({"histology": "lms", "line": "second"})
    shown = cards(at)
    with_numbers = [d for d, text in shown.items() if "tki-value'>—" not in text.split("ORR")[1]]
    assert len(with_numbers) >= 2, shown.keys()
    reg = shown["Regorafenib"]
    assert "Median PFS" in reg and "tki-value'>—" not in reg.split("Median PFS")[1][:80]


def test_unpooled_medians_are_listed_not_dropped(ev) -> None:
    at = compare({"histology": "lms", "line": "second"})
    shown = cards(at)
    f = tkidata.Filters(histology="lms", line="second")
    for summary in patient_summary(ev, f, REF):
        number = summary.numbers["pfs_median"]
        if number.result is None or number.result.unpooled.empty:
            continue
        card = shown[LABELS[summary.drug]]
        if number.has_number:
            assert "Also reported, not pooled" in card
        else:
            assert "reported without a CI: not pooled" in card


@pytest.mark.parametrize("params", PATIENTS[:2], ids=lambda p: p["histology"])
def test_drill_down_rows_are_the_rows_that_make_each_number(ev, params) -> None:
    at = compare(params)
    f = tkidata.Filters(histology=params["histology"], line=params["line"])
    frames = iter(drill_frames(at))
    for summary in patient_summary(ev, f, REF):
        for number in (summary.numbers["orr"], summary.pfs):
            if not number.has_number:
                continue
            frame = next(frames)
            rows = number.pooled_rows()
            assert len(frame) == number.result.k == len(rows)
            assert list(frame.columns[:5]) == [
                "Study",
                "Citation",
                "Design",
                "Line enrolled",
                "DOI",
            ]
            known = frame["n"].dropna()
            if not number.result.n_unknown:
                assert int(known.sum()) == number.result.n_patients or number.months
            if number.outcome in ("orr", "dcr"):
                expected = [
                    f"{int(e)}/{int(n)}" for e, n in zip(rows["events"], rows["n"], strict=True)
                ]
                assert list(frame["Reported"]) == expected
        if not summary.adverse_events.table.empty:
            next(frames)


def test_direct_evidence_only_switch_narrows_to_tier_one(ev) -> None:
    at = compare({"histology": "lms", "line": "second", "direct": "yes"})
    assert not at.exception, at.exception
    for text in cards(at).values():
        assert "Histology group" not in text and "All sarcoma" not in text


def test_forest_left_out_list_names_every_median_without_a_ci(ev) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["drug"] = "apatinib"
    at.query_params["outcome"] = "pfs_median"
    at.switch_page("pages/forest.py")
    at.run()
    assert not at.exception, at.exception
    res = tkidata.pool_outcome(ev, "apatinib", "pfs_median", tkidata.Filters(), REF)
    no_ci = res.unpooled[res.unpooled["reason"] == "no confidence interval"]
    assert len(no_ci) > 0
    left = [d.value for d in at.dataframe if "Why" in d.value.columns]
    assert left, "the forest page shows no left-out list"
    why = left[0].set_index("Study")["Why"]
    for label in no_ci["label"]:
        assert "without a confidence interval" in why[label]


def test_a_number_opened_in_evidence_shows_the_rows_that_made_it(ev) -> None:
    f = tkidata.Filters(histology="lms", line="second")
    number = tiered_outcome(ev, "anlotinib", "orr", f, REF)
    assert number.has_number
    at = AppTest.from_file(APP, default_timeout=120)
    params = {
        "histology": "lms",
        "line": "second",
        "studies": ",".join(number.result.study_ids),
        "number": "anlotinib:orr",
    }
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/evidence.py")
    at.run()
    assert not at.exception, at.exception
    est, ci = number_text(number)
    shown = " ".join(str(m.value) for m in at.markdown)
    assert f"The rows behind Anlotinib ORR: {est}** ({ci})" in shown
    frame = next(d.value for d in at.dataframe if "Reported" in d.value.columns)
    rows = number.pooled_rows()
    assert list(frame["Reported"]) == [
        f"{int(e)}/{int(n)}" for e, n in zip(rows["events"], rows["n"], strict=True)
    ]
    assert list(frame.columns[:5]) == ["Study", "Citation", "Design", "Line enrolled", "DOI"]


def test_the_sidebar_switch_for_quoted_figures_pools_them_as_the_cli_does(ev) -> None:
    # apatinib osteosarcoma: liu2020_apa (105 patients) is known only from another paper's
    # discussion; left out by default, pooled when the reader includes quoted figures
    patient = {"histology": "osteosarcoma", "line": "any"}
    quoted = tkidata.Filters(histology="osteosarcoma", include_quoted=True)
    default = tkidata.Filters(histology="osteosarcoma")
    shown = []
    for params, f in ((patient, default), ({**patient, "quoted": "yes"}, quoted)):
        at = compare(params)
        assert not at.exception
        number = tiered_outcome(ev, "apatinib", "orr", f, REF)
        est, ci = number_text(number)
        card = cards(at)["Apatinib"]
        assert est in card and ci in card, (params, card)
        shown.append((est, number.result.k))
    assert shown[0] != shown[1] and shown[1][1] == shown[0][1] + 1, shown
    with_quoted = tiered_outcome(ev, "apatinib", "orr", quoted, REF).result.selection
    assert "liu2020_apa" in {r["study_id"] for r in with_quoted.records}
    assert at.radio(key="filter_quoted").value == "yes"
    assert any("figures quoted by another paper" in str(c.value) for c in at.caption)
