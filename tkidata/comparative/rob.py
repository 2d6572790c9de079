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

from typing import TYPE_CHECKING

import pandas as pd

from tkidata.patient.selection import evidence_memo
from tkidata.store.codes import ROB_DOMAINS
from tkidata.store.rob_rules import (
    DOMAINS,
    SEVERAL_CONCERNS,
    judgements_by_outcome,
    rob2_overall,
    trial_label,
    trial_names,
)

if TYPE_CHECKING:
    from tkidata.store.loader import Evidence

__all__ = [
    "DOMAINS",
    "SEVERAL_CONCERNS",
    "judgements_by_outcome",
    "overall_risk_of_bias",
    "risk_of_bias",
    "rob2_overall",
    "trial_label",
    "trial_names",
]


def _rows_for(ev: Evidence, trial: str) -> pd.DataFrame:
    table = ev.risk_of_bias
    if table.empty:
        return table
    names = evidence_memo(ev, "trial_names", None, lambda: trial_names(ev.studies))
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
