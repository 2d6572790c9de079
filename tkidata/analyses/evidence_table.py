"""Every study arm with its key outcomes, for the Evidence page and its exports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tkidata.patient.filters import Filters
from tkidata.patient.selection import candidate_arms, evidence_memo, label_of
from tkidata.store.loader import Evidence
from tkidata.wording import unknown_in_words

KEY_OUTCOMES = ("orr", "dcr", "pfs_median")
"""Outcomes shown per arm in the evidence table."""

EVIDENCE_COLUMNS = (
    "study_id",
    "label",
    "drug",
    "trial",
    "design",
    "regimen",
    "partner_treatment",
    "line",
    "histology_group",
    "subtypes",
    "age_group",
    "n_enrolled",
    "orr",
    "dcr",
    "pfs_median",
    "extraction_level",
    "preferred",
    "overlaps_with",
    "included_in",
    "enters_pools",
    "doi_url",
    "citation",
    "note",
)
"""Columns of :func:`evidence_table`."""


def _key_values(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each arm's stated value of each key outcome (arms × :data:`KEY_OUTCOMES`, NaN = none):
    the first row of the whole-arm population, else the arm's first row of that outcome; ORR and
    DCR as events/n where both are given, else the stated estimate."""
    rows = outcomes[outcomes["outcome"].isin(KEY_OUTCOMES)]
    rows = rows.assign(_order=np.arange(len(rows)), _other=rows["population"] != "all")
    first = rows.sort_values(["_other", "_order"], kind="stable").drop_duplicates(
        ["study_id", "outcome"]
    )
    counted = first["outcome"].isin(("orr", "dcr")) & first["events"].notna() & first["n"].notna()
    value = np.where(
        counted,
        first["events"].astype(float) / first["n"].astype(float),
        first["estimate"].astype(float),
    )
    table = first.assign(_value=value).pivot(index="study_id", columns="outcome", values="_value")
    return table.reindex(columns=list(KEY_OUTCOMES))


def evidence_table(
    ev: Evidence, f: Filters | None = None, study_ids: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Every study arm (all drugs, placebo arms included) with its key outcomes.

    Parameters
    ----------
    ev : Evidence
    f : Filters, optional
        When given, ``enters_pools`` says whether the arm passes the arm-level filters (it may
        still lack a given outcome or histology row).
    study_ids : tuple of str, optional
        Keep only these arms, in this order.

    Returns
    -------
    pandas.DataFrame
        :data:`EVIDENCE_COLUMNS`; ``orr``/``dcr`` are fractions (events/n of the ``all`` row, else
        the first histology row), ``pfs_median`` months, ``doi_url`` a https://doi.org link;
        ``citation`` says what is unknown in clinical words (:func:`unknown_in_words`).
    """
    studies = ev.studies.copy()
    passing: set[str] = set()
    if f is not None:
        for drug in ev.vocab.tki_drugs:
            passing |= set(candidate_arms(ev, drug, f, None)[0]["study_id"])
    key_values = evidence_memo(ev, "key_values", None, lambda: _key_values(ev.outcomes))
    values = key_values.reindex(studies["study_id"])
    for outcome in KEY_OUTCOMES:
        studies[outcome] = values[outcome].to_numpy()
    studies["label"] = [label_of(ev, str(sid)) for sid in studies["study_id"]]
    studies["citation"] = [
        unknown_in_words(c) if isinstance(c, str) else c for c in studies["citation"]
    ]
    studies["enters_pools"] = studies["study_id"].isin(passing) if f is not None else pd.NA
    studies["doi_url"] = [
        f"https://doi.org/{d}" if isinstance(d, str) and d else None for d in studies["doi"]
    ]
    table = studies[list(EVIDENCE_COLUMNS)]
    if study_ids is not None:
        order = {sid: i for i, sid in enumerate(study_ids)}
        table = table[table["study_id"].isin(order)]
        table = table.sort_values("study_id", key=lambda s: s.map(order))
    return table.reset_index(drop=True)


def select_evidence(
    table: pd.DataFrame,
    *,
    study_ids: tuple[str, ...] | None = None,
    drugs: tuple[str, ...] | None = None,
    designs: tuple[str, ...] | None = None,
    only_entering: bool = False,
    text: str = "",
) -> pd.DataFrame:
    """Rows of :func:`evidence_table` matching the Evidence page's filters.

    ``text`` matches (case-insensitive, literally) the label, trial, study id or citation.
    """
    keep = pd.Series(True, index=table.index)
    if study_ids:
        keep &= table["study_id"].isin(study_ids)
    if drugs is not None:
        keep &= table["drug"].isin(drugs)
    if designs is not None:
        keep &= table["design"].isin(designs)
    if only_entering:
        keep &= table["enters_pools"].fillna(False).astype(bool)
    if text.strip():
        needle = text.strip().lower()
        haystack = (
            table["label"].fillna("")
            + " "
            + table["trial"].fillna("")
            + " "
            + table["study_id"]
            + " "
            + table["citation"].fillna("")
        ).str.lower()
        keep &= haystack.str.contains(needle, regex=False)
    return table[keep].reset_index(drop=True)


def with_patient_arms(table: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """:func:`evidence_table` for one patient: ``enters_pools`` marks the arms behind the
    patient's tiered answers (``tkidata.patient.tiers.tiered_arms``), and ``serves`` says what each
    serves at which tier (empty for the others)."""
    serves = dict(zip(arms["study_id"], arms["serves"], strict=True))
    out = table.assign(
        enters_pools=table["study_id"].isin(serves),
        serves=table["study_id"].map(serves).fillna(""),
    )
    columns = list(table.columns)
    columns.insert(columns.index("enters_pools") + 1, "serves")
    return out[columns]
