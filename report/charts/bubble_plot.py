"""Meta-regression bubble plot: each study's proportion against one moderator, bubble area
proportional to its random-effects weight, with the regression line and its 95% CI band
(metafor ``regplot()``; Thompson & Higgins 2002)."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from report.charts.style import configure, drug_colour
from report.colors import drug_label
from tkidata.living.trends import MODERATORS, moderator_words
from tkidata.wording import format_interval, outcome_label

WIDTH, NARROW_WIDTH = 420, 230
GRID = 41


def _numeric(reg: Any) -> bool:
    return pd.api.types.is_numeric_dtype(reg.rows[reg.moderator])


def bubble_table(reg: Any, *, drug: str) -> pd.DataFrame:
    """Rows drawn by :func:`bubble_chart`: ``kind == "study"`` (``label``, moderator value
    ``x``, ``proportion``, ``weight`` %) and ``kind == "fit"`` (the predicted proportion
    ``est``, ``ci_lb``, ``ci_ub`` on a grid of a numeric moderator, or at each level)."""
    fit, name = reg.fit, reg.moderator
    studies = pd.DataFrame(
        [
            {
                "kind": "study",
                "label": s.label,
                "x": s.moderators[name],
                "x_words": moderator_words(name, s.moderators[name]),
                "proportion": s.proportion,
                "weight": s.weight,
            }
            for s in fit.studies
        ]
    )
    if _numeric(reg):
        lo, hi = float(studies["x"].min()), float(studies["x"].max())
        grid = list(np.linspace(lo, hi, GRID))
    else:
        grid = sorted(studies["x"].unique())
    preds = fit.predict({name: grid})
    line = pd.DataFrame(
        [
            {
                "kind": "fit",
                "label": "regression",
                "x": x,
                "x_words": moderator_words(name, x),
                "est": p.proportion.est,
                "ci_lb": p.proportion.ci_lb,
                "ci_ub": p.proportion.ci_ub,
            }
            for x, p in zip(grid, preds, strict=True)
        ]
    )
    out = pd.concat([studies, line], ignore_index=True)
    out["drug_label"] = drug_label(drug)
    return out


def bubble_chart(
    reg: Any,
    *,
    drug: str,
    outcome: str,
    timepoint: float | None = None,
    narrow: bool = False,
) -> alt.LayerChart:
    """Bubble plot with the regression line and CI band (``narrow``: the phone layout)."""
    table = bubble_table(reg, drug=drug)
    name, what = reg.moderator, outcome_label(outcome, timepoint)
    numeric = _numeric(reg)
    x_title = MODERATORS[name]
    if numeric:
        x = alt.X(
            "x:Q",
            title=x_title,
            scale=alt.Scale(zero=False, nice=False),
            axis=alt.Axis(format="d" if name == "year" else "~g"),
        )
    else:
        x = alt.X("x_words:N", title=x_title, axis=alt.Axis(labelAngle=-30, labelLimit=120))
    y_scale = alt.Scale(zero=True, nice=True)
    y_axis = alt.Axis(format=".0%", title=what)
    base = alt.Chart(table)
    fit = base.transform_filter("datum.kind == 'fit'")
    band = (
        fit.mark_area(opacity=0.2, color="#767676")
        if numeric
        else fit.mark_rule(strokeWidth=3, color="#767676")
    ).encode(x=x, y=alt.Y("ci_lb:Q", scale=y_scale, axis=y_axis), y2=alt.Y2("ci_ub:Q"))
    centre = (
        fit.mark_line(color="#333333")
        if numeric
        else fit.mark_tick(color="#333333", thickness=2, size=24)
    ).encode(x=x, y=alt.Y("est:Q", scale=y_scale))
    bubbles = (
        base.transform_filter("datum.kind == 'study'")
        .mark_circle(opacity=0.6, stroke="#333333", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("proportion:Q", scale=y_scale, axis=y_axis),
            size=alt.Size(
                "weight:Q", title="Weight %", scale=alt.Scale(range=[30, 900]), legend=None
            ),
            color=drug_colour(legend=False),
            tooltip=[
                alt.Tooltip("label:N", title="Study"),
                alt.Tooltip("x_words:N", title=x_title),
                alt.Tooltip("proportion:Q", title=what, format=".1%"),
                alt.Tooltip("weight:Q", title="Weight %", format=".1f"),
            ],
        )
    )
    f = reg.fit
    r2 = "—" if f.r2 is None else f"{f.r2:.0f}%"
    subtitle = [
        f"by {x_title.lower()}",
        f"k = {f.k}, QM = {f.qm:.2f} (df {f.qm_df}), p = {f.qm_pvalue:.3f}",
        f"R² = {r2}"
        + (f", permutation p = {reg.permutation.qm_pvalue:.3f}" if reg.permutation else ""),
    ]
    subtitle.append("Bubble area ∝ weight; fit with 95% CI")
    chart = alt.layer(band, centre, bubbles).properties(
        width=NARROW_WIDTH if narrow else WIDTH,
        height=260 if narrow else 320,
        title=alt.TitleParams(
            f"{drug_label(drug)}: {outcome_label(outcome, timepoint, short=narrow)}",
            subtitle=subtitle,
        ),
    )
    pred = reg.prediction.proportion if reg.prediction is not None else None
    said = (
        f" Predicted at {moderator_words(name, reg.profile['value'])}: "
        f"{format_interval(pred.est, pred.ci_lb, pred.ci_ub)}."
        if pred is not None
        else ""
    )
    return configure(
        chart,
        description=f"Meta-regression bubble plot of {drug_label(drug)} {what} against "
        f"{x_title.lower()}: " + ". ".join(subtitle) + "." + said,
    )
