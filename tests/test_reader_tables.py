"""What readers see in tables: clinical words, percentages and months; never a code or "None".

Every chart's ``*_table`` as shown in the app's "Table" tabs (``report.view_tables.reader_table``)
and the published-vs-reproduced view are checked, built from the shipped data.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import tkidata
from report import charts
from report.view_tables import reader_table, reproduction_status, reproduction_view
from tkidata.analyses.presets import preset_comparison
from tkidata.analyses.sensitivity import egger_for, leave_one_out_pools, subgroup_pool
from tkidata.store.codes import DESIGNS, EXTRACTION_LEVELS, LINES, OUTCOMES

#: what must never appear as a whole cell or header: codes of the data model and placeholders
PLACEHOLDERS = {"None", "nan", "NaN", "<NA>", "NaT", "none"}
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def raw_codes(ev: tkidata.Evidence) -> set[str]:
    """Every code of the data model that a reader must never see as a cell."""
    subtypes = set(ev.vocab.histology["code"])
    return (
        set(OUTCOMES)
        | set(DESIGNS)
        | set(LINES)
        | set(EXTRACTION_LEVELS)
        | subtypes
        | {
            "sts",
            "3plus",
            "PFT",
            "PLO",
        }
    )


def assert_readable(table: pd.DataFrame, codes: set[str]) -> None:
    bad_headers = [c for c in table.columns if SNAKE.match(str(c)) or str(c) in codes]
    assert not bad_headers, f"code-like headers: {bad_headers}"
    for column in table.columns:
        for cell in table[column]:
            text = str(cell)
            assert text not in PLACEHOLDERS, f"placeholder {text!r} in {column!r}"
            assert text not in codes, f"raw code {text!r} in {column!r}"
            assert not SNAKE.match(text), f"snake_case code {text!r} in {column!r}"
            assert not re.fullmatch(r"0\.\d{3,}", text), f"bare fraction {text!r} in {column!r}"


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


@pytest.fixture(scope="module")
def chart_tables(ev: tkidata.Evidence) -> dict[str, pd.DataFrame]:
    f, m = tkidata.Filters(), tkidata.Method.preset("reference")
    compare = tkidata.compare(ev, f, m)
    ae3 = {d: tkidata.pool_adverse_events(ev, d, f, m) for d in ev.vocab.tki_drugs}
    ae_any = {d: tkidata.pool_adverse_events(ev, d, f, m, grade="any") for d in ev.vocab.tki_drugs}
    orr = tkidata.pool_outcome(ev, "anlotinib", "orr", f, m)
    pfs = tkidata.pool_outcome(ev, "apatinib", "pfs_median", f, m)
    info = charts.study_info_from_rows(orr.selection.rows)
    presets = preset_comparison(ev, f).assign(preset=lambda t: t["preset"])
    return {
        "comparison": charts.comparison_table(compare),
        "ae_panel": charts.ae_panel_table(ae3),
        "ae_matrix": charts.ae_panel_matrix(ae3),
        "safety": charts.safety_table(ae_any, ae3),
        "hazard_ratio": charts.hazard_ratio_table(tkidata.hazard_ratios(ev, f)),
        "forest": charts.forest_table(orr.pool, drug="anlotinib", outcome="orr", study_info=info),
        "forest_median": charts.forest_table(pfs.pool, drug="apatinib", outcome="pfs_median"),
        "subgroups": charts.subgroup_forest_table(
            subgroup_pool(ev, orr, "line"), drug="anlotinib", outcome="orr", study_info=info
        ),
        "leave_one_out": charts.leave_one_out_table(
            leave_one_out_pools(orr), orr.pool, drug="anlotinib", outcome="orr", study_info=info
        ),
        "funnel": charts.funnel_table(egger_for(orr), orr.pool, drug="anlotinib"),
        "presets": charts.preset_table(presets),
    }


@pytest.mark.parametrize(
    "name",
    [
        "comparison",
        "ae_panel",
        "ae_matrix",
        "safety",
        "hazard_ratio",
        "forest",
        "forest_median",
        "subgroups",
        "leave_one_out",
        "funnel",
        "presets",
    ],
)
def test_every_chart_table_reads_in_clinical_words(
    name: str, chart_tables: dict[str, pd.DataFrame], ev: tkidata.Evidence
) -> None:
    shown = reader_table(chart_tables[name])
    assert len(shown) == len(chart_tables[name]), "a reader table drops no row"
    assert_readable(shown, raw_codes(ev))


def test_reader_table_shows_percentages_and_months(chart_tables) -> None:
    comparison = reader_table(chart_tables["comparison"])
    assert "Outcome code" not in comparison.columns and "Outcome" in comparison.columns
    assert comparison["Estimate (95% CI)"].str.contains(r"%|mo|no study reports it").all()
    median = reader_table(chart_tables["forest_median"])
    assert median["Estimate (95% CI)"].str.contains("mo").any()


def test_reproduction_reads_as_partial_and_puts_k_zero_rows_last(ev) -> None:
    view = reproduction_view(tkidata.reproduction_table(ev))
    k = view["_k"].tolist()
    assert k[0] > 0 and k == sorted(k, key=lambda v: v == 0)
    held = view[view["_k"] > 0]
    assert held["Reproduction"].str.match(r"^(Partial|Full) reproduction").all()
    # the source's own words (where published, which studies are missing) are free text
    words = view.drop(columns=["_k", "_share", "Studies missing here", "Where published"])
    assert_readable(words, raw_codes(ev))


@pytest.mark.parametrize(
    ("k_here", "k_published", "expected"),
    [
        (8, 16, "Partial reproduction: we hold 8 of the 16 studies"),
        (16, 16, "Full reproduction: all 16 studies"),
        (0, 16, "Not reproduced: we hold none of its studies for this result"),
        (1, None, "Partial reproduction: we hold 1 of its studies (the paper does not state k)"),
    ],
)
def test_reproduction_status_says_how_many_studies_we_hold(k_here, k_published, expected):
    assert reproduction_status(k_here, k_published) == expected


def test_divergence_is_defined_on_what_a_clinician_reads(ev) -> None:
    table = preset_comparison(ev, tkidata.Filters())
    wide_ci = table[table["ci_spread_pp"] > 5.0]
    assert len(wide_ci), "the shipped data has a quantity whose CI moves with the preset"
    assert wide_ci["flag"].str.contains("95% CI limits differ").all()
    # a CI from about 0% to over 80% under one preset cannot pass as "no divergence"
    rego = table[(table["drug"] == "regorafenib") & (table["quantity"] == "ORR")]
    if (rego["ci_ub"] - rego["ci_lb"]).max() > 0.6:
        assert rego["flag"].ne("").all()
