"""Grade ≥3 adverse events on Compare: CTCAE term × TKI, "not reported" kept apart from zero."""

from __future__ import annotations

import math
from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from report.charts.style import configure, drug_interval, tki_labels
from report.colors import TKI_DRUGS, drug_label
from tkidata.wording import format_interval


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
        return pd.DataFrame(columns=["CTCAE term", *tki_labels()])
    wide = table.pivot(index="term", columns="drug_label", values="text")
    wide = wide.reindex(index=list(dict.fromkeys(table["term"])), columns=tki_labels())
    return wide.reset_index().rename(columns={"term": "CTCAE term"}).rename_axis(columns=None)


def ae_panel_chart(
    ae_by_drug: Mapping[str, pd.DataFrame], *, top: int = 12, width: int = 180
) -> alt.LayerChart:
    """Grade ≥3 incidence per CTCAE term, one dot-and-interval per drug (offset within a term).

    Drugs differ by colour and shape; about 360 px wide at the default ``width``.
    """
    table = ae_panel_table(ae_by_drug, top=top)
    terms = list(dict.fromkeys(table["term"]))
    y = alt.Y("term:N", sort=terms, axis=alt.Axis(title=None, labelLimit=170))
    y_off = alt.YOffset("drug_label:N", scale=alt.Scale(domain=tki_labels()))
    x_top = float(np.nanmax(table["ci_ub"])) if table["ci_ub"].notna().any() else 0.2
    x_scale = alt.Scale(domain=[0, min(1.0, math.ceil(x_top * 10) / 10 or 0.1)], nice=False)
    base = alt.Chart(table)
    have = base.transform_filter("datum.status != 'not reported'")
    tooltip = [
        alt.Tooltip("term:N", title="Term"),
        alt.Tooltip("drug_label:N", title="Drug"),
        alt.Tooltip("text:N", title="Grade ≥3 incidence (95% CI)"),
    ]
    rule, dot = drug_interval(
        have,
        x_scale=x_scale,
        axis=alt.Axis(format=".0%", title="Grade ≥3 incidence"),
        y=y,
        y_offset=y_off,
        tooltip=tooltip,
        stroke_width=2,
        size=70,
        legend=True,
    )
    nr = (
        base.transform_filter("datum.status == 'not reported'")
        .mark_text(align="left", fontSize=11, color="#595959", dx=2)
        .encode(
            x=alt.XValue(0),
            y=y,
            yOffset=y_off,
            text=alt.TextValue("not reported"),
            tooltip=tooltip,
        )
    )
    chart = alt.layer(rule, dot, nr).properties(
        width=width,
        height=max(len(terms), 1) * 4 * 17,
        title=alt.TitleParams(
            "Grade ≥3 adverse events",
            subtitle=[
                "Pooled incidence among the studies",
                "that reported each term; “not reported”:",
                "no study of that drug reported it",
            ],
        ),
    )
    described = "; ".join(
        f"{r.term}, {r.drug_label}: {r.text}" for r in table.itertuples(index=False)
    )
    return configure(chart, description="Grade ≥3 adverse events by CTCAE term. " + described)
