"""Which study arms and outcome rows enter a pool, and which are left out and why."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import pandas as pd

from tkidata.patient.filters import LINE_WORDS, Filters, line_contains, setting_reasons
from tkidata.store.codes import POOLED_OUTCOMES, RATE_OUTCOMES
from tkidata.store.loader import Evidence
from tkidata.store.validate import split_list
from tkidata.wording import unknown_in_words

T = TypeVar("T")

Row = Mapping[str, Any] | pd.Series
"""A study arm or an outcome row: a record dict (fast) or a pandas row."""

ARM_COLUMNS = (
    "first_author",
    "year",
    "trial",
    "arm",
    "design",
    "regimen",
    "line",
    "line_reported",
    "histology_group",
    "subtypes",
    "age_group",
    "n_enrolled",
    "included_in",
    "extraction_level",
)
"""Study columns copied next to each selected outcome row."""

ROW_COLUMNS = (
    "study_id",
    "label",
    "population",
    "outcome",
    "timepoint_months",
    "assessment",
    "assessment_week",
    "subgroup_line",
    "events",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
    "not_reached",
    "derived",
    "location",
    "source",
    "source_level",
    *ARM_COLUMNS,
    "user_supplied",
)
"""Columns of :attr:`Selection.rows`."""


@dataclass(frozen=True, eq=False)
class Selection:
    """The arms and outcome rows that enter one pool, plus those left out.

    Attributes
    ----------
    drug, outcome, population : str
        What is pooled; ``population`` is the histology the rows describe.
    timepoint : int or None
        Months, for landmark rates.
    filters : Filters
    study_set : str or None
        Meta-analysis id the selection was restricted to.
    records : tuple of dict
        One record per entering arm (:data:`ROW_COLUMNS`): the outcome row with the arm's
        design, line, histology and its unique ``label`` (:func:`label_of`). User-supplied rows
        have ``user_supplied=True``. Pooling and tiering read these; :attr:`rows` is the same as
        a DataFrame, built on first use (for tables and drill-downs).
    excluded_records : tuple of dict
        ``study_id``, ``label`` and ``reason`` for every arm of the drug (and placebo arms of its
        trials) that does not enter, e.g. an overlapping report, a filter, or a missing outcome;
        :attr:`excluded` as a DataFrame.
    """

    drug: str
    outcome: str
    population: str
    timepoint: int | None
    filters: Filters
    study_set: str | None
    records: tuple[dict[str, Any], ...]
    excluded_records: tuple[dict[str, str], ...]

    @cached_property
    def rows(self) -> pd.DataFrame:
        """:attr:`records` as a DataFrame (:data:`ROW_COLUMNS`)."""
        return pd.DataFrame(list(self.records), columns=list(ROW_COLUMNS))

    @cached_property
    def excluded(self) -> pd.DataFrame:
        """:attr:`excluded_records` as a DataFrame (``study_id, label, reason``)."""
        return pd.DataFrame(list(self.excluded_records), columns=["study_id", "label", "reason"])

    @property
    def study_ids(self) -> tuple[str, ...]:
        """Ids of the arms that enter, in order."""
        return tuple(r["study_id"] for r in self.records)

    @property
    def k(self) -> int:
        """Number of arms that enter."""
        return len(self.records)


DEFAULT_ASSESSMENT = {"orr": "bor", "dcr": "bor", "pfs_rate": "km", "os_rate": "km"}
"""The assessment pooled by default: best overall response; Kaplan-Meier landmark rates."""

ASSESSMENT_WORDS = {
    "bor": "best overall response",
    "week": "status at week {week}",
    "km": "Kaplan-Meier estimate",
    "crude": "crude proportion at the visit",
}
"""Assessment codes in words (``week`` takes the week)."""


def assessment_words(assessment: object, week: object = None) -> str:
    """An outcome row's assessment in words ("status at week 12")."""
    if not isinstance(assessment, str):
        return ""
    text = ASSESSMENT_WORDS.get(assessment, assessment)
    return text.format(week=int(week)) if pd.notna(week) and "{week}" in text else text


def _assessment_ok(row: Row, outcome: str, f: Filters) -> bool:
    default = DEFAULT_ASSESSMENT.get(outcome)
    return default is None or f.mix_assessment or row["assessment"] == default


def _line_rank(row: Row, f: Filters) -> int | None:
    """0 = a line-subgroup row for the patient's line, 1 = a whole-arm row, None = not usable."""
    sub = row["subgroup_line"]
    if not isinstance(sub, str):
        return 1
    if f.line == "any":
        return None
    return 0 if line_contains(sub, f.line) else None


ALSO_REPORTED = "also reported"
"""How the reason of a line-subgroup median passed over for the arm's row with a CI starts."""


def _median_ci(row: Row) -> bool:
    return pd.notna(row["ci_low"]) and (pd.notna(row["ci_high"]) or row["not_reached"] == "upper")


def _choose_row(
    mine: list[dict[str, Any]], candidates: list[str], outcome: str, f: Filters
) -> tuple[Row | None, list[Row], list[Row]]:
    """The row that stands for the arm; the rows of another assessment left out of the pool; and
    line-subgroup medians passed over because only the arm's row has a CI.

    Preference: the population closest to the filter; for medians a row with a usable CI; then a
    line-subgroup row for the patient's line; then the default assessment (best overall
    response, Kaplan-Meier landmark).
    """
    default = DEFAULT_ASSESSMENT.get(outcome)
    median = outcome in ("pfs_median", "os_median")
    for population in candidates:
        usable = []
        for row in (r for r in mine if r["population"] == population):
            rank = _line_rank(row, f)
            if rank is not None:
                no_ci = median and not _median_ci(row)
                usable.append(((no_ci, rank, row["assessment"] != default), row))
        if not usable:
            continue
        usable.sort(key=lambda t: t[0])
        pooled = [r for _, r in usable if _assessment_ok(r, outcome, f)]
        other = [r for _, r in usable if not _assessment_ok(r, outcome, f)]
        if not pooled:
            return None, other[:1], []
        also = [r for key, r in usable if key[1] == 0 and r is not pooled[0] and median]
        return pooled[0], [], also
    return None, [], []


def _qualified_labels(
    base: list[str], trial: list[str], arm: list[str], journal: list[str], ids: list[str]
) -> list[str]:
    """Tell equal labels apart by trial, then trial and arm, then journal, then id."""

    def dupes(labels: list[str]) -> set[int]:
        seen: dict[str, list[int]] = {}
        for i, lab in enumerate(labels):
            seen.setdefault(lab, []).append(i)
        return {i for group in seen.values() if len(group) > 1 for i in group}

    labels = list(base)
    for i in dupes(labels):
        if trial[i]:
            labels[i] = f"{base[i]} ({trial[i]})"
    for i in dupes(labels):
        parts = [p for p in (trial[i], arm[i]) if p]
        if parts:
            labels[i] = f"{base[i]} ({', '.join(parts)})"
    for i in dupes(labels):
        parts = [p for p in (trial[i], arm[i], journal[i]) if p]
        labels[i] = f"{base[i]} ({', '.join(parts)})" if parts else labels[i]
    for i in dupes(labels):
        labels[i] = f"{labels[i]} [{ids[i]}]"
    return labels


def study_labels(
    studies: pd.DataFrame, comparators: frozenset[str] = frozenset()
) -> dict[str, str]:
    """A unique, readable label for every study arm, the same on every page.

    First author and year; arms sharing that are told apart by their trial ("Chi 2018" beside
    "Chi 2018 (ALTER0203)"), then by the arm too ("Mir 2016 (REGOSARC, regorafenib, leiomyosarcoma
    cohort (B))"), then by the journal, and only as a last resort by the study id. Arms of the
    ``comparators`` drugs (placebo) always name their trial and arm ("Chi 2018 (ALTER0203,
    placebo)"), so that they never lengthen the labels of the drug arms.
    """

    def text(column: str) -> list[str]:
        return [v if isinstance(v, str) and v else "" for v in studies[column]]

    ids = list(studies["study_id"].astype(str))
    trial, arm, journal = text("trial"), text("arm"), text("journal")
    base = [
        author_year(a, y, trial[i] or ids[i])
        for i, (a, y) in enumerate(zip(studies["first_author"], studies["year"], strict=True))
    ]
    is_comp = [d in comparators for d in studies["drug"]]
    for i, comp in enumerate(is_comp):
        if comp:
            # an arm named by its trial (no author seen) does not name it twice
            own_trial = "" if is_unnamed(studies["first_author"].iloc[i]) else trial[i]
            parts = [p for p in (own_trial, arm[i] or str(studies["drug"].iloc[i])) if p]
            base[i] = f"{base[i]} ({', '.join(parts)})"
    labels = _qualified_labels(base, trial, arm, journal, ids)
    return dict(zip(ids, labels, strict=True))


def user_label(study_id: str) -> str:
    """A user-supplied study's label: its own name, marked ``"Trial X (user)"``."""
    return f"{study_id} (user)"


def author_year(first_author: object, year: object, trial: str) -> str:
    """ "Chi 2018"; an arm whose first author is the curators' placeholder (a text in square
    brackets, "[not seen]": no page read named one) is named by its ``trial`` instead, and a
    descriptive label's "(author not seen)" reads "(author not available)"."""
    return unknown_in_words(f"{trial if is_unnamed(first_author) else first_author} {year}")


def is_unnamed(first_author: object) -> bool:
    """Whether a first author is the curators' placeholder (``[not seen]``)."""
    text = str(first_author).strip()
    return text.startswith("[") and text.endswith("]")


def label_of(ev: Evidence, study_id: str) -> str:
    """The unique label of one arm (see :func:`study_labels`)."""
    return _records(ev).labels.get(study_id, study_id)


def enrolled_reason(arm: Row, enrolled: str, ev: Evidence) -> str | None:
    """Why an arm cannot have enrolled ``enrolled`` (a histology code or group), None if it may."""
    if not enrolled or enrolled == "all":
        return None
    group = enrolled if enrolled in ("sts", "bone") else ev.vocab.histology_group(enrolled)
    if arm["histology_group"] not in ("mixed", group):
        return f"{arm['histology_group']} arm: did not enrol {enrolled}"
    listed = split_list(arm["subtypes"])
    if enrolled not in ("sts", "bone") and listed and enrolled not in listed:
        return f"enrolled {';'.join(listed)}, not {enrolled}"
    return None


@dataclass(frozen=True, eq=False)
class _Records:
    """What every selection reads, built once per evidence: the arms, outcome rows and adverse
    events as plain records (row access on DataFrames is the main cost of a selection), arms by
    id, adverse events by (study id, grade band) with their row position, the unique study
    labels, the ids of the preferred reports and each arm's possible overlaps; the arm-level
    verdicts already reached (:func:`candidate_records`, per drug, study set and filters but the
    histology); and other results computed once per evidence (:func:`evidence_memo`)."""

    studies: pd.DataFrame
    outcomes: pd.DataFrame
    adverse_events: pd.DataFrame
    comparisons: pd.DataFrame
    arms_by_drug: dict[str, list[tuple[int, dict[str, Any]]]]
    arm_by_id: dict[str, dict[str, Any]]
    facts: dict[tuple[str, str], list[dict[str, Any]]]
    adverse: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]]
    labels: dict[str, str]
    preferred: frozenset[str]
    possible: dict[str, object]
    candidates: dict[tuple[str, str | None, Filters], tuple[Any, Any]] = field(default_factory=dict)
    memos: dict[str, dict[Hashable, Any]] = field(default_factory=dict)


_RECORDS_CACHE: list[_Records] = []
RECORDS_KEPT = 8
"""Evidence whose records are kept (the curated evidence and sessions' evidence with their
user studies), most recently built first."""
CANDIDATE_VERDICTS = 4096
"""Arm-level verdicts kept per evidence before they are forgotten (a few kilobytes each)."""
MEMO_ENTRIES = 64
"""Results kept per evidence and :func:`evidence_memo` name before they are forgotten."""


def _records(ev: Evidence) -> _Records:
    for cached in _RECORDS_CACHE:
        if (
            cached.studies is ev.studies
            and cached.outcomes is ev.outcomes
            and cached.adverse_events is ev.adverse_events
            and cached.comparisons is ev.comparisons
        ):
            return cached
    arms_by_drug: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    records = ev.studies.to_dict("records")
    for index, record in zip(ev.studies.index, records, strict=True):
        arms_by_drug.setdefault(str(record["drug"]), []).append((int(index), record))
    facts: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in ev.outcomes.to_dict("records"):
        facts.setdefault((str(row["study_id"]), str(row["outcome"])), []).append(row)
    adverse: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    columns = ["study_id", "grade", "term", "events", "n", "pct", "derived"]
    ae = ev.adverse_events[columns].astype(object).to_dict("records")
    for position, row in enumerate(ae):
        adverse.setdefault((str(row["study_id"]), str(row["grade"])), []).append((position, row))
    comparators = frozenset(set(ev.vocab.drugs["drug"]) - set(ev.vocab.tki_drugs))
    built = _Records(
        studies=ev.studies,
        outcomes=ev.outcomes,
        adverse_events=ev.adverse_events,
        comparisons=ev.comparisons,
        arms_by_drug=arms_by_drug,
        arm_by_id={str(r["study_id"]): r for r in records},
        facts=facts,
        adverse=adverse,
        labels={
            **study_labels(ev.studies[~ev.studies["study_id"].isin(ev.user_ids)], comparators),
            **{sid: user_label(sid) for sid in ev.user_ids},
        },
        preferred=frozenset(ev.studies.loc[ev.studies["preferred"], "study_id"]),
        possible=dict(zip(ev.studies["study_id"], ev.studies["possible_overlaps"], strict=True)),
    )
    _RECORDS_CACHE[:] = [built, *_RECORDS_CACHE[: RECORDS_KEPT - 1]]
    return built


def evidence_memo(ev: Evidence, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per evidence, ``name`` and ``key``: the value is kept with the
    evidence's records (the same object is returned again: treat it as read-only), at most
    :data:`MEMO_ENTRIES` per name before they are forgotten."""
    memo = _records(ev).memos.setdefault(name, {})
    if key not in memo:
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
        memo[key] = compute()
    return memo[key]


def _arm_reasons(arm: Row, f: Filters, study_set: str | None, ev: Evidence) -> list[str]:
    """Why an arm of the requested drug is left out by the arm-level rules (empty = keep)."""
    reasons = []
    if study_set is not None and study_set not in split_list(arm["included_in"]):
        reasons.append(f"not in study set {study_set}")
    if arm["design"] == "case_report":
        reasons.append("case report: shown as context, never pooled")
    if isinstance(arm["non_sarcoma"], str):
        reasons.append(
            f"cohort includes {arm['non_sarcoma']} (not sarcoma) and reports no sarcoma-only "
            "result: shown as context, never pooled"
        )
    if arm["extraction_level"] == "quoted" and study_set is None and not f.include_quoted:
        reasons.append(
            "known only from figures quoted in another paper's text: pooled only when quoted "
            "studies are included"
        )
    if not arm["preferred"] and study_set is None:
        preferred = _records(ev).preferred
        others = [o for o in split_list(arm["overlaps_with"]) if o in preferred]
        via = f" (preferred report: {';'.join(others)})" if others else ""
        reasons.append(f"overlapping report, not pooled{via}")
    reasons += setting_reasons(arm, f, noun="arm")
    why = enrolled_reason(arm, f.enrolled, ev)
    if why:
        reasons.append(why)
    return reasons


def whole_arm_populations(arm: Row) -> list[str]:
    """Population values that describe the whole arm: ``all``, its group, its only subtype."""
    pops = ["all"]
    if arm["histology_group"] in ("sts", "bone"):
        pops.append(arm["histology_group"])
    subtypes = split_list(arm["subtypes"])
    if len(subtypes) == 1:
        pops.append(subtypes[0])
    return pops


def set_overlaps(ids: Iterable[str], ev: Evidence) -> tuple[str, ...]:
    """Ids among ``ids`` that are ``preferred=false`` reports (pooled only inside a study set)."""
    cache = _records(ev)
    return tuple(sid for sid in ids if sid in cache.arm_by_id and sid not in cache.preferred)


def arm_record(ev: Evidence, study_id: str) -> dict[str, Any] | None:
    """The study arm ``study_id`` as a plain record (read-only), None for an unknown id."""
    return _records(ev).arm_by_id.get(study_id)


def outcome_records(ev: Evidence, study_id: str, outcome: str) -> list[dict[str, Any]]:
    """An arm's outcome rows of one outcome as plain records (read-only), in table order."""
    return _records(ev).facts.get((study_id, outcome), [])


def adverse_records(ev: Evidence, study_id: str, grade: str) -> list[tuple[int, dict[str, Any]]]:
    """(row position, record) of an arm's adverse events at a grade band (read-only), with
    ``study_id, grade, term, events, n, pct, derived``."""
    return _records(ev).adverse.get((study_id, grade), [])


def possible_overlaps(
    rows: Sequence[Mapping[str, Any]], ev: Evidence
) -> tuple[tuple[str, str], ...]:
    """Pairs of labels among ``rows`` (selected records) that may share patients
    (``possible_overlaps``: both kept in pools, because the sources do not show it and most
    patients differ; see the arms' notes)."""
    order = {r["study_id"]: i for i, r in enumerate(rows)}
    cells = _records(ev).possible
    labels = {r["study_id"]: r["label"] for r in rows}
    pairs = []
    for sid, i in order.items():
        for other in split_list(cells.get(sid)):
            if order.get(other, -1) > i:
                pairs.append((str(labels[sid]), str(labels[other])))
    return tuple(pairs)


def _population_candidates(arm: Row, population: str, ev: Evidence) -> list[str] | str:
    """Outcome-row populations that stand for ``population`` in this arm (best first).

    Returns a reason string when the arm cannot contribute to that histology at all.
    """
    whole = whole_arm_populations(arm)
    if population == "all":
        return whole
    group = arm["histology_group"]
    if population in ("sts", "bone"):
        if group == population:
            return whole
        if group == "mixed":
            return [population]
        return f"{group} arm (histology filter: {population})"
    if population in whole:
        return [population, *[p for p in whole if p != population]]
    if group not in ("mixed", ev.vocab.histology_group(population)):
        return f"{group} arm (histology filter: {population})"
    return [population]


def arm_population_ok(arm: Row, population: str, ev: Evidence) -> bool:
    """True when the whole arm belongs to ``population`` (used where rows carry no population)."""
    if population == "all":
        return True
    if population in ("sts", "bone"):
        return arm["histology_group"] == population
    return split_list(arm["subtypes"]) == [population]


def candidate_arms(
    ev: Evidence, drug: str, f: Filters, study_set: str | None
) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """Arms of ``drug`` passing the arm-level rules, and the excluded ones with reasons.

    Placebo arms of the same trials are listed as excluded (comparators never enter a pool).
    """
    kept, excluded = candidate_records(ev, drug, f, study_set)
    return ev.studies.loc[[i for i, _ in kept]], excluded


def candidate_records(
    ev: Evidence, drug: str, f: Filters, study_set: str | None
) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, str]]]:
    """:func:`candidate_arms` as records: (index, arm record) of the kept arms, and the excluded."""
    if drug not in ev.vocab.tki_drugs:
        raise ValueError(
            f"drug {drug!r} is not a compared drug: expected one of {ev.vocab.tki_drugs}"
        )
    cache = _records(ev)
    # the arm-level rules read every filter but the histology (the tiers ask several)
    key = (drug, study_set, f.replace(histology="all"))
    if key not in cache.candidates:
        if len(cache.candidates) > CANDIDATE_VERDICTS:
            cache.candidates.clear()
        cache.candidates[key] = _candidates(ev, cache, drug, f, study_set)
    kept, excluded = cache.candidates[key]
    return list(kept), list(excluded)


def _candidates(
    ev: Evidence, cache: _Records, drug: str, f: Filters, study_set: str | None
) -> tuple[tuple[tuple[int, dict[str, Any]], ...], tuple[dict[str, str], ...]]:
    mine = cache.arms_by_drug.get(drug, [])
    excluded: list[dict[str, str]] = []
    trials = {a["trial"] for _, a in mine if isinstance(a["trial"], str)}
    for other, arms_of in cache.arms_by_drug.items():
        if other == drug:
            continue
        for _, arm in arms_of:
            if arm["trial"] in trials:
                reason = (
                    f"{arm['drug']} arm of {arm['trial']}: comparators never enter a drug's pool"
                )
                excluded.append(
                    {
                        "study_id": arm["study_id"],
                        "label": label_of(ev, str(arm["study_id"])),
                        "reason": reason,
                    }
                )
    keep = []
    for i, arm in mine:
        reasons = _arm_reasons(arm, f, study_set, ev)
        if reasons:
            excluded.append(
                {
                    "study_id": arm["study_id"],
                    "label": label_of(ev, str(arm["study_id"])),
                    "reason": "; ".join(reasons),
                }
            )
        else:
            keep.append((i, arm))
    return tuple(keep), tuple(excluded)


def select_arms(
    ev: Evidence,
    drug: str,
    outcome: str,
    f: Filters,
    population: str | None = None,
    study_set: str | None = None,
    timepoint: int | None = None,
) -> Selection:
    """Select the arms and outcome rows that enter one pool.

    Parameters
    ----------
    ev : Evidence
    drug : str
        A compared drug (role ``tki`` in ``vocab/drugs.csv``).
    outcome : str
        ``orr``, ``dcr``, ``pfs_median``, ``os_median``, ``pfs_rate`` or ``os_rate``.
    f : Filters
    population : str, optional
        Histology to select for; overrides ``f.histology`` when given.
    study_set : str, optional
        Restrict to arms whose ``included_in`` lists this meta-analysis id.
    timepoint : int, optional
        Months; required for ``pfs_rate``/``os_rate``.

    Returns
    -------
    Selection

    Notes
    -----
    Only ``preferred=true`` arms enter; overlapping reports, case reports, cohorts that include
    non-sarcoma tumours without sarcoma-only results (``non_sarcoma``), arms known only from
    figures quoted in another paper (``extraction_level=quoted``, unless
    ``f.include_quoted``), placebo arms and arms failing a filter are listed in ``excluded`` with
    the reason. With ``study_set`` the set's
    reports enter as the published analysis pooled them, also a ``preferred=false`` report (see
    :func:`set_overlaps`), so that its pools can be reproduced. For ``sts``/``bone`` an arm of that
    group contributes its ``all`` (or group) row and a mixed arm only its row for that group; for a
    subtype code an arm contributes its row for that code, or its ``all`` row when it enrolled only
    that subtype. Rows labelled with the arm's own group or only subtype count as whole-arm rows
    (``all``) for every filter.
    """
    if outcome not in POOLED_OUTCOMES:
        raise ValueError(f"outcome {outcome!r}: expected one of {POOLED_OUTCOMES}")
    if (outcome in RATE_OUTCOMES) != (timepoint is not None):
        raise ValueError(f"timepoint (months) is required for rates and only for rates: {outcome}")
    pop = population if population is not None else f.histology
    if pop not in ev.vocab.populations:
        raise ValueError(f"population {pop!r} is not 'all', 'sts', 'bone' or a histology code")
    kept, excluded = candidate_records(ev, drug, f, study_set)
    facts = _records(ev).facts
    what = f"{outcome} at {timepoint} months" if timepoint is not None else outcome
    records = []
    for _, arm in kept:
        candidates = _population_candidates(arm, pop, ev)
        label = label_of(ev, str(arm["study_id"]))
        if isinstance(candidates, str):
            excluded.append({"study_id": arm["study_id"], "label": label, "reason": candidates})
            continue
        mine = [
            row
            for row in facts.get((str(arm["study_id"]), outcome), [])
            if timepoint is None or row["timepoint_months"] == timepoint
        ]
        chosen, other, also = _choose_row(mine, candidates, outcome, f)
        for row in also:
            shown = f"{row['estimate']:.1f} months" if pd.notna(row["estimate"]) else "median"
            reason = (
                f"{ALSO_REPORTED}: {LINE_WORDS[row['subgroup_line']]} subgroup, {shown}, no CI "
                "(the arm's row with a CI is pooled)"
            )
            excluded.append({"study_id": arm["study_id"], "label": label, "reason": reason})
        if chosen is None and other:
            row = other[0]
            kind = assessment_words(row["assessment"], row["assessment_week"])
            usual = assessment_words(DEFAULT_ASSESSMENT[outcome])
            reason = (
                f"different assessment: {kind}, not {usual} "
                f"(pooled only when mixing assessments is allowed)"
            )
            excluded.append({"study_id": arm["study_id"], "label": label, "reason": reason})
            continue
        if chosen is None:
            reason = f"no {what} reported for population {pop}"
            if f.line != "any" and any(isinstance(r["subgroup_line"], str) for r in mine):
                reason += f" and {LINE_WORDS[f.line]}"
            excluded.append({"study_id": arm["study_id"], "label": label, "reason": reason})
            continue
        if outcome in ("pfs_median", "os_median") and chosen["not_reached"] == "median":
            reason = "median not reached: cannot be pooled"
            excluded.append({"study_id": arm["study_id"], "label": label, "reason": reason})
            continue
        record = {col: chosen[col] for col in ROW_COLUMNS if col in chosen}
        record.update({col: arm[col] for col in ARM_COLUMNS})
        record.update({"label": label, "user_supplied": arm["study_id"] in ev.user_ids})
        records.append(record)
    return Selection(drug, outcome, pop, timepoint, f, study_set, tuple(records), tuple(excluded))
