"""The Forest page's Cumulative and Meta-regression tabs (AppTest), and their numbers against
``python -m core`` run in-process on the same rows written to CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import tkidata
from core.cli import main as core_main
from tkidata.living import trends
from tkidata.wording import format_value

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DRUG, OUTCOME = "pazopanib", "orr"


@pytest.fixture(scope="module")
def forest() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["drug"] = DRUG
    at.query_params["outcome"] = OUTCOME
    at.switch_page("pages/forest.py")
    return at.run()


@pytest.fixture(scope="module")
def pooled() -> tuple[tkidata.OutcomeResult, object]:
    ev = tkidata.load()
    result = tkidata.pool_outcome(
        ev, DRUG, OUTCOME, tkidata.Filters(), tkidata.Method.preset("reference")
    )
    return result, trends.study_rows(result, ev.studies)


def _core(tmp_path: Path, rows: object, capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)  # type: ignore[attr-defined]
    capsys.readouterr()
    assert core_main([argv[0], str(path), *argv[1:], "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _tab(at: AppTest, label: str) -> object:
    return next(t for t in at.tabs if t.label == label)


def test_cumulative_tab_equals_the_core_cli(
    forest: AppTest, pooled: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not forest.exception, forest.exception
    result, rows = pooled
    out = _core(
        tmp_path,
        rows[["study", "events", "n", "year"]],
        capsys,
        "pool",
        "--measure",
        "PFT",
        "--tau2",
        "DL",
        "--cumulative",
        "year",
    )
    steps = out["cumulative"]
    cum = trends.cumulative_pool(result, rows)
    assert [s.label for s in cum.steps] == [s["study"] for s in steps]
    for mine, cli in zip(cum.steps, steps, strict=True):
        assert mine.est == pytest.approx(cli["estimate"], abs=1e-12)
        assert mine.ci_lb == pytest.approx(cli["ci_low"], abs=1e-12)
        assert mine.ci_ub == pytest.approx(cli["ci_high"], abs=1e-12)
    years = [s["study"] for s in steps]
    assert years[0] == rows.sort_values("year", kind="stable")["study"].iloc[0]
    assert steps[-1]["estimate"] == pytest.approx(result.pool.random.est, abs=1e-12)
    shown = _tab(forest, "Cumulative").dataframe[0].value
    assert len(shown) == len(steps)
    shown_text = "\n".join(shown.astype(str).agg(" ".join, axis=1))
    for step in steps:
        assert format_value(step["estimate"]) in shown_text


def test_metaregression_tab_equals_the_core_cli(
    forest: AppTest, pooled: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result, rows = pooled
    forest.selectbox(key="forest_moderator").set_value("design").run()
    assert not forest.exception, forest.exception
    out = _core(
        tmp_path,
        rows[["study", "events", "n", "design"]],
        capsys,
        "metareg",
        "--measure",
        "PFT",
        "--tau2",
        "DL",
        "--mods",
        "design",
    )
    tab = _tab(forest, "Meta-regression")
    coefficients = next(d.value for d in tab.dataframe if "Coefficient" in d.value.columns)
    assert list(coefficients["Coefficient"]) == [c["name"] for c in out["coefficients"]]
    for shown, cli in zip(coefficients["Estimate"], out["coefficients"], strict=True):
        assert shown == pytest.approx(cli["estimate"], abs=5e-5)
    said = "\n".join(m.value for m in tab.markdown)
    assert f"**QM** = {out['qm']:.2f}" in said
    assert f"R²** {out['r2']:.0f}%" in said
    assert "Predicted for the patient's profile" in said
    reg = trends.regression(result, rows, "design")
    assert reg.fit.tau2 == pytest.approx(out["tau2"], abs=1e-12)
    assert (
        reg.permutation.qm_pvalue == trends.regression(result, rows, "design").permutation.qm_pvalue
    )


def test_guardrails_say_low_power_and_study_level_share(forest: AppTest) -> None:
    forest.selectbox(key="forest_moderator").set_value("share_bone").run()
    assert not forest.exception, forest.exception
    warned = " ".join(w.value for w in _tab(forest, "Meta-regression").warning)
    assert "not patient-level effect modification" in warned
    forest.selectbox(key="forest_moderator").set_value("dose_mg").run()
    tab = _tab(forest, "Meta-regression")
    warned = " ".join(w.value for w in tab.warning)
    assert "Fewer than 10 studies" in warned and "low power" in warned
    assert any("No regression on this moderator" in i.value for i in tab.info)


def test_dose_is_parsed_where_stated() -> None:
    assert trends.dose_mg("800 mg once daily continuous") == 800.0
    assert trends.dose_mg("12 mg d1-14 q21d") == 12.0
    assert trends.dose_mg("750 mg/m2 orally") == 750.0
    assert trends.dose_mg("standard dose") is None
    assert trends.dose_mg(None) is None
