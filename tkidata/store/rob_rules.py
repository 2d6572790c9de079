"""RoB 2 rules that validation needs without the loader: the overall rule and trial names.

The overall judgement follows RoB 2's algorithm made deterministic (:func:`rob2_overall`; Sterne
JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in randomised
trials. BMJ 2019;366:l4898). :mod:`tkidata.store.validate` checks the shipped judgements with these
rules; :mod:`tkidata.comparative.rob` answers questions about one trial.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from tkidata.store.codes import ROB_DOMAINS

DOMAINS = ROB_DOMAINS[:-1]
"""The five RoB 2 domains (without ``overall``), in the tool's order."""
SEVERAL_CONCERNS = 3
"""Domains with some concerns that make the overall judgement high."""


def rob2_overall(judgements: Mapping[str, str]) -> str:
    """The overall RoB 2 judgement implied by the five domain judgements.

    Parameters
    ----------
    judgements : mapping
        Domain -> ``low``, ``some_concerns`` or ``high`` (the five domains of :data:`DOMAINS`).

    Returns
    -------
    str
        ``low`` when all five are low; ``high`` when any is high or at least
        :data:`SEVERAL_CONCERNS` have some concerns; otherwise ``some_concerns``
        (Sterne et al., BMJ 2019;366:l4898, overall risk-of-bias judgement).
    """
    values = [judgements[d] for d in DOMAINS]
    if any(v == "high" for v in values):
        return "high"
    concerns = sum(v == "some_concerns" for v in values)
    if concerns >= SEVERAL_CONCERNS:
        return "high"
    return "some_concerns" if concerns else "low"


def trial_names(studies: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Every name a randomised trial goes by -> the study_ids of its arms.

    A trial is named by its ``trial`` acronym (``PALETTE``) and by each registration of its
    arms (``NCT00753688``); an arm with neither has no name here. Only ``rct_arm`` rows count.
    """
    rct = studies.loc[studies["design"] == "rct_arm", ["study_id", "trial", "registration"]]
    names: dict[str, set[str]] = {}
    for study_id, trial, registration in rct.itertuples(index=False):
        keys = [trial] if isinstance(trial, str) else []
        if isinstance(registration, str):
            keys += [r for r in registration.split(";") if r]
        for key in keys:
            names.setdefault(key, set()).add(str(study_id))
    return {key: frozenset(ids) for key, ids in names.items()}


def trial_label(row: pd.Series) -> str:
    """The name a randomised arm's trial is listed under: its acronym, else its registration."""
    if isinstance(row["trial"], str):
        return row["trial"]
    if isinstance(row["registration"], str):
        return row["registration"].split(";")[0]
    return str(row["study_id"])


def judgements_by_outcome(rows: pd.DataFrame) -> dict[str, dict[str, str]]:
    """One trial's rows -> outcome -> domain -> judgement, ``all`` rows spread to each outcome.

    The outcomes are those the rows name (``hr_pfs``, ``hr_os``), or ``all`` when every row is
    about all outcomes. A domain missing for an outcome is absent from its mapping.
    """
    named = sorted(set(rows["outcome"]) - {"all"})
    outcomes = named or ["all"]
    result: dict[str, dict[str, str]] = {}
    for outcome in outcomes:
        chosen = rows[rows["outcome"].isin([outcome, "all"])]
        result[outcome] = dict(zip(chosen["domain"], chosen["judgement"], strict=True))
    return result
