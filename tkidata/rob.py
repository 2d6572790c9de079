"""Risk of bias (RoB 2) of the randomised trials: the overall rule, trial names, the API.

``tkidata/data/randomised/risk_of_bias.csv`` holds one judgement per trial x outcome x domain
(RoB 2: Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in
randomised trials. BMJ 2019;366:l4898). A row whose ``outcome`` is ``all`` holds for every
outcome of the trial; a domain is judged either for ``all`` or per outcome, never both.

The overall judgement follows RoB 2's algorithm made deterministic (:func:`rob2_overall`): low when
every domain is low; high when any domain is high or when three or more of the five domains have
some concerns (RoB 2: "some concerns for multiple domains in a way that substantially lowers
confidence"); some concerns otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from tkidata.codes import ROB_DOMAINS

if TYPE_CHECKING:
    from tkidata.loader import Evidence

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
    rct = studies[studies["design"] == "rct_arm"]
    names: dict[str, set[str]] = {}
    for _, row in rct.iterrows():
        keys = [row["trial"]] if isinstance(row["trial"], str) else []
        if isinstance(row["registration"], str):
            keys += [r for r in row["registration"].split(";") if r]
        for key in keys:
            names.setdefault(key, set()).add(str(row["study_id"]))
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


def _rows_for(ev: Evidence, trial: str) -> pd.DataFrame:
    table = ev.risk_of_bias
    if table.empty:
        return table
    names = trial_names(ev.studies)
    arms = names.get(trial, frozenset())
    same = {name for name, ids in names.items() if ids & arms} | {trial}
    return table[table["trial"].isin(same)]


def risk_of_bias(ev: Evidence, trial: str) -> pd.DataFrame:
    """The RoB 2 judgements of one randomised trial: by outcome (all, PFS, OS), then domain.

    Parameters
    ----------
    ev : Evidence
    trial : str
        The trial's acronym (``SARC024``) or a registration of its arms (``NCT02048371``): the
        rows filed under any name of the same trial are returned.

    Returns
    -------
    pandas.DataFrame
        The ``risk_of_bias.csv`` columns (``trial``, ``outcome``, ``domain``, ``judgement``,
        ``basis``, ``source``, ``location``, ``assessed_from``); empty when the trial has no
        assessment.
    """
    rows = _rows_for(ev, trial)
    if rows.empty:
        return rows.reset_index(drop=True)
    order = {d: i for i, d in enumerate(ROB_DOMAINS)}
    outcome_order = {"all": 0, "hr_pfs": 1, "hr_os": 2}
    ranked = rows.assign(
        _o=rows["outcome"].map(outcome_order), _d=rows["domain"].map(order)
    ).sort_values(["_o", "_d"], kind="stable")
    return ranked.drop(columns=["_o", "_d"]).reset_index(drop=True)


def overall_risk_of_bias(ev: Evidence, trial: str, outcome: str) -> str | None:
    """The overall RoB 2 judgement of one trial's result for ``hr_pfs`` or ``hr_os``.

    Returns the ``overall`` row for that outcome, else the trial's ``all`` overall row; None when
    the trial has no assessment covering the outcome.
    """
    rows = _rows_for(ev, trial)
    overall = rows[rows["domain"] == "overall"]
    for wanted in (outcome, "all"):
        hit = overall[overall["outcome"] == wanted]
        if not hit.empty:
            return str(hit.iloc[0]["judgement"])
    return None
