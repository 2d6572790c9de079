"""The coverage report printed by ``python -m tkidata check``."""

from __future__ import annotations

import pandas as pd

from tkidata.analyses.method import Method
from tkidata.patient.filters import Filters
from tkidata.patient.selection import candidate_arms
from tkidata.patient.tiers import tiered_adverse_events, tiered_outcome
from tkidata.store.codes import DESIGNS, EXTRACTION_LEVELS, OUTCOMES
from tkidata.store.loader import Evidence
from tkidata.store.validate import split_list


def _crosstab(index: pd.Series, columns: pd.Series, rows: list[str], cols: list[str]) -> str:
    table = pd.crosstab(index, columns).reindex(index=rows, columns=cols, fill_value=0)
    table.index.name = None
    table.columns.name = None
    return table.to_string()


def coverage_report(ev: Evidence) -> str:
    """Studies per drug, outcome, extraction level and design, then the warnings.

    Parameters
    ----------
    ev : Evidence

    Returns
    -------
    str
        Plain-text report.
    """
    st = ev.studies
    drugs = list(ev.vocab.drugs["drug"])
    lines = [
        f"tkidata: {ev.version}",
        f"{len(ev.batches)} batches ({', '.join(ev.batches)}); "
        f"{len(st)} study arms ({int(st['preferred'].sum())} preferred), "
        f"{len(ev.outcomes)} outcome rows, {len(ev.adverse_events)} AE rows, "
        f"{len(ev.published)} published results",
        "",
        "Study arms per drug (preferred / all):",
    ]
    for drug in drugs:
        mine = st[st["drug"] == drug]
        lines.append(f"  {drug:<12} {int(mine['preferred'].sum()):>3} / {len(mine)}")
    preferred = st[st["preferred"]]
    oc = ev.outcomes.merge(preferred[["study_id", "drug"]], on="study_id")
    arms_per = oc.drop_duplicates(["study_id", "outcome"])
    lines += ["", "Preferred arms reporting each outcome (any population):"]
    lines.append(_crosstab(arms_per["outcome"], arms_per["drug"], list(OUTCOMES), drugs))
    ae = ev.adverse_events.merge(preferred[["study_id", "drug"]], on="study_id")
    ae_arms = ae.drop_duplicates(["study_id", "grade"])
    lines += ["", "Preferred arms with AE rows, by grade band:"]
    lines.append(_crosstab(ae_arms["grade"], ae_arms["drug"], ["any", "3plus"], drugs))
    lines += ["", "Study arms per extraction level:"]
    lines.append(_crosstab(st["extraction_level"], st["drug"], list(EXTRACTION_LEVELS), drugs))
    lines += ["", "Study arms per design:"]
    lines.append(_crosstab(st["design"], st["drug"], list(DESIGNS), drugs))
    lines += ["", "Search log per drug (PRISMA counts):"]
    lines.append(search_counts(ev).to_string(index=False))
    lines += ["", "Direct evidence: preferred arms per histology × outcome × drug:"]
    matrix = direct_arm_matrix(ev)
    lines.append(matrix.to_string() if not matrix.empty else "  none")
    lines += ["", f"Warnings ({len(ev.warnings)}):"]
    lines += [f"  {w}" for w in ev.warnings] or ["  none"]
    return "\n".join(lines)


COVERAGE_HISTOLOGIES = (
    "all",
    "sts",
    "bone",
    "lms",
    "lps",
    "synovial",
    "ups",
    "asps",
    "angiosarcoma",
    "osteosarcoma",
    "ewing",
    "chondrosarcoma",
)
"""The twelve common histology questions of the coverage grid."""

COVERAGE_LINES = ("first", "second")
COVERAGE_OUTCOMES: tuple[tuple[str, int | None], ...] = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("pfs_rate", 6),
    ("ae3", None),
)
"""ORR, DCR, median PFS, PFS-6 and grade ≥3 adverse events."""


def question_coverage(ev: Evidence, m: Method | None = None) -> pd.DataFrame:
    """What the Compare view answers for the common clinic questions.

    The grid is drug × :data:`COVERAGE_HISTOLOGIES` × :data:`COVERAGE_LINES` ×
    :data:`COVERAGE_OUTCOMES` (4 × 12 × 2 × 5 = 480 questions), default filters otherwise.

    Returns
    -------
    pandas.DataFrame
        ``drug, histology, line, outcome, tier`` with ``tier`` in ``direct``, ``group``, ``all``
        (the most direct tier with a number or a reported value) or ``none``.
    """
    method = m or Method.preset("reference")
    records = []
    for histology in COVERAGE_HISTOLOGIES:
        for line in COVERAGE_LINES:
            f = Filters(histology=histology, line=line)
            for drug in ev.vocab.tki_drugs:
                for outcome, t in COVERAGE_OUTCOMES:
                    if outcome == "ae3":
                        tier = tiered_adverse_events(ev, drug, f, method).tier
                    else:
                        number = tiered_outcome(ev, drug, outcome, f, method, timepoint=t)
                        tier = number.tier if number.has_evidence else None
                    name = outcome if t is None else f"{outcome}_{t}"
                    records.append(
                        {
                            "drug": drug,
                            "histology": histology,
                            "line": line,
                            "outcome": name,
                            "tier": tier or "none",
                        }
                    )
    return pd.DataFrame(records)


def direct_arm_matrix(ev: Evidence) -> pd.DataFrame:
    """Preferred arms with a direct row per drug × histology × outcome (subgroup or own cohort).

    A row counts for a subtype when its population is that subtype, or when it describes an arm
    that enrolled only that subtype. Only arms that can enter a pool count (preferred reports, not
    case reports, cohorts with non-sarcoma tumours or quoted figures: :func:`candidate_arms`
    with every regimen).
    """
    poolable = Filters(regimen="any")
    ids = [
        sid
        for drug in ev.vocab.tki_drugs
        for sid in candidate_arms(ev, drug, poolable, None)[0]["study_id"]
    ]
    arms = ev.studies[ev.studies["study_id"].isin(ids)].set_index("study_id")
    oc = ev.outcomes[ev.outcomes["study_id"].isin(arms.index)]
    rows = []
    for _, row in oc.iterrows():
        arm = arms.loc[row["study_id"]]
        pop = row["population"]
        subtypes = split_list(arm["subtypes"])
        if pop in ("all", "sts", "bone") and len(subtypes) == 1:
            pop = subtypes[0]
        if pop in ("all", "sts", "bone"):
            continue
        rows.append(
            {
                "drug": arm["drug"],
                "histology": pop,
                "outcome": row["outcome"],
                "study_id": row["study_id"],
            }
        )
    ae = ev.adverse_events[ev.adverse_events["study_id"].isin(arms.index)]
    for sid in ae.loc[ae["grade"] == "3plus", "study_id"].unique():
        subtypes = split_list(arms.at[sid, "subtypes"])
        if len(subtypes) == 1:
            rows.append(
                {
                    "drug": arms.at[sid, "drug"],
                    "histology": subtypes[0],
                    "outcome": "ae3",
                    "study_id": sid,
                }
            )
    frame = pd.DataFrame(rows, columns=["drug", "histology", "outcome", "study_id"])
    return (
        frame.drop_duplicates()
        .groupby(["histology", "outcome", "drug"])["study_id"]
        .nunique()
        .unstack("drug", fill_value=0)
        .reindex(columns=list(ev.vocab.tki_drugs), fill_value=0)
    )


def search_counts(ev: Evidence) -> pd.DataFrame:
    """PRISMA counts per drug from the search log: queries, records identified, duplicates,
    screened, excluded (by reason), overlapping reports and included records."""
    rc, sr = ev.records, ev.searches
    rows = []
    for drug in ev.vocab.tki_drugs:
        mine = rc[rc["drug"] == drug] if not rc.empty else rc
        decisions = mine["decision"].value_counts() if not mine.empty else pd.Series(dtype=int)
        reasons = (
            mine.loc[mine["decision"] == "excluded", "reason"].value_counts()
            if not mine.empty
            else pd.Series(dtype=int)
        )
        rows.append(
            {
                "drug": drug,
                "queries": int((sr["drug"] == drug).sum()) if not sr.empty else 0,
                "identified": len(mine),
                "duplicates": int(decisions.get("duplicate", 0)),
                "screened": len(mine) - int(decisions.get("duplicate", 0)),
                "excluded": int(decisions.get("excluded", 0)),
                "overlapping": int(decisions.get("overlapping", 0)),
                "included": int(decisions.get("included", 0)),
                "exclusion_reasons": "; ".join(f"{k} {v}" for k, v in reasons.items()),
            }
        )
    return pd.DataFrame(rows)
