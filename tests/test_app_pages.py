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
PAGES = ("compare", "forest", "safety", "evidence", "methods")
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
    table = next(df.value for df in at.dataframe if "reproduced" in df.value.columns)
    li_orr = table[(table["source_id"] == "li2025") & (table["label"] == "ORR")].iloc[0]
    assert li_orr["published"] == "8.8%"  # Li 2025 headline ORR, as a percentage
    assert li_orr["difference"].endswith(" pp")
    mpfs = table[(table["source_id"] == "li2025") & (table["label"] == "median PFS")].iloc[0]
    assert mpfs["published"] == "6.68 mo"
