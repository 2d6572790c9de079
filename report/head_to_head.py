"""Everything the Head-to-head page, its downloads and the deck's comparative slide show.

For one patient (histology, line): the randomised trials that match (tier named), each drug
against its trial's control, the anchored indirect comparisons (league with certainty), the
network's shape, histology-matched comparisons, the transitivity table, certainty per
comparison (CINeMA), absolute effects and harms, guideline standing per drug and risk of bias per
trial — every table in reader's words (no data-model codes), built once from
:mod:`tkidata.comparative` (with its ``standing`` and ``rob`` modules). No streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from report.colors import drug_label
from tkidata.comparative import (
    IndirectComparisons,
    RandomisedEvidence,
    absolute_effects,
    absolute_table,
    certainty_table,
    comparison_certainty,
    harms,
    harms_table,
    histology_matched,
    indirect_comparisons,
    league_table,
    randomised_evidence,
    randomised_table,
    transitivity_reader_table,
    transitivity_table,
)
from tkidata.comparative.rob import DOMAINS, judgements_by_outcome, risk_of_bias
from tkidata.comparative.standing import guideline_standing
from tkidata.patient.filters import Filters
from tkidata.patient.leading import LeadingEvidence, leading_evidence, rob_words
from tkidata.store.loader import Evidence
from tkidata.wording import (
    MISSING,
    format_hazard_ratio,
    rob_domain_label,
    rob_label,
    treatment_label,
)

GUIDELINE_BODY_WORDS = {
    "ESMO": "ESMO guideline",
    "ESMO-MCBS": "ESMO-MCBS",
    "NCCN": "NCCN guideline",
    "CSCO": "CSCO guideline",
    "FDA": "FDA (US)",
    "EMA": "EMA (EU)",
    "NMPA": "NMPA (China)",
    "PMDA": "PMDA (Japan)",
    "other": "Other",
}
"""Guideline and regulatory bodies in words."""
ROB_OUTCOME_WORDS = {"all": "All outcomes", "hr_pfs": "PFS", "hr_os": "OS"}


@dataclass(frozen=True, eq=False)
class HeadToHead:
    """The comparative evidence for one patient, tables in reader's words.

    Attributes
    ----------
    filters : Filters
    evidence : RandomisedEvidence
        The matching randomised comparisons (raw rows, for charts).
    indirect : IndirectComparisons
        The PFS networks (raw, for the network graph and reproduce.R).
    leads : tuple of LeadingEvidence
        Each drug's leading evidence (the first-screen card's top).
    randomised, league, matched, transitivity, certainty, absolute, harms, standing,
    not_verified, risk_of_bias, not_analysed : pandas.DataFrame
        Reader tables: the trials; every pair with HR, CI, evidence and certainty; within-subtype
        comparisons; trial differences; CINeMA domains per comparison; landmark PFS per arm with
        difference per 100 and NNT; grade ≥3 events per arm with NNH; verified guideline rows;
        not-verified rows; RoB 2 per trial; trials listed but not analysed and why.
    """

    filters: Filters
    evidence: RandomisedEvidence
    indirect: IndirectComparisons
    leads: tuple[LeadingEvidence, ...]
    randomised: pd.DataFrame
    league: pd.DataFrame
    matched: pd.DataFrame
    transitivity: pd.DataFrame
    certainty: pd.DataFrame
    absolute: pd.DataFrame
    harms: pd.DataFrame
    standing: pd.DataFrame
    not_verified: pd.DataFrame
    risk_of_bias: pd.DataFrame
    not_analysed: pd.DataFrame

    @property
    def has_trials(self) -> bool:
        """Whether any randomised trial matches the patient."""
        return not self.evidence.rows.empty

    @property
    def messages(self) -> tuple[str, ...]:
        """What the reader must know about the networks (star, disconnected controls)."""
        return self.indirect.messages

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its title, in page order (downloads, the bundle)."""
        return {
            "Randomised trials": self.randomised,
            "League table": self.league,
            "Histology-matched": self.matched,
            "Transitivity": self.transitivity,
            "Certainty": self.certainty,
            "Absolute effects": self.absolute,
            "Harms": self.harms,
            "Guideline standing": self.standing,
            "Not verified": self.not_verified,
            "Risk of bias": self.risk_of_bias,
        }


def hazard_ratio_rows(re: RandomisedEvidence) -> tuple[pd.DataFrame, dict[str, str]]:
    """The randomised rows in the columns :func:`report.charts.hazard_ratio_chart` draws, and
    the population labels to pass it: each row's population in words as the trial reports it
    (a whole-trial row names the trial's histology group; a line subgroup says so)."""
    rows = re.rows.rename(columns={"hr": "estimate"})
    labels = {p: p[:1].upper() + p[1:] for p in rows["population_label"]}
    shown = rows.assign(population=rows["population_label"], subgroup_line=None)
    return shown, labels


def _league(ic: IndirectComparisons, certainty: pd.DataFrame) -> pd.DataFrame:
    table = league_table(ic)
    if table.empty:
        return table
    rated = certainty_table(certainty)[["Comparison", "Certainty (provisional)"]]
    merged = table.merge(rated, on="Comparison", how="left")
    merged["Certainty (provisional)"] = merged["Certainty (provisional)"].fillna(MISSING)
    networks = merged["Network"].nunique()
    return merged if networks > 1 else merged.drop(columns=["Network"])


def _matched(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Subtype": table["subtype"],
            "Comparison": [
                MISSING if pd.isna(a) else f"{treatment_label(a)} vs {treatment_label(b).lower()}"
                for a, b in zip(table["treat1"], table["treat2"], strict=True)
            ],
            "Hazard ratio (95% CI)": [
                MISSING if pd.isna(h) else format_hazard_ratio(h, lo, hi)
                for h, lo, hi in zip(table["hr"], table["ci_low"], table["ci_high"], strict=True)
            ],
            "Evidence": table["evidence"],
            "Trials": [str(t).replace(";", ", ") for t in table["trials"]],
            "Note": table["note"].fillna(""),
        }
    )


def _standing(ev: Evidence, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = [
        guideline_standing(ev, drug, f.histology, f.line).assign(Drug=drug_label(drug))
        for drug in ev.vocab.tki_drugs
    ]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if rows.empty:
        empty = pd.DataFrame(columns=["Drug", "Body", "Standing"])
        return empty, empty
    bodies = rows["body"].map(GUIDELINE_BODY_WORDS)
    verified = rows["status"] == "verified"
    shown = pd.DataFrame(
        {
            "Drug": rows["Drug"],
            "Body": bodies,
            "Standing": rows["standing"].fillna(""),
            "Setting": rows["line_reported"].fillna(""),
            "What it says": rows["detail"],
            "Version": rows["version"].fillna(""),
            "Checked": rows["date_checked"],
            "Source": rows["source"].fillna(""),
        }
    )
    missing = pd.DataFrame(
        {"Drug": rows["Drug"], "Body": bodies, "Looked for, not verified": rows["detail"]}
    )
    return (
        shown[verified].reset_index(drop=True),
        missing[~verified].reset_index(drop=True),
    )


def _risk_of_bias(ev: Evidence, trials: list[str]) -> pd.DataFrame:
    records = []
    for trial in trials:
        rows = risk_of_bias(ev, trial)
        if rows.empty:
            records.append({"Trial": trial, "Outcome": "not assessed"})
            continue
        for outcome, judged in judgements_by_outcome(rows).items():
            record = {"Trial": trial, "Outcome": ROB_OUTCOME_WORDS.get(str(outcome), outcome)}
            for domain in (*DOMAINS, "overall"):
                record[rob_domain_label(domain)] = (
                    rob_label(judged[domain]) if domain in judged else ""
                )
            records.append(record)
    return pd.DataFrame(records)


def head_to_head(ev: Evidence, f: Filters) -> HeadToHead:
    """The comparative evidence for the patient in ``f`` (histology, line).

    Parameters
    ----------
    ev : Evidence
    f : Filters

    Returns
    -------
    HeadToHead
    """
    re = randomised_evidence(ev, f)
    ic = indirect_comparisons(ev, f, evidence=re)
    certainty = comparison_certainty(ev, f, ic, evidence=re)
    trials = list(dict.fromkeys(re.rows["trial"]))
    standing, not_verified = _standing(ev, f)
    not_analysed = pd.DataFrame(
        {
            "Trial": ic.not_analysed["trial"],
            "Drug": ic.not_analysed["drug"].map(drug_label),
            "Comparison": ic.not_analysed["comparison_label"],
            "Why not analysed": ic.not_analysed["reason"],
        }
    )
    return HeadToHead(
        filters=f,
        evidence=re,
        indirect=ic,
        leads=leading_evidence(ev, f),
        randomised=randomised_table(re),
        league=_league(ic, certainty),
        matched=_matched(histology_matched(ev, f)),
        transitivity=transitivity_reader_table(transitivity_table(ev, f, evidence=re)),
        certainty=certainty_table(certainty).assign(Why=lambda t: t["Why"].map(rob_words)),
        absolute=absolute_table(absolute_effects(ev, f)),
        harms=harms_table(harms(ev, f)),
        standing=standing,
        not_verified=not_verified,
        risk_of_bias=_risk_of_bias(ev, trials),
        not_analysed=not_analysed,
    )
