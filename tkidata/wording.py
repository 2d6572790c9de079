"""Clinical wording in one place: outcome, design and grade labels, numbers as readers see them.

Every table, chart, slide and export takes its words and number formats from here, so a page and
its export say the same thing. Proportions are fractions in [0, 1]; medians are months.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MISSING = "—"

OUTCOME_LABELS: dict[str, str] = {
    "orr": "Objective response rate",
    "dcr": "Disease control rate",
    "pfs_median": "Median PFS",
    "os_median": "Median OS",
    "pfs_rate": "PFS rate",
    "os_rate": "OS rate",
}
OUTCOME_SHORT: dict[str, str] = {
    "orr": "ORR",
    "dcr": "DCR",
    "pfs_median": "Median PFS",
    "os_median": "Median OS",
    "pfs_rate": "PFS",
    "os_rate": "OS",
}
DESIGN_LABELS: dict[str, str] = {
    "rct_arm": "RCT arm",
    "single_arm": "Single-arm",
    "retrospective": "Retrospective",
    "case_report": "Case report",
    "user_supplied": "User-supplied",
}


GRADE_LABELS = {"any": "All grades", "3plus": "Grade ≥3"}


def is_missing(x: Any) -> bool:
    """Return True for ``None``, NaN and ``pd.NA`` (and False for anything ``pd.isna`` rejects)."""
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def is_median(outcome: str) -> bool:
    """Return True for outcomes measured in months (medians) rather than proportions."""
    return outcome.endswith("_median")


def outcome_label(outcome: str, timepoint: float | None = None, *, short: bool = False) -> str:
    """Return a reader-facing outcome name: ``("pfs_rate", 6)`` → ``"PFS at 6 months"``."""
    names = OUTCOME_SHORT if short else OUTCOME_LABELS
    name = names.get(outcome, outcome.replace("_", " "))
    if outcome.endswith("_rate") and timepoint is not None and not is_missing(timepoint):
        return (
            f"{OUTCOME_SHORT[outcome]}-{int(timepoint)}"
            if short
            else (f"{OUTCOME_SHORT[outcome]} at {int(timepoint)} months")
        )
    if short and outcome in ("orr", "dcr"):
        return name
    if not short and outcome in ("orr", "dcr"):
        return f"{name} ({OUTCOME_SHORT[outcome]})"
    return name


def design_label(design: str | None) -> str:
    """Return the display label of a study design code."""
    if design is None or (isinstance(design, float) and math.isnan(design)):
        return MISSING
    return DESIGN_LABELS.get(str(design), str(design).replace("_", " "))


def format_value(value: float | None, *, months: bool = False) -> str:
    """Format one proportion as ``"32.1%"`` or one median as ``"7.8 mo"``; missing → ``"—"``."""
    if is_missing(value):
        return MISSING
    return f"{value:.1f} mo" if months else f"{100 * value:.1f}%"


def format_interval(
    est: float | None, lo: float | None, hi: float | None, *, months: bool = False
) -> str:
    """Format an estimate with its interval: ``"32.1% (25.0–40.2)"`` or ``"7.8 (6.1–9.5) mo"``."""
    if is_missing(est):
        return MISSING
    scale = 1.0 if months else 100.0
    unit = " mo" if months else "%"
    head = f"{scale * est:.1f}"
    if is_missing(lo) or is_missing(hi):
        return f"{head}{unit}" if not months else f"{head} mo (CI not reported)"
    return (
        f"{head}{unit} ({scale * lo:.1f}–{scale * hi:.1f})"
        if not months
        else f"{head} ({scale * lo:.1f}–{scale * hi:.1f}) mo"
    )


def format_ci(lo: float | None, hi: float | None, *, months: bool = False) -> str:
    """Format an interval alone: ``"7.2–12.7%"`` or ``"4.9–7.4 mo"``; missing → ``"—"``."""
    if is_missing(lo) or is_missing(hi):
        return MISSING
    if months:
        return f"{lo:.1f}–{hi:.1f} mo"
    return f"{100 * lo:.1f}–{100 * hi:.1f}%"


def format_pvalue(p: float | None) -> str:
    """Format a p value for readers: ``"p < 0.001"``, ``"p = 0.04"``."""
    if is_missing(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
