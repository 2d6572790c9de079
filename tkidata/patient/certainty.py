"""A provisional, computed certainty line per number, GRADE-style.

GRADE's guidance for evidence on prognosis and incidence starts well-designed cohorts at high
certainty for a group's outcome, because the question is "what happens to such patients", not a
comparison (Iorio A, Spencer FA, Falavigna M, et al. Use of GRADE for assessment of evidence about
prognosis: rating confidence in estimates of event rates in broad categories of patients. BMJ
2015;350:h870). Each number is rated down one level per serious concern in five domains, computed
from what the data holds. The thresholds are in :data:`THRESHOLDS` and on the Methods page, so a
reader can disagree with them: the rating is a prompt for judgement, never a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core import egger_test
from tkidata.patient.selection import arm_record
from tkidata.store.codes import MEDIAN_OUTCOMES, SECONDARY_LEVELS
from tkidata.store.loader import Evidence

LEVELS = ("High", "Moderate", "Low", "Very low")
"""Certainty levels, best first."""

LABEL = "provisional, computed"
"""How every certainty line is labelled."""

THRESHOLDS = {
    "risk_of_bias": (
        "rated down when more than half of the patients come from retrospective series, from "
        "studies with a published quality score below 60% of its maximum, or from numbers read "
        "only in a secondary source (a review, a news report)"
    ),
    "inconsistency": (
        "rated down when k ≥ 2 and I² > 50% or Cochran's Q p < 0.10; not assessable for k = 1"
    ),
    "imprecision": (
        "rated down once for a 95% CI wider than 20 percentage points (proportions) or wider than "
        "half the estimate (medians), once more for fewer than 100 patients or a single study; "
        "a number without a CI is rated down twice"
    ),
    "indirectness": (
        "rated down once for histology-group evidence, twice for all-sarcoma evidence, and once "
        "when different assessments (best response and response at a fixed week; Kaplan–Meier "
        "and crude rates) are pooled together"
    ),
    "publication_bias": (
        "rated down when k ≥ 10 and Egger's test p < 0.10; not assessable with fewer than 10 "
        "studies"
    ),
}
"""The rules, in words (shown on the Methods page)."""

_MAX_DOWN = 2


@dataclass(frozen=True)
class Certainty:
    """A computed certainty rating.

    Attributes
    ----------
    level : str
        One of :data:`LEVELS`.
    downgrades : int
        Levels rated down in all.
    reasons : tuple of str
        The concerns, in words, domain by domain.
    """

    level: str
    downgrades: int
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        """Always :data:`LABEL`."""
        return LABEL

    def text(self) -> str:
        """``"Low (provisional, computed): mostly retrospective; 1 study"``."""
        why = "; ".join(self.reasons) if self.reasons else "no serious concern found"
        return f"{self.level} ({LABEL}): {why}"


def _level(downgrades: int) -> str:
    return LEVELS[min(downgrades, len(LEVELS) - 1)]


def _risk_of_bias(rows: Sequence[Mapping[str, Any]], ev: Evidence) -> tuple[int, list[str]]:
    if not rows:
        return 0, []
    weight = [1.0 if pd.isna(row["n"]) else float(row["n"]) for row in rows]
    total = sum(weight) or 1.0
    retro = low_quality = secondary = 0.0
    for row, w in zip(rows, weight, strict=True):
        arm = arm_record(ev, row["study_id"])
        if arm is None:
            continue
        if arm["design"] == "retrospective":
            retro += w
        score = arm.get("quality_score")
        if isinstance(score, str) and "/" in score:
            got, _, top = score.partition("/")
            try:
                if float(got) / float(top) < 0.6:
                    low_quality += w
            except (ValueError, ZeroDivisionError):
                pass
        if (
            arm["extraction_level"] in SECONDARY_LEVELS
            or row.get("source_level") in SECONDARY_LEVELS
        ):
            secondary += w
    down, reasons = 0, []
    if retro / total > 0.5:
        down += 1
        reasons.append("risk of bias: mostly retrospective series")
    elif low_quality / total > 0.5:
        down += 1
        reasons.append("risk of bias: mostly studies of low published quality score")
    if secondary / total > 0.5:
        down += 1
        reasons.append("risk of bias: numbers read only in a secondary source")
    return min(down, _MAX_DOWN), reasons


def _inconsistency(k: int, i2: float | None, q_p: float | None) -> tuple[int, list[str]]:
    if k < 2:
        return 0, []
    if (i2 is not None and i2 > 50) or (q_p is not None and q_p < 0.10):
        shown = f"I² = {i2:.0f}%" if i2 is not None else "Q p < 0.10"
        return 1, [f"inconsistency: {shown}"]
    return 0, []


def _imprecision(
    k: int, n: int, est: float | None, lo: float | None, hi: float | None, months: bool
) -> tuple[int, list[str]]:
    if est is None or lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return _MAX_DOWN, ["imprecision: no confidence interval"]
    down, reasons = 0, []
    width = hi - lo
    if months and est > 0 and width > 0.5 * est:
        down += 1
        reasons.append(f"imprecision: CI {lo:.1f}–{hi:.1f} months")
    elif not months and width > 0.20:
        down += 1
        reasons.append(f"imprecision: CI spans {100 * width:.0f} percentage points")
    if k == 1:
        down += 1
        reasons.append("imprecision: a single study")
    elif n < 100:
        down += 1
        reasons.append(f"imprecision: {n} patients")
    return min(down, _MAX_DOWN), reasons


def _indirectness(tier: str, mixed_assessment: bool, group_words: str) -> tuple[int, list[str]]:
    down, reasons = 0, []
    if tier == "group":
        down += 1
        reasons.append(f"indirectness: {group_words} studies, subtype not reported apart")
    elif tier == "all":
        down += 2
        reasons.append("indirectness: all-sarcoma studies, subtype not reported apart")
    if mixed_assessment:
        down += 1
        reasons.append("indirectness: different assessments pooled together")
    return min(down, _MAX_DOWN), reasons


def _publication_bias(
    events: Sequence[int] | None, n: Sequence[int] | None, kwargs: dict[str, object]
) -> tuple[int, list[str]]:
    if events is None or n is None or len(events) < 10:
        return 0, []
    result = egger_test(list(events), list(n), **kwargs)  # type: ignore[arg-type]
    if result.pvalue < 0.10:
        return 1, [f"publication bias: Egger's test p = {result.pvalue:.2f}"]
    return 0, []


def rate_number(
    ev: Evidence,
    *,
    outcome: str,
    rows: pd.DataFrame | Sequence[Mapping[str, Any]],
    k: int,
    n: int,
    est: float | None,
    lo: float | None,
    hi: float | None,
    i2: float | None = None,
    q_p: float | None = None,
    tier: str = "direct",
    group_words: str = "histology-group",
    mixed_assessment: bool = False,
    events: Sequence[int] | None = None,
    proportion_kwargs: dict[str, object] | None = None,
) -> Certainty:
    """Rate one number (a pool, a single study, or an unpooled report).

    Parameters
    ----------
    ev : Evidence
    outcome : str
        Outcome code; medians are judged on the month scale.
    rows : pandas.DataFrame or sequence of mappings
        The selected rows behind the number (``study_id``, ``n``, optionally ``source_level``),
        as a table or as records.
    k, n : int
        Studies and patients behind the number.
    est, lo, hi : float or None
        The number and its 95% CI (fractions or months); a missing CI counts as imprecise.
    i2, q_p : float, optional
        Heterogeneity of a pool.
    tier : {"direct", "group", "all"}
    group_words : str
        The histology group in words, for the indirectness reason.
    mixed_assessment : bool
        True when rows of different assessments were pooled.
    events : sequence of int, optional
        Events of a proportion pool, for Egger's test with k ≥ 10.
    proportion_kwargs : dict, optional
        The engine settings of the pool (measure, method ...), for Egger's test.

    Returns
    -------
    Certainty
    """
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    months = outcome in MEDIAN_OUTCOMES
    total = 0
    reasons: list[str] = []
    for down, why in (
        _risk_of_bias(rows, ev),
        _inconsistency(k, i2, q_p),
        _imprecision(k, n, est, lo, hi, months),
        _indirectness(tier, mixed_assessment, group_words),
        _publication_bias(
            events, None if events is None else [int(r["n"]) for r in rows], proportion_kwargs or {}
        ),
    ):
        total += down
        reasons += why
    if k < 10:
        reasons.append("publication bias not assessable (fewer than 10 studies)")
    return Certainty(_level(total), total, tuple(reasons))
