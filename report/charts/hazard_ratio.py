"""Anchored comparisons: within-trial hazard ratios vs placebo."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from report.charts.style import SCREEN_TEXT, configure, drug_colour
from report.colors import drug_label
from tkidata.wording import MISSING, is_missing


def hazard_ratio_table(
    hr: pd.DataFrame, population_labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Rows drawn by :func:`hazard_ratio_chart`: one within-trial HR vs placebo per row.

    ``hr`` has columns ``drug``, ``trial``, ``outcome`` (``hr_pfs``/``hr_os``), ``population``,
    ``estimate``, ``ci_low``, ``ci_high``; ``population_labels`` maps histology codes to labels.
    """
    labels = population_labels or {}
    df = hr.copy().reset_index(drop=True)
    df["drug_label"] = df["drug"].map(drug_label)
    df["endpoint"] = df["outcome"].map({"hr_pfs": "PFS", "hr_os": "OS"}).fillna(df["outcome"])
    df["row_label"] = [
        f"{t} · {e}" + ("" if is_missing(p) or p == "all" else f" · {labels.get(p, p)}")
        for t, e, p in zip(df["trial"], df["endpoint"], df.get("population", "all"), strict=True)
    ]
    df["text"] = [
        MISSING
        if is_missing(e)
        else (f"{e:.2f}" + ("" if is_missing(lo) else f" ({lo:.2f}–{hi:.2f})"))
        for e, lo, hi in zip(df["estimate"], df["ci_low"], df["ci_high"], strict=True)
    ]
    return df


def hazard_ratio_chart(
    hr: pd.DataFrame,
    population_labels: Mapping[str, str] | None = None,
    *,
    width: int = 360,
    text: int = 12,
    row_px: int = 28,
) -> alt.LayerChart:
    """Within-trial hazard ratios vs placebo on a log axis (anchored comparison).

    ``width``, ``text`` (label px) and ``row_px`` size it (larger for a slide).
    """
    table = hazard_ratio_table(hr, population_labels)
    rows = table["row_label"].tolist()
    y = alt.Y("row_label:N", sort=rows, axis=alt.Axis(title=None, labelLimit=320))
    x_scale = alt.Scale(type="log", domain=[0.1, 2.0], clamp=True)
    base = alt.Chart(table)
    colour = drug_colour(legend=False)
    layers = alt.layer(
        alt.Chart(pd.DataFrame({"one": [1.0]}))
        .mark_rule(color="#555")
        .encode(x=alt.X("one:Q", scale=x_scale)),
        base.mark_rule(strokeWidth=2).encode(
            x=alt.X(
                "ci_low:Q",
                scale=x_scale,
                axis=alt.Axis(
                    title="Hazard ratio vs placebo (log scale)", values=[0.1, 0.2, 0.5, 1, 2]
                ),
            ),
            x2="ci_high:Q",
            y=y,
            color=colour,
        ),
        base.mark_square(size=90, opacity=1).encode(
            x=alt.X("estimate:Q", scale=x_scale),
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("row_label:N", title="Trial"),
                alt.Tooltip("text:N", title="HR (95% CI)"),
            ],
        ),
        base.mark_text(align="left", dx=8, fontSize=text).encode(
            x=alt.value(width), y=y, text="text:N"
        ),
    ).properties(
        width=width,
        height=max(len(rows), 1) * row_px,
        title=alt.TitleParams(
            "Anchored, within trial: hazard ratios vs placebo",
            subtitle="Randomised placebo-controlled trials; HR < 1 favours the drug",
        ),
        padding={"right": 120 * text // 12},
    )
    return configure(layers, text=max(text, SCREEN_TEXT))
