"""Compare: the four TKIs side by side, one dot-and-interval panel per outcome."""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from report.charts.style import (
    SCREEN_TEXT,
    configure,
    drug_interval,
    tki_labels,
    value_axis,
)
from report.colors import TKI_DRUGS, drug_label
from tkidata.wording import NO_STUDY, format_interval, is_median, is_missing, outcome_label

#: pixels per drug row: room for the estimate written above its interval
ROW_PX = 44


def comparison_table(compare: pd.DataFrame) -> pd.DataFrame:
    """Rows drawn by :func:`comparison_chart`: every TKI × outcome, with display text.

    Parameters
    ----------
    compare
        Long table with one row per drug × outcome (``tkidata.compare``): columns ``drug``,
        ``outcome``, ``timepoint``, ``est``, ``ci_lb``, ``ci_ub``, ``k``, ``n_patients``, ``i2``.

    Returns
    -------
    pandas.DataFrame
        One row per outcome × TKI (drugs without data kept, ``k = 0``) with ``panel`` (outcome
        label), ``drug_label``, ``months``, ``status`` and ``text``.
    """
    df = compare.copy()
    if "timepoint" not in df:
        df["timepoint"] = np.nan
    panels = df[["outcome", "timepoint"]].drop_duplicates().itertuples(index=False)
    rows: list[dict[str, Any]] = []
    for outcome, timepoint in panels:
        same_tp = df["timepoint"].isna() if is_missing(timepoint) else df["timepoint"].eq(timepoint)
        sub = df[df["outcome"].eq(outcome) & same_tp].set_index("drug")
        for drug in TKI_DRUGS:
            rec = sub.loc[drug] if drug in sub.index else None
            k = int(rec["k"]) if rec is not None and not is_missing(rec["k"]) else 0
            est = rec["est"] if rec is not None and k > 0 else np.nan
            lo = rec["ci_lb"] if rec is not None and k > 0 else np.nan
            hi = rec["ci_ub"] if rec is not None and k > 0 else np.nan
            months = is_median(outcome)
            status = (
                "no data"
                if k == 0 or is_missing(est)
                else ("single study, not pooled" if k == 1 else "pooled")
            )
            rows.append(
                {
                    "outcome": outcome,
                    "timepoint": timepoint,
                    "panel": outcome_label(outcome, timepoint) + (" (months)" if months else ""),
                    "drug": drug,
                    "drug_label": drug_label(drug),
                    "est": est,
                    "ci_lb": lo,
                    "ci_ub": hi,
                    "k": k,
                    "n_patients": (
                        rec.get("n_patients", rec.get("n", np.nan)) if rec is not None else np.nan
                    ),
                    "i2": rec.get("i2", np.nan) if rec is not None and k > 1 else np.nan,
                    "months": months,
                    "status": status,
                    "text": (
                        NO_STUDY
                        if status == "no data"
                        else f"{format_interval(est, lo, hi, months=months)}  "
                        + ("single study" if k == 1 else f"k = {k}")
                    ),
                }
            )
    return pd.DataFrame(rows)


def _dot_interval_panel(
    table: pd.DataFrame,
    *,
    title: str,
    months: bool,
    x_max: float,
    width: int,
    text: int,
    row_px: int,
) -> alt.LayerChart:
    y = alt.Y(
        "drug_label:N",
        sort=tki_labels(),
        scale=alt.Scale(domain=tki_labels()),
        axis=alt.Axis(title=None, labelFontWeight="bold"),
    )
    x_scale = alt.Scale(domain=[0, x_max], nice=False, clamp=True)
    base = alt.Chart()
    have = base.transform_filter("datum.status != 'no data'")
    tooltip = [
        alt.Tooltip("drug_label:N", title="Drug"),
        alt.Tooltip("text:N", title="Estimate (95% CI)"),
        alt.Tooltip("n_patients:Q", title="Patients", format=".0f"),
        alt.Tooltip("i2:Q", title="I² (%)", format=".0f"),
        alt.Tooltip("status:N", title="Status"),
    ]
    rule, dot = drug_interval(
        have,
        x_scale=x_scale,
        axis=value_axis(months, ""),
        y=y,
        tooltip=tooltip,
        stroke_width=3,
        size=140,
        legend=False,
    )
    # the estimate in words above each drug's interval, inside the panel (fits a phone)
    label = base.mark_text(
        align="left", baseline="bottom", dy=-9, fontSize=text, color="#222"
    ).encode(
        x=alt.XValue(0),
        y=y,
        text=alt.Text("text:N"),
    )
    return alt.layer(rule, dot, label, data=table).properties(
        title=alt.TitleParams(title, fontSize=text + 3), width=width, height=4 * row_px
    )


def comparison_chart(
    compare: pd.DataFrame,
    *,
    width: int = 250,
    text: int = 12,
    row_px: int = ROW_PX,
    side_by_side: bool = False,
) -> alt.VConcatChart | alt.HConcatChart:
    """Dot-and-interval panels, one per outcome, the four TKIs on a shared axis.

    Proportion panels all use 0–100 %, so panels are comparable by eye; the median panel uses
    months. Above each interval its estimate, CI and k are written out; drugs differ by colour
    and shape. About 350 px wide at the default ``width``, so it fits a phone. ``text`` (label
    px), ``row_px`` and ``side_by_side`` panels size it for a slide.
    """
    table = comparison_table(compare)
    panels = []
    for panel, sub in table.groupby("panel", sort=False):
        months = bool(sub["months"].iloc[0])
        top = np.nanmax(sub["ci_ub"].to_numpy(dtype=float)) if sub["k"].gt(0).any() else 1.0
        x_max = (math.ceil((top if not is_missing(top) else 1.0) / 6.0) * 6.0) if months else 1.0
        panels.append(
            _dot_interval_panel(
                sub,
                title=str(panel),
                months=months,
                x_max=x_max,
                width=width,
                text=text,
                row_px=row_px,
            )
        )
    described = "; ".join(
        f"{r.panel}, {r.drug_label}: {r.text}" for r in table.itertuples(index=False)
    )
    joined = alt.hconcat(*panels, spacing=40) if side_by_side else alt.vconcat(*panels, spacing=18)
    return configure(
        joined,
        description="Efficacy of the four TKIs, naive cross-trial comparison. " + described,
        text=max(text, SCREEN_TEXT),
    )
