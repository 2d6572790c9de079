"""How a pooled proportion evolved and what explains its spread: cumulative meta-analysis and
meta-regression of one pooled result (metafor ``cumul()`` and ``rma(mods = )``).

Both start from the studies of one :class:`~tkidata.analyses.pooling.OutcomeResult` (the pooled
proportion a Forest page shows): :func:`study_rows` lists them with their events, n and the
study features a moderator can be built from. :func:`cumulative_pool` adds them in order of
publication year (Lau et al. 1992); :func:`regression` fits one moderator (Thompson & Higgins
2002), with a seeded permutation p-value (Higgins & Thompson 2004) and the prediction for the
patient's profile, and says where the guardrails apply.

References
----------
Lau J, et al. Cumulative meta-analysis of therapeutic trials for myocardial infarction. *N Engl
J Med* 1992;327:248–254. Thompson SG, Higgins JPT. How should meta-regression analyses be
undertaken and interpreted? *Stat Med* 2002;21:1559–1573. Higgins JPT, Thompson SG. Controlling
the risk of spurious findings from meta-regression. *Stat Med* 2004;23:1663–1682.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core import CumulativePool, MetaRegression, ModeratorError, cumulative, metareg, permutest
from core.metareg import PermutationTest, Prediction
from tkidata.analyses.pooling import OutcomeResult
from tkidata.patient.filters import line_contains
from tkidata.wording import DESIGN_LABELS, LINE_LABELS

#: moderator code -> reader's label
MODERATORS: dict[str, str] = {
    "year": "Publication year",
    "design": "Study design",
    "line": "Treatment line enrolled",
    "region": "Region (China vs elsewhere)",
    "dose_mg": "Dose (mg per dose)",
    "assessment": "Assessment time",
    "share_bone": "Share of bone sarcoma",
}
#: moderators a study carries as a share of its patients (not patient-level effect modifiers)
SHARE_MODERATORS = ("share_bone",)
#: fewer studies than this per moderator: the regression has low power
LOW_POWER_K = 10
#: permutations of the permutation test (seeded: the same p-value on every run)
PERMUTATIONS = 1000
SEED = 20241
ROW_COLUMNS = (
    "study",
    "events",
    "n",
    "year",
    "design",
    "line",
    "region",
    "dose_mg",
    "assessment",
    "share_bone",
)

_DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b", re.IGNORECASE)


def dose_mg(text: Any) -> float | None:
    """The first ``<number> mg`` of a dose schedule (``800 mg once daily`` -> 800); None when
    the schedule names no dose in mg (``mg/m2`` doses and ranges count by their first number)."""
    if not isinstance(text, str):
        return None
    match = _DOSE.search(text)
    return float(match.group(1)) if match else None


def _region(country: Any) -> str | None:
    if not isinstance(country, str) or not country.strip():
        return None
    return "china" if country.strip().lower() == "china" else "elsewhere"


def _share_bone(row: pd.Series) -> float | None:
    group = row.get("histology_group")
    population = row.get("population")
    if population == "bone" or group == "bone":
        return 1.0
    if population == "sts" or group == "sts":
        return 0.0
    return None  # a mixed arm's share is not recorded as a number


def study_rows(result: OutcomeResult, studies: pd.DataFrame) -> pd.DataFrame:
    """The pooled studies of a proportion result with their moderators (:data:`ROW_COLUMNS`).

    ``studies`` is ``Evidence.studies``. Events and n are those the pool used (landmark
    rates: round(rate × n)); moderators come from the study arm (year, design, enrolled line,
    country, dose schedule), the outcome row (assessment) and the histology (share of bone: 1
    for bone arms or rows, 0 for soft tissue, empty for a mixed arm). Empty when the result is
    not a pooled proportion.
    """
    pool = result.pool
    if pool is None or not hasattr(pool, "studies") or result.outcome.endswith("median"):
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    rows = result.selection.rows.set_index("label")
    arms = studies.set_index("study_id")
    records = []
    for s in pool.studies:
        row = rows.loc[s.label] if s.label in rows.index else pd.Series(dtype=object)
        sid = row.get("study_id")
        arm = arms.loc[sid] if sid in arms.index else pd.Series(dtype=object)
        assessment = row.get("assessment")
        week = row.get("assessment_week")
        if isinstance(assessment, str) and assessment == "week" and pd.notna(week):
            assessment = f"week {int(week)}"
        records.append(
            {
                "study": s.label,
                "events": int(s.events),
                "n": int(s.n),
                "year": None if pd.isna(row.get("year")) else int(row.get("year")),
                "design": row.get("design") if isinstance(row.get("design"), str) else None,
                "line": row.get("line") if isinstance(row.get("line"), str) else None,
                "region": _region(arm.get("country")),
                "dose_mg": dose_mg(arm.get("dose_schedule")),
                "assessment": assessment if isinstance(assessment, str) else None,
                "share_bone": _share_bone(row),
            }
        )
    return pd.DataFrame(records, columns=list(ROW_COLUMNS))


def _measure(result: OutcomeResult) -> tuple[str, str, str]:
    m = result.method
    measure = "PLO" if m.glmm else m.measure
    return measure, m.tau2, m.test


def cumulative_pool(result: OutcomeResult, rows: pd.DataFrame) -> CumulativePool | None:
    """Studies added in order of publication year (ties keep pool order), the pool after each
    (:func:`core.cumulative`, the result's method; GLMM presets use logit, two-step). None when
    fewer than two studies."""
    if len(rows) < 2:
        return None
    measure, method, test = _measure(result)
    years = [9999 if pd.isna(y) else int(y) for y in rows["year"]]
    return cumulative(
        rows["events"].tolist(),
        rows["n"].tolist(),
        years,
        measure=measure,
        method=method,
        test=test,
        level=result.method.level,
        ci_method=result.method.ci_method,
        mean_n=result.method.mean_n,
        labels=rows["study"].tolist(),
    )


@dataclass(frozen=True)
class Regression:
    """One moderator's meta-regression of a pooled proportion, ready to draw and read.

    Attributes
    ----------
    moderator : str
        Code from :data:`MODERATORS`.
    rows : pandas.DataFrame
        The studies that entered (those with the moderator recorded).
    fit : MetaRegression or None
        None when the moderator cannot be fitted (``refusal`` says why).
    permutation : PermutationTest or None
        Seeded (:data:`SEED`, :data:`PERMUTATIONS`) permutation test of the moderator.
    profile : dict
        The patient's profile value of the moderator and in words why it was chosen.
    prediction : Prediction or None
        Predicted proportion for the profile, with CI and prediction interval.
    refusal : str
        Why no fit ("" when fitted).
    guardrails : tuple of str
        Warnings that apply (low power, study-level share, studies left out).
    """

    moderator: str
    rows: pd.DataFrame
    fit: MetaRegression | None
    permutation: PermutationTest | None
    profile: dict[str, Any]
    prediction: Prediction | None
    refusal: str
    guardrails: tuple[str, ...]


def _profile(moderator: str, values: pd.Series, result: OutcomeResult) -> dict[str, Any]:
    f = result.filters
    if moderator == "share_bone":
        if f.histology in ("all",):
            return {"value": float(values.mean()), "why": "the studies' mean share (all sarcoma)"}
        bone = f.histology == "bone" or f.histology in _BONE_SUBTYPES
        return {"value": 1.0 if bone else 0.0, "why": "the patient's histology"}
    if moderator == "line" and f.line != "any":
        matching = [v for v in values.unique() if line_contains(v, f.line)]
        if matching:
            top = values[values.isin(matching)].value_counts().index[0]
            return {"value": top, "why": "the patient's line (most common matching range)"}
    if pd.api.types.is_numeric_dtype(values):
        if moderator == "year":
            return {"value": float(values.max()), "why": "the newest publication year"}
        return {"value": float(values.median()), "why": "the studies' median"}
    return {"value": values.value_counts().index[0], "why": "the most common value"}


_BONE_SUBTYPES = {"osteosarcoma", "ewing", "chondrosarcoma", "chordoma", "other_bone"}


def regression(result: OutcomeResult, rows: pd.DataFrame, moderator: str) -> Regression:
    """Fit one moderator (:func:`core.metareg`, the result's method) with its guardrails.

    Studies without the moderator recorded are left out (and counted in a guardrail).
    Categorical moderators are coded as R's ``factor``. The permutation test is seeded.
    """
    if moderator not in MODERATORS:
        raise ValueError(f"moderator {moderator!r}: choose one of {', '.join(MODERATORS)}")
    used = rows[rows[moderator].notna()].reset_index(drop=True)
    guard = []
    left_out = len(rows) - len(used)
    if left_out:
        guard.append(
            f"{left_out} of {len(rows)} studies have no {MODERATORS[moderator].lower()} "
            "recorded and are left out of this regression."
        )
    if len(used) < LOW_POWER_K:
        guard.append(
            f"Fewer than {LOW_POWER_K} studies (k = {len(used)}) for one moderator: the "
            "regression has low power, and an apparent association may be chance."
        )
    if moderator in SHARE_MODERATORS:
        guard.append(
            "A study-level share is not patient-level effect modification: a slope across "
            "studies with more bone sarcoma does not say a bone-sarcoma patient responds "
            "differently (ecological bias)."
        )
    measure, method, test = _measure(result)
    values = used[moderator]
    if moderator in ("year", "dose_mg", "share_bone"):
        values = values.astype(float)
    empty = Regression(moderator, used, None, None, {}, None, "", tuple(guard))
    if len(used) < 3:
        return _replace(empty, refusal=f"k = {len(used)}: a meta-regression needs 3 studies")
    try:
        fit = metareg(
            used["events"].tolist(),
            used["n"].tolist(),
            {moderator: values.tolist()},
            measure=measure,
            method=method,
            test=test,
            level=result.method.level,
            mean_n=result.method.mean_n,
            labels=used["study"].tolist(),
        )
    except ModeratorError as err:
        return _replace(empty, refusal=str(err))
    perm = permutest(fit, iter=PERMUTATIONS, seed=SEED)
    profile = _profile(moderator, values, result)
    prediction = fit.predict({moderator: [profile["value"]]})[0]
    return Regression(moderator, used, fit, perm, profile, prediction, "", tuple(guard))


def _replace(reg: Regression, **changes: Any) -> Regression:
    from dataclasses import replace

    return replace(reg, **changes)


def moderator_words(moderator: str, value: Any) -> str:
    """A moderator value in words (design and line codes through :mod:`tkidata.wording`)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "not recorded"
    if moderator == "design":
        return DESIGN_LABELS.get(value, str(value))
    if moderator == "line":
        return LINE_LABELS.get(value, str(value))
    if moderator == "region":
        return {"china": "China", "elsewhere": "Elsewhere"}.get(value, str(value))
    if moderator == "share_bone":
        return f"{100 * float(value):.0f}% bone"
    if moderator == "year":
        return f"{int(value)}"
    if moderator == "dose_mg":
        return f"{float(value):g} mg"
    return str(value)
