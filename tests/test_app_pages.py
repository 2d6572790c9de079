"""Streamlit AppTest: every page renders on default filters, on filters matching nothing and on
a deep link; filters live in the URL; Compare shows what ``python -m tkidata pool`` computes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tkidata.wording import format_value

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = ("compare", "head_to_head", "forest", "safety", "evidence", "methods")
#: a combination no curated study matches (first-line chordoma, no mixed-line studies)
NOTHING = {"histology": "chordoma", "line": "first", "mixed": "no"}


def run_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    return at.run()


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "success", "title")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_default_filters(page: str) -> None:
    at = run_page(page)
    assert not at.exception, at.exception
    assert at.title, "every page has a title"


@pytest.mark.parametrize("page", ("compare", "forest", "safety"))
def test_empty_state_when_nothing_matches(page: str) -> None:
    at = run_page(page, NOTHING)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "No " in shown and "try" in shown, shown


def test_deep_link_seeds_filters_and_method() -> None:
    params = {"histology": "bone", "line": "second", "preset": "metafor", "drug": "apatinib"}
    at = run_page("forest", params)
    assert not at.exception, at.exception
    assert at.selectbox(key="filter_histology").value == "bone"
    assert at.selectbox(key="filter_line").value == "second"
    assert at.radio(key="filter_preset").value == "metafor"
    assert at.selectbox(key="filter_transform").value == "PLO"  # the preset's settings
    assert at.selectbox(key="drug").value == "apatinib"
    assert "Bone sarcoma (all) · second line" in texts(at)


def test_unknown_url_value_falls_back_with_a_notice() -> None:
    at = run_page("compare", {"histology": "martian", "line": "second"})
    assert not at.exception, at.exception
    assert any("martian" in i.value for i in at.info)
    assert at.selectbox(key="filter_histology").value == "all"
    assert at.selectbox(key="filter_line").value == "second"
    assert at.query_params.get("histology") is None  # dropped from the URL


def _cli_orr(drug: str, population: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tkidata",
            "pool",
            "--drug",
            drug,
            "--outcome",
            "orr",
            "--population",
            population,
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return format_value(json.loads(out.stdout)["random"]["estimate"])


def test_filter_change_updates_numbers_url_and_matches_the_cli() -> None:
    at = run_page("compare")
    assert not at.exception, at.exception
    before = [m.value for m in at.metric if m.label == "ORR"]
    assert before[0] == _cli_orr("anlotinib", "all")
    at.selectbox(key="filter_histology").select("sts").run()
    assert not at.exception, at.exception
    after = [m.value for m in at.metric if m.label == "ORR"]
    assert after != before
    assert after[0] == _cli_orr("anlotinib", "sts")
    assert at.query_params["histology"] == "sts"


def test_preset_change_resets_settings_and_changes_numbers() -> None:
    at = run_page("compare")
    before = [m.value for m in at.metric]
    at.radio(key="filter_preset").set_value("meta").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="filter_transform").value == "GLMM"
    assert at.query_params["preset"] == "meta"
    assert [m.value for m in at.metric] != before


def test_evidence_page_prefilters_to_requested_studies() -> None:
    at = run_page("evidence", {"studies": "chi2018,li2024"})
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    assert sorted(frame["study_id"]) == ["chi2018", "li2024"]
    assert any("2 studies" in i.value for i in at.info)


def test_methods_page_shows_published_vs_reproduced_in_clinical_units() -> None:
    at = run_page("methods")
    assert not at.exception
    table = next(df.value for df in at.dataframe if "Reproduced here" in df.value.columns)
    # what we reproduce comes first; nothing with k = 0 here is in this table
    assert not table["Reproduction"].str.startswith("Not reproduced").any()
    li_orr = table[(table["Source"] == "li2025") & (table["Quantity"] == "ORR")].iloc[0]
    assert li_orr["Published"] == "8.8% (6.2–11.7)"  # Li 2025 headline ORR, as a percentage
    assert li_orr["Difference"].endswith(" points")
    assert li_orr["Reproduction"].startswith("Partial reproduction: we hold ")
    assert li_orr["Reproduction"].endswith(" of the 16 studies")
    mpfs = table[(table["Source"] == "li2025") & (table["Quantity"] == "Median PFS")].iloc[0]
    assert mpfs["Published"].endswith(" mo") and mpfs["Published"].startswith("6.7")
    assert any("k = 0 here" in e.label for e in at.expander)


def test_divergence_message_matches_what_a_clinician_reads() -> None:
    at = run_page("methods")
    shown = texts(at)
    # regorafenib ORR's CI changes from preset to preset: never "no divergence"
    assert "No divergence" not in shown
    assert any("95% CI limits differ" in w.value for w in at.warning)


def test_a_setting_changed_by_hand_moves_the_preset_radio_and_keeps_the_panel() -> None:
    at = run_page("compare")
    assert at.radio(key="filter_preset").value == "reference"
    labels = [e.label for e in at.sidebar.expander]
    at.selectbox(key="filter_tau2").select("REML").run()
    assert not at.exception, at.exception
    assert at.radio(key="filter_preset").value == "custom"
    assert at.query_params["preset"] == "custom" and at.query_params["tau2"] == "REML"
    # same label and key: Streamlit keeps the settings panel as the reader left it
    assert [e.label for e in at.sidebar.expander] == labels == ["Adjust settings"]
    at.selectbox(key="filter_tau2").select("DL").run()
    assert at.radio(key="filter_preset").value == "reference"


def test_a_custom_link_keeps_its_settings() -> None:
    at = run_page("forest", {"preset": "custom", "tau2": "PM", "transform": "PLO"})
    assert not at.exception, at.exception
    assert at.radio(key="filter_preset").value == "custom"
    assert at.selectbox(key="filter_tau2").value == "PM"
    assert at.selectbox(key="filter_transform").value == "PLO"


@pytest.mark.parametrize("params", ({}, {"histology": "lms", "line": "second"}))
@pytest.mark.parametrize("page", ("compare", "head_to_head", "forest", "safety", "methods"))
def test_every_chart_a_page_draws_is_valid_vega_lite(page: str, params: dict[str, str]) -> None:
    # pages serialise their charts unvalidated (ui.cache.VegaLite.of): the check is here
    from altair.vegalite.v6.schema.core import Root

    at = run_page(page, params)
    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    assert specs or page in ("methods", "head_to_head"), f"{page} drew no chart"
    for spec in specs:
        Root.validate(spec)
