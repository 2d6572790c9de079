"""Altair chart builders: every chart the app shows, each with a ``*_table`` twin.

Each public ``<name>_chart(x, ...)`` draws exactly the DataFrame that ``<name>_table(x, ...)``
returns, so a page can show the numbers behind a chart and an export can draw the same chart.
Functions are pure (no Streamlit, no file I/O). Proportions are fractions in [0, 1]; medians are
months. Drug colours come from :mod:`report.colors` with the full drug domain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from report.colors import TKI_DRUGS, drug_label, drug_scale

FONT = "Liberation Sans"
#: pixels per forest-plot row: 40 studies stay readable and the chart grows with its rows.
ROW_PX = 22
MISSING = "—"

OUTCOME_LABELS: dict[str, str] = {
    "orr": "Objective response rate",
    "dcr": "Disease control rate",
    "pfs_median": "Median PFS",
    "os_median": "Median OS",
    "pfs_rate": "PFS rate",
    "os_rate": "OS rate",
}
OUTCOME_SHORT: dict[str, str] = {
    "orr": "ORR",
    "dcr": "DCR",
    "pfs_median": "Median PFS",
    "os_median": "Median OS",
    "pfs_rate": "PFS",
    "os_rate": "OS",
}
DESIGN_LABELS: dict[str, str] = {
    "rct_arm": "RCT arm",
    "single_arm": "Single-arm",
    "retrospective": "Retrospective",
    "case_report": "Case report",
    "user_supplied": "User-supplied",
}


# ---------------------------------------------------------------------------------------------
# formatting shared by charts and pages
# ---------------------------------------------------------------------------------------------


def is_median(outcome: str) -> bool:
    """Return True for outcomes measured in months (medians) rather than proportions."""
    return outcome.endswith("_median")


def outcome_label(outcome: str, timepoint: float | None = None, *, short: bool = False) -> str:
    """Return a reader-facing outcome name: ``("pfs_rate", 6)`` → ``"PFS at 6 months"``."""
    names = OUTCOME_SHORT if short else OUTCOME_LABELS
    name = names.get(outcome, outcome.replace("_", " "))
    if outcome.endswith("_rate") and timepoint is not None and not _isnan(timepoint):
        return (
            f"{OUTCOME_SHORT[outcome]}-{int(timepoint)}"
            if short
            else (f"{OUTCOME_SHORT[outcome]} at {int(timepoint)} months")
        )
    if short and outcome in ("orr", "dcr"):
        return name
    if not short and outcome in ("orr", "dcr"):
        return f"{name} ({OUTCOME_SHORT[outcome]})"
    return name


def design_label(design: str | None) -> str:
    """Return the display label of a study design code."""
    if design is None or (isinstance(design, float) and math.isnan(design)):
        return MISSING
    return DESIGN_LABELS.get(str(design), str(design).replace("_", " "))


def _isnan(x: Any) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_value(value: float | None, *, months: bool = False) -> str:
    """Format one proportion as ``"32.1%"`` or one median as ``"7.8 mo"``; missing → ``"—"``."""
    if _isnan(value):
        return MISSING
    return f"{value:.1f} mo" if months else f"{100 * value:.1f}%"


def format_interval(
    est: float | None, lo: float | None, hi: float | None, *, months: bool = False
) -> str:
    """Format an estimate with its interval: ``"32.1% (25.0–40.2)"`` or ``"7.8 (6.1–9.5) mo"``."""
    if _isnan(est):
        return MISSING
    scale = 1.0 if months else 100.0
    unit = " mo" if months else "%"
    head = f"{scale * est:.1f}"
    if _isnan(lo) or _isnan(hi):
        return f"{head}{unit}" if not months else f"{head} mo (CI not reported)"
    return (
        f"{head}{unit} ({scale * lo:.1f}–{scale * hi:.1f})"
        if not months
        else f"{head} ({scale * lo:.1f}–{scale * hi:.1f}) mo"
    )


def format_ci(lo: float | None, hi: float | None, *, months: bool = False) -> str:
    """Format an interval alone: ``"7.2–12.7%"`` or ``"4.9–7.4 mo"``; missing → ``"—"``."""
    if _isnan(lo) or _isnan(hi):
        return MISSING
    if months:
        return f"{lo:.1f}–{hi:.1f} mo"
    return f"{100 * lo:.1f}–{100 * hi:.1f}%"


def format_pvalue(p: float | None) -> str:
    """Format a p value for readers: ``"p < 0.001"``, ``"p = 0.04"``."""
    if _isnan(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


_HOUSE_CONFIG = alt.Config(
    font=FONT,
    axis=alt.AxisConfig(labelFontSize=13, titleFontSize=14, labelLimit=320, grid=True),
    title=alt.TitleConfig(fontSize=16, anchor="start", subtitleFontSize=13, subtitleColor="#444"),
    legend=alt.LegendConfig(labelFontSize=13, titleFontSize=13, orient="bottom"),
    header=alt.HeaderConfig(labelFontSize=14, titleFontSize=14),
    view=alt.ViewConfig(stroke=None),
)


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Apply the house style: one font, sizes legible on a projector, no view border.

    Autosize ``pad`` keeps the plot at its set width with labels around it, on screen (where
    Streamlit would otherwise squeeze a single view, labels included, into that width) and in
    exports alike.
    """
    chart.autosize = alt.AutoSizeParams(type="pad", contains="padding")
    chart.config = _HOUSE_CONFIG
    return chart


def _tki_labels() -> list[str]:
    return [drug_label(d) for d in TKI_DRUGS]


def _drug_colour(*, legend: bool) -> alt.Color:
    """Colour by drug label over the full drug domain; the legend lists the four TKIs only."""
    return alt.Color(
        "drug_label:N",
        scale=drug_scale(),
        legend=alt.Legend(title="Drug", values=_tki_labels()) if legend else None,
    )


def _axis_for(months: bool, title: str) -> alt.Axis:
    return alt.Axis(title=title, format=".0f" if months else ".0%", tickCount=6)


# ---------------------------------------------------------------------------------------------
# Compare: four drugs, one dot-and-interval panel per outcome
# ---------------------------------------------------------------------------------------------


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
        same_tp = df["timepoint"].isna() if _isnan(timepoint) else df["timepoint"].eq(timepoint)
        sub = df[df["outcome"].eq(outcome) & same_tp].set_index("drug")
        for drug in TKI_DRUGS:
            rec = sub.loc[drug] if drug in sub.index else None
            k = int(rec["k"]) if rec is not None and not _isnan(rec["k"]) else 0
            est = rec["est"] if rec is not None and k > 0 else np.nan
            lo = rec["ci_lb"] if rec is not None and k > 0 else np.nan
            hi = rec["ci_ub"] if rec is not None and k > 0 else np.nan
            months = is_median(outcome)
            status = (
                "no data"
                if k == 0 or _isnan(est)
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
                        "no data for this filter"
                        if status == "no data"
                        else f"{format_interval(est, lo, hi, months=months)}  "
                        + ("single study" if k == 1 else f"k = {k}")
                    ),
                }
            )
    return pd.DataFrame(rows)


def _dot_interval_panel(
    table: pd.DataFrame, *, title: str, months: bool, x_max: float, width: int
) -> alt.LayerChart:
    y = alt.Y(
        "drug_label:N",
        sort=_tki_labels(),
        scale=alt.Scale(domain=_tki_labels()),
        axis=alt.Axis(title=None, labelFontWeight="bold"),
    )
    x_scale = alt.Scale(domain=[0, x_max], nice=False, clamp=True)
    base = alt.Chart()
    have = base.transform_filter("datum.status != 'no data'")
    colour = _drug_colour(legend=False)
    tooltip = [
        alt.Tooltip("drug_label:N", title="Drug"),
        alt.Tooltip("text:N", title="Estimate (95% CI)"),
        alt.Tooltip("n_patients:Q", title="Patients", format=".0f"),
        alt.Tooltip("i2:Q", title="I² (%)", format=".0f"),
        alt.Tooltip("status:N", title="Status"),
    ]
    rule = have.mark_rule(strokeWidth=3).encode(
        x=alt.X("ci_lb:Q", scale=x_scale, axis=_axis_for(months, "")),
        x2="ci_ub:Q",
        y=y,
        color=colour,
    )
    dot = have.mark_circle(size=140, opacity=1).encode(
        x=alt.X("est:Q", scale=x_scale), y=y, color=colour, tooltip=tooltip
    )
    text = base.mark_text(align="left", dx=8, fontSize=12, color="#333").encode(
        x=alt.value(width + 4),
        y=y,
        text="text:N",
    )
    return alt.layer(rule, dot, text, data=table).properties(
        title=alt.TitleParams(title, fontSize=15), width=width, height=4 * 26
    )


def comparison_chart(compare: pd.DataFrame, *, width: int = 380) -> alt.VConcatChart:
    """Dot-and-interval panels, one per outcome, the four TKIs on a shared axis.

    Proportion panels all use 0–100 %, so panels are comparable by eye; the median panel uses
    months. The text right of each panel repeats the estimate, CI and k.
    """
    table = comparison_table(compare)
    panels = []
    for panel, sub in table.groupby("panel", sort=False):
        months = bool(sub["months"].iloc[0])
        top = np.nanmax(sub["ci_ub"].to_numpy(dtype=float)) if sub["k"].gt(0).any() else 1.0
        x_max = (math.ceil((top if not _isnan(top) else 1.0) / 6.0) * 6.0) if months else 1.0
        panels.append(
            _dot_interval_panel(sub, title=str(panel), months=months, x_max=x_max, width=width)
        )
    return _configure(alt.vconcat(*panels, spacing=18).properties(padding={"right": 230}))


# ---------------------------------------------------------------------------------------------
# Grade >= 3 adverse events: term x drug
# ---------------------------------------------------------------------------------------------


def ae_panel_table(ae_by_drug: Mapping[str, pd.DataFrame], *, top: int = 12) -> pd.DataFrame:
    """Rows drawn by :func:`ae_panel_chart`: term × TKI, ``"not reported"`` where no study did.

    Parameters
    ----------
    ae_by_drug
        Drug → ``tkidata.pool_adverse_events`` frame (columns ``term``, ``soc``, ``k``, ``n``,
        ``events``, ``est``, ``ci_lb``, ``ci_ub``).
    top
        Keep the ``top`` terms with the highest pooled incidence in any drug.

    Returns
    -------
    pandas.DataFrame
        One row per kept term × TKI with ``status`` ``"pooled"``, ``"single study"`` or
        ``"not reported"`` (never a zero for a term a drug's studies did not report).
    """
    frames = [f.assign(drug=d) for d, f in ae_by_drug.items() if f is not None and not f.empty]
    if not frames:
        return pd.DataFrame(
            columns=[
                "term",
                "drug",
                "drug_label",
                "est",
                "ci_lb",
                "ci_ub",
                "k",
                "n",
                "status",
                "text",
                "rank",
            ]
        )
    long = pd.concat(frames, ignore_index=True)
    order = (
        long.groupby("term")["est"].max().sort_values(ascending=False, kind="stable").index[:top]
    )
    rows = []
    for rank, term in enumerate(order):
        for drug in TKI_DRUGS:
            hit = long[(long["term"] == term) & (long["drug"] == drug)]
            if hit.empty:
                rows.append(
                    {
                        "term": term,
                        "drug": drug,
                        "est": np.nan,
                        "ci_lb": np.nan,
                        "ci_ub": np.nan,
                        "k": 0,
                        "n": np.nan,
                        "status": "not reported",
                        "text": "not reported",
                        "rank": rank,
                    }
                )
                continue
            r = hit.iloc[0]
            k = int(r["k"])
            rows.append(
                {
                    "term": term,
                    "drug": drug,
                    "est": r["est"],
                    "ci_lb": r["ci_lb"],
                    "ci_ub": r["ci_ub"],
                    "k": k,
                    "n": r.get("n", np.nan),
                    "status": "pooled" if k > 1 else "single study",
                    "text": f"{format_interval(r['est'], r['ci_lb'], r['ci_ub'])}, k = {k}",
                    "rank": rank,
                }
            )
    out = pd.DataFrame(rows)
    out.insert(2, "drug_label", out["drug"].map(drug_label))
    return out


def ae_panel_matrix(ae_by_drug: Mapping[str, pd.DataFrame], *, top: int = 12) -> pd.DataFrame:
    """The AE panel's numbers as a term × drug matrix of text (``"not reported"`` cells kept)."""
    table = ae_panel_table(ae_by_drug, top=top)
    if table.empty:
        return pd.DataFrame(columns=["CTCAE term", *_tki_labels()])
    wide = table.pivot(index="term", columns="drug_label", values="text")
    wide = wide.reindex(index=list(dict.fromkeys(table["term"])), columns=_tki_labels())
    return wide.reset_index().rename(columns={"term": "CTCAE term"}).rename_axis(columns=None)


def ae_panel_chart(
    ae_by_drug: Mapping[str, pd.DataFrame], *, top: int = 12, width: int = 520
) -> alt.LayerChart:
    """Grade ≥3 incidence per CTCAE term, one dot-and-interval per drug (offset within a term)."""
    table = ae_panel_table(ae_by_drug, top=top)
    terms = list(dict.fromkeys(table["term"]))
    y = alt.Y("term:N", sort=terms, axis=alt.Axis(title=None, labelLimit=300))
    y_off = alt.YOffset("drug_label:N", scale=alt.Scale(domain=_tki_labels()))
    colour = _drug_colour(legend=True)
    x_top = float(np.nanmax(table["ci_ub"])) if table["ci_ub"].notna().any() else 0.2
    x_scale = alt.Scale(domain=[0, min(1.0, math.ceil(x_top * 10) / 10 or 0.1)], nice=False)
    base = alt.Chart(table)
    have = base.transform_filter("datum.status != 'not reported'")
    tooltip = [
        alt.Tooltip("term:N", title="Term"),
        alt.Tooltip("drug_label:N", title="Drug"),
        alt.Tooltip("text:N", title="Grade ≥3 incidence (95% CI)"),
    ]
    rule = have.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_lb:Q", scale=x_scale, axis=alt.Axis(format=".0%", title="Grade ≥3 incidence")),
        x2="ci_ub:Q",
        y=y,
        yOffset=y_off,
        color=colour,
    )
    dot = have.mark_circle(size=70, opacity=1).encode(
        x=alt.X("est:Q", scale=x_scale), y=y, yOffset=y_off, color=colour, tooltip=tooltip
    )
    nr = (
        base.transform_filter("datum.status == 'not reported'")
        .mark_text(align="left", fontSize=10, color="#888", dx=2)
        .encode(x=alt.value(0), y=y, yOffset=y_off, text=alt.value("not reported"), tooltip=tooltip)
    )
    chart = alt.layer(rule, dot, nr).properties(
        width=width,
        height=max(len(terms), 1) * 4 * 17,
        title=alt.TitleParams(
            "Grade ≥3 adverse events",
            subtitle="Pooled incidence among the studies that reported each term; "
            "grey text: no study of that drug reported the term",
        ),
    )
    return _configure(chart)


# ---------------------------------------------------------------------------------------------
# Forest plots: one drawing routine for study, subgroup and leave-one-out forests
# ---------------------------------------------------------------------------------------------


def study_info_from_rows(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Pool label → display info (label, design, n) from ``Selection.rows``.

    ``n`` is the outcome's denominator, or the arm's enrolled patients where the outcome row
    states none (medians); a user-supplied row shows the design "User-supplied".
    """
    info = {}
    for _, r in rows.iterrows():
        n = r["n"] if not _isnan(r["n"]) else r.get("n_enrolled", np.nan)
        user = bool(r.get("user_supplied", False))
        info[str(r["label"])] = {
            "label": str(r["label"]),
            "design": "user_supplied" if user else r["design"],
            "n": None if _isnan(n) else int(n),
        }
    return info


def _pool_method_text(pool: Any) -> str:
    tau = getattr(pool, "method", "")
    test = "HKSJ" if getattr(pool, "test", "z") == "knha" else "Wald z"
    return f"{tau} τ², {test} CI" if tau else ""


def _het_text(pool: Any) -> str:
    if getattr(pool, "k", 0) < 2 or _isnan(getattr(pool, "q", np.nan)):
        return ""
    return (
        f"Heterogeneity: I² = {pool.i2:.0f}%, τ² = {pool.tau2:.4f}, "
        f"Q = {pool.q:.2f} (df = {pool.df}), {format_pvalue(pool.q_pvalue)}"
    )


def _study_rows(
    pool: Any, info: Mapping[str, Mapping[str, Any]], months: bool, drug: str, group: str = ""
) -> list[dict[str, Any]]:
    rows = []
    for s in pool.studies:
        meta = info.get(s.label, {})
        est = s.estimate if months else s.proportion
        rows.append(
            {
                "kind": "study",
                "group": group,
                "study_id": s.label,
                "label": str(meta.get("label", s.label)),
                "design": design_label(meta.get("design")),
                "n": meta.get("n") if months else s.n,
                "est": est,
                "ci_lb": s.ci_low,
                "ci_ub": s.ci_high,
                "weight": s.weight,
                "drug_label": drug_label(drug),
            }
        )
    return rows


def _pooled_rows(pool: Any, drug: str, group: str = "", *, common: bool = True) -> list[dict]:
    rows = []
    n_total = sum(int(s.n) for s in pool.studies if getattr(s, "n", None) is not None) or None
    if pool.k >= 2:
        r = pool.random
        rows.append(
            {
                "kind": "random",
                "group": group,
                "study_id": "",
                "label": f"Random effects ({pool.method})" + (f" — {group}" if group else ""),
                "design": "",
                "n": n_total,
                "est": r.est,
                "ci_lb": r.ci_lb,
                "ci_ub": r.ci_ub,
                "weight": 100.0,
                "drug_label": drug_label(drug),
            }
        )
        if common:
            c = pool.common
            rows.append(
                {
                    "kind": "common",
                    "group": group,
                    "study_id": "",
                    "label": "Common effect" + (f" — {group}" if group else ""),
                    "design": "",
                    "n": n_total,
                    "est": c.est,
                    "ci_lb": c.ci_lb,
                    "ci_ub": c.ci_ub,
                    "weight": np.nan,
                    "drug_label": drug_label(drug),
                }
            )
        if not _isnan(getattr(r, "pi_lb", np.nan)):
            rows.append(
                {
                    "kind": "pi",
                    "group": group,
                    "study_id": "",
                    "label": "Prediction interval",
                    "design": "",
                    "n": None,
                    "est": np.nan,
                    "ci_lb": r.pi_lb,
                    "ci_ub": r.pi_ub,
                    "weight": np.nan,
                    "drug_label": drug_label(drug),
                }
            )
    return rows


def _row_text(kind: str, est: float, lo: float, hi: float, months: bool) -> str:
    if kind == "header":
        return ""
    if kind == "pi":
        return format_ci(lo, hi, months=months)
    return format_interval(est, lo, hi, months=months)


def _finish_forest_table(rows: list[dict[str, Any]], months: bool) -> pd.DataFrame:
    cols = [
        "kind",
        "group",
        "study_id",
        "label",
        "design",
        "n",
        "est",
        "ci_lb",
        "ci_ub",
        "weight",
        "drug_label",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "row", range(len(df)))
    df["n_text"] = [MISSING if _isnan(v) else f"{int(v)}" for v in df["n"]]
    df["est_text"] = [
        _row_text(kind, e, lo, hi, months)
        for kind, e, lo, hi in zip(df["kind"], df["est"], df["ci_lb"], df["ci_ub"], strict=True)
    ]
    df["weight_text"] = ["" if _isnan(w) else f"{w:.1f}%" for w in df["weight"]]
    df["months"] = months
    return df


def forest_table(
    pool: Any,
    *,
    drug: str,
    outcome: str,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Rows drawn by :func:`forest_chart`: studies, then pooled random and common, then PI.

    Parameters
    ----------
    pool
        A ``core.ProportionPool`` or ``core.MedianPool`` (``OutcomeResult.pool``).
    drug, outcome
        Drug id (colour) and outcome id (proportion or months).
    study_info
        study id → ``{"label": "Chi 2018", "design": "single_arm", "n": 42}`` for display.
    """
    months = is_median(outcome)
    info = study_info or {}
    rows = _study_rows(pool, info, months, drug) + _pooled_rows(pool, drug)
    return _finish_forest_table(rows, months)


def _forest_domain(table: pd.DataFrame, months: bool) -> list[float]:
    hi = table["ci_ub"].to_numpy(dtype=float)
    top = float(np.nanmax(hi)) if np.isfinite(hi).any() else 1.0
    if months:
        return [0.0, max(6.0, math.ceil(top / 6.0) * 6.0)]
    return [0.0, min(1.0, max(0.1, math.ceil(top * 10) / 10))]


def _text_column(
    table: pd.DataFrame, field: str, title: str, width: int, y: alt.Y, align: str = "left"
) -> alt.LayerChart:
    """A column of text aligned with the forest rows; pooled rows and headers in bold."""
    base = alt.Chart(table).encode(
        x=alt.value(0 if align == "left" else width), y=y, text=f"{field}:N"
    )
    plain = "datum.kind == 'study' || datum.kind == 'pi'"
    style = {"align": align, "baseline": "middle", "fontSize": 13, "color": "#222"}
    return alt.layer(
        base.transform_filter(plain).mark_text(**style),
        base.transform_filter(f"!({plain})").mark_text(fontWeight="bold", **style),
    ).properties(
        width=width,
        title=alt.TitleParams(title, anchor="start" if align == "left" else "end", fontSize=13),
    )


def _draw_forest(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str | list[str] = "",
    x_title: str,
    reference: float | None,
    plot_width: int = 270,
    label_title: str = "Study",
    show_design: bool = True,
    show_weight: bool = True,
) -> alt.HConcatChart:
    months = bool(table["months"].iloc[0]) if len(table) else False
    n_rows = max(len(table), 1)
    height = ROW_PX * n_rows
    y_scale = alt.Scale(domain=[-0.6, n_rows - 0.4], reverse=True, nice=False, zero=False)
    y = alt.Y("row:Q", axis=None, scale=y_scale)
    x_scale = alt.Scale(domain=_forest_domain(table, months), nice=False, clamp=True)
    colour = _drug_colour(legend=False)
    base = alt.Chart(table)
    studies = base.transform_filter("datum.kind == 'study'")
    tooltip = [
        alt.Tooltip("label:N", title="Study"),
        alt.Tooltip("n_text:N", title="n"),
        alt.Tooltip("est_text:N", title="Estimate (95% CI)"),
        alt.Tooltip("weight_text:N", title="Weight"),
    ]
    layers = [
        studies.mark_rule(strokeWidth=1.5, color="#333").encode(
            x=alt.X("ci_lb:Q", scale=x_scale, axis=_axis_for(months, x_title)),
            x2="ci_ub:Q",
            y=y,
        ),
        # user-supplied (what-if) studies are drawn hollow, curated ones filled
        studies.mark_square(opacity=1, strokeWidth=2).encode(
            x=alt.X("est:Q", scale=x_scale),
            y=y,
            color=colour,
            stroke=colour,
            fillOpacity=alt.condition(
                f"datum.design == '{design_label('user_supplied')}'", alt.value(0), alt.value(1)
            ),
            tooltip=tooltip,
            size=alt.Size(
                "weight:Q", scale=alt.Scale(domain=[0, 100], range=[30, 600]), legend=None
            ),
        ),
        base.transform_filter("datum.kind == 'pi'")
        .mark_rule(strokeWidth=2, color="#555", strokeDash=[5, 3])
        .encode(x=alt.X("ci_lb:Q", scale=x_scale), x2="ci_ub:Q", y=y),
    ]
    pooled = table[table["kind"].isin(["random", "common"]) & table["est"].notna()]
    if not pooled.empty:
        diamond = pd.concat(
            [
                pd.DataFrame(
                    {
                        "row": r.row,
                        "x": [r.ci_lb, r.est, r.ci_ub],
                        "y_lo": [r.row, r.row - 0.38, r.row],
                        "y_hi": [r.row, r.row + 0.38, r.row],
                        "kind": r.kind,
                        "drug_label": r.drug_label,
                    }
                )
                for r in pooled.itertuples()
            ],
            ignore_index=True,
        )
        layers.append(
            alt.Chart(diamond)
            .mark_area(opacity=0.9, line={"color": "#222"})
            .encode(
                x=alt.X("x:Q", scale=x_scale),
                y=alt.Y("y_lo:Q", scale=y_scale, axis=None),
                y2="y_hi:Q",
                color=colour,
                detail="row:N",
                fillOpacity=alt.condition(
                    "datum.kind == 'common'", alt.value(0.25), alt.value(0.9)
                ),
            )
        )
    if reference is not None and not _isnan(reference):
        layers.insert(
            0,
            alt.Chart(pd.DataFrame({"ref": [reference]}))
            .mark_rule(color="#999", strokeDash=[4, 4])
            .encode(x=alt.X("ref:Q", scale=x_scale)),
        )
    plot = alt.layer(*layers).properties(
        width=plot_width, height=height, title=alt.TitleParams(" ", fontSize=13)
    )
    columns = [_text_column(table, "label", label_title, 190, y)]
    if show_design:
        columns.append(_text_column(table, "design", "Design", 90, y))
    columns.append(_text_column(table, "n_text", "n", 40, y, align="right"))
    columns.append(plot)
    columns.append(_text_column(table, "est_text", "Estimate (95% CI)", 140, y))
    if show_weight:
        columns.append(_text_column(table, "weight_text", "Weight", 55, y, align="right"))
    columns = [c.properties(height=height) for c in columns]
    chart = alt.hconcat(*columns, spacing=8).properties(
        title=alt.TitleParams(title, subtitle=subtitle or [])
    )
    return _configure(chart)


def forest_chart(
    pool: Any,
    *,
    drug: str,
    outcome: str,
    timepoint: float | None = None,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
    method_text: str = "",
) -> alt.HConcatChart:
    """Forest plot: studies (square ∝ weight), random and common diamonds, prediction interval."""
    table = forest_table(pool, drug=drug, outcome=outcome, study_info=study_info)
    months = is_median(outcome)
    subtitle = [t for t in (_het_text(pool), method_text) if t]
    return _draw_forest(
        table,
        title=f"{drug_label(drug)}: {outcome_label(outcome, timepoint)}",
        subtitle=subtitle,
        x_title="Months" if months else "Proportion",
        reference=pool.random.est if pool.k >= 2 else None,
    )


def subgroup_forest_table(
    sub: Any,
    *,
    drug: str,
    outcome: str,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Rows drawn by :func:`subgroup_forest_chart`: per group a header, its studies, its pool.

    ``sub`` is a ``core.SubgroupPool``: ``groups`` (name → ProportionPool), ``overall``
    (ProportionPool), ``q_between``, ``df_between``, ``p_between``.
    """
    months = is_median(outcome)
    info = study_info or {}
    rows: list[dict[str, Any]] = []
    for name, pool in sub.groups.items():
        rows.append(
            {
                "kind": "header",
                "group": name,
                "study_id": "",
                "label": str(name),
                "design": "",
                "n": None,
                "est": np.nan,
                "ci_lb": np.nan,
                "ci_ub": np.nan,
                "weight": np.nan,
                "drug_label": drug_label(drug),
            }
        )
        rows += _study_rows(pool, info, months, drug, group=str(name))
        if pool.k == 1:
            continue
        rows += [r for r in _pooled_rows(pool, drug, str(name), common=False)]
    rows += [
        dict(r, label="Overall " + r["label"][0].lower() + r["label"][1:])
        if r["kind"] != "pi"
        else r
        for r in _pooled_rows(sub.overall, drug, "", common=False)
    ]
    table = _finish_forest_table(rows, months)
    table.loc[table["kind"] == "study", "weight_text"] = ""
    return table


def subgroup_forest_chart(
    sub: Any,
    *,
    drug: str,
    outcome: str,
    by: str,
    timepoint: float | None = None,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> alt.HConcatChart:
    """Subgroup forest (separate τ² per group) with the test for subgroup differences."""
    table = subgroup_forest_table(sub, drug=drug, outcome=outcome, study_info=study_info)
    test = (
        f"Test for subgroup differences: Q = {sub.q_between:.2f}, "
        f"df = {sub.df_between}, {format_pvalue(sub.p_between)}"
    )
    return _draw_forest(
        table,
        title=f"{drug_label(drug)}: {outcome_label(outcome, timepoint)} by {by}",
        subtitle=[test, "Separate τ² per subgroup; Q-between on the analysis scale"],
        x_title="Months" if is_median(outcome) else "Proportion",
        reference=sub.overall.random.est if sub.overall.k >= 2 else None,
        show_weight=False,
    )


def leave_one_out_table(
    pools: Sequence[Any],
    full: Any,
    *,
    drug: str,
    outcome: str,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Rows drawn by :func:`leave_one_out_chart`: the random pool omitting each study in turn."""
    months = is_median(outcome)
    info = study_info or {}
    rows = []
    for study, pool in zip(full.studies, pools, strict=True):
        label = str(info.get(study.label, {}).get("label", study.label))
        rows.append(
            {
                "kind": "study",
                "group": "",
                "study_id": study.label,
                "label": f"Omitting {label}",
                "design": f"I² = {pool.i2:.0f}%",
                "n": sum(int(s.n) for s in pool.studies),
                "est": pool.random.est,
                "ci_lb": pool.random.ci_lb,
                "ci_ub": pool.random.ci_ub,
                "weight": np.nan,
                "drug_label": drug_label(drug),
            }
        )
    rows += _pooled_rows(full, drug, common=False)[:1]
    if rows and rows[-1]["kind"] == "random":
        rows[-1]["label"] = "All studies"
        rows[-1]["design"] = f"I² = {full.i2:.0f}%"
    return _finish_forest_table(rows, months)


def leave_one_out_chart(
    pools: Sequence[Any],
    full: Any,
    *,
    drug: str,
    outcome: str,
    timepoint: float | None = None,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> alt.HConcatChart:
    """Leave-one-out: how the random-effects estimate moves when each study is dropped."""
    table = leave_one_out_table(pools, full, drug=drug, outcome=outcome, study_info=study_info)
    return _draw_forest(
        table,
        title=f"{drug_label(drug)}: {outcome_label(outcome, timepoint)}, leave-one-out",
        subtitle="Random-effects estimate with each study omitted in turn",
        x_title="Months" if is_median(outcome) else "Proportion",
        reference=full.random.est,
        label_title="Analysis",
        show_weight=False,
    )


# ---------------------------------------------------------------------------------------------
# Funnel plot with Egger's test
# ---------------------------------------------------------------------------------------------


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
        "yi:Q", title=f"Effect size ({measure} scale)", scale=alt.Scale(zero=False, nice=True)
    )
    base = alt.Chart(table)
    lines = (
        base.transform_filter("datum.kind == 'funnel'")
        .mark_line(color="#777", strokeDash=[4, 4])
        .encode(x=x, y=y, detail="label:N")
    )
    dots = (
        base.transform_filter("datum.kind == 'study'")
        .mark_circle(size=90, opacity=0.9)
        .encode(
            x=x,
            y=y,
            color=_drug_colour(legend=False),
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
        width=460,
        height=340,
        title=alt.TitleParams(
            f"{drug_label(drug)}: {outcome_label(outcome, timepoint)}, funnel plot",
            subtitle=subtitle,
        ),
    )
    return _configure(chart)


# ---------------------------------------------------------------------------------------------
# Safety: all-grade vs grade >= 3 per term and drug
# ---------------------------------------------------------------------------------------------

GRADE_LABELS = {"any": "All grades", "3plus": "Grade ≥3"}


def safety_table(
    any_grade: Mapping[str, pd.DataFrame],
    grade3: Mapping[str, pd.DataFrame],
    *,
    drugs: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows drawn by :func:`safety_chart`: term × drug × grade band, most frequent terms first.

    Parameters
    ----------
    any_grade, grade3
        Drug → ``tkidata.pool_adverse_events`` frame at ``grade="any"`` and ``"3plus"``.
    drugs
        Keep these drugs (default: all in the mappings).
    """
    frames = [
        frame.assign(drug=drug, grade=grade)
        for grade, band in (("any", any_grade), ("3plus", grade3))
        for drug, frame in band.items()
        if (drugs is None or drug in drugs) and frame is not None and not frame.empty
    ]
    columns = [
        "term",
        "soc",
        "drug_label",
        "grade_label",
        "text",
        "est",
        "ci_lb",
        "ci_ub",
        "k",
        "n",
        "studies",
        "drug",
        "grade",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    df = pd.concat(frames, ignore_index=True)
    df["drug_label"] = df["drug"].map(drug_label)
    df["grade_label"] = df["grade"].map(GRADE_LABELS)
    df["text"] = [
        f"{format_interval(e, lo, hi)}, k = {int(k)}"
        for e, lo, hi, k in zip(df["est"], df["ci_lb"], df["ci_ub"], df["k"], strict=True)
    ]
    rank = df.groupby("term")["est"].max().rank(ascending=False, method="first")
    df["_rank"] = df["term"].map(rank)
    df = df.sort_values(["_rank", "grade", "drug_label"], kind="stable")
    return df.reindex(columns=columns).reset_index(drop=True)


def safety_chart(
    any_grade: Mapping[str, pd.DataFrame],
    grade3: Mapping[str, pd.DataFrame],
    *,
    drugs: Sequence[str] | None = None,
    top: int = 15,
    width: int = 240,
) -> alt.HConcatChart:
    """Two panels (all grades, grade ≥3) sharing the term axis; one dot-and-interval per drug.

    Shows the ``top`` terms with the highest incidence in any drug and grade band.
    """
    table = safety_table(any_grade, grade3, drugs=drugs)
    order = list(dict.fromkeys(table["term"]))[:top]
    table = table[table["term"].isin(order)]
    drugs_here = [d for d in _tki_labels() if d in set(table["drug_label"])]
    per_term = max(len(drugs_here), 1) * 15 + 6
    y = alt.Y(
        "term:N",
        sort=order,
        scale=alt.Scale(domain=order),
        axis=alt.Axis(title=None, labelLimit=320),
    )
    y_off = alt.YOffset("drug_label:N", scale=alt.Scale(domain=drugs_here))
    colour = _drug_colour(legend=True)
    top_ci = float(np.nanmax(table["ci_ub"])) if table["ci_ub"].notna().any() else 1.0
    x_scale = alt.Scale(domain=[0, min(1.0, math.ceil(top_ci * 10) / 10 or 0.1)], nice=False)
    panels = []
    for grade, label in GRADE_LABELS.items():
        base = alt.Chart(table).transform_filter(alt.datum.grade == grade)
        rule = base.mark_rule(strokeWidth=1.5).encode(
            x=alt.X("ci_lb:Q", scale=x_scale, axis=alt.Axis(format=".0%", title="Incidence")),
            x2="ci_ub:Q",
            y=y,
            yOffset=y_off,
            color=colour,
        )
        dot = base.mark_circle(size=55, opacity=1).encode(
            x=alt.X("est:Q", scale=x_scale),
            y=y,
            yOffset=y_off,
            color=colour,
            tooltip=[
                alt.Tooltip("term:N", title="Term"),
                alt.Tooltip("drug_label:N", title="Drug"),
                alt.Tooltip("text:N", title=label),
            ],
        )
        panels.append(
            alt.layer(rule, dot).properties(
                width=width, height=per_term * max(len(order), 1), title=label
            )
        )
    chart = (
        alt.hconcat(*panels, spacing=12)
        .resolve_scale(y="shared")
        .properties(
            title=alt.TitleParams(
                "Adverse events by CTCAE term",
                subtitle="Pooled incidence among the studies that reported each term",
            )
        )
    )
    return _configure(chart)


# ---------------------------------------------------------------------------------------------
# Anchored comparisons: within-trial hazard ratios vs placebo
# ---------------------------------------------------------------------------------------------


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
        f"{t} · {e}" + ("" if _isnan(p) or p == "all" else f" · {labels.get(p, p)}")
        for t, e, p in zip(df["trial"], df["endpoint"], df.get("population", "all"), strict=True)
    ]
    df["text"] = [
        MISSING if _isnan(e) else (f"{e:.2f}" + ("" if _isnan(lo) else f" ({lo:.2f}–{hi:.2f})"))
        for e, lo, hi in zip(df["estimate"], df["ci_low"], df["ci_high"], strict=True)
    ]
    return df


def hazard_ratio_chart(
    hr: pd.DataFrame, population_labels: Mapping[str, str] | None = None, *, width: int = 360
) -> alt.LayerChart:
    """Within-trial hazard ratios vs placebo on a log axis (anchored comparison)."""
    table = hazard_ratio_table(hr, population_labels)
    rows = table["row_label"].tolist()
    y = alt.Y("row_label:N", sort=rows, axis=alt.Axis(title=None, labelLimit=320))
    x_scale = alt.Scale(type="log", domain=[0.1, 2.0], clamp=True)
    base = alt.Chart(table)
    colour = _drug_colour(legend=False)
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
        base.mark_text(align="left", dx=8, fontSize=12).encode(
            x=alt.value(width), y=y, text="text:N"
        ),
    ).properties(
        width=width,
        height=max(len(rows), 1) * 28,
        title=alt.TitleParams(
            "Anchored, within trial: hazard ratios vs placebo",
            subtitle="Randomised placebo-controlled trials; HR < 1 favours the drug",
        ),
        padding={"right": 120},
    )
    return _configure(layers)


# ---------------------------------------------------------------------------------------------
# Methods: the same pooled value under the three presets
# ---------------------------------------------------------------------------------------------


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


def preset_chart(presets: pd.DataFrame, *, width: int = 420) -> alt.LayerChart:
    """Dot-and-interval per drug × quantity, one offset row per method preset (shape)."""
    table = preset_table(presets)
    rows = list(dict.fromkeys(table["row_label"]))
    preset_names = list(dict.fromkeys(table["preset"]))
    y = alt.Y("row_label:N", sort=rows, axis=alt.Axis(title=None, labelLimit=320))
    y_off = alt.YOffset("preset:N", scale=alt.Scale(domain=preset_names))
    colour = _drug_colour(legend=False)
    shape = alt.Shape(
        "preset:N",
        scale=alt.Scale(domain=preset_names),
        title="Method preset",
        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=600),
    )
    base = alt.Chart(table).transform_filter("isValid(datum.est)")
    chart = alt.layer(
        base.mark_rule(strokeWidth=1.5).encode(
            x=alt.X("ci_lb:Q", axis=alt.Axis(format=".0%", title="Pooled proportion")),
            x2="ci_ub:Q",
            y=y,
            yOffset=y_off,
            color=colour,
        ),
        base.mark_point(size=70, filled=True, opacity=1).encode(
            x="est:Q",
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
        title="The same pooled values under the three method presets",
    )
    return _configure(chart)
