"""Clinical wording and number formats: the one home of labels and formats for tables, charts,
slides and exports (no streamlit, no plotting)."""

from __future__ import annotations

import math
from typing import Any

MISSING = "—"
"""What an unknown value prints as (never 0)."""

OUTCOME_WORDS = {
    "orr": "Objective response rate",
    "dcr": "Disease control rate",
    "pfs_median": "Median progression-free survival",
    "os_median": "Median overall survival",
    "pfs_rate": "Progression-free at {t} months",
    "os_rate": "Alive at {t} months",
}
"""Outcome codes in words (rates take the timepoint)."""

OUTCOME_SHORT = {
    "orr": "ORR",
    "dcr": "DCR",
    "pfs_median": "Median PFS",
    "os_median": "Median OS",
    "pfs_rate": "PFS-{t}",
    "os_rate": "OS-{t}",
    "ae3": "Grade ≥3 adverse events",
}
"""Short outcome labels as clinicians write them."""

TIER_WORDS = {
    "direct": "Direct evidence",
    "group": "Histology group",
    "all": "All sarcoma",
}
"""Evidence tiers in words (see :mod:`tkidata.tiers`)."""

TIER_EXPLAINED = {
    "direct": "the subtype's own cohort or a reported subgroup of it",
    "group": "{group} studies that enrolled {subtype} but report it only mixed",
    "all": "mixed bone and soft-tissue sarcoma studies that may have enrolled {subtype}",
}
"""What each tier means, for captions (``{group}`` and ``{subtype}`` are filled in)."""

DESIGN_WORDS = {
    "rct_arm": "RCT arm",
    "single_arm": "prospective single-arm",
    "retrospective": "retrospective",
    "case_report": "case report",
}
"""Study designs in words."""

DESIGN_SHORT = {"rct_arm": "RCT", "single_arm": "prospective", "retrospective": "retrospective"}
"""Designs in the few words of a design mix ("2 RCT · 1 prospective")."""

GROUP_WORDS = {"sts": "soft-tissue sarcoma", "bone": "bone sarcoma", "all": "sarcoma"}
"""Histology groups in words."""


def isnan(x: Any) -> bool:
    """True for None, NaN and pandas' NA."""
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return True


def outcome_words(outcome: str, timepoint: float | None = None, *, short: bool = False) -> str:
    """An outcome in words: ``"Median PFS"`` (short) or ``"Median progression-free survival"``."""
    table = OUTCOME_SHORT if short else OUTCOME_WORDS
    t = "" if isnan(timepoint) else int(float(timepoint))  # type: ignore[arg-type]
    return table[outcome].format(t=t)


def format_value(value: float | None, *, months: bool = False) -> str:
    """One proportion as ``"32.1%"`` or one median as ``"7.8 mo"``; missing → ``"—"``."""
    if isnan(value):
        return MISSING
    return f"{float(value):.1f} mo" if months else f"{100 * float(value):.1f}%"  # type: ignore[arg-type]


def format_ci(lo: float | None, hi: float | None, *, months: bool = False) -> str:
    """An interval alone: ``"7.2–12.7%"`` or ``"4.9–7.4 mo"``; missing → ``"—"``."""
    if isnan(lo) or isnan(hi):
        return MISSING
    lo_f, hi_f = float(lo), float(hi)  # type: ignore[arg-type]
    if months:
        return f"{lo_f:.1f}–{hi_f:.1f} mo"
    return f"{100 * lo_f:.1f}–{100 * hi_f:.1f}%"


def format_count(n: int | None) -> str:
    """A patient count with thousands separators; missing → ``"—"``."""
    return MISSING if isnan(n) else f"{int(n):,}"  # type: ignore[arg-type]


def design_mix(designs: list[str]) -> str:
    """Designs of the studies behind a number in words: ``"1 RCT · 2 retrospective"``."""
    counts = {key: designs.count(key) for key in DESIGN_SHORT}
    parts = [f"{n} {DESIGN_SHORT[key]}" for key, n in counts.items() if n]
    return " · ".join(parts) if parts else MISSING
