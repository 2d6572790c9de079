"""Safety: all-grade vs grade ≥3 incidence per CTCAE term and drug."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from report.charts.style import configure, drug_interval, tki_labels
from report.colors import drug_label
from tkidata.wording import GRADE_LABELS, format_interval


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
    width: int = 180,
    always: Sequence[str] = (),
) -> alt.VConcatChart:
    """Two panels, all grades above grade ≥3, with the same terms in the same order and one
    dot-and-interval per drug (colour and shape).

    Shows the ``top`` terms with the highest incidence in any drug and grade band; about
    360 px wide at the default ``width``, so it fits a phone. Terms in ``always`` (e.g. the
    patient summary's most frequent grade ≥3 events) are shown even beyond the ``top``.
    """
    table = safety_table(any_grade, grade3, drugs=drugs)
    ranked = list(dict.fromkeys(table["term"]))
    kept = set(ranked[:top]) | set(always)
    order = [term for term in ranked if term in kept]
    table = table[table["term"].isin(order)]
    drugs_here = [d for d in tki_labels() if d in set(table["drug_label"])]
    per_term = max(len(drugs_here), 1) * 15 + 6
    y = alt.Y(
        "term:N",
        sort=order,
        scale=alt.Scale(domain=order),
        axis=alt.Axis(title=None, labelLimit=170),
    )
    y_off = alt.YOffset("drug_label:N", scale=alt.Scale(domain=drugs_here))
    top_ci = float(np.nanmax(table["ci_ub"])) if table["ci_ub"].notna().any() else 1.0
    x_scale = alt.Scale(domain=[0, min(1.0, math.ceil(top_ci * 10) / 10 or 0.1)], nice=False)
    panels = []
    for grade, label in GRADE_LABELS.items():
        base = alt.Chart(table).transform_filter(alt.datum.grade == grade)
        rule, dot = drug_interval(
            base,
            x_scale=x_scale,
            axis=alt.Axis(format=".0%", title="Incidence"),
            y=y,
            y_offset=y_off,
            tooltip=[
                alt.Tooltip("term:N", title="Term"),
                alt.Tooltip("drug_label:N", title="Drug"),
                alt.Tooltip("text:N", title=label),
            ],
            stroke_width=1.5,
            size=55,
            legend=True,
        )
        panels.append(
            alt.layer(rule, dot).properties(
                width=width, height=per_term * max(len(order), 1), title=label
            )
        )
    chart = (
        alt.vconcat(*panels, spacing=24)
        .resolve_scale(x="shared")
        .properties(
            title=alt.TitleParams(
                "Adverse events by CTCAE term",
                subtitle=["Pooled incidence among the studies", "that reported each term"],
            )
        )
    )
    described = "; ".join(
        f"{r.term}, {r.drug_label}, {r.grade_label}: {r.text}"
        for r in table.itertuples(index=False)
    )
    return configure(chart, description="Adverse events by CTCAE term. " + described)
