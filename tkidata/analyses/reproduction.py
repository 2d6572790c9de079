"""Published pooled results next to the same pools recomputed here from the same study set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkidata.analyses.method import Method
from tkidata.analyses.pooling import outcome_label, pool_adverse_events, pool_outcome
from tkidata.patient.filters import Filters
from tkidata.patient.selection import arm_population_ok, candidate_arms
from tkidata.store.loader import Evidence

REPRODUCTION_COLUMNS = (
    "source_id",
    "drug",
    "outcome",
    "population",
    "timepoint_months",
    "term",
    "grade",
    "label",
    "published",
    "published_ci_low",
    "published_ci_high",
    "k_published",
    "i2_published",
    "reproduced",
    "reproduced_ci_low",
    "reproduced_ci_high",
    "k_here",
    "n_here",
    "i2_here",
    "difference",
    "missing",
    "missing_reasons",
    "method",
    "location",
    "note",
)
"""Columns of :func:`reproduction_table`."""


def published_method(method_text: object) -> str:
    """Preset matching a published method statement (GLMM → meta, REML → metafor, else FT)."""
    text = str(method_text).lower() if isinstance(method_text, str) else ""
    if "glmm" in text or "glmer" in text:
        return "meta"
    if "reml" in text:
        return "metafor"
    return "reference"


def _set_filters(population: str) -> Filters:
    """Everything the published set holds: any line, design, regimen, age and assessment (a
    published pool is recomputed as it was pooled, 12-week rates beside landmarks included)."""
    return Filters(histology=population, regimen="any", mix_assessment=True)


def held_studies(ev: Evidence) -> pd.DataFrame:
    """For each published meta-analysis with a curated included-study list: how many studies it
    pooled, how many of them we hold, and how many of those have outcome rows here.

    Returns
    -------
    pandas.DataFrame
        ``source_id, listed, held, with_outcomes, location``.
    """
    inc = ev.included_studies
    rows = []
    with_rows = set(ev.outcomes["study_id"])
    for source, group in inc.groupby("source_id", sort=True) if not inc.empty else []:
        rows.append(
            {
                "source_id": source,
                "listed": int(group["label"].nunique()),
                "held": int(group.loc[group["study_id"].notna(), "label"].nunique()),
                "with_outcomes": int(
                    group.loc[group["study_id"].isin(with_rows), "label"].nunique()
                ),
                "location": "; ".join(sorted(set(group["location"]))),
            }
        )
    return pd.DataFrame(rows, columns=["source_id", "listed", "held", "with_outcomes", "location"])


def _set_members(ev: Evidence, drug: str, source: str) -> list[str]:
    studies = ev.studies
    tagged = studies["included_in"].fillna("").str.split(";").map(lambda ids: source in ids)
    return list(studies.loc[tagged & (studies["drug"] == drug), "study_id"])


def _reproduce_row(ev: Evidence, pub: pd.Series) -> dict[str, object]:
    source, drug, population = pub["source_id"], pub["drug"], pub["population"]
    preset = published_method(pub["method"])
    m = Method.preset(preset)
    f = _set_filters(population)
    members = _set_members(ev, drug, source)
    out: dict[str, object] = {
        "reproduced": np.nan,
        "reproduced_ci_low": np.nan,
        "reproduced_ci_high": np.nan,
        "i2_here": np.nan,
        "method": preset,
    }
    if pub["outcome"] == "ae":
        table = pool_adverse_events(ev, drug, f, m, grade=pub["grade"], study_set=source)
        hit = table[table["term"] == pub["term"]]
        if len(hit):
            row = hit.iloc[0]
            pooled = row["studies"].split(";")
            out.update(
                reproduced=row["est"],
                reproduced_ci_low=row["ci_lb"],
                reproduced_ci_high=row["ci_ub"],
                k_here=int(row["k"]),
                n_here=int(row["n"]),
                i2_here=row["i2"],
            )
        else:
            pooled = []
            out.update(k_here=0, n_here=0)
        _, left_out = candidate_arms(ev, drug, f, source)
        why = {e["study_id"]: e["reason"] for e in left_out}
        group = ev.studies.set_index("study_id")
        for sid in members:
            if sid in why or sid in pooled:
                continue
            if not arm_population_ok(group.loc[sid], population, ev):
                why[sid] = f"not a {population}-only arm (AE rows carry no population)"
            else:
                why[sid] = "term not reported at this grade"
        reasons = {sid: why[sid] for sid in members if sid not in pooled}
    else:
        timepoint = pub["timepoint_months"]
        t = int(timepoint) if pd.notna(timepoint) else None
        res = pool_outcome(ev, drug, pub["outcome"], f, m, timepoint=t, study_set=source)
        pooled = list(res.study_ids)
        if res.estimate is not None:
            est, lo, hi = res.estimate
            out.update(reproduced=est, reproduced_ci_low=lo, reproduced_ci_high=hi)
            out["i2_here"] = res.pool.i2 if res.k > 1 else np.nan
        out.update(k_here=res.k, n_here=res.n_patients)
        excluded = dict(
            zip(res.selection.excluded["study_id"], res.selection.excluded["reason"], strict=True)
        )
        reasons = {
            sid: excluded.get(
                sid, "no usable CI" if pub["outcome"].endswith("median") else "not pooled"
            )
            for sid in members
            if sid not in pooled
        }
    missing = [sid for sid in members if sid not in pooled]
    out["missing"] = ";".join(missing)
    out["missing_reasons"] = " | ".join(f"{sid}: {reasons[sid]}" for sid in missing)
    notes = []
    if out["k_here"] == 0:
        notes.append(f"k = 0: no curated study of {source} gives this result yet")
    if pd.notna(pub["k"]) and out["k_here"] != pub["k"]:
        notes.append(f"k here {out['k_here']} vs {int(pub['k'])} published")
    out["note"] = "; ".join(notes)
    return out


def reproduction_table(ev: Evidence) -> pd.DataFrame:
    """Recompute every published pooled result from the same study set with the published method.

    For each ``published.csv`` row, the arms whose ``included_in`` lists its ``source_id`` are
    pooled (any line, design, regimen and age; histology = the row's population) with the
    method preset matching the published method (Li 2025: Freeman–Tukey, DerSimonian–Laird,
    Wilson study CIs, harmonic-mean back-transform = ``reference``).

    Returns
    -------
    pandas.DataFrame
        :data:`REPRODUCTION_COLUMNS`; ``difference`` = reproduced − published (fractions or
        months); ``missing`` lists the set's arms of that drug that did not enter, with the reason
        in ``missing_reasons``. Rows with k = 0 say so in ``note``.
    """
    records = []
    for _, pub in ev.published.iterrows():
        record: dict[str, object] = {
            "source_id": pub["source_id"],
            "drug": pub["drug"],
            "outcome": pub["outcome"],
            "population": pub["population"],
            "timepoint_months": pub["timepoint_months"],
            "term": pub["term"],
            "grade": pub["grade"],
            "published": pub["estimate"],
            "published_ci_low": pub["ci_low"],
            "published_ci_high": pub["ci_high"],
            "k_published": pub["k"],
            "i2_published": pub["i2"],
            "location": pub["location"],
        }
        if pub["outcome"] == "ae":
            grade = "grade ≥3" if pub["grade"] == "3plus" else "any grade"
            record["label"] = f"{pub['term']} ({grade})"
        else:
            t = pub["timepoint_months"]
            record["label"] = outcome_label(pub["outcome"], int(t) if pd.notna(t) else None)
        record.update(_reproduce_row(ev, pub))
        record["difference"] = record["reproduced"] - record["published"]
        records.append(record)
    table = pd.DataFrame(records, columns=list(REPRODUCTION_COLUMNS))
    for col in ("timepoint_months", "k_published", "k_here", "n_here"):
        table[col] = table[col].astype("Int64")
    for col in ("published", "reproduced", "difference", "reproduced_ci_low", "reproduced_ci_high"):
        table[col] = table[col].astype(float)
    return table
