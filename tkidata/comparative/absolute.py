"""Absolute benefit and harm of each randomised comparison for one patient.

Observed: the landmark PFS each arm reports (outcomes.csv, Kaplan–Meier or at a fixed week, the
two arms read alike) gives a risk difference per 100 patients with a Wald CI and the number
needed to treat, 1 / difference. Modelled (where a landmark is not reported but the control
arm's median and the HR are): an exponential control curve S_c(t) = 2^(−t / median) and
proportional hazards, S_drug(t) = S_c(t)^HR, with the CI from the HR's CI — it ignores the
uncertainty of the control median and can be far off when a subtype has a long tail. Harm: grade
≥3 adverse events reported by both arms give a difference per 100 and the number needed to harm.
"""

from __future__ import annotations

import math

import pandas as pd

from tkidata.comparative.evidence import (
    TIER_RANK,
    RandomisedEvidence,
    randomised_evidence,
    tier_of,
)
from tkidata.comparative.indirect import Z95
from tkidata.comparative.transitivity import arm_median
from tkidata.patient.filters import Filters, setting_reasons
from tkidata.patient.selection import evidence_memo
from tkidata.store.loader import Evidence
from tkidata.wording import (
    comparison_label,
    format_difference_per_100,
    number_needed,
    population_label,
    treatment_label,
)

LANDMARKS = (3, 6, 12)
"""Months at which absolute effects are shown."""

ABSOLUTE_COLUMNS = (
    "drug",
    "trial",
    "comparison_label",
    "population",
    "months",
    "week",
    "kind",
    "rate_experimental",
    "rate_control",
    "n_experimental",
    "n_control",
    "rd_per_100",
    "rd_ci_low",
    "rd_ci_high",
    "nnt",
    "median_experimental",
    "median_control",
    "median_gain",
)
HARM_COLUMNS = (
    "drug",
    "trial",
    "comparison_label",
    "term",
    "rate_experimental",
    "rate_control",
    "n_experimental",
    "n_control",
    "rd_per_100",
    "rd_ci_low",
    "rd_ci_high",
    "nnh",
)


def risk_difference(
    p1: float, n1: float | None, p2: float, n2: float | None
) -> tuple[float, float, float]:
    """Difference p1 − p2 per 100 patients with a Wald 95% CI (NaN limits without both n).

    SE = √(p1(1 − p1)/n1 + p2(1 − p2)/n2).
    """
    rd = 100.0 * (p1 - p2)
    if not n1 or not n2 or pd.isna(n1) or pd.isna(n2):
        return rd, math.nan, math.nan
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return rd, rd - 100.0 * Z95 * se, rd + 100.0 * Z95 * se


def modelled_survival(months: float, median_control: float, hr: float) -> tuple[float, float]:
    """Exponential control curve and proportional hazards: (S_control(t), S_drug(t)).

    S_control(t) = 2^(−t / median) (the exponential with that median); S_drug(t) =
    S_control(t)^HR.
    """
    s_control = 2.0 ** (-months / median_control)
    return s_control, s_control**hr


def _study_rates(ev: Evidence, study: str) -> pd.DataFrame:
    """An arm's PFS-rate rows (kept per evidence: an arm is read for several trials)."""
    oc = ev.outcomes
    return evidence_memo(
        ev,
        "pfs_rates",
        study,
        lambda: oc[(oc["study_id"] == study) & (oc["outcome"] == "pfs_rate")],
    )


def _rates(ev: Evidence, study: str, population: str, subgroup: object) -> pd.DataFrame:
    mine = _study_rates(ev, study)
    mine = mine[mine["population"] == population]
    same = mine["subgroup_line"].isna() if pd.isna(subgroup) else mine["subgroup_line"] == subgroup
    return mine[same & mine["assessment"].isin(["km", "week"])]


def absolute_effects(
    ev: Evidence, f: Filters, *, evidence: RandomisedEvidence | None = None
) -> pd.DataFrame:
    """Per trial × landmark: PFS in each arm, the difference per 100 and the NNT.

    Trials with a hazard ratio come from :func:`randomised_evidence`; randomised trials that
    state no hazard ratio but report a landmark in both arms (REGOBONE's progression-free rate
    at 8 weeks) are added as observed pairs. Observed landmarks (both arms, same assessment and
    week) come first; a landmark of :data:`LANDMARKS` without an observed pair is modelled from
    the control median and the HR when both exist. ``median_gain`` is the difference of the
    arms' median PFS (months).

    Returns
    -------
    pandas.DataFrame
        ``ABSOLUTE_COLUMNS``; ``kind`` is ``observed`` or ``modelled``; ``week`` is the
        assessment week of a rate read at a fixed week (else NaN); ``nnt`` is 1 / difference
        (NaN when the difference is not positive).
    """
    re = evidence if evidence is not None else randomised_evidence(ev, f)
    rows = re.rows[re.rows["outcome"] == "hr_pfs"]
    records: list[dict[str, object]] = []
    for _, row in rows.iterrows():
        pop, sub = row["population"], row["subgroup_line"]
        med_e = arm_median(ev, row["study_id"], pop, sub)
        med_c = arm_median(ev, row["control_study_id"], pop, sub)
        gain = med_e - med_c if not (math.isnan(med_e) or math.isnan(med_c)) else math.nan
        base = {
            "drug": row["drug"],
            "trial": row["trial"],
            "comparison_label": row["comparison_label"],
            "population": row["population_label"],
            "median_experimental": med_e,
            "median_control": med_c,
            "median_gain": gain,
        }
        exp_rates = _rates(ev, row["study_id"], pop, sub)
        ctl_rates = _rates(ev, row["control_study_id"], pop, sub)
        observed: set[int] = set()
        for e in exp_rates.itertuples(index=False):
            match = ctl_rates[
                (ctl_rates["timepoint_months"] == e.timepoint_months)
                & (ctl_rates["assessment"] == e.assessment)
                & (
                    ctl_rates["assessment_week"].isna()
                    if pd.isna(e.assessment_week)
                    else ctl_rates["assessment_week"] == e.assessment_week
                )
            ]
            if match.empty:
                continue
            c = match.iloc[0]
            rd, lo, hi = risk_difference(e.estimate, e.n, c["estimate"], c["n"])
            week = e.assessment_week if e.assessment == "week" else math.nan
            if e.assessment == "km":
                observed.add(int(e.timepoint_months))
            records.append(
                {
                    **base,
                    "months": int(e.timepoint_months) if e.assessment == "km" else math.nan,
                    "week": week,
                    "kind": "observed",
                    "rate_experimental": e.estimate,
                    "rate_control": c["estimate"],
                    "n_experimental": e.n,
                    "n_control": c["n"],
                    "rd_per_100": rd,
                    "rd_ci_low": lo,
                    "rd_ci_high": hi,
                    "nnt": 100.0 / rd if rd > 0 else math.nan,
                }
            )
        if math.isnan(med_c):
            continue
        for months in LANDMARKS:
            if months in observed:
                continue
            s_c, s_e = modelled_survival(months, med_c, row["hr"])
            rd = 100.0 * (s_e - s_c)
            lo = hi = math.nan
            if row["has_ci"]:
                lo = 100.0 * (s_c ** row["ci_high"] - s_c)
                hi = 100.0 * (s_c ** row["ci_low"] - s_c)
            records.append(
                {
                    **base,
                    "months": months,
                    "week": math.nan,
                    "kind": "modelled",
                    "rate_experimental": s_e,
                    "rate_control": s_c,
                    "n_experimental": row["n_experimental"],
                    "n_control": row["n_control"],
                    "rd_per_100": rd,
                    "rd_ci_low": lo,
                    "rd_ci_high": hi,
                    "nnt": 100.0 / rd if rd > 0 else math.nan,
                }
            )
    records += _trials_without_hr(ev, f, set(ev.comparisons["trial"]))
    table = pd.DataFrame(records, columns=list(ABSOLUTE_COLUMNS))
    order = {d: i for i, d in enumerate(ev.vocab.tki_drugs)}
    return (
        table.assign(_d=table["drug"].map(order), _m=table["months"].fillna(0))
        .sort_values(["_d", "trial", "_m", "week"], kind="stable")
        .drop(columns=["_d", "_m"])
        .reset_index(drop=True)
    )


def _landmark_pairs(
    ev: Evidence, arm: pd.Series, control: pd.Series, pop: str, label: str
) -> list[dict[str, object]]:
    """Both arms' landmark rates of one cohort at the same time and assessment."""
    mine = _rates(ev, str(arm["study_id"]), pop, None)
    theirs = _rates(ev, str(control["study_id"]), pop, None)
    med_e = arm_median(ev, str(arm["study_id"]), pop, None)
    med_c = arm_median(ev, str(control["study_id"]), pop, None)
    pairs: list[dict[str, object]] = []
    for e in mine.itertuples(index=False):
        week = e.assessment_week if pd.notna(e.assessment_week) else -1
        c = theirs[
            (theirs["timepoint_months"] == e.timepoint_months)
            & (theirs["assessment"] == e.assessment)
            & (theirs["assessment_week"].fillna(-1) == week)
        ]
        if c.empty:
            continue
        other = c.iloc[0]
        rd, lo, hi = risk_difference(e.estimate, e.n, other["estimate"], other["n"])
        pairs.append(
            {
                "drug": arm["drug"],
                "trial": arm["trial"],
                "comparison_label": label,
                "population": population_label(pop).lower(),
                "months": int(e.timepoint_months) if e.assessment != "week" else math.nan,
                "week": e.assessment_week if e.assessment == "week" else math.nan,
                "kind": "observed",
                "rate_experimental": e.estimate,
                "rate_control": other["estimate"],
                "n_experimental": e.n,
                "n_control": other["n"],
                "rd_per_100": rd,
                "rd_ci_low": lo,
                "rd_ci_high": hi,
                "nnt": 100.0 / rd if rd > 0 else math.nan,
                "median_experimental": med_e,
                "median_control": med_c,
                "median_gain": med_e - med_c,
            }
        )
    return pairs


def _trials_without_hr(ev: Evidence, f: Filters, with_hr: set[str]) -> list[dict[str, object]]:
    """Observed landmark pairs of randomised trials that state no hazard ratio (REGOBONE).

    A trial's drug arm is paired with the one control arm of the same trial, cohort (subtypes)
    and report year; both arms' landmark rates at the same time and assessment give the
    difference. One report per trial: only ``preferred`` arms enter, and of a trial's cohorts
    the most direct for the patient (then the largest) is kept.
    """
    studies = ev.studies
    rct = studies[(studies["design"] == "rct_arm") & studies["preferred"].astype(bool)]
    arm_filters = f.replace(regimen="any", design="all")
    tki = set(ev.vocab.tki_drugs)
    records: list[dict[str, object]] = []
    for trial, arms in rct.groupby("trial"):
        if trial in with_hr:
            continue
        found: list[tuple[int, float, list[dict[str, object]]]] = []
        controls = arms[~arms["drug"].isin(tki)]
        for _, arm in arms[arms["drug"].isin(tki)].iterrows():
            if setting_reasons(arm.to_dict(), arm_filters):
                continue
            same = controls[
                (controls["subtypes"].fillna("") == (arm["subtypes"] or ""))
                & (controls["year"] == arm["year"])
            ]
            if len(same) != 1:
                continue
            label = comparison_label(str(arm["drug"]), str(same.iloc[0]["drug"]))
            pops = ev.outcomes.loc[ev.outcomes["study_id"] == arm["study_id"], "population"]
            for pop in dict.fromkeys(pops):
                tier = tier_of(arm, str(pop), f.histology, ev)
                if tier is None:
                    continue
                cohort = _landmark_pairs(ev, arm, same.iloc[0], str(pop), label)
                if cohort:
                    size = sum(float(r["n_experimental"]) + float(r["n_control"]) for r in cohort)
                    found.append((TIER_RANK[tier], -size, cohort))
        if found:
            records += min(found, key=lambda item: item[:2])[2]
    return records


def harms(ev: Evidence, f: Filters, *, evidence: RandomisedEvidence | None = None) -> pd.DataFrame:
    """Grade ≥3 adverse events reported by both arms of a trial: difference per 100 and NNH.

    Returns
    -------
    pandas.DataFrame
        ``HARM_COLUMNS``; rates are events / n (or the stated fraction); ``nnh`` is 1 / the
        difference when the drug arm has more events (NaN otherwise).
    """
    re = evidence if evidence is not None else randomised_evidence(ev, f)
    rows = re.rows[re.rows["outcome"] == "hr_pfs"].drop_duplicates("trial")
    ae = ev.adverse_events[ev.adverse_events["grade"] == "3plus"]

    def rate(r: pd.Series) -> float:
        return float(r["events"] / r["n"]) if pd.notna(r["events"]) else float(r["pct"])

    records = []
    for _, row in rows.iterrows():
        mine = ae[ae["study_id"] == row["study_id"]].set_index("term")
        theirs = ae[ae["study_id"] == row["control_study_id"]].set_index("term")
        for term in sorted(set(mine.index) & set(theirs.index)):
            e, c = mine.loc[term], theirs.loc[term]
            pe, pc = rate(e), rate(c)
            rd, lo, hi = risk_difference(pe, e["n"], pc, c["n"])
            records.append(
                {
                    "drug": row["drug"],
                    "trial": row["trial"],
                    "comparison_label": row["comparison_label"],
                    "term": term,
                    "rate_experimental": pe,
                    "rate_control": pc,
                    "n_experimental": e["n"],
                    "n_control": c["n"],
                    "rd_per_100": rd,
                    "rd_ci_low": lo,
                    "rd_ci_high": hi,
                    "nnh": 100.0 / rd if rd > 0 else math.nan,
                }
            )
    return pd.DataFrame(records, columns=list(HARM_COLUMNS))


def absolute_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`absolute_effects` in words (page table and download)."""

    def when(months: object, week: object) -> str:
        return f"week {int(week)}" if pd.notna(week) else f"{int(months)} months"

    return pd.DataFrame(
        {
            "Drug": [treatment_label(d) for d in table["drug"]],
            "Comparison": table["comparison_label"],
            "Trial": table["trial"],
            "Population": table["population"],
            "Progression-free at": [
                when(m, w) for m, w in zip(table["months"], table["week"], strict=True)
            ],
            "Drug arm": [f"{100 * r:.0f}%" for r in table["rate_experimental"]],
            "Control arm": [f"{100 * r:.0f}%" for r in table["rate_control"]],
            "Difference per 100 (95% CI)": [
                format_difference_per_100(d, lo, hi)
                for d, lo, hi in zip(
                    table["rd_per_100"], table["rd_ci_low"], table["rd_ci_high"], strict=True
                )
            ],
            "Number needed to treat": [number_needed(n) for n in table["nnt"]],
            "Median PFS gain": [
                "not stated" if pd.isna(g) else f"{g:+.1f} mo" for g in table["median_gain"]
            ],
            "Basis": [
                "observed in the trial" if k == "observed" else "modelled (exponential, HR)"
                for k in table["kind"]
            ],
        }
    )


def harms_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`harms` in words (page table and download)."""
    return pd.DataFrame(
        {
            "Drug": [treatment_label(d) for d in table["drug"]],
            "Comparison": table["comparison_label"],
            "Trial": table["trial"],
            "Grade ≥3 event": table["term"],
            "Drug arm": [f"{100 * r:.0f}%" for r in table["rate_experimental"]],
            "Control arm": [f"{100 * r:.0f}%" for r in table["rate_control"]],
            "Difference per 100 (95% CI)": [
                format_difference_per_100(d, lo, hi)
                for d, lo, hi in zip(
                    table["rd_per_100"], table["rd_ci_low"], table["rd_ci_high"], strict=True
                )
            ],
            "Number needed to harm": [number_needed(n) for n in table["nnh"]],
        }
    )
