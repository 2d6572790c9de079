"""The tables of a view as exported: pooled results and the evidence table.

Both are plain DataFrames with reader-facing column names. Numbers stay numbers (proportions as
fractions, medians in months), so a CSV or Excel export can be re-analysed; display text is in
the deck only. User-supplied (what-if) rows are marked in every table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from report.colors import drug_label
from tkidata.patient.selection import author_year, is_unnamed
from tkidata.wording import (
    MISSING,
    design_label,
    format_count,
    format_difference,
    format_interval,
    format_percent,
    format_value,
    is_median,
    is_missing,
    line_label,
    outcome_label,
    population_label,
)

USER_SUPPLIED_DESIGN = "User-supplied (what-if)"


def pooled_results_table(compare: pd.DataFrame) -> pd.DataFrame:
    """Pooled results, one row per drug × outcome (``tkidata.compare`` output), for export.

    Returns
    -------
    pandas.DataFrame
        Columns ``Drug``, ``Outcome``, ``Unit`` (``proportion`` or ``months``), ``Estimate``,
        ``CI low``, ``CI high``, ``k``, ``Patients``, ``I² (%)``, ``Studies`` (``;``-joined
        ids), ``Derived``, ``Note``, ``User-supplied`` (``;``-joined ids, empty if none) and
        ``Evidence tier`` (a ``tkidata.tiered_compare`` table's tier; empty otherwise).
    """
    tp = compare["timepoint"] if "timepoint" in compare else pd.Series(pd.NA, compare.index)
    user = (
        compare["user_supplied"].fillna("").astype(str)
        if "user_supplied" in compare
        else pd.Series("", index=compare.index)
    )
    return pd.DataFrame(
        {
            "Drug": compare["drug"].map(drug_label),
            "Outcome": [
                outcome_label(o, None if pd.isna(t) else int(t), short=True)
                for o, t in zip(compare["outcome"], tp, strict=True)
            ],
            "Unit": ["months" if is_median(o) else "proportion" for o in compare["outcome"]],
            "Estimate": compare["est"].astype(float),
            "CI low": compare["ci_lb"].astype(float),
            "CI high": compare["ci_ub"].astype(float),
            "k": compare["k"].astype(int),
            "Patients": compare["n"].astype("Int64"),
            "I² (%)": compare["i2"].astype(float),
            "Studies": compare["study_ids"].fillna("").astype(str),
            "Derived": compare["derived"].astype(bool),
            "Note": compare["note"].fillna("").astype(str),
            "User-supplied": user,
            "Evidence tier": compare["tier_words"].fillna("").astype(str)
            if "tier_words" in compare
            else "",
        }
    ).reset_index(drop=True)


def _study_value(row: Mapping[str, Any], outcome: str) -> str:
    """One study's number for an outcome, as text: ``"27.3% (12/44)"``, ``"7.8 mo"``."""
    if is_median(outcome):
        est = row.get("estimate")
        if pd.isna(est):
            return MISSING
        return format_value(float(est), months=True) + (
            " (NR)" if row.get("not_reached") == "estimate" else ""
        )
    events, n, est = row.get("events"), row.get("n"), row.get("estimate")
    if pd.notna(events) and pd.notna(n) and int(n) > 0:
        return f"{format_value(int(events) / int(n))} ({int(events)}/{int(n)})"
    return format_value(float(est)) if pd.notna(est) else MISSING


def evidence_table(
    results: Iterable[Any],
    studies: pd.DataFrame,
    *,
    also_cited: Iterable[str] = (),
) -> pd.DataFrame:
    """The evidence behind a view: one row per study arm (a user-supplied study: one per drug
    it was added to), with its number for each outcome.

    Parameters
    ----------
    results
        ``tkidata`` ``OutcomeResult`` objects of the view; an arm enters the table when it enters
        one of these pools, with its own number under that outcome's column.
    studies
        The evidence base's ``studies`` table (design, line, histology, n of every arm).
    also_cited
        Further study ids of the view (e.g. the adverse-event panel's studies), listed with
        their design and n and no outcome numbers.

    Returns
    -------
    pandas.DataFrame
        Columns ``study_id``, ``Study``, ``Drug``, ``Design``, ``Line``, ``Histology``, ``n``,
        then one text column per outcome (``ORR``, ``PFS-6``, ...), ordered by drug then study.
        User-supplied rows have the design ``"User-supplied (what-if)"``.
    """
    info = studies.set_index("study_id")
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    columns: list[str] = []
    for res in results:
        column = outcome_label(res.outcome, res.timepoint, short=True)
        if column not in columns:
            columns.append(column)
        in_pool = res.selection.rows[res.selection.rows["study_id"].isin(res.study_ids)]
        for rec in in_pool.to_dict("records"):
            sid = str(rec["study_id"])
            user = bool(rec.get("user_supplied", False))
            entry = rows.setdefault(
                (sid, res.drug), _arm_entry(sid, res.drug, info, rec, user=user)
            )
            entry[column] = _study_value(rec, res.outcome)
    for sid in also_cited:
        drug = str(info.loc[sid, "drug"]) if sid in info.index else ""
        if drug and (sid, drug) not in rows:
            rows[(sid, drug)] = _arm_entry(sid, drug, info, {}, user=False)
    table = pd.DataFrame(list(rows.values()))
    base = ["study_id", "Study", "Drug", "Design", "Line", "Histology", "n"]
    if table.empty:
        return pd.DataFrame(columns=base + columns)
    for column in columns:
        if column not in table:
            table[column] = MISSING
    table[columns] = table[columns].fillna(MISSING)
    table["n"] = table["n"].astype("Int64")
    clash = table["Study"].duplicated(keep=False)
    table.loc[clash, "Study"] = (
        table.loc[clash, "Study"] + " [" + table.loc[clash, "study_id"] + "]"
    )
    table = table.sort_values(["Drug", "Study"], kind="stable")
    return table[base + columns].reset_index(drop=True)


def _arm_entry(
    sid: str, drug: str, info: pd.DataFrame, rec: Mapping[str, Any], *, user: bool
) -> dict[str, Any]:
    if user or sid not in info.index:
        return {
            "study_id": sid,
            "Study": str(rec.get("label", sid)),
            "Drug": drug_label(drug),
            "Design": USER_SUPPLIED_DESIGN,
            "Line": MISSING,
            "Histology": MISSING,
            "n": _int_or_missing(rec.get("n")),
        }
    arm = info.loc[sid]
    trial = arm.get("trial") if isinstance(arm.get("trial"), str) else ""
    named = not is_unnamed(arm["first_author"])
    return {
        "study_id": sid,
        "Study": author_year(arm["first_author"], arm["year"], trial or sid)
        + (f" ({trial})" if trial and named else ""),
        "Drug": drug_label(drug),
        "Design": design_label(arm["design"]),
        "Line": line_label(arm["line"]),
        "Histology": population_label(arm["histology_group"]),
        "n": _int_or_missing(arm["n_enrolled"]),
    }


def _int_or_missing(value: Any) -> Any:
    return pd.NA if value is None or pd.isna(value) else int(value)


#: chart-table columns that hold codes or drawing positions, never shown to readers
_INTERNAL = {
    "row",
    "months",
    "rank",
    "kind",
    "drug",
    "status_code",
    "_all",
    "outcome",
    "timepoint",
    "grade",
    "one",
    "population",
    "study_id",
    "studies",
    "comparator_study_id",
    "comparator_drug",
    "comparison",
    "row_label",
    "subgroup_line",
    "experimental",
    "anchor",
    "setting",
    "lead",
    "p_value",
    "ci_derived",
}
_HEADERS = {
    "drug_label": "Drug",
    "panel": "Outcome",
    "label": "Study",
    "trial": "Trial",
    "endpoint": "Endpoint",
    "population_label": "Population",
    "group": "Subgroup",
    "design": "Design",
    "term": "CTCAE term",
    "soc": "Organ class",
    "grade_label": "Grade",
    "quantity": "Quantity",
    "preset": "Method preset",
    "text": "Estimate (95% CI)",
    "est_text": "Estimate (95% CI)",
    "ci_text": "95% CI",
    "estimate_text": "Estimate (95% CI)",
    "n_text": "n",
    "n": "n",
    "n_patients": "Patients",
    "k": "Studies (k)",
    "i2": "I²",
    "weight_text": "Weight",
    "weight": "Weight",
    "status": "Status",
    "reason": "Why no CI",
    "studies": "Study ids",
    "yi": "Effect (analysis scale)",
    "sei": "Standard error",
    "proportion": "Proportion",
    "spread_pp": "Estimates differ by",
    "ci_spread_pp": "CI limits differ by",
    "ft_outside": "FT estimate outside the studies",
    "flag": "Divergence",
    "study_min": "Lowest study",
    "study_max": "Highest study",
    "location": "Where in the source",
    "note": "Note",
    "comparison_label": "Comparison",
    "treatment_label": "Treatment",
    "control": "Control",
    "review": "Progression assessed by",
    "p_text": "p (as stated)",
    "source": "Source",
}
#: raw numbers that a text column of the same table already shows in words
_SHOWN_AS_TEXT = {
    "est": ("text", "est_text"),
    "ci_lb": ("text", "est_text", "ci_text"),
    "ci_ub": ("text", "est_text", "ci_text"),
    "estimate": ("text", "estimate_text"),
    "ci_low": ("text", "estimate_text"),
    "ci_high": ("text", "estimate_text"),
    "n": ("n_text",),
    "weight": ("weight_text",),
    "study_min": (),
    "study_max": (),
}


def _cell(column: str, value: Any, months: bool) -> str:
    """One chart-table cell as a reader sees it."""
    if is_missing(value):
        return MISSING
    if column in ("est", "estimate", "ci_lb", "ci_ub", "ci_low", "ci_high", "proportion"):
        return format_value(float(value), months=months)
    if column in ("study_min", "study_max"):
        return format_value(float(value))
    if column in ("n", "n_patients", "k"):
        return format_count(value)
    if column in ("i2", "weight"):
        return format_percent(value, digits=0 if column == "i2" else 1)
    if column in ("yi", "sei"):
        return f"{float(value):.2f}"
    if column in ("spread_pp", "ci_spread_pp"):
        return f"{float(value):.1f} points"
    if column == "design":
        return design_label(value) if "_" in str(value) else str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in ("location", "note"):
        return str(value)[:1].upper() + str(value)[1:]
    return str(value)


def reader_table(table: pd.DataFrame) -> pd.DataFrame:
    """A chart's ``*_table`` as readers see it: words, percentages and months, no codes.

    Columns that hold codes or drawing positions are dropped, raw numbers that a text column
    already shows are dropped, the rest are formatted (proportions as percentages, medians in
    months, counts as integers) and renamed in words; an empty cell reads ``"—"``.
    """
    months = table["months"].astype(bool).tolist() if "months" in table else [False] * len(table)
    shown = [
        c
        for c in table.columns
        if c not in _INTERNAL
        and not (c in _SHOWN_AS_TEXT and any(t in table for t in _SHOWN_AS_TEXT[c]))
        and not c.startswith("_")
    ]
    out = pd.DataFrame(
        {
            _HEADERS.get(c, c.replace("_", " ").capitalize()): [
                _cell(c, v, m) for v, m in zip(table[c], months, strict=True)
            ]
            for c in shown
        }
    )
    return out.loc[:, ~out.columns.duplicated()].reset_index(drop=True)


def reproduction_status(k_here: Any, k_published: Any) -> str:
    """How much of a published pool is reproduced here, in words.

    ``"Partial reproduction: we hold 8 of the 16 studies"``, ``"Full reproduction: all 16
    studies"``, or, when the paper does not state k, how many studies the pool here has.
    """
    here = 0 if is_missing(k_here) else int(k_here)
    if here == 0:
        return "Not reproduced: we hold none of its studies for this result"
    if is_missing(k_published):
        studies = "1 of its studies" if here == 1 else f"{here} of its studies"
        return f"Partial reproduction: we hold {studies} (the paper does not state k)"
    published = int(k_published)
    if here == published:
        return f"Full reproduction: all {published} studies"
    if here < published:
        return f"Partial reproduction: we hold {here} of the {published} studies"
    return f"Not comparable: {here} studies here vs {published} published"


def reproduction_view(table: pd.DataFrame) -> pd.DataFrame:
    """Published vs reproduced (``tkidata.reproduction_table``) as readers see it.

    Reproduced results come first, most complete first; results with k = 0 here come last.
    Estimates read ``"8.8% (6.2–11.7)"`` or ``"6.7 (5.1–8.2) mo"``, the difference in
    percentage points or months.
    """
    rows = []
    for r in table.to_dict("records"):
        months = str(r["outcome"]).endswith("_median")
        k_here = 0 if is_missing(r["k_here"]) else int(r["k_here"])
        rows.append(
            {
                "Source": str(r["source_id"]),
                "Drug": drug_label(str(r["drug"])),
                "Quantity": str(r["label"])[:1].upper() + str(r["label"])[1:],
                "Population": population_label(r["population"]),
                "Published": format_interval(
                    r["published"], r["published_ci_low"], r["published_ci_high"], months=months
                ),
                "Reproduced here": format_interval(
                    r["reproduced"], r["reproduced_ci_low"], r["reproduced_ci_high"], months=months
                ),
                "Difference": format_difference(r["difference"], months=months),
                "Reproduction": reproduction_status(k_here, r["k_published"]),
                "Patients here": format_count(r["n_here"]) if k_here else MISSING,
                "Studies missing here": str(r["missing_reasons"] or MISSING),
                "Where published": str(r["location"] or MISSING),
                "_k": k_here,
                "_share": k_here / float(r["k_published"])
                if not is_missing(r["k_published"]) and r["k_published"]
                else 0.0,
            }
        )
    view = pd.DataFrame(rows)
    if view.empty:
        return view
    view = view.sort_values(["_k", "_share"], ascending=False, kind="stable", key=_reproduced)
    return view.reset_index(drop=True)


def _reproduced(column: pd.Series) -> pd.Series:
    """Sort key: reproduced (k > 0) before not, then the share of published studies held."""
    return column.gt(0).astype(int) if column.name == "_k" else column
