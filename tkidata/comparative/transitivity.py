"""Transitivity: how the patient's randomised trials differ in what modifies the effect.

An anchored indirect comparison is only as good as the similarity of its trials in effect
modifiers: histology mix (share of the patient's subtype), line and prior therapy, baseline risk
(control-arm median PFS), how progression was read (central or investigator review), crossover,
region and how fully the trial is published (Salanti 2012, transitivity assumption).
"""

from __future__ import annotations

import statistics

import pandas as pd

from tkidata.comparative.evidence import RandomisedEvidence, randomised_evidence
from tkidata.patient.filters import Filters
from tkidata.patient.selection import evidence_memo, outcome_records
from tkidata.store.loader import Evidence
from tkidata.store.validate import split_list
from tkidata.wording import (
    PUBLICATION_WORDS,
    TRANSITIVITY_WORDS,
    drug_comparison,
    format_percent,
    line_label,
    population_label,
)

TRANSITIVITY_COLUMNS = (
    "trial",
    "drug",
    "comparison_label",
    "population",
    "histology_mix",
    "subtype_share",
    "line",
    "prior_therapy",
    "control_median_pfs",
    "review",
    "crossover",
    "region",
    "publication_level",
    "differences",
)

BASELINE_RATIO = 1.5
"""A control-arm median PFS this many times above or below the others' median is a difference."""


def arm_median(ev: Evidence, study: str, population: str, subgroup: object) -> float:
    """An arm's median PFS for the row's population and line subgroup (its whole arm as
    fallback); NaN when not stated."""
    whole = pd.isna(subgroup)
    mine = [
        r
        for r in outcome_records(ev, study, "pfs_median")
        if (pd.isna(r["subgroup_line"]) if whole else r["subgroup_line"] == subgroup)
    ]
    for pop in (population, "all", "sts", "bone"):
        hit = [r for r in mine if r["population"] == pop]
        if hit and pd.notna(hit[0]["estimate"]):
            return float(hit[0]["estimate"])
    return float("nan")


def _share(ev: Evidence, row: pd.Series, arm: pd.Series, code: str) -> str:
    """The share of subtype ``code`` among the trial's patients, where stated."""
    listed = split_list(arm["subtypes"])
    if listed == [code]:
        return "100% (a cohort of this subtype)"
    comp = ev.comparisons[(ev.comparisons["trial"] == row["trial"])]
    sub = comp[(comp["population"] == code) & comp["subgroup_line"].isna()]
    whole = comp[comp["population"].isin(["all", "sts", "bone"]) & comp["subgroup_line"].isna()]
    if not sub.empty and not whole.empty:
        part = sub["n_experimental"].iloc[0] + sub["n_control"].iloc[0]
        total = whole["n_experimental"].iloc[0] + whole["n_control"].iloc[0]
        if pd.notna(part) and pd.notna(total) and total > 0:
            return f"{format_percent(100 * part / total)} ({int(part)} of {int(total)})"
    if code in listed:
        return "enrolled; share not stated"
    return "not listed among the enrolled subtypes" if listed else "not stated"


def transitivity_table(
    ev: Evidence, f: Filters, *, evidence: RandomisedEvidence | None = None
) -> pd.DataFrame:
    """One row per trial of the patient's PFS comparisons, and the differences that matter.

    Returns
    -------
    pandas.DataFrame
        ``TRANSITIVITY_COLUMNS``; ``control_median_pfs`` in months (NaN when not stated);
        ``differences`` in words (``;``-separated), empty when none was found.
    """
    re = evidence if evidence is not None else randomised_evidence(ev, f)
    if re is randomised_evidence(ev, f):  # the patient's own: made once per evidence and patient
        return evidence_memo(ev, "transitivity_table", f, lambda: _transitivity_table(ev, f, re))
    return _transitivity_table(ev, f, re)


def _transitivity_table(ev: Evidence, f: Filters, re: RandomisedEvidence) -> pd.DataFrame:
    rows = re.rows[re.rows["outcome"] == "hr_pfs"].drop_duplicates("trial")
    studies = ev.studies.set_index("study_id")
    codes = set(ev.vocab.histology["code"])
    records = []
    for _, row in rows.iterrows():
        arm = studies.loc[row["study_id"]]
        listed = split_list(arm["subtypes"])
        records.append(
            {
                "trial": row["trial"],
                "drug": row["drug"],
                "comparison_label": row["comparison_label"],
                "population": row["population_label"],
                "histology_mix": ", ".join(population_label(c) for c in listed) or "not stated",
                "subtype_share": _share(ev, row, arm, f.histology) if f.histology in codes else "",
                "line": line_label(arm["line"]),
                "prior_therapy": arm["line_reported"] if pd.notna(arm["line_reported"]) else "",
                "control_median_pfs": arm_median(
                    ev, row["control_study_id"], row["population"], row["subgroup_line"]
                ),
                "review": row["review"] if pd.notna(row["review"]) else "not stated",
                "crossover": "not stated"
                if pd.isna(row["crossover"])
                else ("allowed" if bool(row["crossover"]) else "not allowed"),
                "region": arm["country"] if pd.notna(arm["country"]) else "not stated",
                "publication_level": PUBLICATION_WORDS.get(row["source_level"], ""),
                "_tier": row["tier"],
                "_row": row,
            }
        )
    table = pd.DataFrame(records)
    if table.empty:
        return pd.DataFrame(columns=list(TRANSITIVITY_COLUMNS))
    table["differences"] = [_differences(ev, table, i) for i in table.index]
    return table[list(TRANSITIVITY_COLUMNS)].reset_index(drop=True)


def _differences(ev: Evidence, table: pd.DataFrame, i: int) -> str:
    """What sets trial ``i`` apart from the others, in words."""
    words = TRANSITIVITY_WORDS
    me = table.loc[i]
    row = me["_row"]
    others = table.drop(index=i)
    said: list[str] = []
    medians = [m for m in others["control_median_pfs"] if pd.notna(m)]
    value = me["control_median_pfs"]
    if medians and pd.notna(value):
        typical = statistics.median(medians)
        if value >= typical * BASELINE_RATIO or value <= typical / BASELINE_RATIO:
            said.append(words["baseline"].format(value=f"{value:.1f}", typical=f"{typical:.1f}"))
    if me["_tier"] in ("group", "all"):
        said.append(words["broader"].format(population=me["population"]))
    comp = ev.comparisons[ev.comparisons["trial"] == row["trial"]]
    asps = comp[(comp["population"] == "asps") & comp["subgroup_line"].isna()]
    whole = comp[comp["population"].isin(["all", "sts"]) & comp["subgroup_line"].isna()]
    if row["population"] in ("all", "sts") and not asps.empty and not whole.empty:
        part = asps["n_experimental"].iloc[0] + asps["n_control"].iloc[0]
        total = whole["n_experimental"].iloc[0] + whole["n_control"].iloc[0]
        if pd.notna(part) and pd.notna(total) and total > 0:
            said.append(words["indolent"].format(share=format_percent(100 * part / total)))
    other_reviews = sorted({r for r in others["review"] if r != "not stated"})
    if me["review"] != "not stated" and other_reviews and other_reviews != [me["review"]]:
        said.append(words["review"].format(review=me["review"], others=", ".join(other_reviews)))
    if me["crossover"] == "allowed":
        said.append(words["crossover"])
    usual = table["line"].mode().iloc[0]
    if me["line"] != usual:
        said.append(words["line"].format(line=me["line"].lower()))
    if row["source_level"] in ("secondary", "conference_abstract"):
        said.append(words["level"].format(level=me["publication_level"]))
    if row["anchor"] != "placebo":
        said.append(words["active"].format(control=row["control"]))
    if row["setting"] != "treatment":
        said.append(words["setting"].format(setting=row["setting"]))
    return "; ".join(said)


def transitivity_reader_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`transitivity_table` with reader-facing headers (page table and download)."""
    return pd.DataFrame(
        {
            "Trial": table["trial"],
            "Comparison": [
                drug_comparison(d, c)
                for d, c in zip(table["drug"], table["comparison_label"], strict=True)
            ],
            "Population": table["population"],
            "Histology mix": table["histology_mix"],
            "Share of this subtype": table["subtype_share"],
            "Line": table["line"],
            "Prior therapy": table["prior_therapy"],
            "Control median PFS": [
                "not stated" if pd.isna(m) else f"{m:g} mo" for m in table["control_median_pfs"]
            ],
            "Progression assessed by": table["review"],
            "Crossover": table["crossover"],
            "Region": table["region"],
            "Publication": table["publication_level"],
            "Differences that matter": table["differences"],
        }
    )
