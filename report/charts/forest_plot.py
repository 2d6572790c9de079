"""Forest plots: one drawing routine for study, subgroup and leave-one-out forests."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from report.charts.style import SCREEN_TEXT, configure, drug_colour, value_axis
from report.colors import drug_label, drug_scale
from tkidata.wording import (
    MISSING,
    TAU2_LABELS,
    design_label,
    format_ci,
    format_interval,
    format_pvalue,
    is_median,
    is_missing,
    outcome_label,
)

#: pixels per forest-plot row: 40 studies stay readable and the chart grows with its rows.
ROW_PX = 22
#: the phone layout (``narrow=True``): study, plot and estimate columns (px) that fit a 390 px
#: screen at the screen's text size; design, n, weight and I² stay in the view's table
NARROW_COLUMNS = {"label": 118, "plot": 96, "estimate": 126}
#: characters per title and subtitle line in the phone layout (the title is 3 px larger)
NARROW_TITLE_CHARS, NARROW_SUBTITLE_CHARS = 34, 48


def study_info_from_rows(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Pool label → display info (label, design, n) from ``Selection.rows``.

    ``n`` is the outcome's denominator, or the arm's enrolled patients where the outcome row
    states none (medians); a user-supplied row shows the design "User-supplied".
    """
    info = {}
    for _, r in rows.iterrows():
        n = r["n"] if not is_missing(r["n"]) else r.get("n_enrolled", np.nan)
        user = bool(r.get("user_supplied", False))
        info[str(r["label"])] = {
            "label": str(r["label"]),
            "design": "user_supplied" if user else r["design"],
            "n": None if is_missing(n) else int(n),
        }
    return info


def _het_text(pool: Any) -> str:
    if getattr(pool, "k", 0) < 2 or is_missing(getattr(pool, "q", np.nan)):
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
                "label": f"Random effects ({TAU2_LABELS.get(pool.method, pool.method)})"
                + (f" — {group}" if group else ""),
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
        if not is_missing(getattr(r, "pi_lb", np.nan)):
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
        "i2",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "row", range(len(df)))
    df["n_text"] = [MISSING if is_missing(v) else f"{int(v)}" for v in df["n"]]
    df["est_text"] = [
        _row_text(kind, e, lo, hi, months)
        for kind, e, lo, hi in zip(df["kind"], df["est"], df["ci_lb"], df["ci_ub"], strict=True)
    ]
    df["weight_text"] = ["" if is_missing(w) else f"{w:.1f}%" for w in df["weight"]]
    df["i2_text"] = ["" if is_missing(v) else f"{v:.0f}%" for v in df["i2"]]
    if months:
        # a time cannot be negative: the prediction interval is drawn from 0 and says so
        below = (df["kind"] == "pi") & (df["ci_lb"] < 0)
        df.loc[below, "label"] = "Prediction interval (truncated at 0)"
        df.loc[below, "ci_lb"] = 0.0
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
    field: str,
    title: str,
    width: int,
    y: alt.Y,
    align: str = "left",
    *,
    height: int,
    text: int = SCREEN_TEXT,
    clip_bold: bool = False,
) -> alt.LayerChart:
    """A column of text aligned with the forest rows; pooled rows and headers in bold.

    The rows are the forest table, set once on the whole figure (one dataset in the spec).
    ``clip_bold`` ends long pooled-row labels in "…" too (the phone layout, where a label running
    past its column would cover the diamond); a subgroup header, with nothing beside it, runs on.
    """
    width = round(width * text / SCREEN_TEXT)
    plain = "datum.kind == 'study' || datum.kind == 'pi'"
    encoding = alt.FacetedEncoding(
        x=alt.XValue(0 if align == "left" else width), y=y, text=alt.Text(f"{field}:N")
    )
    # built by constructors, not chained calls: Altair deep-copies a chart on every
    # .encode/.transform_filter/.mark_* call, the main cost of drawing a deck's forests
    layers = [
        alt.Chart(
            mark=alt.MarkDef(
                type="text",
                align=align,
                baseline="middle",
                fontSize=text,
                color="#222",
                fontWeight=weight,
                limit=limit,
            ),
            encoding=encoding,
            transform=[alt.FilterTransform(filter=rows)],
        )
        # a long study label ends in "…" rather than run into the next column; pooled rows
        # (bold) have nothing beside them and stay whole
        for rows, weight, limit in (
            [(plain, "normal", width - 4), (f"!({plain})", "bold", 0)]
            if not clip_bold
            else [
                (plain, "normal", width - 4),
                ("datum.kind == 'random' || datum.kind == 'common'", "bold", width - 4),
                ("datum.kind == 'header'", "bold", 0),
            ]
        )
    ]
    return alt.LayerChart(
        layer=layers,
        width=width,
        height=height,
        title=alt.TitleParams(title, anchor="start" if align == "left" else "end", fontSize=text),
    )


def _short_pooled_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Pooled rows named without their τ² method and subgroup ("Random effects"): the phone
    layout's subtitle names the method, and each subgroup's pool sits under its header."""
    pooled = table["kind"].isin(["random", "common"])
    short = table["label"].str.replace(r" \(.*?\)| — .*$", "", regex=True)
    short = short.str.replace(r"^Overall .*", "Overall", regex=True)
    return table.assign(label=table["label"].where(~pooled, short))


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
    show_i2: bool = False,
    text: int = SCREEN_TEXT,
    row_px: int = ROW_PX,
    titled: bool = True,
    narrow: bool = False,
) -> alt.HConcatChart:
    months = bool(table["months"].iloc[0]) if len(table) else False
    if narrow:
        plot_width = NARROW_COLUMNS["plot"]
        table = _short_pooled_labels(table)
    n_rows = max(len(table), 1)
    height = row_px * n_rows
    y_scale = alt.Scale(domain=[-0.6, n_rows - 0.4], reverse=True, nice=False, zero=False)
    y = alt.Y("row:Q", axis=None, scale=y_scale)
    x_scale = alt.Scale(domain=_forest_domain(table, months), nice=False, clamp=True)
    colour = drug_colour(legend=False)
    stroke = alt.Stroke(shorthand="drug_label:N", scale=drug_scale(), legend=None)
    # built by constructors, not chained calls: Altair deep-copies a chart (and re-combines
    # every layer inside it) on each .encode/.properties/.mark_* call, and builds a converter
    # for each shorthand string; that was most of the time of drawing a deck's forests
    studies = [alt.FilterTransform(filter="datum.kind == 'study'")]
    tooltip = [
        alt.Tooltip("label:N", title="Study"),
        alt.Tooltip("n_text:N", title="n"),
        alt.Tooltip("est_text:N", title="Estimate (95% CI)"),
        alt.Tooltip("weight_text:N", title="Weight"),
    ]
    user = f"datum.design == '{design_label('user_supplied')}'"
    layers = [
        alt.Chart(
            mark=alt.MarkDef(type="rule", strokeWidth=1.5, color="#333"),
            encoding=alt.FacetedEncoding(
                x=alt.X("ci_lb:Q", scale=x_scale, axis=value_axis(months, x_title)),
                x2=alt.X2("ci_ub"),
                y=y,
            ),
            transform=studies,
        ),
        # user-supplied (what-if) studies are drawn hollow, curated ones filled
        alt.Chart(
            mark=alt.MarkDef(type="square", opacity=1, strokeWidth=2),
            encoding=alt.FacetedEncoding(
                x=alt.X("est:Q", scale=x_scale),
                y=y,
                color=colour,
                stroke=stroke,
                fillOpacity=alt.FillOpacityValue(1, condition={"test": user, "value": 0}),
                tooltip=tooltip,
                size=alt.Size(
                    "weight:Q", scale=alt.Scale(domain=[0, 100], range=[30, 600]), legend=None
                ),
            ),
            transform=studies,
        ),
        alt.Chart(
            mark=alt.MarkDef(type="rule", strokeWidth=2, color="#555", strokeDash=[5, 3]),
            encoding=alt.FacetedEncoding(
                x=alt.X("ci_lb:Q", scale=x_scale), x2=alt.X2("ci_ub"), y=y
            ),
            transform=[alt.FilterTransform(filter="datum.kind == 'pi'")],
        ),
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
            alt.Chart(
                diamond,
                mark=alt.MarkDef(type="area", opacity=0.9, line={"color": "#222"}),
                encoding=alt.FacetedEncoding(
                    x=alt.X("x:Q", scale=x_scale),
                    y=alt.Y("y_lo:Q", scale=y_scale, axis=None),
                    y2=alt.Y2("y_hi"),
                    color=colour,
                    detail=alt.Detail("row:N"),
                    fillOpacity=alt.FillOpacityValue(
                        0.9, condition={"test": "datum.kind == 'common'", "value": 0.25}
                    ),
                ),
            )
        )
    if reference is not None and not is_missing(reference):
        layers.insert(
            0,
            alt.Chart(
                pd.DataFrame({"ref": [reference]}),
                mark=alt.MarkDef(type="rule", color="#767676", strokeDash=[4, 4]),
                encoding=alt.FacetedEncoding(x=alt.X("ref:Q", scale=x_scale)),
            ),
        )
    plot = alt.LayerChart(
        layer=layers,
        width=plot_width,
        height=height,
        title=alt.TitleParams(" ", fontSize=text),
    )
    column = partial(_text_column, y=y, height=height, text=text)
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    if narrow:
        columns = [
            column("label", label_title, NARROW_COLUMNS["label"], clip_bold=True),
            plot,
            column("est_text", "Estimate (95% CI)", NARROW_COLUMNS["estimate"]),
        ]
        heading = alt.TitleParams(
            textwrap.wrap(title, NARROW_TITLE_CHARS),
            subtitle=[
                part for line in lines for part in textwrap.wrap(line, NARROW_SUBTITLE_CHARS)
            ],
        )
    else:
        columns = [column("label", label_title, 190)]
        if show_design:
            columns.append(column("design", "Design", 90))
        columns.append(column("n_text", "n", 40, align="right"))
        columns.append(plot)
        columns.append(column("est_text", "Estimate (95% CI)", 140))
        if show_weight:
            columns.append(column("weight_text", "Weight", 55, align="right"))
        if show_i2:
            columns.append(column("i2_text", "I²", 45, align="right"))
        heading = (
            alt.TitleParams(title, subtitle=lines or [])
            if titled or not lines
            # a slide names the plot in its own title: the chart starts with its subtitle lines
            else alt.TitleParams(lines[0], subtitle=lines[1:], fontSize=text, fontWeight="normal")
        )
    # the phone layout lays its columns out by their set widths ("flush"): a subgroup header
    # or a heavy study's square reaching past its column does not push the next one along
    chart = alt.HConcatChart(
        hconcat=columns,
        spacing=6 if narrow else 8,
        data=table,
        title=heading,
        **({"bounds": "flush"} if narrow else {}),
    )
    rows = "; ".join(
        f"{r.label}: {r.est_text}" for r in table.itertuples(index=False) if r.est_text
    )
    return configure(chart, description=f"Forest plot. {title}. {rows}", text=text)


def forest_chart(
    pool: Any,
    *,
    drug: str,
    outcome: str,
    timepoint: float | None = None,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
    method_text: str = "",
    text: int = SCREEN_TEXT,
    row_px: int = ROW_PX,
    plot_width: int = 270,
    titled: bool = True,
    narrow: bool = False,
    tier_text: str = "",
) -> alt.HConcatChart:
    """Forest plot: studies (square ∝ weight), random and common diamonds, prediction interval.

    ``tier_text`` names the evidence tier the studies come from (a subtitle line).

    ``text``, ``row_px`` and ``plot_width`` size it (larger for a slide: :func:`forest_fit`);
    ``titled=False`` leaves the drug and outcome to the slide's title. ``narrow=True`` is the
    phone layout: study, plot and estimate only (:data:`NARROW_COLUMNS`), titles wrapped.
    """
    table = forest_table(pool, drug=drug, outcome=outcome, study_info=study_info)
    months = is_median(outcome)
    subtitle = [t for t in (tier_text, _het_text(pool), method_text) if t]
    return _draw_forest(
        table,
        title=f"{drug_label(drug)}: {outcome_label(outcome, timepoint)}",
        subtitle=subtitle,
        x_title="Months" if months else "Proportion",
        reference=pool.random.est if pool.k >= 2 else None,
        text=text,
        row_px=row_px,
        plot_width=plot_width,
        titled=titled,
        narrow=narrow,
    )


def forest_rows(pool: Any) -> int:
    """Rows a forest of this pool draws (studies, pooled rows, prediction interval)."""
    return len(pool.studies) + len(_pooled_rows(pool, ""))


def forest_fit(pool: Any, height_px: float, *, text: int) -> int:
    """Row height (px) that fits a forest of this pool into ``height_px`` with ``text`` labels.

    Leaves room for two heading lines (heterogeneity, method: the slide's title names the plot),
    column headers and the axis; never below the text size (rows would overlap) nor above 30 px.
    """
    overhead = 2 * (text + 4) + (text + 10) + (2 * text + 22)
    return int(max(text, min(30, (height_px - overhead) // max(forest_rows(pool), 1))))


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
    narrow: bool = False,
) -> alt.HConcatChart:
    """Subgroup forest (separate τ² per group) with the test for subgroup differences.

    ``narrow=True``: the phone layout, as in :func:`forest_chart`."""
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
        narrow=narrow,
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
                "design": "",
                "i2": pool.i2,
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
        rows[-1]["i2"] = full.i2
    return _finish_forest_table(rows, months)


def leave_one_out_chart(
    pools: Sequence[Any],
    full: Any,
    *,
    drug: str,
    outcome: str,
    timepoint: float | None = None,
    study_info: Mapping[str, Mapping[str, Any]] | None = None,
    narrow: bool = False,
) -> alt.HConcatChart:
    """Leave-one-out: how the random-effects estimate moves when each study is dropped.

    ``narrow=True``: the phone layout, as in :func:`forest_chart` (I² stays in the table)."""
    table = leave_one_out_table(pools, full, drug=drug, outcome=outcome, study_info=study_info)
    if narrow:  # the column says what each row leaves out, so the labels need not
        table = table.assign(label=table["label"].str.removeprefix("Omitting "))
    return _draw_forest(
        table,
        title=f"{drug_label(drug)}: {outcome_label(outcome, timepoint)}, leave-one-out",
        subtitle="Random-effects estimate with each study omitted in turn",
        x_title="Months" if is_median(outcome) else "Proportion",
        reference=full.random.est,
        label_title="Study omitted" if narrow else "Analysis",
        show_design=False,
        show_weight=False,
        show_i2=True,
        narrow=narrow,
    )
