"""Evidence for one patient: the most direct evidence there is for each drug × outcome.

:func:`tkidata.pool_outcome` pools exactly what the filters select. This layer above it asks, for a
patient's histology, three questions in turn and keeps the first that has an answer:

1. **direct** — the subtype's own cohort or a reported subgroup of it (population = the subtype);
2. **histology group** — soft-tissue (or bone) studies that may have enrolled the subtype but
   report it only mixed (population = the group; arms whose listed subtypes exclude it are out);
3. **all sarcoma** — studies of bone and soft-tissue sarcoma together that may have enrolled it.

A histology group question (soft tissue, bone) has tiers 1 and 3; "all histologies" has tier 1
only. Line matching, design, regimen and age filters apply unchanged at every tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from tkidata.analyses.method import Method
from tkidata.analyses.pooling import (
    AE_COLUMNS,
    COMPARE_COLUMNS,
    OutcomeResult,
    adverse_event_records,
    compare_targets,
    pool_adverse_events,
    pool_outcome,
)
from tkidata.analyses.pooling import outcome_label as compare_label
from tkidata.patient.certainty import Certainty, rate_number
from tkidata.patient.filters import Filters
from tkidata.patient.selection import ALSO_REPORTED, DEFAULT_ASSESSMENT, label_of
from tkidata.store.codes import MEDIAN_OUTCOMES, SECONDARY_LEVELS
from tkidata.store.loader import Evidence
from tkidata.store.validate import split_list
from tkidata.wording import (
    GROUP_WORDS,
    MISSING,
    NO_STUDY,
    TIER_HEADLINE,
    TIER_WORDS,
    design_mix,
    format_ci,
    format_value,
    outcome_label,
)

TIERS = ("direct", "group", "all")
"""Evidence tiers, most direct first."""

SUMMARY_OUTCOMES: tuple[tuple[str, int | None], ...] = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("pfs_rate", 6),
)
"""The numbers of the patient summary besides grade ≥3 adverse events."""


@dataclass(frozen=True)
class TierStep:
    """One question of the ladder: pool ``population`` among arms that may have enrolled
    ``enrolled`` (empty: no such rule)."""

    tier: str
    population: str
    enrolled: str


def tier_steps(ev: Evidence, histology: str) -> tuple[TierStep, ...]:
    """The tiers to try for a patient's histology, most direct first."""
    if histology == "all":
        return (TierStep("direct", "all", ""),)
    if histology in ("sts", "bone"):
        return (TierStep("direct", histology, ""), TierStep("all", "all", histology))
    group = ev.vocab.histology_group(histology) or "all"
    return (
        TierStep("direct", histology, ""),
        TierStep("group", group, histology),
        TierStep("all", "all", histology),
    )


def _step_filters(f: Filters, step: TierStep) -> Filters:
    return f.replace(histology=step.population, enrolled=step.enrolled)


@dataclass(frozen=True, eq=False)
class TieredNumber:
    """The most direct evidence for one drug × outcome.

    Attributes
    ----------
    drug, outcome : str
    timepoint : int or None
    tier : str or None
        ``direct``, ``group`` or ``all``; None when no tier has any evidence.
    result : OutcomeResult or None
        The pool at that tier (k may be 0 when only unpooled reports exist).
    certainty : Certainty or None
    tried : tuple of (str, int)
        Each tier tried and its k, in order.
    mixed_assessment : bool
        True when the pool mixes assessments (only when the user allows it).
    """

    drug: str
    outcome: str
    timepoint: int | None
    tier: str | None
    result: OutcomeResult | None
    certainty: Certainty | None
    tried: tuple[tuple[str, int], ...]
    mixed_assessment: bool = False

    @property
    def months(self) -> bool:
        """True for medians."""
        return self.outcome in MEDIAN_OUTCOMES

    @property
    def tier_words(self) -> str:
        """The tier in words, ``"—"`` without evidence."""
        return TIER_WORDS[self.tier] if self.tier else MISSING

    @property
    def has_number(self) -> bool:
        """True when there is a pooled or single-study number (k ≥ 1)."""
        return self.result is not None and self.result.k > 0

    @property
    def has_evidence(self) -> bool:
        """True when there is a number or at least one reported, unpooled value of this
        outcome (another assessment does not count: it is a different endpoint)."""
        return self.has_number or (self.result is not None and _reports_unpooled(self.result))

    @property
    def secondary_sources(self) -> tuple[str, ...]:
        """Labels of pooled studies whose number was read only in a secondary source (a review
        table, another paper's discussion, a news report): shown as a badge on the number."""
        if self.result is None:
            return ()
        return tuple(
            str(r["label"])
            for r in _pooled_records(self.result)
            if r["extraction_level"] in SECONDARY_LEVELS or r["source_level"] in SECONDARY_LEVELS
        )

    def pooled_rows(self) -> pd.DataFrame:
        """The exact selected rows behind the number (the drill-down)."""
        if self.result is None:
            return pd.DataFrame()
        rows = self.result.selection.rows
        return rows[rows["study_id"].isin(self.result.study_ids)].reset_index(drop=True)


ANOTHER_ASSESSMENT = "different assessment"
"""How :mod:`tkidata.patient.selection` starts the reason of a row of another assessment."""


def reported_unpooled(result: OutcomeResult) -> pd.DataFrame:
    """Unpooled reports of this very outcome (medians without a CI, medians not reached)."""
    unpooled = result.unpooled
    return unpooled[~unpooled["reason"].str.startswith((ANOTHER_ASSESSMENT, ALSO_REPORTED))]


def _reports_unpooled(result: OutcomeResult) -> bool:
    """Whether :func:`reported_unpooled` is not empty (read from the records)."""
    skipped = (ANOTHER_ASSESSMENT, ALSO_REPORTED)
    return any(not str(r["reason"]).startswith(skipped) for r in result.unpooled_records())


def _pooled_records(result: OutcomeResult) -> list[dict[str, Any]]:
    ids = set(result.study_ids)
    return [r for r in result.selection.records if r["study_id"] in ids]


def _has_mixed_assessment(result: OutcomeResult) -> bool:
    default = DEFAULT_ASSESSMENT.get(result.outcome)
    if default is None:
        return False
    return any(
        (default if pd.isna(r["assessment"]) else r["assessment"]) != default
        for r in _pooled_records(result)
    )


def _rate(ev: Evidence, result: OutcomeResult, tier: str, histology: str, m: Method) -> Certainty:
    group = ev.vocab.histology_group(histology) if histology not in ("all", "sts", "bone") else None
    words = GROUP_WORDS.get(group or "all", "histology-group")
    if result.k == 0:
        rows = result.selection.records
        return rate_number(
            ev,
            outcome=result.outcome,
            rows=rows,
            k=len(result.unpooled_records()),
            n=int(sum(r["n"] for r in rows if pd.notna(r["n"]))),
            est=None,
            lo=None,
            hi=None,
            tier=tier,
            group_words=words,
        )
    pool = result.pool
    est = result.estimate
    assert pool is not None and est is not None
    pooled = _pooled_records(result)
    events = None
    if result.outcome not in MEDIAN_OUTCOMES and hasattr(pool, "studies"):
        events = [int(s.events) for s in pool.studies]  # type: ignore[union-attr]
        pooled = [{**r, "n": s.n} for r, s in zip(pooled, pool.studies, strict=True)]
    return rate_number(
        ev,
        outcome=result.outcome,
        rows=pooled,
        k=result.k,
        n=result.n_patients,
        est=est[0],
        lo=est[1],
        hi=est[2],
        i2=pool.i2 if result.k > 1 else None,
        q_p=pool.q_pvalue if result.k > 1 else None,
        tier=tier,
        group_words=words,
        mixed_assessment=_has_mixed_assessment(result),
        events=events,
        proportion_kwargs=m.proportion_kwargs(),
    )


def tiered_outcome(
    ev: Evidence,
    drug: str,
    outcome: str,
    f: Filters,
    m: Method,
    *,
    timepoint: int | None = None,
    direct_only: bool = False,
) -> TieredNumber:
    """The most direct evidence for one drug × outcome and the patient in ``f``.

    The first tier with a pooled or single-study number wins; when no tier has one, the first
    tier with a reported but unpooled value (a median without a CI) is shown. With
    ``direct_only`` only the first tier is tried.
    """
    steps = tier_steps(ev, f.histology)[: 1 if direct_only else None]
    tried: list[tuple[str, int]] = []
    first_unpooled: tuple[TierStep, OutcomeResult] | None = None
    chosen: tuple[TierStep, OutcomeResult] | None = None
    for step in steps:
        res = pool_outcome(ev, drug, outcome, _step_filters(f, step), m, timepoint=timepoint)
        tried.append((step.tier, res.k))
        if res.k > 0:
            chosen = (step, res)
            break
        if first_unpooled is None and _reports_unpooled(res):
            first_unpooled = (step, res)
    chosen = chosen or first_unpooled
    if chosen is None:
        return TieredNumber(drug, outcome, timepoint, None, None, None, tuple(tried))
    step, res = chosen
    return TieredNumber(
        drug,
        outcome,
        timepoint,
        step.tier,
        res,
        _rate(ev, res, step.tier, f.histology, m),
        tuple(tried),
        _has_mixed_assessment(res),
    )


@dataclass(frozen=True, eq=False)
class TieredAdverseEvents:
    """Grade ≥3 adverse events of one drug at the most direct tier that reports any.

    ``table`` is :func:`tkidata.pool_adverse_events` at that tier, most frequent first.
    """

    drug: str
    tier: str | None
    table: pd.DataFrame
    tried: tuple[tuple[str, int], ...]

    @property
    def tier_words(self) -> str:
        """The tier in words, ``"—"`` when no study reports grade ≥3 events."""
        return TIER_WORDS[self.tier] if self.tier else MISSING

    def top(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` terms of highest pooled incidence."""
        return self.table.head(n)


def tiered_adverse_events(
    ev: Evidence,
    drug: str,
    f: Filters,
    m: Method,
    *,
    grade: str = "3plus",
    direct_only: bool = False,
) -> TieredAdverseEvents:
    """Adverse events at the most direct tier with any reported term."""
    steps = tier_steps(ev, f.histology)[: 1 if direct_only else None]
    tried: list[tuple[str, int]] = []
    for step in steps:
        records = adverse_event_records(ev, drug, _step_filters(f, step), m, grade=grade)
        studies = {s for r in records for s in split_list(r["studies"])}
        tried.append((step.tier, len(studies)))
        if records:
            table = pd.DataFrame(records, columns=list(AE_COLUMNS))
            return TieredAdverseEvents(drug, step.tier, table, tuple(tried))
    return TieredAdverseEvents(drug, None, pd.DataFrame(columns=list(AE_COLUMNS)), tuple(tried))


def rate_adverse_event(ev: Evidence, row: pd.Series, tier: str | None, histology: str) -> Certainty:
    """Certainty of one pooled adverse-event incidence (a row of :func:`pool_adverse_events`)."""
    ids = split_list(row["studies"])
    group = ev.vocab.histology_group(histology) if histology not in ("all", "sts", "bone") else None
    return rate_number(
        ev,
        outcome="ae",
        rows=pd.DataFrame({"study_id": ids, "n": [np.nan] * len(ids)}),
        k=int(row["k"]),
        n=int(row["n"]),
        est=float(row["est"]),
        lo=float(row["ci_lb"]),
        hi=float(row["ci_ub"]),
        i2=None if pd.isna(row["i2"]) else float(row["i2"]),
        tier=tier or "direct",
        group_words=GROUP_WORDS.get(group or "all", "histology-group"),
    )


@dataclass(frozen=True, eq=False)
class DrugSummary:
    """The first-screen answer for one drug: ORR, PFS (median, or PFS-6), DCR and the top grade
    ≥3 adverse events, each at its most direct tier."""

    drug: str
    numbers: dict[str, TieredNumber]
    adverse_events: TieredAdverseEvents

    @property
    def pfs(self) -> TieredNumber:
        """Median PFS when there is one, else PFS at 6 months (when that has a number)."""
        median = self.numbers["pfs_median"]
        rate = self.numbers["pfs_rate"]
        if median.has_number or not rate.has_number:
            return median
        return rate

    def design_mix(self, ev: Evidence) -> str:
        """Designs of the arms behind the numbers shown, ``"1 RCT · 2 retrospective"``."""
        ids: set[str] = set()
        for number in (self.numbers["orr"], self.pfs):
            if number.result is not None:
                ids |= set(number.result.study_ids)
        ids |= {s for cell in self.adverse_events.top()["studies"] for s in split_list(cell)}
        designs = ev.studies.loc[ev.studies["study_id"].isin(ids), "design"]
        return design_mix(list(designs))


def patient_summary(
    ev: Evidence,
    f: Filters,
    m: Method,
    *,
    direct_only: bool = False,
    drugs: Sequence[str] | None = None,
) -> tuple[DrugSummary, ...]:
    """The first screen for the patient in ``f``: one :class:`DrugSummary` per compared drug."""
    out = []
    for drug in drugs or ev.vocab.tki_drugs:
        numbers = {
            outcome: tiered_outcome(ev, drug, outcome, f, m, timepoint=t, direct_only=direct_only)
            for outcome, t in SUMMARY_OUTCOMES
        }
        ae = tiered_adverse_events(ev, drug, f, m, direct_only=direct_only)
        out.append(DrugSummary(drug, numbers, ae))
    return tuple(out)


def number_text(number: TieredNumber) -> tuple[str, str]:
    """The estimate and its CI as shown: ``("32.1%", "25.0–40.2%")``; an unpooled-only number
    shows the reported values ("11.0 mo, no CI")."""
    months = number.months
    if number.has_number:
        assert number.result is not None and number.result.estimate is not None
        est, lo, hi = number.result.estimate
        return format_value(est, months=months), format_ci(lo, hi, months=months)
    if number.result is not None and not reported_unpooled(number.result).empty:
        values = [float(v) for v in reported_unpooled(number.result)["estimate"] if not pd.isna(v)]
        if len(values) > 1:
            low, high = min(values), max(values)
            unit = " mo" if months else "%"
            scale = 1.0 if months else 100.0
            return (f"{scale * low:.1f}–{scale * high:.1f}{unit}", f"{len(values)} reports")
        return (format_value(values[0], months=months) if values else "reported", "not pooled")
    return MISSING, MISSING


def unpooled_text(number: TieredNumber, limit: int | None = None) -> str:
    """ "Also reported, not pooled: Chi 2018, 11.0 mo, no CI" (empty when nothing was left)."""
    if number.result is None:
        return ""
    parts = []
    for row in number.result.unpooled_records():
        value = format_value(row["estimate"], months=number.months)
        reason = str(row["reason"])
        if reason == "no confidence interval":
            reason = "no CI"
        elif reason.startswith(ANOTHER_ASSESSMENT):
            kind = reason.split(": ", 1)[1].split(", not ")[0]
            reason = f"another assessment ({kind})"
        elif reason.startswith("median not reached"):
            reason = "median not reached"
        elif reason.startswith(ALSO_REPORTED):
            reason = reason.split(": ", 1)[1].split(" (")[0]
        shown = [str(row["label"])] + ([value] if value != MISSING else []) + [reason]
        parts.append(", ".join(shown))
    if not parts:
        return ""
    more = ""
    if limit is not None and len(parts) > limit:
        more = f"; and {len(parts) - limit} more (see the studies behind these numbers)"
        parts = parts[:limit]
    return "Also reported, not pooled: " + "; ".join(parts) + more


SUMMARY_COLUMNS = (
    "Drug",
    "Outcome",
    "Estimate",
    "95% CI",
    "k",
    "N",
    "Evidence tier",
    "Design mix",
    "Certainty",
    "Certainty reasons",
    "Studies",
)
"""Columns of :func:`patient_summary_frame`."""


def _summary_row(
    ev: Evidence,
    drug: str,
    mix: str,
    outcome: str,
    estimate: str,
    ci: str,
    k: int,
    n: float,
    tier: str,
    rating: Certainty | None,
    study_ids: Sequence[str],
) -> dict[str, object]:
    """One row of :func:`patient_summary_frame`, in :data:`SUMMARY_COLUMNS` order."""
    values = (
        drug,
        outcome,
        estimate,
        ci,
        k,
        n,
        tier,
        mix,
        rating.level if rating else MISSING,
        "; ".join(rating.reasons) if rating else "",
        "; ".join(label_of(ev, s) for s in study_ids),
    )
    return dict(zip(SUMMARY_COLUMNS, values, strict=True))


def patient_summary_frame(
    ev: Evidence,
    f: Filters,
    m: Method,
    direct_only: bool = False,
) -> pd.DataFrame:
    """The patient summary as one table in clinical words (slides, exports).

    One row per drug × number (ORR, DCR, PFS, and each of the top three grade ≥3 adverse events);
    no raw codes. :func:`summary_frame` of :func:`patient_summary`.
    """
    summaries = patient_summary(ev, f, m, direct_only=direct_only)
    return summary_frame(ev, summaries, f.histology)


def summary_frame(ev: Evidence, summaries: Sequence[DrugSummary], histology: str) -> pd.DataFrame:
    """:func:`patient_summary_frame` of summaries already computed for a patient's
    ``histology`` (the app reuses the first screen's cached summaries)."""
    labels = dict(zip(ev.vocab.drugs["drug"], ev.vocab.drugs["label"], strict=True))
    records = []
    for summary in summaries:
        drug, mix = labels[summary.drug], summary.design_mix(ev)
        row = partial(_summary_row, ev, drug, mix)
        for number in (summary.numbers["orr"], summary.numbers["dcr"], summary.pfs):
            res = number.result
            k = res.k if res is not None else 0
            records.append(
                row(
                    outcome_label(number.outcome, number.timepoint, short=True),
                    *number_text(number),
                    k,
                    res.n_patients if res is not None and k else np.nan,
                    number.tier_words,
                    number.certainty,
                    res.study_ids if res is not None else (),
                )
            )
        ae = summary.adverse_events
        if ae.table.empty:
            records.append(
                row(
                    "Grade ≥3 adverse events", "not reported", MISSING, 0, np.nan, MISSING, None, ()
                )
            )
        for _, term in ae.top().iterrows():
            records.append(
                row(
                    f"Grade ≥3 {str(term['term']).lower()}",
                    format_value(term["est"]),
                    format_ci(term["ci_lb"], term["ci_ub"]),
                    int(term["k"]),
                    int(term["n"]),
                    ae.tier_words,
                    rate_adverse_event(ev, term, ae.tier, histology),
                    split_list(term["studies"]),
                )
            )
    frame = pd.DataFrame(records, columns=list(SUMMARY_COLUMNS))
    frame["N"] = frame["N"].astype("Int64")
    return frame


TIERED_COLUMNS = (
    *COMPARE_COLUMNS,
    "tier",
    "tier_words",
    "certainty",
    "certainty_reasons",
    "unpooled",
    "n_unknown",
    "mixed_assessment",
    "secondary_sources",
)
"""Columns of :func:`tiered_compare`: those of :func:`tkidata.compare` plus the tier, the
certainty line, what was reported but not pooled, pooled studies without a stated N, whether
assessments were mixed, and pooled studies read only in a secondary source."""


def tiered_compare(
    ev: Evidence,
    f: Filters,
    m: Method,
    *,
    direct_only: bool = False,
) -> pd.DataFrame:
    """Every drug × outcome of :func:`tkidata.compare`, each at its most direct tier.

    Returns
    -------
    pandas.DataFrame
        Long table (:data:`TIERED_COLUMNS`); rows without evidence at any tier have missing
        estimates, ``k = 0`` and an empty ``tier``.
    """
    records = []
    for drug in ev.vocab.tki_drugs:
        for outcome, t in compare_targets(ev):
            number = tiered_outcome(ev, drug, outcome, f, m, timepoint=t, direct_only=direct_only)
            res = number.result
            est = res.estimate if res is not None and res.estimate else (np.nan,) * 3
            pool = res.pool if res is not None else None
            records.append(
                {
                    "drug": drug,
                    "outcome": outcome,
                    "timepoint": t,
                    "label": compare_label(outcome, t),
                    "est": est[0],
                    "ci_lb": est[1],
                    "ci_ub": est[2],
                    "k": res.k if res is not None else 0,
                    "n": res.n_patients if res is not None else 0,
                    "i2": pool.i2 if pool is not None and res is not None and res.k > 1 else np.nan,
                    "study_ids": ";".join(res.study_ids) if res is not None else "",
                    "derived": bool(res.derived) if res is not None else False,
                    "note": res.note if res is not None else "",
                    "user_supplied": ";".join(res.user_supplied) if res is not None else "",
                    "tier": number.tier or "",
                    "tier_words": number.tier_words if number.tier else "",
                    "certainty": number.certainty.level if number.certainty else "",
                    "certainty_reasons": "; ".join(number.certainty.reasons)
                    if number.certainty
                    else "",
                    "unpooled": unpooled_text(number),
                    "n_unknown": "; ".join(res.n_unknown) if res is not None else "",
                    "mixed_assessment": number.mixed_assessment,
                    "secondary_sources": "; ".join(number.secondary_sources),
                }
            )
    table = pd.DataFrame(records, columns=list(TIERED_COLUMNS))
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table


# --- the patient's tiered selection, for every page and export (issue 24) ---------------------


def tier_filters(ev: Evidence, f: Filters, tier: str) -> Filters:
    """The filters of one tier of the patient's ladder (``tier`` in :data:`TIERS`).

    Raises
    ------
    ValueError
        When ``tier`` is not a step of the patient's ladder (e.g. ``"group"`` for a histology
        group question).
    """
    for step in tier_steps(ev, f.histology):
        if step.tier == tier:
            return _step_filters(f, step)
    raise ValueError(f"tier {tier!r} is not a step for histology {f.histology!r}")


def patient_tiers(ev: Evidence, f: Filters, *, direct_only: bool = False) -> tuple[str, ...]:
    """The tiers tried for the patient in ``f``, most direct first (only ``direct`` with
    ``direct_only``)."""
    return tuple(s.tier for s in tier_steps(ev, f.histology)[: 1 if direct_only else None])


def tier_headline(ev: Evidence, tier: str | None, histology: str) -> str:
    """The tier a page shows, in one line: ``"Histology group: soft-tissue sarcoma studies,
    leiomyosarcoma not reported separately"``; :data:`~tkidata.wording.NO_STUDY` for None."""
    if tier is None:
        return NO_STUDY[0].upper() + NO_STUDY[1:]
    if histology == "all":
        return f"{TIER_WORDS['direct']}: studies of all sarcoma histologies"
    labels = dict(zip(ev.vocab.histology["code"], ev.vocab.histology["label"], strict=True))
    subtype = GROUP_WORDS.get(histology) or labels.get(histology, histology)
    if subtype[1:2].islower():
        subtype = subtype[0].lower() + subtype[1:]
    if tier == "direct" and histology in ("sts", "bone"):
        return f"{TIER_WORDS['direct']}: {subtype} studies"
    group = GROUP_WORDS.get(ev.vocab.histology_group(histology) or "all", "sarcoma")
    return TIER_HEADLINE[tier].format(group=group, subtype=subtype)


def outcome_at_tiers(
    ev: Evidence,
    drug: str,
    outcome: str,
    f: Filters,
    m: Method,
    *,
    timepoint: int | None = None,
    direct_only: bool = False,
) -> tuple[tuple[str, OutcomeResult], ...]:
    """The pool of one drug × outcome at every tier of the patient's ladder, most direct first
    (Forest's "other tiers"); :func:`tiered_outcome` says which of them answers."""
    return tuple(
        (
            tier,
            pool_outcome(ev, drug, outcome, tier_filters(ev, f, tier), m, timepoint=timepoint),
        )
        for tier in patient_tiers(ev, f, direct_only=direct_only)
    )


def adverse_events_at_tier(
    ev: Evidence,
    drug: str,
    f: Filters,
    m: Method,
    tier: str,
    *,
    grade: str = "3plus",
) -> TieredAdverseEvents:
    """:func:`tkidata.pool_adverse_events` of one drug at a given tier of the patient's ladder
    (Safety's all-grade incidence at the tier of the cards' grade ≥3 events)."""
    table = pool_adverse_events(ev, drug, tier_filters(ev, f, tier), m, grade=grade)
    studies = {s for cell in table["studies"] for s in split_list(cell)}
    return TieredAdverseEvents(
        drug, tier if not table.empty else None, table, ((tier, len(studies)),)
    )


TIERED_ARM_COLUMNS = ("study_id", "drug", "serves")
"""Columns of :func:`tiered_arms`."""


def tiered_arms(
    ev: Evidence, table: pd.DataFrame, summaries: Sequence[DrugSummary]
) -> pd.DataFrame:
    """The study arms behind a patient's tiered answers and what each serves, at which tier.

    Parameters
    ----------
    ev : Evidence
    table : pandas.DataFrame
        :func:`tiered_compare` rows of the patient (every number shown).
    summaries : sequence of DrugSummary
        :func:`patient_summary` of the patient (the cards' grade ≥3 adverse events).

    Returns
    -------
    pandas.DataFrame
        :data:`TIERED_ARM_COLUMNS`, one row per arm: ``serves`` in words, e.g.
        ``"ORR, DCR: histology group · grade ≥3 AEs: histology group"``.
    """
    serves: dict[str, dict[str, list[str]]] = {}
    drugs: dict[str, str] = {}
    for row in table.itertuples(index=False):
        if not row.tier:
            continue
        what = outcome_label(
            row.outcome, None if pd.isna(row.timepoint) else int(row.timepoint), short=True
        )
        for sid in split_list(row.study_ids):
            serves.setdefault(sid, {}).setdefault(str(row.tier_words).lower(), []).append(what)
            drugs[sid] = row.drug
    for summary in summaries:
        ae = summary.adverse_events
        if ae.tier is None:
            continue
        for cell in ae.table["studies"]:
            for sid in split_list(cell):
                serves.setdefault(sid, {}).setdefault(ae.tier_words.lower(), [])
                if "grade ≥3 AEs" not in serves[sid][ae.tier_words.lower()]:
                    serves[sid][ae.tier_words.lower()].append("grade ≥3 AEs")
                drugs[sid] = summary.drug
    records = [
        {
            "study_id": sid,
            "drug": drugs[sid],
            "serves": " · ".join(
                f"{', '.join(dict.fromkeys(whats))}: {tier}" for tier, whats in by_tier.items()
            ),
        }
        for sid, by_tier in serves.items()
    ]
    return pd.DataFrame(records, columns=list(TIERED_ARM_COLUMNS))
