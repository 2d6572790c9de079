"""The coverage report printed by ``python -m tkidata check``."""

from __future__ import annotations

import pandas as pd

from tkidata.loader import Evidence
from tkidata.schema import DESIGNS, EXTRACTION_LEVELS, OUTCOMES


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
    lines += ["", f"Warnings ({len(ev.warnings)}):"]
    lines += [f"  {w}" for w in ev.warnings] or ["  none"]
    return "\n".join(lines)
