"""Evidence: the PRISMA-style flow of each drug's documented search (identified → screened →
included, with the reasons records were excluded)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from report.charts.style import configure, drug_colour
from report.colors import drug_label

STAGES = (
    ("identified", "Records identified"),
    ("duplicates", "Duplicates removed"),
    ("screened", "Records screened"),
    ("excluded", "Excluded"),
    ("overlapping", "Overlapping reports (context)"),
    ("included", "Included"),
)
"""PRISMA stages: count column → words."""

REASON_WORDS = {
    "not_sarcoma": "not sarcoma",
    "other_drug": "another drug",
    "no_outcomes": "no usable outcomes",
    "review": "review or meta-analysis",
    "case_report": "case report",
    "protocol": "protocol or registry without results",
    "preclinical": "preclinical",
    "not_readable": "not readable in any stored copy",
    "off_topic": "off topic",
    "not_separable": "results only for mixed drugs or regimens",
}
"""Exclusion reason codes in words."""


def prisma_table(counts: pd.DataFrame) -> pd.DataFrame:
    """One row per drug × stage: ``drug, drug_label, stage, count, order``, plus the exclusion
    reasons in words on the ``Excluded`` row.

    ``counts`` is :func:`tkidata.analyses.coverage.search_counts` (one row per drug).
    """
    records = []
    for _, row in counts.iterrows():
        for order, (column, words) in enumerate(STAGES):
            reasons = ""
            if column == "excluded" and row["exclusion_reasons"]:
                parts = [p.rsplit(" ", 1) for p in str(row["exclusion_reasons"]).split("; ")]
                reasons = "; ".join(f"{REASON_WORDS.get(code, code)} {n}" for code, n in parts)
            records.append(
                {
                    "drug": row["drug"],
                    "drug_label": drug_label(str(row["drug"])),
                    "stage": words,
                    "count": int(row[column]),
                    "reasons": reasons,
                    "order": order,
                }
            )
    return pd.DataFrame(
        records, columns=["drug", "drug_label", "stage", "count", "reasons", "order"]
    )


def prisma_chart(counts: pd.DataFrame, *, width: int = 140) -> alt.FacetChart:
    """Bars of each stage per drug (one panel per drug, the drug named above its panel).

    At the default ``width`` the figure fits a phone (about 350 px with the stage labels)."""
    table = prisma_table(counts)
    stages = [words for _, words in STAGES]
    base = alt.Chart(table).encode(
        y=alt.Y("stage:N", sort=stages, axis=alt.Axis(title=None, labelLimit=220)),
        x=alt.X("count:Q", axis=alt.Axis(title="Records", tickMinStep=1, tickCount=4)),
        tooltip=["drug_label:N", "stage:N", "count:Q", "reasons:N"],
    )
    bars = base.mark_bar().encode(color=drug_colour(legend=False))
    labels = base.mark_text(align="left", dx=3, fontSize=12).encode(text=alt.Text("count:Q"))
    chart = (
        alt.layer(bars, labels, data=table)
        .properties(width=width, height=len(stages) * 22)
        .facet(
            row=alt.Row(
                "drug_label:N",
                title=None,
                header=alt.Header(
                    labelFontWeight="bold", labelOrient="top", labelAngle=0, labelAnchor="start"
                ),
            ),
        )
    )
    return configure(
        chart,
        description="PRISMA flow of the documented search per drug: records identified, "
        "duplicates removed, screened, excluded with reasons, and included.",
    )
