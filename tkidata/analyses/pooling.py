"""Pool outcomes and adverse events per drug by calling the ``core`` engine.

DataFrames returned here hold lists of study ids as ``;``-joined strings (the CSV convention), so
they serialise to CSV, JSON and Altair without object columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from core import MedianPool, ProportionPool, pool_glmm, pool_medians, pool_proportions
from tkidata.analyses.method import Method
from tkidata.patient.filters import Filters, line_contains, setting_reasons
from tkidata.patient.selection import (
    Selection,
    adverse_records,
    arm_population_ok,
    arm_record,
    candidate_records,
    label_of,
    possible_overlaps,
    select_arms,
    set_overlaps,
    whole_arm_populations,
)
from tkidata.store.codes import MEDIAN_OUTCOMES, PROPORTION_OUTCOMES, RATE_OUTCOMES
from tkidata.store.loader import Evidence
from tkidata.wording import comparison_label

HR_LABEL = "anchored, within trial"
"""How a within-trial hazard ratio (a drug vs its trial's control arm) is labelled."""


def half_up(x: float) -> int:
    """Round half away from zero for non-negative counts (Python's round() rounds half to even)."""
    return math.floor(x + 0.5)


@dataclass(frozen=True, eq=False)
class OutcomeResult:
    """One pooled outcome for one drug.

    Attributes
    ----------
    drug, outcome : str
    timepoint : int or None
        Months, for landmark rates.
    filters : Filters
    method : Method
    selection : Selection
        The rows that entered (user-supplied rows included) and those left out.
    pool : ProportionPool or MedianPool or None
        None when k = 0.
    k : int
        Studies pooled (for medians: those with a usable CI).
    n_patients : int
        Patients in the pooled studies with a known N (:func:`row_n`: the row's n, else the
        arm's n_enrolled for a whole-arm row; a subgroup without a stated n adds nothing).
    n_unknown : tuple of str
        Labels of pooled studies whose N is not stated (subgroups without their n).
    study_ids : tuple of str
        Ids of the pooled studies, in pool order.
    derived : bool
        True when any pooled number was computed rather than stated: events of landmark rates
        (round(rate × n)) or a data row flagged ``derived``.
    user_supplied : tuple of str
        Ids of rows added by the user (what-if).
    note : str
        k = 0 / k = 1 notes and the engine's warnings.
    """

    drug: str
    outcome: str
    timepoint: int | None
    filters: Filters
    method: Method
    selection: Selection
    pool: ProportionPool | MedianPool | None
    k: int
    n_patients: int
    study_ids: tuple[str, ...]
    derived: bool
    user_supplied: tuple[str, ...]
    note: str
    n_unknown: tuple[str, ...] = ()

    @property
    def unpooled(self) -> pd.DataFrame:
        """Evidence for this number that is reported but not in the pool, with the reason.

        Medians without a usable CI (or not reached) and rows of another assessment (response at
        a fixed week, a 12-week rate): ``study_id, label, estimate, ci_low, ci_high, n, reason``.
        """
        cols = ["study_id", "label", "estimate", "ci_low", "ci_high", "n", "reason"]
        return pd.DataFrame(self.unpooled_records(), columns=cols)

    def unpooled_records(self) -> list[dict[str, object]]:
        """:attr:`unpooled` as records (what tiering reads, without building a DataFrame)."""
        pooled = set(self.study_ids)
        median = self.outcome in MEDIAN_OUTCOMES
        reason = "no confidence interval" if median else "not pooled"
        records: list[dict[str, object]] = [
            {
                "study_id": row["study_id"],
                "label": row["label"],
                "estimate": row["estimate"],
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "n": row["n"],
                "reason": reason,
            }
            for row in self.selection.records
            if row["study_id"] not in pooled
        ]
        shown = ("different assessment", "median not reached", "also reported")
        records += [
            {
                "study_id": row["study_id"],
                "label": row["label"],
                "estimate": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "n": np.nan,
                "reason": row["reason"],
            }
            for row in self.selection.excluded_records
            if row["reason"].startswith(shown)
        ]
        return records

    @property
    def estimate(self) -> tuple[float, float, float] | None:
        """(estimate, ci_low, ci_high) of the random-effects pool, None when k = 0."""
        if self.pool is None:
            return None
        r = self.pool.random
        return (r.est, r.ci_lb, r.ci_ub)


def row_n(row: Mapping[str, Any], ev: Evidence) -> int | None:
    """Patients behind one selected row: the row's own n, else the arm's n_enrolled when the
    row describes the whole arm. A subgroup row without a stated n has no N (None): it never
    borrows the whole arm's N.
    """
    if pd.notna(row["n"]):
        return int(row["n"])
    if bool(row.get("user_supplied", False)):
        return None
    arm = arm_record(ev, row["study_id"])
    if arm is None:
        return None
    whole = row["population"] in whole_arm_populations(arm) and pd.isna(row.get("subgroup_line"))
    if whole and pd.notna(arm["n_enrolled"]):
        return int(arm["n_enrolled"])
    return None


def pool_proportion_counts(
    events: Sequence[int], n: Sequence[int], labels: Sequence[str], m: Method
) -> ProportionPool:
    """Pool counts with the engine chosen by ``m`` (two-step or GLMM).

    Pools are kept by their inputs (:data:`POOLS_KEPT`, least recently used first out): the
    same studies pooled for another patient, tier or page are not fitted again (a GLMM fit takes
    tens of milliseconds). Pools are frozen, so sharing one is safe.
    """
    return _pooled(tuple(int(e) for e in events), tuple(int(x) for x in n), tuple(labels), m)


POOLS_KEPT = 8192
"""Proportion pools kept by their inputs (a few kilobytes each)."""


@lru_cache(maxsize=POOLS_KEPT)
def _pooled(
    events: tuple[int, ...], n: tuple[int, ...], labels: tuple[str, ...], m: Method
) -> ProportionPool:
    if m.glmm:
        return pool_glmm(list(events), list(n), labels=list(labels), **m.proportion_kwargs())
    return pool_proportions(list(events), list(n), labels=list(labels), **m.proportion_kwargs())


def pool_outcome(
    ev: Evidence,
    drug: str,
    outcome: str,
    f: Filters,
    m: Method,
    timepoint: int | None = None,
    study_set: str | None = None,
    population: str | None = None,
) -> OutcomeResult:
    """Pool one outcome of one drug over the selected arms.

    Parameters
    ----------
    ev : Evidence
    drug : str
    outcome : str
        ``orr``, ``dcr``, ``pfs_median``, ``os_median``, ``pfs_rate`` or ``os_rate``.
    f : Filters
    m : Method
    timepoint : int, optional
        Months; required for ``pfs_rate``/``os_rate``.
    study_set : str, optional
        Restrict to arms included in this meta-analysis (``li2025``).
    population : str, optional
        Histology to pool for; overrides ``f.histology``.

    Returns
    -------
    OutcomeResult
    """
    sel = select_arms(ev, drug, outcome, f, population, study_set, timepoint)
    rows = sel.records
    user = tuple(str(r["study_id"]) for r in rows if bool(r["user_supplied"]))
    labels = [r["label"] for r in rows]
    derived = any(bool(r["derived"]) for r in rows)
    pool: ProportionPool | MedianPool | None = None
    no_median_ci = outcome in MEDIAN_OUTCOMES and not any(
        pd.notna(r["ci_low"]) and (pd.notna(r["ci_high"]) or r["not_reached"] == "upper")
        for r in rows
    )
    if not rows or no_median_ci:
        pool = None
    elif outcome in MEDIAN_OUTCOMES:
        pool = pool_medians(
            [float(r["estimate"]) for r in rows],
            [None if pd.isna(r["ci_low"]) else float(r["ci_low"]) for r in rows],
            [None if pd.isna(r["ci_high"]) else float(r["ci_high"]) for r in rows],
            upper_reached=[r["not_reached"] != "upper" for r in rows],
            method=m.tau2,
            test=m.test,
            level=m.level,
            labels=labels,
        )
    else:
        n = [int(r["n"]) for r in rows]
        if outcome in RATE_OUTCOMES:
            events = [
                int(r["events"]) if pd.notna(r["events"]) else half_up(float(r["estimate"]) * nn)
                for r, nn in zip(rows, n, strict=True)
            ]
            derived = derived or any(pd.isna(r["events"]) for r in rows)
        else:
            events = [int(r["events"]) for r in rows]
        pool = pool_proportion_counts(events, n, labels, m)
    pooled_labels = {s.label for s in pool.studies} if pool is not None else set()
    in_pool = [r for r in rows if r["label"] in pooled_labels]
    k = len(in_pool)
    if pool is not None and k == 0:
        pool = None
    in_pool_n = [row_n(row, ev) for row in in_pool]
    notes = []
    what = f"{outcome} at {timepoint} months" if timepoint is not None else outcome
    if pool is None and rows:
        listed = ", ".join(r["label"] for r in rows)
        notes.append(f"k = 0: no {what} with a confidence interval for {drug} ({listed})")
    elif pool is None:
        notes.append(f"k = 0: no study reports {what} for {drug} under these filters")
    elif k == 1:
        notes.append("k = 1: single study, not pooled")
    if pool is not None:
        overlapping = set_overlaps((r["study_id"] for r in in_pool), ev)
        if overlapping:
            notes.append(
                f"study set {study_set}: pooled as published, including overlapping reports "
                f"not preferred here ({', '.join(overlapping)})"
            )
        for one, other in possible_overlaps(in_pool, ev):
            notes.append(f"possible overlap: {one} and {other} may share patients (not declared)")
        notes += [w for w in pool.warnings if not w.startswith("k = 1")]
        notes += [f"{e.label}: {e.reason}" for e in getattr(pool, "excluded", ())]
    return OutcomeResult(
        drug=drug,
        outcome=outcome,
        timepoint=timepoint,
        filters=f,
        method=m,
        selection=sel,
        pool=pool,
        k=k,
        n_patients=sum(ns for ns in in_pool_n if ns is not None),
        n_unknown=tuple(
            str(r["label"]) for r, ns in zip(in_pool, in_pool_n, strict=True) if ns is None
        ),
        study_ids=tuple(str(r["study_id"]) for r in in_pool),
        derived=derived and k > 0,
        user_supplied=user,
        note="; ".join(notes),
    )


AE_COLUMNS = (
    "term",
    "soc",
    "grade",
    "k",
    "n",
    "events",
    "est",
    "ci_lb",
    "ci_ub",
    "i2",
    "studies",
    "not_reported_by",
    "derived",
    "user_supplied",
)
"""Columns of :func:`pool_adverse_events`."""


def pool_adverse_events(
    ev: Evidence,
    drug: str,
    f: Filters,
    m: Method,
    grade: str = "3plus",
    study_set: str | None = None,
) -> pd.DataFrame:
    """Pool every CTCAE term of one drug at one grade band among the arms that report it.

    Parameters
    ----------
    ev : Evidence
    drug : str
    f : Filters
        AE rows carry no population, so a histology filter keeps whole arms of that group (or,
        for a subtype code, arms that enrolled only that subtype); mixed arms enter only under
        ``all``.
    m : Method
    grade : {"3plus", "any"}
    study_set : str, optional
    Returns
    -------
    pandas.DataFrame
        One row per term (:data:`AE_COLUMNS`), highest pooled incidence first. ``studies`` and
        ``not_reported_by`` are ``;``-joined study ids: a selected arm that did not report the
        term is listed there and never counted as 0 events. ``derived`` is True when any count
        was computed from a stated percentage.
    """
    records = adverse_event_records(ev, drug, f, m, grade, study_set)
    return pd.DataFrame(records, columns=list(AE_COLUMNS))


def adverse_event_records(
    ev: Evidence,
    drug: str,
    f: Filters,
    m: Method,
    grade: str = "3plus",
    study_set: str | None = None,
) -> list[dict[str, Any]]:
    """:func:`pool_adverse_events` as records (:data:`AE_COLUMNS`), in the table's order."""
    if grade not in ("3plus", "any"):
        raise ValueError(f"grade {grade!r}: expected '3plus' or 'any'")
    if f.histology not in ev.vocab.populations:
        raise ValueError(f"histology {f.histology!r} is not 'all', 'sts', 'bone' or a code")
    kept, _ = candidate_records(ev, drug, f, study_set)
    arm_ids = [str(arm["study_id"]) for _, arm in kept if arm_population_ok(arm, f.histology, ev)]
    rows = sorted(
        (hit for sid in set(arm_ids) for hit in adverse_records(ev, sid, grade)),
        key=lambda hit: hit[0],
    )
    users = ev.user_ids
    reported = [{**row, "user_supplied": row["study_id"] in users} for _, row in rows]
    by_term: dict[object, list[dict[str, Any]]] = {}
    for row in reported:
        from_pct = pd.isna(row["events"])
        events = half_up(float(row["pct"]) * int(row["n"])) if from_pct else int(row["events"])
        shaped = {**row, "events": events, "derived": bool(row["derived"]) or from_pct}
        by_term.setdefault(row["term"], []).append(shaped)
    records = []
    for term, group in by_term.items():
        ids = [r["study_id"] for r in group]
        pool = pool_proportion_counts(
            [r["events"] for r in group], [int(r["n"]) for r in group], ids, m
        )
        missing = [sid for sid in arm_ids if sid not in set(ids)]
        records.append(
            {
                "term": term,
                "soc": ev.vocab.soc(str(term)),
                "grade": grade,
                "k": pool.k,
                "n": int(sum(r["n"] for r in group)),
                "events": int(sum(r["events"] for r in group)),
                "est": pool.random.est,
                "ci_lb": pool.random.ci_lb,
                "ci_ub": pool.random.ci_ub,
                "i2": pool.i2 if pool.k > 1 else np.nan,
                "studies": ";".join(str(sid) for sid in ids),
                "not_reported_by": ";".join(missing),
                "derived": any(r["derived"] for r in group),
                "user_supplied": ";".join(str(r["study_id"]) for r in group if r["user_supplied"]),
            }
        )
    # highest incidence first, ties by k, then in term order (a stable sort, as pandas sorts
    # on two columns); an estimate that is not a number goes last
    return sorted(records, key=lambda r: (math.isnan(r["est"]), -r["est"], -r["k"]))


HR_COLUMNS = (
    "drug",
    "study_id",
    "label",
    "trial",
    "outcome",
    "population",
    "subgroup_line",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_derived",
    "p_value",
    "comparator_study_id",
    "comparator_drug",
    "experimental",
    "anchor",
    "control",
    "setting",
    "review",
    "comparison",
    "comparison_label",
    "location",
    "source",
    "note",
)
"""Columns of :func:`hazard_ratios`."""


def hazard_ratios(ev: Evidence, f: Filters) -> pd.DataFrame:
    """Within-trial hazard ratios of each drug's randomised comparisons (``comparisons.csv``).

    Only the preferred report of each trial × population × line subgroup × outcome ×
    comparison enters. The experimental arm passes the regimen, design, line and age filters
    (an add-on or maintenance comparison shows only under its regimen); the histology filter
    acts through the row's population. A line-subgroup row shows only for a patient of a line
    it contains (all of them under "any line"), and is labelled as such.

    Returns
    -------
    pandas.DataFrame
        :data:`HR_COLUMNS`: ``estimate``/``ci_low``/``ci_high`` are the HR and its CI;
        ``comparison`` is "anchored, within trial"; ``comparison_label`` says what the HR
        estimates ("vs placebo", "vs dacarbazine", "adding gemcitabine to pazopanib").
    """
    comp = ev.comparisons
    if comp.empty:
        return pd.DataFrame(columns=list(HR_COLUMNS))
    records = []
    for row in comp[comp["preferred"].astype(bool)].itertuples(index=False):
        arm = arm_record(ev, str(row.study_id))
        if arm is None or arm["drug"] not in ev.vocab.tki_drugs or setting_reasons(arm, f):
            continue
        if not _hr_population_ok(arm, str(row.population), f.histology, ev):
            continue
        sub = row.subgroup_line
        if isinstance(sub, str) and f.line != "any" and not line_contains(sub, f.line):
            continue
        records.append(
            {
                "drug": arm["drug"],
                "study_id": row.study_id,
                "label": label_of(ev, str(row.study_id)),
                "trial": row.trial,
                "outcome": row.outcome,
                "population": row.population,
                "subgroup_line": sub,
                "estimate": row.hr,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "ci_derived": bool(row.ci_derived),
                "p_value": row.p_value,
                "comparator_study_id": row.control_study_id,
                "comparator_drug": _drug_of(ev, row.control_study_id),
                "experimental": row.experimental,
                "anchor": row.anchor,
                "control": row.control,
                "setting": row.setting,
                "review": row.review,
                "comparison": HR_LABEL,
                "comparison_label": comparison_label(row.experimental, row.anchor, row.setting),
                "location": row.location,
                "source": row.source,
                "note": row.note,
            }
        )
    table = pd.DataFrame(records, columns=list(HR_COLUMNS))
    order = {d: i for i, d in enumerate(ev.vocab.tki_drugs)}
    table["_order"] = table["drug"].map(order)
    return table.sort_values(["_order", "trial"], kind="stable", ignore_index=True).drop(
        columns="_order"
    )


def _drug_of(ev: Evidence, study_id: object) -> object:
    arm = arm_record(ev, study_id) if isinstance(study_id, str) else None
    return None if arm is None else arm["drug"]


def _hr_population_ok(arm: Mapping[str, Any], row_pop: str, histology: str, ev: Evidence) -> bool:
    """Whether an HR row speaks to the histology filter.

    Every row counts under "all" (each is labelled with its population); a subtype row counts
    for its group (a REGOSARC leiomyosarcoma HR under soft tissue); a whole-trial row counts when
    the arm fits the histology.
    """
    if histology in ("all", row_pop):
        return True
    if row_pop == "all":
        return arm_population_ok(arm, histology, ev)
    return histology in ("sts", "bone") and ev.vocab.histology_group(row_pop) == histology


COMPARE_COLUMNS = (
    "drug",
    "outcome",
    "timepoint",
    "label",
    "est",
    "ci_lb",
    "ci_ub",
    "k",
    "n",
    "i2",
    "study_ids",
    "derived",
    "note",
    "user_supplied",
)
"""Columns of :func:`compare` (``user_supplied``: ``;``-joined ids of user rows, empty if none)."""

_OUTCOME_LABELS = {
    "orr": "ORR",
    "dcr": "DCR",
    "pfs_median": "median PFS",
    "os_median": "median OS",
    "pfs_rate": "PFS-{t}",
    "os_rate": "OS-{t}",
}


def outcome_label(outcome: str, timepoint: int | None = None) -> str:
    """Short display label: ``ORR``, ``median PFS``, ``PFS-6`` ..."""
    return _OUTCOME_LABELS[outcome].format(t=timepoint)


def compare_targets(ev: Evidence) -> list[tuple[str, int | None]]:
    """Every outcome of the comparison: proportions, medians, and each landmark rate at every
    timepoint present in the data (``("pfs_rate", 6)``)."""
    return list(_targets(ev))


@lru_cache(maxsize=2)
def _targets(ev: Evidence) -> tuple[tuple[str, int | None], ...]:
    targets: list[tuple[str, int | None]] = [(o, None) for o in PROPORTION_OUTCOMES]
    targets += [(o, None) for o in MEDIAN_OUTCOMES]
    for outcome in RATE_OUTCOMES:
        times = ev.outcomes.loc[ev.outcomes["outcome"] == outcome, "timepoint_months"]
        targets += [(outcome, int(t)) for t in sorted(times.dropna().unique())]
    return tuple(targets)


def compare(
    ev: Evidence,
    f: Filters,
    m: Method,
    study_set: str | None = None,
) -> pd.DataFrame:
    """Every compared drug × outcome (landmark rates at each timepoint present in the data).

    Returns
    -------
    pandas.DataFrame
        Long table (:data:`COMPARE_COLUMNS`); k = 0 rows have missing estimates. ``est``/``ci``
        are fractions for proportions and rates, months for medians.
    """
    records = []
    for drug in ev.vocab.tki_drugs:
        for outcome, t in compare_targets(ev):
            res = pool_outcome(ev, drug, outcome, f, m, timepoint=t, study_set=study_set)
            est = res.estimate or (np.nan, np.nan, np.nan)
            records.append(
                {
                    "drug": drug,
                    "outcome": outcome,
                    "timepoint": t,
                    "label": outcome_label(outcome, t),
                    "est": est[0],
                    "ci_lb": est[1],
                    "ci_ub": est[2],
                    "k": res.k,
                    "n": res.n_patients,
                    "i2": res.pool.i2 if res.pool is not None and res.k > 1 else np.nan,
                    "study_ids": ";".join(res.study_ids),
                    "derived": res.derived,
                    "note": res.note,
                    "user_supplied": ";".join(res.user_supplied),
                }
            )
    table = pd.DataFrame(records, columns=list(COMPARE_COLUMNS))
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table
