"""Funnel plot with Egger's regression test, on the analysis scale."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from report.charts.style import configure, drug_colour, drug_shape
from report.colors import drug_label
from tkidata.wording import SCALE_LABELS, format_pvalue, outcome_label


def funnel_table(egger: Any, pool: Any, *, drug: str) -> pd.DataFrame:
    """Rows drawn by :func:`funnel_chart`: one per study (``label``, ``yi``, ``sei``) and the
    pseudo 95% confidence funnel (``kind == "funnel"``) around the random-effects estimate on
    the analysis scale (``pool.random.transformed``)."""
    pts = pd.DataFrame(
        [
            {"label": r.label, "yi": r.yi, "sei": r.sei, "proportion": r.proportion}
            for r in egger.funnel
        ]
    )
    pts["kind"] = "study"
    pts["drug_label"] = drug_label(drug)
    transformed = getattr(pool.random, "transformed", None)
    centre = float(transformed.est if transformed is not None else egger.limit_est)
    se_max = float(pts["sei"].max()) * 1.1 if len(pts) else 1.0
    funnel = pd.DataFrame(
        {
            "label": ["lower", "centre", "upper", "lower", "centre", "upper"],
            "yi": [centre, centre, centre, centre - 1.96 * se_max, centre, centre + 1.96 * se_max],
            "sei": [0.0, 0.0, 0.0, se_max, se_max, se_max],
            "proportion": np.nan,
            "kind": "funnel",
            "drug_label": drug_label(drug),
        }
    )
    return pd.concat([pts, funnel], ignore_index=True)


def funnel_chart(
    egger: Any, pool: Any, *, drug: str, outcome: str, timepoint: float | None = None
) -> alt.LayerChart:
    """Funnel plot on the analysis scale, standard error reversed, with Egger's test in words."""
    table = funnel_table(egger, pool, drug=drug)
    measure = egger.measure
    y = alt.Y("sei:Q", scale=alt.Scale(reverse=True, zero=True, nice=False), title="Standard error")
    x = alt.X(
        "yi:Q",
        title=f"Effect size ({SCALE_LABELS.get(measure, measure)})",
        scale=alt.Scale(zero=False, nice=True),
    )
    base = alt.Chart(table)
    lines = (
        base.transform_filter("datum.kind == 'funnel'")
        .mark_line(color="#767676", strokeDash=[4, 4])
        .encode(x=x, y=y, detail=alt.Detail("label:N"))
    )
    dots = (
        base.transform_filter("datum.kind == 'study'")
        .mark_point(size=90, opacity=0.9, filled=True)
        .encode(
            x=x,
            y=y,
            color=drug_colour(legend=False),
            shape=drug_shape(legend=False),
            tooltip=[
                alt.Tooltip("label:N", title="Study"),
                alt.Tooltip("yi:Q", format=".3f"),
                alt.Tooltip("sei:Q", title="SE", format=".3f"),
            ],
        )
    )
    subtitle = [
        f"Egger's test: intercept {egger.intercept:.2f} (SE {egger.se:.2f}), "
        f"{format_pvalue(egger.pvalue)}, k = {egger.k}"
    ]
    if egger.k < 10:
        subtitle.append("Fewer than 10 studies: the test has low power")
    chart = alt.layer(lines, dots).properties(
        width=300,
        height=340,
        title=alt.TitleParams(
            f"{drug_label(drug)}: {outcome_label(outcome, timepoint)}, funnel plot",
            subtitle=subtitle,
        ),
    )
    return configure(
        chart,
        description=f"Funnel plot of {drug_label(drug)} {outcome_label(outcome, timepoint)}: "
        + ". ".join(subtitle),
    )
