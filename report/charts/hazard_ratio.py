"""Anchored comparisons: within-trial hazard ratios of each drug vs its trial's control arm."""

from __future__ import annotations

import re
from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from report.charts.style import configure, tki_labels
from report.colors import drug_label, drug_scale, drug_shape_scale
from tkidata.wording import (
    OUTCOME_SHORT,
    comparison_label,
    format_hazard_ratio,
    format_stated_p,
    is_missing,
    population_label,
    subgroup_line_label,
    treatment_label,
)

#: pixels per HR row: two lines of label (drug and trial; endpoint, population and HR)
ROW_PX = 40
_P_VALUE = re.compile(r"\bp\s*([<=>])\s*(0?\.\d+|\d\.\d+)", re.IGNORECASE)


def _no_ci_reason(location: object, note: object) -> str:
    """Why a hazard ratio has no CI, with the p value the source gives, in words."""
    where = "" if is_missing(location) or not str(location) else f" in the source ({location})"
    reason = f"CI not reported{where}"
    found = _P_VALUE.search("" if is_missing(note) else str(note))
    if found:
        sign, value = found.groups()
        value = "0" + value if value.startswith(".") else value
        reason += f"; p {sign} {value}"
    return reason


def hazard_ratio_table(
    hr: pd.DataFrame, population_labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Rows drawn by :func:`hazard_ratio_chart`: one within-trial HR per row.

    ``hr`` has columns ``drug``, ``trial``, ``outcome`` (``hr_pfs``/``hr_os``), ``population``,
    ``estimate``, ``ci_low``, ``ci_high`` (and optionally ``subgroup_line``, ``experimental``,
    ``anchor``, ``setting``, ``p_value``, ``location``, ``note``: ``tkidata.hazard_ratios``);
    ``population_labels`` maps histology codes to labels (default: the shipped vocabulary).

    Every row carries its CI or, in ``reason``, why there is none (with the p value the source
    states), names its drug in ``row_label``, a line subgroup as such, and what it compares
    in ``comparison_label`` ("vs placebo", "vs dacarbazine", "adding gemcitabine to
    pazopanib"; "vs control" when ``anchor`` is not given).
    """
    df = hr.copy().reset_index(drop=True)
    for column in ("location", "note", "population", "subgroup_line", "p_value"):
        if column not in df:
            df[column] = np.nan
    if "anchor" not in df:
        df["anchor"] = "control"
    if "experimental" not in df:
        df["experimental"] = df["drug"]
    if "setting" not in df:
        df["setting"] = "treatment"
    df["comparison_label"] = [
        comparison_label(e, a, s)
        for e, a, s in zip(df["experimental"], df["anchor"], df["setting"], strict=True)
    ]
    df["drug_label"] = df["drug"].map(drug_label)
    df["endpoint"] = [OUTCOME_SHORT.get(str(o), str(o)) for o in df["outcome"]]
    df["population_label"] = [
        ("All patients" if is_missing(p) or p == "all" else population_label(p, population_labels))
        + ("" if not subgroup_line_label(line) else f", {subgroup_line_label(line)}")
        for p, line in zip(df["population"], df["subgroup_line"], strict=True)
    ]
    df["treatment_label"] = [
        drug_label(d) if is_missing(e) or e == d else treatment_label(e)
        for d, e in zip(df["drug"], df["experimental"], strict=True)
    ]
    df["lead"] = [
        f"{t} {c}" if c.split(" ")[0] in ("vs", "maintenance") else f"{t} ({c})"
        for t, c in zip(df["treatment_label"], df["comparison_label"], strict=True)
    ]
    df["p_text"] = [format_stated_p(v) for v in df["p_value"]]
    has_ci = df["ci_low"].notna() & df["ci_high"].notna()
    df["reason"] = [
        "" if ok else _no_ci_reason(loc, note if is_missing(pv) else f"p {pv}")
        for ok, loc, note, pv in zip(has_ci, df["location"], df["note"], df["p_value"], strict=True)
    ]
    derived = df["ci_derived"] if "ci_derived" in df else pd.Series(False, index=df.index)
    df["text"] = [
        format_hazard_ratio(e, lo, hi)
        + ("" if not why else f", {why}")
        + (", CI derived from the stated p value" if bool(d) else "")
        for e, lo, hi, why, d in zip(
            df["estimate"], df["ci_low"], df["ci_high"], df["reason"], derived, strict=True
        )
    ]
    df["row_label"] = [
        f"{lead} · {t}|{e}, {p[0].lower() + p[1:] if p.startswith('All patients') else p}: "
        f"{format_hazard_ratio(est, lo, hi)}" + ("" if ok else " (no CI)")
        for lead, t, e, p, est, lo, hi, ok in zip(
            df["lead"],
            df["trial"],
            df["endpoint"],
            df["population_label"],
            df["estimate"],
            df["ci_low"],
            df["ci_high"],
            has_ci,
            strict=True,
        )
    ]
    return df


def _log_domain(table: pd.DataFrame) -> list[float]:
    """A log axis that holds every estimate and CI limit (nothing clipped), 1 always inside."""
    values = pd.concat([table["estimate"], table["ci_low"], table["ci_high"]]).dropna()
    values = values[values > 0]
    low = min(float(values.min()) if len(values) else 0.1, 0.5)
    high = max(float(values.max()) if len(values) else 2.0, 2.0)
    return [_down(low), _up(high)]


_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)


def _down(x: float) -> float:
    return max((t for t in _TICKS if t <= x), default=_TICKS[0])


def _up(x: float) -> float:
    return min((t for t in _TICKS if t >= x), default=_TICKS[-1])


def hazard_ratio_chart(
    hr: pd.DataFrame, population_labels: Mapping[str, str] | None = None, *, width: int = 150
) -> alt.LayerChart:
    """Within-trial hazard ratios on a log axis (anchored comparison, each vs its trial's control).

    Each row names its drug, what it was compared with, trial, endpoint, population (and line
    subgroup) and HR with CI (or says that the CI was not reported); drugs differ by colour and
    shape, with a legend. The axis holds every CI, so none is clipped. About 360 px wide at the
    default ``width``.
    """
    table = hazard_ratio_table(hr, population_labels)
    rows = table["row_label"].tolist()
    y = alt.Y(
        "row_label:N",
        sort=rows,
        axis=alt.Axis(
            title=None, labelLimit=220, labelExpr="split(datum.label, '|')", labelFontSize=12
        ),
    )
    domain = _log_domain(table)
    x_scale = alt.Scale(type="log", domain=domain, nice=False)
    ticks = [t for t in _TICKS if domain[0] <= t <= domain[1]]
    base = alt.Chart(table)
    drugs_here = [d for d in tki_labels() if d in set(table["drug_label"])]
    legend = alt.Legend(title="Drug", values=drugs_here, orient="bottom", columns=2)
    colour = alt.Color("drug_label:N", scale=drug_scale(), legend=legend)
    layers = alt.layer(
        alt.Chart(pd.DataFrame({"one": [1.0]}))
        .mark_rule(color="#555")
        .encode(x=alt.X("one:Q", scale=x_scale)),
        base.transform_filter("isValid(datum.ci_low)")
        .mark_rule(strokeWidth=2)
        .encode(
            x=alt.X(
                "ci_low:Q",
                scale=x_scale,
                axis=alt.Axis(title=["Hazard ratio vs control", "(log scale)"], values=ticks),
            ),
            x2=alt.X2("ci_high:Q"),
            y=y,
            color=colour,
        ),
        base.mark_point(size=90, opacity=1, filled=True).encode(
            x=alt.X("estimate:Q", scale=x_scale),
            y=y,
            color=colour,
            shape=alt.Shape("drug_label:N", scale=drug_shape_scale(), legend=legend),
            tooltip=[
                alt.Tooltip("drug_label:N", title="Drug"),
                alt.Tooltip("comparison_label:N", title="Comparison"),
                alt.Tooltip("trial:N", title="Trial"),
                alt.Tooltip("endpoint:N", title="Endpoint"),
                alt.Tooltip("population_label:N", title="Population"),
                alt.Tooltip("text:N", title="HR (95% CI)"),
            ],
        ),
    ).properties(
        width=width,
        height=max(len(rows), 1) * ROW_PX,
        title=alt.TitleParams(
            "Hazard ratios within randomised trials",
            subtitle=[
                "Anchored, within trial: each drug",
                "vs its trial's control arm;",
                "HR < 1 favours the drug",
            ],
        ),
    )
    described = "; ".join(
        f"{r.lead}, {r.trial}, {r.endpoint}, {r.population_label}: {r.text}"
        for r in table.itertuples(index=False)
    )
    return configure(
        layers,
        description="Within-trial hazard ratios vs each trial's control (anchored). " + described,
    )
