"""The randomised trials that speak to one patient, one report per trial.

For a patient's histology and line, each trial's preferred comparison rows (``comparisons.csv``) are
tiered like :mod:`tkidata.patient.tiers`: *direct* (a cohort or subgroup of the patient's subtype),
*group* (the trial's whole population is the patient's histology group and may have enrolled the
subtype), *all* (a mixed bone and soft-tissue trial), and, for a patient given only a group (soft
tissue, bone) or "all", *subtype* (one subtype's cohort of that group). Of each trial × outcome ×
comparison exactly one row is kept: the most direct tier, then the line subgroup containing the
patient's line over the whole-line row, then the row with a CI and the most patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tkidata.patient.filters import Filters, line_contains, setting_reasons
from tkidata.patient.selection import Row, arm_record, enrolled_reason, evidence_memo
from tkidata.store.loader import Evidence
from tkidata.wording import (
    NO_RANDOMISED_TRIAL,
    RANDOMISED_TIER_WORDS,
    comparison_label,
    format_stated_p,
    hr_text,
    population_label,
    randomised_headline,
    subgroup_line_label,
    treatment_label,
)

TIER_RANK = {"direct": 0, "subtype": 1, "group": 2, "all": 3}
"""Most direct first."""

TRIAL_KEY = ("trial", "outcome", "experimental", "anchor")
"""One row per trial × outcome × comparison in every view: never two reports of one trial."""

RANDOMISED_COLUMNS = (
    "drug",
    "trial",
    "study_id",
    "control_study_id",
    "experimental",
    "anchor",
    "control",
    "comparison_label",
    "setting",
    "population",
    "population_label",
    "subgroup_line",
    "tier",
    "outcome",
    "hr",
    "ci_low",
    "ci_high",
    "has_ci",
    "ci_derived",
    "p_value",
    "review",
    "crossover",
    "n_experimental",
    "n_control",
    "text",
    "headline",
    "source",
    "source_level",
    "location",
    "note",
)
"""Columns of :attr:`RandomisedEvidence.rows`."""

DRUG_COLUMNS = ("drug", "status", "headline", "trials", "message")
"""Columns of :attr:`RandomisedEvidence.drugs`."""


@dataclass(frozen=True, eq=False)
class RandomisedEvidence:
    """The randomised comparisons that match one patient.

    Attributes
    ----------
    filters : Filters
        The patient's filters (histology, line; age applies to the arms).
    rows : pandas.DataFrame
        :data:`RANDOMISED_COLUMNS`, one row per drug × trial × outcome × comparison, most direct
        tier first.
    drugs : pandas.DataFrame
        :data:`DRUG_COLUMNS`, one row per compared drug: ``status`` is ``randomised``,
        ``not_for_patient`` (trials exist, none matches) or ``no_trial`` (none at all);
        ``headline`` is its strongest PFS comparison for the first screen.
    """

    filters: Filters
    rows: pd.DataFrame
    drugs: pd.DataFrame


def tier_of(arm: Row, population: str, histology: str, ev: Evidence) -> str | None:
    """The tier of one comparison row for the patient's histology (None: it does not apply)."""
    pop_group = ev.vocab.histology_group(population) if population not in ("all",) else None
    is_group = population in ("sts", "bone")
    arm_group = arm["histology_group"]
    if histology == "all":
        if population == "all" or is_group:
            return "direct"
        return "subtype"
    if histology in ("sts", "bone"):
        if population == histology or (population == "all" and arm_group == histology):
            return "direct"
        if population == "all" and arm_group == "mixed":
            return "all"
        if not is_group and pop_group == histology:
            return "subtype"
        return None
    if population == histology:
        return "direct"
    if enrolled_reason(arm, histology, ev) is not None:
        return None
    group = ev.vocab.histology_group(histology)
    whole = population == "all" or is_group
    if whole and (population == group or (population == "all" and arm_group == group)):
        return "group"
    if population == "all" and arm_group == "mixed":
        return "all"
    return None


def _population_text(population: str, arm: Row, sub: object) -> str:
    """The population of a row in running text: "osteosarcoma", "soft tissue sarcoma"."""
    code = arm["histology_group"] if population == "all" else population
    text = population_label(code).lower()
    extra = subgroup_line_label(sub)
    return f"{text}, {extra}" if extra else text


def candidate_rows(ev: Evidence, f: Filters) -> pd.DataFrame:
    """Every preferred comparison row that applies to the patient, with its tier (unreduced)."""
    comp = ev.comparisons
    records = []
    arm_filters = f.replace(regimen="any", design="all")
    for row in comp[comp["preferred"].astype(bool)].itertuples(index=False):
        arm = arm_record(ev, row.study_id)  # validated: every comparison names a known arm
        if arm["drug"] not in ev.vocab.tki_drugs or setting_reasons(arm, arm_filters):
            continue
        tier = tier_of(arm, str(row.population), f.histology, ev)
        if tier is None:
            continue
        sub = row.subgroup_line
        if isinstance(sub, str) and (f.line == "any" or not line_contains(sub, f.line)):
            continue
        has_ci = pd.notna(row.ci_low) and pd.notna(row.ci_high)
        label = comparison_label(row.experimental, row.anchor, row.setting)
        pop_text = _population_text(str(row.population), arm, sub)
        records.append(
            {
                "drug": arm["drug"],
                "trial": row.trial,
                "study_id": row.study_id,
                "control_study_id": row.control_study_id,
                "experimental": row.experimental,
                "anchor": row.anchor,
                "control": row.control,
                "comparison_label": label,
                "setting": row.setting,
                "population": row.population,
                "population_label": pop_text,
                "subgroup_line": sub,
                "tier": tier,
                "outcome": row.outcome,
                "hr": row.hr,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "has_ci": has_ci,
                "ci_derived": bool(row.ci_derived),
                "p_value": row.p_value,
                "review": row.review,
                "crossover": row.crossover,
                "n_experimental": row.n_experimental,
                "n_control": row.n_control,
                "text": hr_text(row.outcome, row.hr, row.ci_low, row.ci_high),
                "headline": randomised_headline(
                    label, row.outcome, row.hr, row.ci_low, row.ci_high, row.trial, pop_text
                ),
                "source": row.source,
                "source_level": row.source_level,
                "location": row.location,
                "note": row.note,
            }
        )
    return pd.DataFrame(records, columns=list(RANDOMISED_COLUMNS))


def one_per_trial(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per trial × outcome × comparison: tier, then line subgroup, CI, patients."""
    if rows.empty:
        return rows.reset_index(drop=True)
    ranked = rows.assign(
        _tier=rows["tier"].map(TIER_RANK),
        _whole=rows["subgroup_line"].isna(),
        _noci=~rows["has_ci"].astype(bool),
        _n=-(rows["n_experimental"].fillna(0) + rows["n_control"].fillna(0)).astype(float),
    )
    ranked = ranked.sort_values(["_tier", "_whole", "_noci", "_n"], kind="stable")
    kept = ranked.drop_duplicates(list(TRIAL_KEY), keep="first")
    return kept.drop(columns=["_tier", "_whole", "_noci", "_n"]).reset_index(drop=True)


def _headline_order(rows: pd.DataFrame) -> pd.DataFrame:
    """A drug's rows for its headline: PFS, the drug alone before add-on or maintenance trials,
    the most direct tier, a CI, the most patients."""
    return rows.assign(
        _pfs=rows["outcome"] != "hr_pfs",
        _alone=(rows["experimental"] != rows["drug"]) | (rows["setting"] != "treatment"),
        _tier=rows["tier"].map(TIER_RANK),
        _noci=~rows["has_ci"].astype(bool),
        _n=-(rows["n_experimental"].fillna(0) + rows["n_control"].fillna(0)).astype(float),
    ).sort_values(["_pfs", "_alone", "_tier", "_noci", "_n"], kind="stable")


def randomised_evidence(ev: Evidence, f: Filters) -> RandomisedEvidence:
    """The randomised comparisons matching the patient's histology and line, one per trial.

    Computed once per evidence and patient (:func:`~tkidata.patient.selection.evidence_memo`:
    the same object is returned again, treat it as read-only).

    Parameters
    ----------
    ev : Evidence
    f : Filters
        ``histology`` and ``line`` select and tier the trials (a line subgroup is kept only for
        a patient of a line it contains, and preferred to the whole-line row); ``age`` and
        ``include_mixed_line`` apply to the arms; regimen and design do not (add-on and
        maintenance comparisons are kept, labelled for what they estimate).

    Returns
    -------
    RandomisedEvidence
    """
    return evidence_memo(ev, "randomised_evidence", f, lambda: _randomised_evidence(ev, f))


def _randomised_evidence(ev: Evidence, f: Filters) -> RandomisedEvidence:
    rows = one_per_trial(candidate_rows(ev, f))
    order = {d: i for i, d in enumerate(ev.vocab.tki_drugs)}
    rows = (
        rows.assign(_d=rows["drug"].map(order), _t=rows["tier"].map(TIER_RANK))
        .sort_values(["_d", "_t", "trial", "outcome"], kind="stable")
        .drop(columns=["_d", "_t"])
        .reset_index(drop=True)
    )
    any_trial = {arm_record(ev, s)["drug"] for s in ev.comparisons["study_id"]}
    drugs = []
    for drug in ev.vocab.tki_drugs:
        mine = rows[rows["drug"] == drug]
        if not mine.empty:
            best = _headline_order(mine).iloc[0]
            trials = ";".join(dict.fromkeys(mine["trial"]))
            drugs.append(
                {
                    "drug": drug,
                    "status": "randomised",
                    "headline": best["headline"],
                    "trials": trials,
                    "message": f"{len(set(mine['trial']))} randomised trial(s) for this patient "
                    f"({RANDOMISED_TIER_WORDS[best['tier']]} at best)",
                }
            )
        elif drug in any_trial:
            drugs.append(
                {
                    "drug": drug,
                    "status": "not_for_patient",
                    "headline": "",
                    "trials": "",
                    "message": f"no randomised trial of {drug} matches this "
                    "histology and line: see the broader evidence",
                }
            )
        else:
            drugs.append(
                {
                    "drug": drug,
                    "status": "no_trial",
                    "headline": "",
                    "trials": "",
                    "message": NO_RANDOMISED_TRIAL.format(drug=drug),
                }
            )
    return RandomisedEvidence(f, rows, pd.DataFrame(drugs, columns=list(DRUG_COLUMNS)))


def randomised_table(re: RandomisedEvidence) -> pd.DataFrame:
    """:attr:`RandomisedEvidence.rows` as a reader reads them (page table and download)."""
    rows = re.rows

    def patients(e: object, c: object) -> str:
        if pd.isna(e) and pd.isna(c):
            return "not stated"
        shown = ["not stated" if pd.isna(v) else str(int(v)) for v in (e, c)]
        return " / ".join(shown)

    def crossover(value: object) -> str:
        if pd.isna(value):
            return "not stated"
        return "allowed" if bool(value) else "not allowed"

    return pd.DataFrame(
        {
            "Drug": [treatment_label(d) for d in rows["drug"]],
            "Comparison": rows["comparison_label"],
            "Trial": rows["trial"],
            "Population": rows["population_label"],
            "Evidence": [RANDOMISED_TIER_WORDS[t] for t in rows["tier"]],
            "Hazard ratio (95% CI)": [
                t + (" (CI derived)" if d else "")
                for t, d in zip(rows["text"], rows["ci_derived"], strict=True)
            ],
            "p (as stated)": [format_stated_p(p) for p in rows["p_value"]],
            "Progression assessed by": [
                r if isinstance(r, str) else "not stated" for r in rows["review"]
            ],
            "Crossover": [crossover(v) for v in rows["crossover"]],
            "Patients (drug / control)": [
                patients(e, c)
                for e, c in zip(rows["n_experimental"], rows["n_control"], strict=True)
            ],
            "Source": rows["source"],
        }
    )
