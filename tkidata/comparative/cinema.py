"""Certainty of each comparison, in CINeMA's six domains (provisional, computed).

Nikolakopoulou A, Higgins JPT, Papakonstantinou T, et al. CINeMA: an approach for assessing
confidence in the results of a network meta-analysis. PLoS Med 2020;17:e1003082.

Each domain is judged *no concerns*, *some concerns* or *major concerns* by the fixed rules below
(shown on the Methods page), or *not assessed* / *not assessable* with the reason. Rating
starts at High and drops one level per domain with some concerns and two per domain with major
concerns, to Very low at most. It is computed, not a panel's judgement: labelled provisional.

- **Within-study bias**: the worst overall RoB 2 judgement (``risk_of_bias.csv``, ``overall``
  domain) of the trials the comparison rests on; a trial without a judgement is *not assessed*.
- **Reporting bias**: *some concerns* when a trial is known only from a conference abstract or
  a secondary report (its full results, and other outcomes, unpublished).
- **Indirectness**: the population against the patient's: *some concerns* for a histology-group
  or subtype-cohort trial, *major* for an all-sarcoma trial; an indirect comparison whose trials
  differ in effect modifiers (the transitivity table) is raised one level, and so is an
  overall-survival comparison resting on a trial whose control patients could cross over.
- **Imprecision**: the CI against the clinically important range :data:`CLINICAL_HR_RANGE`:
  entirely beyond one limit or entirely within the range → no concerns; crossing both limits →
  major; otherwise some concerns.
- **Heterogeneity**: *not assessable* with one trial per comparison; otherwise I² < 25% no, ≤
  75% some, above major concerns.
- **Incoherence**: *not assessable* in a network without loops (each drug meets only its
  control); otherwise the node-split p: ≥ 0.10 no, ≥ 0.01 some, below major concerns.
"""

from __future__ import annotations

import math

import pandas as pd

from tkidata.comparative.evidence import RandomisedEvidence, randomised_evidence
from tkidata.comparative.indirect import IndirectComparisons, indirect_comparisons, oriented_league
from tkidata.comparative.transitivity import transitivity_table
from tkidata.patient.filters import Filters
from tkidata.store.loader import Evidence
from tkidata.wording import format_hazard_ratio, treatment_label

CLINICAL_HR_RANGE = (0.8, 1.25)
"""Hazard ratios inside this range are not clinically important (imprecision domain)."""

LEVELS = ("High", "Moderate", "Low", "Very low")
CONCERN_DROP = {"no concerns": 0, "some concerns": 1, "major concerns": 2}
DOMAINS = (
    "within_study_bias",
    "reporting_bias",
    "indirectness",
    "imprecision",
    "heterogeneity",
    "incoherence",
)
CERTAINTY_COLUMNS = (
    "component",
    "treat1",
    "treat2",
    "hr",
    "ci_low",
    "ci_high",
    "evidence",
    "trials",
    *DOMAINS,
    "rating",
    "reasons",
    "provisional",
)
_ROB = {"low": "no concerns", "some_concerns": "some concerns", "high": "major concerns"}
_WORSE = {"no concerns": "some concerns", "some concerns": "major concerns"}


def imprecision(lo: float, hi: float, limits: tuple[float, float] = CLINICAL_HR_RANGE) -> str:
    """The imprecision judgement of a CI against the clinically important HR range."""
    low, high = limits
    if hi < low or lo > high or (lo >= low and hi <= high):
        return "no concerns"
    if lo < low and hi > high:
        return "major concerns"
    return "some concerns"


def rating(judgements: dict[str, str]) -> str:
    """High, dropping one level per *some concerns* and two per *major concerns*."""
    drop = sum(CONCERN_DROP.get(j, 0) for j in judgements.values())
    return LEVELS[min(drop, len(LEVELS) - 1)]


def _worst(values: list[str]) -> str:
    order = ["no concerns", "some concerns", "major concerns"]
    return max(values, key=order.index) if values else "no concerns"


def overall_judgements(rob: pd.DataFrame | None, outcome: str) -> dict[str, str]:
    """Trial → overall RoB 2 judgement for ``outcome``: its own ``overall`` row, else the
    trial's ``all`` row (``risk_of_bias.csv`` may have no ``outcome`` column: every row then
    covers every outcome)."""
    if rob is None or rob.empty:
        return {}
    overall = rob[rob["domain"] == "overall"]
    found: dict[str, str] = {}
    wanted = (outcome, "all") if "outcome" in overall else (None,)
    for which in reversed(wanted):
        rows = overall if which is None else overall[overall["outcome"] == which]
        found.update(zip(rows["trial"], rows["judgement"], strict=True))
    return found


def _within_study(trials: list[str], rob: pd.DataFrame | None, outcome: str) -> tuple[str, str]:
    overall = overall_judgements(rob, outcome)
    if not overall:
        return "not assessed", "risk of bias not assessed"
    missing = [t for t in trials if t not in overall]
    if missing:
        return "not assessed", f"risk of bias not assessed for {', '.join(missing)}"
    worst = _worst([_ROB[str(overall[t])] for t in trials])
    return worst, f"risk of bias {worst} ({', '.join(f'{t}: {overall[t]}' for t in trials)})"


def comparison_certainty(
    ev: Evidence,
    f: Filters,
    ic: IndirectComparisons | None = None,
    *,
    risk_of_bias: pd.DataFrame | None = None,
    evidence: RandomisedEvidence | None = None,
) -> pd.DataFrame:
    """CINeMA judgements and rating for every comparison of the patient's networks.

    Parameters
    ----------
    ev : Evidence
    f : Filters
    ic : IndirectComparisons, optional
        The PFS networks (computed when not given).
    risk_of_bias : pandas.DataFrame, optional
        ``trial, domain, judgement, ...`` (RoB 2; ``risk_of_bias.csv``); by default the
        evidence's own table when it has one, else every trial is "not assessed".
    evidence : RandomisedEvidence, optional

    Returns
    -------
    pandas.DataFrame
        ``CERTAINTY_COLUMNS``, one row per comparison (a drug before its control); ``reasons``
        says why in words; ``provisional`` is always true.
    """
    re = evidence if evidence is not None else randomised_evidence(ev, f)
    ic = ic if ic is not None else indirect_comparisons(ev, f, evidence=re)
    rob = risk_of_bias if risk_of_bias is not None else getattr(ev, "risk_of_bias", None)
    rows = re.rows[re.rows["outcome"] == ic.outcome].set_index("trial")
    transit = transitivity_table(ev, f, evidence=re).set_index("trial")
    results = {i: c.result for i, c in enumerate(ic.components, start=1)}
    stars = {i: c.star for i, c in enumerate(ic.components, start=1)}
    records = []
    for entry in oriented_league(ic).itertuples(index=False):
        trials = [t for t in str(entry.trials).split(";") if t]
        judged: dict[str, str] = {}
        reasons: list[str] = []
        judged["within_study_bias"], why = _within_study(trials, rob, ic.outcome)
        reasons.append(why)
        levels = [str(rows.at[t, "source_level"]) for t in trials]
        thin = [
            t
            for t, lv in zip(trials, levels, strict=True)
            if lv in ("secondary", "conference_abstract")
        ]
        judged["reporting_bias"] = "some concerns" if thin else "no concerns"
        if thin:
            reasons.append(f"known only from an abstract or a news report: {', '.join(thin)}")
        tiers = [str(rows.at[t, "tier"]) for t in trials]
        indirect = _worst(
            [
                {"direct": "no concerns", "all": "major concerns"}.get(t, "some concerns")
                for t in tiers
            ]
        )
        broader = [t for t, tier in zip(trials, tiers, strict=True) if tier != "direct"]
        if broader:
            reasons.append(f"population broader than the patient's: {', '.join(broader)}")
        if entry.evidence == "indirect":
            differ = [t for t in trials if t in transit.index and transit.at[t, "differences"]]
            if differ and indirect != "major concerns":
                indirect = _WORSE[indirect]
                reasons.append(f"trials differ in effect modifiers: {', '.join(differ)}")
        crossed = [t for t in trials if _true(rows.at[t, "crossover"])]
        if ic.outcome == "hr_os" and crossed and indirect != "major concerns":
            indirect = _WORSE[indirect]
            reasons.append(f"control patients crossed over (OS diluted): {', '.join(crossed)}")
        judged["indirectness"] = indirect
        judged["imprecision"] = imprecision(entry.ci_low, entry.ci_high)
        reasons.append(
            f"95% CI {format_hazard_ratio(entry.hr, entry.ci_low, entry.ci_high)} against the "
            f"range {CLINICAL_HR_RANGE[0]}–{CLINICAL_HR_RANGE[1]}: {judged['imprecision']}"
        )
        res = results[entry.component]
        if res.df <= 0 or math.isnan(res.i2):
            judged["heterogeneity"] = "not assessable"
            reasons.append("heterogeneity not assessable: one trial per comparison")
        else:
            judged["heterogeneity"] = (
                "no concerns"
                if res.i2 < 25
                else "some concerns"
                if res.i2 <= 75
                else "major concerns"
            )
            reasons.append(f"I² {res.i2:.0f}%")
        if stars[entry.component] or res.inconsistency is None:
            judged["incoherence"] = "not assessable"
            reasons.append("incoherence not assessable: no loop in the network")
        else:
            split = next(
                (
                    s
                    for s in res.inconsistency.splits
                    if {s.treat1, s.treat2} == {entry.treat1, entry.treat2}
                ),
                None,
            )
            p = split.p if split is not None else res.inconsistency.p_between
            judged["incoherence"] = (
                "no concerns" if p >= 0.10 else "some concerns" if p >= 0.01 else "major concerns"
            )
            reasons.append(f"incoherence p = {p:.2f}")
        records.append(
            {
                "component": entry.component,
                "treat1": entry.treat1,
                "treat2": entry.treat2,
                "hr": entry.hr,
                "ci_low": entry.ci_low,
                "ci_high": entry.ci_high,
                "evidence": entry.evidence,
                "trials": entry.trials,
                **judged,
                "rating": rating(judged),
                "reasons": "; ".join(reasons),
                "provisional": True,
            }
        )
    return pd.DataFrame(records, columns=list(CERTAINTY_COLUMNS))


def certainty_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`comparison_certainty` in words (page table and download)."""
    return pd.DataFrame(
        {
            "Comparison": [
                f"{treatment_label(a)} vs {treatment_label(b).lower()}"
                for a, b in zip(table["treat1"], table["treat2"], strict=True)
            ],
            "Hazard ratio (95% CI)": [
                format_hazard_ratio(h, lo, hi)
                for h, lo, hi in zip(table["hr"], table["ci_low"], table["ci_high"], strict=True)
            ],
            "Within-study bias": table["within_study_bias"],
            "Reporting bias": table["reporting_bias"],
            "Indirectness": table["indirectness"],
            "Imprecision": table["imprecision"],
            "Heterogeneity": table["heterogeneity"],
            "Incoherence": table["incoherence"],
            "Certainty (provisional)": table["rating"],
            "Why": table["reasons"],
        }
    )


def _true(value: object) -> bool:
    """A nullable boolean cell that is true (missing is not)."""
    return bool(value) if pd.notna(value) else False


HEADLINE_COLUMNS = ("drug", "status", "headline", "trial", "certainty", "certainty_note", "message")


def drug_headlines(
    ev: Evidence, f: Filters, *, risk_of_bias: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each drug's first-screen line of randomised evidence with the certainty of that comparison.

    Returns
    -------
    pandas.DataFrame
        ``HEADLINE_COLUMNS``, one row per compared drug: ``headline`` as in
        :attr:`RandomisedEvidence.drugs`; ``certainty`` the provisional rating of the headline's
        own comparison (drug vs its control, from :func:`comparison_certainty`), or empty with
        ``certainty_note`` saying why it is not rated (no CI; a maintenance setting).
    """
    re = randomised_evidence(ev, f)
    ic = indirect_comparisons(ev, f, evidence=re)
    rated = comparison_certainty(ev, f, ic, risk_of_bias=risk_of_bias, evidence=re)
    records = []
    for d in re.drugs.itertuples(index=False):
        certainty, note, trial = "", "", ""
        if d.status == "randomised":
            best = re.rows[(re.rows["drug"] == d.drug) & (re.rows["headline"] == d.headline)].iloc[
                0
            ]
            trial = str(best["trial"])
            hit = rated[
                (rated["treat1"] == best["experimental"])
                & (rated["treat2"] == best["anchor"])
                & (rated["evidence"] == "direct")
            ]
            if not best["has_ci"]:
                note = "not rated: the hazard ratio has no CI"
            elif best["setting"] != "treatment":
                note = f"not rated: {best['setting']} setting (outside the network)"
            elif hit.empty:
                note = "not rated"
            else:
                certainty, note = str(hit["rating"].iloc[0]), str(hit["reasons"].iloc[0])
        records.append(
            {
                "drug": d.drug,
                "status": d.status,
                "headline": d.headline,
                "trial": trial,
                "certainty": certainty,
                "certainty_note": note,
                "message": d.message,
            }
        )
    return pd.DataFrame(records, columns=list(HEADLINE_COLUMNS))
