"""What each drug's first-screen card leads with: its strongest evidence for the patient.

For the patient in the filters, each compared drug leads with its randomised evidence when there
is any (:func:`tkidata.comparative.randomised_evidence`'s headline: the drug's PFS hazard ratio
against its own trial's control, the control named, at the most direct tier), the provisional
CINeMA certainty of that comparison (:func:`tkidata.comparative.comparison_certainty`), and the
drug's guideline and regulatory standing in a few words
(:func:`tkidata.comparative.standing.guideline_standing`,
:func:`tkidata.wording.standing_phrase`). A drug without a randomised trial says so. The
single-arm numbers follow on the card (:mod:`tkidata.patient.tiers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tkidata.comparative import comparison_certainty, indirect_comparisons, randomised_evidence
from tkidata.comparative.evidence import RandomisedEvidence
from tkidata.comparative.standing import guideline_standing
from tkidata.patient.filters import Filters
from tkidata.store.loader import Evidence
from tkidata.wording import (
    NO_RANDOMISED_TRIAL,
    RANDOMISED_TIER_WORDS,
    ROB_LABELS,
    standing_phrase,
    treatment_label,
)

NO_TRIAL_LABEL = "No randomised trial"
"""The label of a drug without any randomised comparison (its card says so, never blank)."""
NOT_FOR_PATIENT_LABEL = "No randomised trial for this patient"
"""The label of a drug whose randomised trials are all in other histologies or lines."""


@dataclass(frozen=True)
class LeadingEvidence:
    """One drug's leading evidence for one patient (the top of its first-screen card).

    Attributes
    ----------
    drug : str
    status : str
        ``randomised``, ``not_for_patient`` (trials exist, none matches) or ``no_trial``.
    label : str
        ``"Randomised vs placebo"``, ``"Randomised vs dacarbazine"``, ``"No randomised trial"``.
    value : str
        ``"PFS HR 0.42 (0.21–0.85)"``; empty without a trial.
    trial : str
        The trial the value comes from; empty without one.
    population : str
        The trial population in words (``"osteosarcoma"``; a line subgroup says so).
    tier_words : str
        Where the population sits against the patient's histology, in words.
    certainty : str
        High, Moderate, Low or Very low (provisional, computed); empty when the comparison has
        no usable CI (then :attr:`certainty_reasons` says so).
    certainty_reasons : tuple of str
    others : tuple of str
        The patient's other randomised trials of the drug, ``"PAPAGEMO (adding gemcitabine to
        pazopanib)"``.
    message : str
        Without a trial: why (``"known here only from single-arm and retrospective studies"``).
    standing : str
        The guideline and regulatory standing in a few words.
    standing_checked : str
        The date(s) the verified standing rows were checked (``"2026-12-06"``); empty when none.
    """

    drug: str
    status: str
    label: str
    value: str
    trial: str
    population: str
    tier_words: str
    certainty: str
    certainty_reasons: tuple[str, ...]
    others: tuple[str, ...]
    message: str
    standing: str
    standing_checked: str

    @property
    def headline(self) -> str:
        """The whole lead in one line (deck, export): ``"Randomised vs placebo: PFS HR …"``."""
        if self.status != "randomised":
            return f"{self.label}: {self.message}"
        return f"{self.label}: {self.value}, {self.trial}, {self.population}"


def rob_words(text: str) -> str:
    """A text naming RoB 2 judgements by their codes (``some_concerns``) in words."""
    for code, label in ROB_LABELS.items():
        text = text.replace(f": {code}", f": {label.lower()}")
    return text


def _headline_rows(re: RandomisedEvidence) -> pd.DataFrame:
    """Each randomised drug's headline row (the one its ``headline`` names)."""
    heads = re.drugs[re.drugs["status"] == "randomised"]
    picked = [
        re.rows[(re.rows["drug"] == d) & (re.rows["headline"] == h)].index[0]
        for d, h in zip(heads["drug"], heads["headline"], strict=True)
    ]
    return re.rows.loc[picked]


def _certainties(
    ev: Evidence, f: Filters, re: RandomisedEvidence, heads: pd.DataFrame
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Drug → (rating, reasons) of its headline comparison, the trial alone."""
    pfs = heads[heads["outcome"].eq("hr_pfs") & heads["has_ci"].astype(bool)]
    if pfs.empty:
        return {}
    alone = RandomisedEvidence(f, pfs.reset_index(drop=True), re.drugs)
    ic = indirect_comparisons(ev, f, evidence=alone)
    table = comparison_certainty(ev, f, ic, evidence=alone)
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for row in pfs.itertuples(index=False):
        hit = table[
            (table["treat1"] == row.experimental)
            & (table["treat2"] == row.anchor)
            & (table["evidence"] == "direct")
            & (table["trials"] == row.trial)
        ]
        if not hit.empty:
            reasons = tuple(rob_words(str(hit.iloc[0]["reasons"])).split("; "))
            out[str(row.drug)] = (str(hit.iloc[0]["rating"]), reasons)
    return out


def _standing(ev: Evidence, drug: str, f: Filters) -> tuple[str, str]:
    rows = guideline_standing(ev, drug, f.histology, f.line)
    verified = rows[rows["status"] == "verified"] if len(rows) else rows
    dates = sorted(set(verified["date_checked"].dropna().astype(str))) if len(verified) else []
    return standing_phrase(rows), " and ".join(dates)


def leading_evidence(ev: Evidence, f: Filters) -> tuple[LeadingEvidence, ...]:
    """Each compared drug's leading evidence for the patient, in the vocabulary's drug order.

    Parameters
    ----------
    ev : Evidence
    f : Filters
        The patient (histology and line select the trials and the standing rows).

    Returns
    -------
    tuple of LeadingEvidence
    """
    re = randomised_evidence(ev, f)
    heads = _headline_rows(re)
    certainty = _certainties(ev, f, re, heads)
    by_drug = heads.set_index("drug")
    out = []
    for info in re.drugs.itertuples(index=False):
        drug = str(info.drug)
        standing, checked = _standing(ev, drug, f)
        if info.status != "randomised":
            label = NO_TRIAL_LABEL if info.status == "no_trial" else NOT_FOR_PATIENT_LABEL
            message = (
                NO_RANDOMISED_TRIAL.format(drug=treatment_label(drug)).split(": ", 1)[1]
                if info.status == "no_trial"
                else "Its randomised trials are in other histologies or lines"
            )
            out.append(
                LeadingEvidence(
                    drug, str(info.status), label, "", "", "", "", "", (), (), message,
                    standing, checked,
                )
            )  # fmt: skip
            continue
        head = by_drug.loc[drug]
        rating, reasons = certainty.get(drug, ("", ()))
        if not rating:
            if not bool(head["has_ci"]):
                reasons = ("no usable confidence interval: certainty not assessable",)
            elif head["setting"] != "treatment":
                reasons = (f"not rated: {head['setting']} setting, outside the network",)
            else:
                reasons = ("certainty of this comparison: see Head to head",)
        mine = re.rows[(re.rows["drug"] == drug) & (re.rows["trial"] != head["trial"])]
        others = tuple(
            f"{t} ({c})"
            for t, c in dict.fromkeys(zip(mine["trial"], mine["comparison_label"], strict=True))
        )
        out.append(
            LeadingEvidence(
                drug=drug,
                status="randomised",
                label=f"Randomised {head['comparison_label']}",
                value=str(head["text"]),
                trial=str(head["trial"]),
                population=str(head["population_label"]),
                tier_words=RANDOMISED_TIER_WORDS[str(head["tier"])],
                certainty=rating,
                certainty_reasons=reasons,
                others=others,
                message="",
                standing=standing,
                standing_checked=checked,
            )
        )
    return tuple(out)
