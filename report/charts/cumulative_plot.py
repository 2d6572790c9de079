"""Cumulative meta-analysis: the pooled estimate and CI after each study, in order of
publication year (metafor ``cumul()``; Lau et al. 1992)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from report.charts.style import configure, drug_colour, drug_shape, value_axis
from report.colors import drug_label
from tkidata.wording import format_interval, outcome_label

#: plot width (px): full layout and the phone layout (fits a 390 px screen with its labels)
WIDTH, NARROW_WIDTH = 420, 150


def cumulative_table(cum: Any, rows: pd.DataFrame, *, drug: str) -> pd.DataFrame:
    """Rows drawn by :func:`cumulative_chart`: one per step (``step``, ``study`` added,
    ``year``, ``k``, pooled ``est``/``ci_lb``/``ci_ub`` as proportions, ``i2`` percent)."""
    years = dict(zip(rows["study"], rows["year"], strict=True))
    return pd.DataFrame(
        [
            {
                "step": i + 1,
                "study": s.label,
                "year": years.get(s.label),
                "k": s.k,
                "est": s.est,
                "ci_lb": s.ci_lb,
                "ci_ub": s.ci_ub,
                "i2": s.i2,
                "drug_label": drug_label(drug),
            }
            for i, s in enumerate(cum.steps)
        ]
    )


def _row_label(study: str, year: object, narrow: bool) -> str:
    """``+ Study 2019`` (the year added when the label lacks it; cut to fit a phone)."""
    text = study
    if pd.notna(year) and str(int(year)) not in study:
        text = f"{study} ({int(year)})"
    if narrow and len(text) > 16:
        text = text[:15] + "…"
    return f"+ {text}"


def cumulative_chart(
    cum: Any,
    rows: pd.DataFrame,
    *,
    drug: str,
    outcome: str,
    timepoint: float | None = None,
    narrow: bool = False,
) -> alt.LayerChart:
    """The pool after each study, top to bottom in order of publication year (``narrow``: the
    phone layout, study labels cut to fit)."""
    table = cumulative_table(cum, rows, drug=drug)
    table["row"] = [
        _row_label(s, y, narrow) for s, y in zip(table["study"], table["year"], strict=True)
    ]
    table["text"] = [
        format_interval(e, lo, hi)
        for e, lo, hi in zip(table.est, table.ci_lb, table.ci_ub, strict=True)
    ]
    what = outcome_label(outcome, timepoint, short=narrow)
    y = alt.Y(
        "row:N",
        sort=list(table["row"]),
        title=None,
        axis=alt.Axis(labelLimit=120 if narrow else 330),
    )
    scale = alt.Scale(zero=True, nice=True)
    base = alt.Chart(table)
    tooltip = [
        alt.Tooltip("study:N", title="Study added"),
        alt.Tooltip("year:Q", title="Year"),
        alt.Tooltip("k:Q", title="k"),
        alt.Tooltip("text:N", title="Pooled (95% CI)"),
        alt.Tooltip("i2:Q", title="I² %", format=".0f"),
    ]
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_lb:Q", scale=scale, axis=value_axis(False, what)),
        x2=alt.X2("ci_ub:Q"),
        y=y,
        color=drug_colour(legend=False),
    )
    dot = base.mark_point(size=70, filled=True, opacity=1).encode(
        x=alt.X("est:Q", scale=scale),
        y=y,
        color=drug_colour(legend=False),
        shape=drug_shape(legend=False),
        tooltip=tooltip,
    )
    last = cum.steps[-1]
    subtitle = [
        "Studies added by publication year;",
        f"after all {last.k}: {format_interval(last.est, last.ci_lb, last.ci_ub)}",
    ]
    chart = alt.layer(rule, dot).properties(
        width=NARROW_WIDTH if narrow else WIDTH,
        height=max(120, 22 * len(table)),
        title=alt.TitleParams(f"{drug_label(drug)}: {what}, cumulative", subtitle=subtitle),
    )
    return configure(
        chart,
        description=f"Cumulative meta-analysis of {drug_label(drug)} {what}: "
        + "; ".join(f"after {r.study} {r.text}, k = {r.k}" for r in table.itertuples()),
    )
