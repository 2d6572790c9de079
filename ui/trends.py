"""The Forest page's Cumulative and Meta-regression tabs (layout only; the analyses are
:mod:`tkidata.living.trends`, the charts :mod:`report.charts.cumulative_plot` and
``bubble_plot``)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from report import charts
from tkidata.analyses.method import Method
from tkidata.analyses.pooling import OutcomeResult
from tkidata.living.trends import (
    LOW_POWER_K,
    MODERATORS,
    PERMUTATIONS,
    SEED,
    cumulative_pool,
    moderator_words,
    regression,
    study_rows,
)
from tkidata.patient.filters import Filters
from tkidata.wording import format_ci, format_interval, format_pvalue
from ui import cache, render


def _rows(result: OutcomeResult) -> pd.DataFrame:
    key = (
        "trend_rows",
        result.drug,
        result.outcome,
        result.timepoint,
        result.filters,
        result.method,
    )
    return cache.view_part(key, lambda: study_rows(result, cache.evidence().studies))


def cumulative_tab(result: OutcomeResult, f: Filters, m: Method) -> None:
    """Studies in order of publication year, the pooled estimate and CI after each."""
    rows = _rows(result)
    if len(rows) < 2:
        st.info(
            "A cumulative meta-analysis needs a pooled proportion from at least 2 studies "
            "(medians are pooled on the month scale and are not shown here).",
            icon=":material/info:",
        )
        return
    key = (result.drug, result.outcome, result.timepoint)
    cum = cache.view_part(("cumulative", *key, f, m), lambda: cumulative_pool(result, rows))
    draw = partial(
        charts.cumulative_chart,
        cum,
        rows,
        drug=result.drug,
        outcome=result.outcome,
        timepoint=result.timepoint,
    )
    view = cache.chart_view(
        ("forest_cumulative", *key),
        f,
        m,
        lambda: (draw(), charts.cumulative_table(cum, rows, drug=result.drug), draw(narrow=True)),
    )
    render.view_with_table(
        view,
        key="forest_cumulative",
        caption="Each row pools the studies above it and the one it adds (same method as the "
        "forest plot; ties in year keep the forest plot's order). The last row is the full pool.",
    )


def _coefficients(reg: object) -> pd.DataFrame:
    fit = reg.fit  # type: ignore[attr-defined]
    perm = reg.permutation  # type: ignore[attr-defined]
    return pd.DataFrame(
        [
            {
                "Coefficient": c.name,
                "Estimate": round(c.estimate, 4),
                "SE": round(c.se, 4),
                "95% CI": f"{c.ci_lb:.4f} to {c.ci_ub:.4f}",
                "p": format_pvalue(c.pvalue),
                "Permutation p": format_pvalue(p),
            }
            for c, p in zip(fit.coefficients, perm.pvalues, strict=True)
        ]
    )


def metareg_tab(result: OutcomeResult, f: Filters, m: Method) -> None:
    """One moderator: bubble plot, coefficients, QM, R², permutation p, the prediction for the
    patient's profile, and the guardrails that apply."""
    rows = _rows(result)
    if len(rows) < 3:
        st.info(
            "A meta-regression needs a pooled proportion from at least 3 studies.",
            icon=":material/info:",
        )
        return
    pick, _ = st.columns([1, 2])
    moderator = pick.selectbox(
        "Moderator", tuple(MODERATORS), format_func=MODERATORS.get, key="forest_moderator"
    )
    key = (result.drug, result.outcome, result.timepoint, moderator)
    reg = cache.view_part(("metareg", *key, f, m), lambda: regression(result, rows, moderator))
    for line in reg.guardrails:
        st.warning(line, icon=":material/warning:")
    if reg.fit is None:
        st.info(f"No regression on this moderator: {reg.refusal}.", icon=":material/info:")
        return
    draw = partial(
        charts.bubble_chart,
        reg,
        drug=result.drug,
        outcome=result.outcome,
        timepoint=result.timepoint,
    )
    view = cache.chart_view(
        ("forest_bubble", *key),
        f,
        m,
        lambda: (draw(), charts.bubble_table(reg, drug=result.drug), draw(narrow=True)),
    )
    render.view_with_table(view, key="forest_bubble")
    fit, perm = reg.fit, reg.permutation
    r2 = "not estimable" if fit.r2 is None else f"{fit.r2:.0f}%"
    test = "F" if fit.test == "knha" else "χ²"
    st.markdown(
        f"**QM** = {fit.qm:.2f} ({test}, df {fit.qm_df}), {format_pvalue(fit.qm_pvalue)} · "
        f"**permutation** {format_pvalue(perm.qm_pvalue)} ({perm.iterations} "
        f"{'exact permutations' if perm.exact else f'permutations, seed {SEED}'}) · "
        f"**R²** {r2} · residual I² {fit.i2:.0f}% · k = {fit.k}"
    )
    st.dataframe(_coefficients(reg), hide_index=True, key="forest_coefficients")
    pred = reg.prediction.proportion
    pi = (
        f"; prediction interval {format_ci(pred.pi_lb, pred.pi_ub)}"
        if pred.pi_lb is not None
        else "; no prediction interval (too few studies)"
    )
    st.markdown(
        f"**Predicted for the patient's profile** ({MODERATORS[moderator].lower()} = "
        f"{moderator_words(moderator, reg.profile['value'])}, {reg.profile['why']}): "
        f"{format_interval(pred.est, pred.ci_lb, pred.ci_ub)}{pi}."
    )
    st.caption(
        f"Mixed-effects meta-regression ({m.describe()}); coefficients on the analysis scale. "
        f"Fewer than {LOW_POWER_K} studies per moderator: low power. Permutation p-values from "
        f"{PERMUTATIONS} seeded permutations (Higgins & Thompson 2004) guard against chance "
        "findings when many moderators are tried."
    )
