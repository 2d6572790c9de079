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
from tkidata.wording import MISSING, design_label, format_value, is_median, outcome_label

USER_SUPPLIED_DESIGN = "User-supplied (what-if)"
LINE_LABELS = {"first": "1st", "second": "2nd", "later": "≥3rd", "mixed": "Mixed"}
HISTOLOGY_LABELS = {"sts": "STS", "bone": "Bone", "mixed": "Mixed"}


def pooled_results_table(compare: pd.DataFrame) -> pd.DataFrame:
    """Pooled results, one row per drug × outcome (``tkidata.compare`` output), for export.

    Returns
    -------
    pandas.DataFrame
        Columns ``Drug``, ``Outcome``, ``Unit`` (``proportion`` or ``months``), ``Estimate``,
        ``CI low``, ``CI high``, ``k``, ``Patients``, ``I² (%)``, ``Studies`` (``;``-joined
        ids), ``Derived``, ``Note``, and ``User-supplied`` (``;``-joined ids, empty if none).
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
    return {
        "study_id": sid,
        "Study": f"{arm['first_author']} {arm['year']}"
        + (f" ({arm['trial']})" if pd.notna(arm.get("trial")) and arm.get("trial") else ""),
        "Drug": drug_label(drug),
        "Design": design_label(arm["design"]),
        "Line": LINE_LABELS.get(str(arm["line"]), MISSING),
        "Histology": HISTOLOGY_LABELS.get(str(arm["histology_group"]), MISSING),
        "n": _int_or_missing(arm["n_enrolled"]),
    }


def _int_or_missing(value: Any) -> Any:
    return pd.NA if value is None or pd.isna(value) else int(value)
