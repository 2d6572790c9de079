"""Guideline and regulatory standing of each drug for one patient (histology x line).

``tkidata/data/randomised/guidelines.csv`` holds what a page read states about a drug's standing
(ESMO, ESMO-MCBS, NCCN, CSCO, FDA, EMA, NMPA, PMDA), each row with its source, version and the
date it was checked; what was looked for and not found on any page read is a ``not_verified`` row
with an empty standing. The short phrase for a drug's card is
:func:`tkidata.wording.standing_phrase`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from tkidata.patient.filters import line_contains
from tkidata.store.codes import GUIDELINE_BODIES
from tkidata.store.validate import split_list

if TYPE_CHECKING:
    from tkidata.store.loader import Evidence

MATCHES = ("histology", "group", "all")
"""How a row's histology meets the patient's: the same code, the patient's group, all sarcoma."""


def _match(row_histology: str, histology: str, group: str | None) -> str | None:
    if histology == "all":
        return "all" if row_histology == "all" else "histology"
    if row_histology == histology:
        return "histology"
    if group is not None and row_histology == group:
        return "group"
    if row_histology == "all":
        return "all"
    return None


def guideline_standing(ev: Evidence, drug: str, histology: str, line: str) -> pd.DataFrame:
    """The guideline and regulatory rows that apply to one patient, most specific first.

    Parameters
    ----------
    ev : Evidence
    drug : str
        A compared drug (``pazopanib``).
    histology : str
        ``all``, ``sts``, ``bone`` or a code of ``vocab/histology.csv``. A subtype takes the rows
        for that subtype, then for its group (unless the row ``excludes`` the subtype, as
        pazopanib's approval excludes adipocytic sarcoma), then for all sarcoma; a group takes
        its own rows and the all-sarcoma rows; ``all`` (no histology chosen) takes every row.
    line : str
        The patient's line: ``any`` (every row), ``first``, ``second`` or ``later``; a row
        applies when its line range contains the patient's line, as a study arm does.

    Returns
    -------
    pandas.DataFrame
        The ``guidelines.csv`` columns plus ``match`` (``histology``, ``group`` or ``all``: how
        the row's histology meets the patient's), ordered by match, body (ESMO, ESMO-MCBS,
        NCCN, CSCO, FDA, EMA, NMPA, PMDA, other) and status (verified rows first).
        ``not_verified`` rows are kept: they say what was looked for and not found.
    """
    group = ev.vocab.histology_group(histology) if histology != "all" else None
    rows = ev.guidelines
    if not rows.empty:
        rows = rows[rows["drug"] == drug]
    if line != "any" and not rows.empty:
        rows = rows[rows["line"].map(lambda code: line_contains(code, line))]
    if rows.empty:
        return rows.assign(match=pd.Series(dtype="str")).reset_index(drop=True)
    match = rows["histology"].map(lambda code: _match(code, histology, group))
    excluded = rows["excludes"].map(lambda cell: histology in split_list(cell))
    kept = rows.assign(match=match)[match.notna() & ~excluded]
    rank = {
        "_m": kept["match"].map({m: i for i, m in enumerate(MATCHES)}),
        "_b": kept["body"].map({b: i for i, b in enumerate(GUIDELINE_BODIES)}),
        "_s": (kept["status"] != "verified").astype(int),
    }
    ordered = kept.assign(**rank).sort_values(["_m", "_b", "_s"], kind="stable")
    return ordered.drop(columns=list(rank)).reset_index(drop=True)
