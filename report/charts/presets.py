"""Methods: the same pooled values under the three method presets."""

from __future__ import annotations

import altair as alt
import pandas as pd

from report.charts.style import configure, drug_colour
from report.colors import drug_label
from tkidata.wording import format_interval


def preset_table(presets: pd.DataFrame) -> pd.DataFrame:
    """Rows drawn by :func:`preset_chart`.

    ``presets`` has columns ``drug``, ``quantity`` (e.g. ``"ORR"``), ``preset`` (label), ``est``,
    ``ci_lb``, ``ci_ub``, ``k``.
    """
    df = presets.copy().reset_index(drop=True)
    df["drug_label"] = df["drug"].map(drug_label)
    df["row_label"] = df["drug_label"] + " · " + df["quantity"]
    df["text"] = [
        format_interval(e, lo, hi)
        for e, lo, hi in zip(df["est"], df["ci_lb"], df["ci_ub"], strict=True)
    ]
    return df


def preset_chart(presets: pd.DataFrame, *, width: int = 170) -> alt.LayerChart:
    """Dot-and-interval per drug × quantity, one offset row per method preset (shape).

    The drug is named on every row; about 390 px wide at the default ``width`` (the legend,
    one preset per line, sets the width).
    """
    table = preset_table(presets)
    rows = list(dict.fromkeys(table["row_label"]))
    preset_names = list(dict.fromkeys(table["preset"]))
    # two-line labels (drug, then quantity) keep long CTCAE terms readable at phone width
    y = alt.Y(
        "row_label:N",
        sort=rows,
        axis=alt.Axis(title=None, labelLimit=190, labelExpr="split(datum.label, ' · ')"),
    )
    y_off = alt.YOffset("preset:N", scale=alt.Scale(domain=preset_names))
    colour = drug_colour(legend=False)
    shape = alt.Shape(
        "preset:N",
        scale=alt.Scale(domain=preset_names),
        title="Method preset",
        legend=alt.Legend(orient="bottom", direction="vertical", columns=1, labelLimit=340),
    )
    base = alt.Chart(table).transform_filter("isValid(datum.est)")
    chart = alt.layer(
        base.mark_rule(strokeWidth=1.5).encode(
            x=alt.X("ci_lb:Q", axis=alt.Axis(format=".0%", title="Pooled proportion")),
            x2=alt.X2("ci_ub:Q"),
            y=y,
            yOffset=y_off,
            color=colour,
        ),
        base.mark_point(size=70, filled=True, opacity=1).encode(
            x=alt.X("est:Q"),
            y=y,
            yOffset=y_off,
            color=colour,
            shape=shape,
            tooltip=[
                alt.Tooltip("row_label:N", title="Quantity"),
                alt.Tooltip("preset:N", title="Preset"),
                alt.Tooltip("text:N", title="Estimate"),
            ],
        ),
    ).properties(
        width=width,
        height=max(len(rows), 1) * len(preset_names) * 14 + 10,
        title=alt.TitleParams(["The same pooled values", "under the three method presets"]),
    )
    described = "; ".join(
        f"{r.row_label}, {r.preset}: {r.text}" for r in table.itertuples(index=False)
    )
    return configure(chart, description="Pooled values under three method presets. " + described)
