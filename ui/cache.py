"""Cached access to the evidence and every analysis the pages show.

The evidence is loaded once per data fingerprint (file names, sizes and modification times: a
stat, not a read), so an edit by a curator shows up on the next rerun and an unchanged rerun
never re-reads a file. Every pooled result is cached on (fingerprint, drug, outcome, filters,
method), so changing one filter re-pools only what depends on it. The session's user-supplied
studies (``ui.user_studies``) enter every pooling wrapper as an argument, so they are part of the
cache key: one session's studies never answer another session's request.

Results of the curated data alone (the evidence, Compare's table, its adverse-event panel, the
hazard ratios) are also kept on disk (``persist="disk"``, keyed by the same data fingerprint and
invalidated by any code change), so a restarted server answers its first visitor without
re-validating and re-pooling; rows a user supplied are never written to disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

import tkidata
from report.colors import TKI_DRUGS
from tkidata.filters import Filters
from tkidata.loader import DATA_DIR
from tkidata.method import Method
from tkidata.vocab import VOCAB_DIR

if TYPE_CHECKING:
    from core import EggerResult, ProportionPool, SubgroupPool
    from tkidata.analysis import OutcomeResult

# The analysis modules (and with them the pooling engine, scipy) are imported inside the cached
# functions: a restarted server whose answers come from the disk cache never loads them.
from ui import user_studies

Fingerprint = tuple[tuple[str, int, int], ...]


def data_fingerprint() -> Fingerprint:
    """(path, size, mtime) of every data and vocabulary CSV file."""
    files = sorted([*DATA_DIR.glob("*/*.csv"), *VOCAB_DIR.glob("*.csv")])
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@st.cache_data(show_spinner="Loading the evidence…", max_entries=2, persist="disk")
def _load(fingerprint: Fingerprint) -> tkidata.Evidence:
    return tkidata.load()


def evidence() -> tkidata.Evidence:
    """The validated evidence (raises ``tkidata.DataValidationError`` on invalid data)."""
    return _load(data_fingerprint())


@st.cache_data(show_spinner=False, max_entries=32)
def _compare(fp: Fingerprint, f: Filters, m: Method, extra: pd.DataFrame | None) -> pd.DataFrame:
    from tkidata.analysis import compare

    return compare(_load(fp), f, m, extra=extra)


@st.cache_data(show_spinner=False, max_entries=32, persist="disk")
def _compare_curated(fp: Fingerprint, f: Filters, m: Method) -> pd.DataFrame:
    from tkidata.analysis import compare

    return compare(_load(fp), f, m)


def compare_table(f: Filters, m: Method) -> pd.DataFrame:
    """``tkidata.compare``: every drug × outcome for these filters and method."""
    extra = user_studies.outcome_extra(f)
    if extra is None:
        return _compare_curated(data_fingerprint(), f, m)
    return _compare(data_fingerprint(), f, m, extra)


@st.cache_data(show_spinner=False, max_entries=256)
def _outcome(
    fp: Fingerprint,
    drug: str,
    outcome: str,
    timepoint: int | None,
    f: Filters,
    m: Method,
    extra: pd.DataFrame | None,
) -> OutcomeResult:
    from tkidata.analysis import pool_outcome

    return pool_outcome(_load(fp), drug, outcome, f, m, timepoint=timepoint, extra=extra)


def outcome_result(
    drug: str, outcome: str, f: Filters, m: Method, timepoint: int | None = None
) -> OutcomeResult:
    """``tkidata.pool_outcome`` for one drug and outcome."""
    return _outcome(
        data_fingerprint(), drug, outcome, timepoint, f, m, user_studies.outcome_extra(f)
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _adverse_events(
    fp: Fingerprint, f: Filters, m: Method, grade: str, extra: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    from tkidata.analysis import pool_adverse_events

    ev = _load(fp)
    return {
        drug: pool_adverse_events(ev, drug, f, m, grade=grade, extra=extra) for drug in TKI_DRUGS
    }


@st.cache_data(show_spinner=False, max_entries=64, persist="disk")
def _adverse_events_curated(
    fp: Fingerprint, f: Filters, m: Method, grade: str
) -> dict[str, pd.DataFrame]:
    from tkidata.analysis import pool_adverse_events

    ev = _load(fp)
    return {drug: pool_adverse_events(ev, drug, f, m, grade=grade) for drug in TKI_DRUGS}


def adverse_events(f: Filters, m: Method, grade: str = "3plus") -> Mapping[str, pd.DataFrame]:
    """Drug → ``tkidata.pool_adverse_events`` frame at one grade band, for every TKI."""
    extra = user_studies.ae_extra(f)
    if extra is None:
        return _adverse_events_curated(data_fingerprint(), f, m, grade)
    return _adverse_events(data_fingerprint(), f, m, grade, extra)


@st.cache_data(show_spinner=False, max_entries=32, persist="disk")
def _hazard_ratios(fp: Fingerprint, f: Filters) -> pd.DataFrame:
    from tkidata.analysis import hazard_ratios

    return hazard_ratios(_load(fp), f)


def hazard_ratio_table(f: Filters) -> pd.DataFrame:
    """``tkidata.hazard_ratios``: within-trial HRs vs placebo (anchored comparisons)."""
    return _hazard_ratios(data_fingerprint(), f)


@st.cache_data(show_spinner=False, max_entries=32)
def _evidence_table(fp: Fingerprint, f: Filters) -> pd.DataFrame:
    from tkidata.evidence_table import evidence_table as evidence_rows

    return evidence_rows(_load(fp), f)


def evidence_table(f: Filters) -> pd.DataFrame:
    """Every study arm with its key outcomes and whether it passes the filters."""
    return _evidence_table(data_fingerprint(), f)


@st.cache_data(show_spinner="Re-running the subgroup analysis…", max_entries=64)
def _subgroups(
    fp: Fingerprint,
    drug: str,
    outcome: str,
    timepoint: int | None,
    f: Filters,
    m: Method,
    by: str,
    extra: pd.DataFrame | None,
) -> SubgroupPool | None:
    from tkidata.analysis import pool_outcome
    from tkidata.sensitivity import subgroup_pool

    ev = _load(fp)
    result = pool_outcome(ev, drug, outcome, f, m, timepoint=timepoint, extra=extra)
    return subgroup_pool(ev, result, by, extra=extra)


def subgroups(result: OutcomeResult, by: str) -> SubgroupPool | None:
    """Subgroup analysis of a pooled proportion by histology, line or design."""
    return _subgroups(
        data_fingerprint(),
        result.drug,
        result.outcome,
        result.timepoint,
        result.filters,
        result.method,
        by,
        user_studies.outcome_extra(result.filters),
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _sensitivity(
    fp: Fingerprint,
    drug: str,
    outcome: str,
    timepoint: int | None,
    f: Filters,
    m: Method,
    extra: pd.DataFrame | None,
) -> tuple[tuple[ProportionPool, ...] | None, EggerResult | None]:
    from tkidata.analysis import pool_outcome
    from tkidata.sensitivity import egger_for, leave_one_out_pools

    result = pool_outcome(_load(fp), drug, outcome, f, m, timepoint=timepoint, extra=extra)
    return leave_one_out_pools(result), egger_for(result)


def sensitivity(
    result: OutcomeResult,
) -> tuple[tuple[ProportionPool, ...] | None, EggerResult | None]:
    """Leave-one-out pools and Egger's test of a pooled proportion (None where k is too small)."""
    return _sensitivity(
        data_fingerprint(),
        result.drug,
        result.outcome,
        result.timepoint,
        result.filters,
        result.method,
        user_studies.outcome_extra(result.filters),
    )


@st.cache_data(show_spinner="Pooling under the three presets…", max_entries=16)
def _presets(
    fp: Fingerprint, f: Filters, extra: pd.DataFrame | None, ae_extra: pd.DataFrame | None
) -> pd.DataFrame:
    from tkidata.presets import preset_comparison as presets_side_by_side

    return presets_side_by_side(_load(fp), f, extra=extra, ae_extra=ae_extra)


def preset_comparison(f: Filters) -> pd.DataFrame:
    """ORR, DCR and top grade ≥3 AEs of every drug under the three presets, with flags."""
    return _presets(data_fingerprint(), f, user_studies.outcome_extra(f), user_studies.ae_extra(f))


@st.cache_data(show_spinner="Reproducing the published analyses…", max_entries=4)
def _reproduction(fp: Fingerprint) -> pd.DataFrame:
    from tkidata.reproduction import reproduction_table

    return reproduction_table(_load(fp))


def reproduction() -> pd.DataFrame:
    """``tkidata.reproduction_table``: published vs reproduced here."""
    return _reproduction(data_fingerprint())


#: the outcomes of the Compare page: (outcome, timepoint in months)
COMPARE_OUTCOMES: tuple[tuple[str, int | None], ...] = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("pfs_rate", 6),
    ("os_rate", 12),
)


def compare_view(f: Filters, m: Method) -> pd.DataFrame:
    """The rows of :func:`compare_table` shown on Compare, in :data:`COMPARE_OUTCOMES` order."""
    table = compare_table(f, m)
    parts = [
        table[
            (table["outcome"] == o)
            & (table["timepoint"].isna() if t is None else table["timepoint"].eq(t).fillna(False))
        ]
        for o, t in COMPARE_OUTCOMES
    ]
    return pd.concat(parts, ignore_index=True)


def histology_labels() -> dict[str, str]:
    """Histology code → label (``lms`` → ``Leiomyosarcoma``), groups included."""
    vocab = evidence().vocab
    labels = dict(zip(vocab.histology["code"], vocab.histology["label"], strict=True))
    return {"sts": "Soft tissue sarcoma", "bone": "Bone sarcoma", **labels}


def version() -> tkidata.DataVersion:
    """Date, git revision, hash and counts of the data in force."""
    return evidence().version
