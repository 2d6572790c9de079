"""Sensitivity analyses of one pooled outcome: subgroups, leave-one-out, Egger's test.

These select rows and call ``core``; no statistics are computed here.
"""

from __future__ import annotations

import pandas as pd

from core import EggerResult, ProportionPool, SubgroupPool, egger_test, pool_subgroups
from tkidata.analyses.method import Method
from tkidata.analyses.pooling import OutcomeResult, pool_outcome, pool_proportion_counts
from tkidata.store.loader import Evidence
from tkidata.wording import design_label, line_label, population_label

SUBGROUP_FIELDS = {
    "histology": "histology_group",
    "line": "line",
    "design": "design",
}
"""Subgroup variable (app name) → column of the selection rows."""

_GROUP_WORDS = {
    "histology_group": population_label,
    "line": line_label,
    "design": design_label,
}
"""Selection-row column → its wording (subgroup names as readers see them)."""


def _two_step(m: Method) -> dict[str, object]:
    """Engine kwargs for analyses only the two-step model offers (GLMM → logit with ML τ²)."""
    if m.glmm:
        return m.replace(glmm=False, measure="PLO", tau2="ML").proportion_kwargs()
    return m.proportion_kwargs()


def _counts(result: OutcomeResult) -> tuple[list[int], list[int], list[str]]:
    pool = result.pool
    if not isinstance(pool, ProportionPool):
        raise TypeError("only pooled proportions have counts")
    return (
        [s.events for s in pool.studies],
        [s.n for s in pool.studies],
        [s.label for s in pool.studies],
    )


def subgroup_pool(ev: Evidence, result: OutcomeResult, by: str) -> SubgroupPool | None:
    """Subgroup analysis of a pooled proportion (separate τ² per group, Q-between).

    ``by="histology"`` re-selects the soft-tissue and bone rows (a mixed study contributes what
    it reports for each group) from the evidence the result was pooled from; ``"line"`` and
    ``"design"`` split the pooled studies by the arm's line or design. Returns None for
    medians, k < 2, or fewer than two groups.
    """
    if not isinstance(result.pool, ProportionPool) or result.k < 2:
        return None
    if by == "histology":
        events, n, labels, groups = [], [], [], []
        for pop in ("sts", "bone"):
            part = pool_outcome(
                ev,
                result.drug,
                result.outcome,
                result.filters,
                result.method,
                timepoint=result.timepoint,
                population=pop,
            )
            if not isinstance(part.pool, ProportionPool):
                continue
            e, nn, lab = _counts(part)
            events += e
            n += nn
            labels += lab
            groups += [population_label(pop)] * len(lab)
    else:
        field = SUBGROUP_FIELDS[by]
        events, n, labels = _counts(result)
        rows = result.selection.rows.set_index("label")
        words = _GROUP_WORDS[field]
        groups = [
            words(rows.at[lab, field]) if pd.notna(rows.at[lab, field]) else "Not reported"
            for lab in labels
        ]
    if len(set(groups)) < 2:
        return None
    return pool_subgroups(events, n, groups, labels=labels, **_two_step(result.method))


def leave_one_out_pools(result: OutcomeResult) -> tuple[ProportionPool, ...] | None:
    """The pool re-run without each study in turn (same engine as the pool); None if k < 3."""
    if not isinstance(result.pool, ProportionPool) or result.k < 3:
        return None
    events, n, labels = _counts(result)
    keep = [[j for j in range(len(n)) if j != i] for i in range(len(n))]
    return tuple(
        pool_proportion_counts(
            [events[j] for j in idx],
            [n[j] for j in idx],
            [labels[j] for j in idx],
            result.method,
        )
        for idx in keep
    )


def egger_for(result: OutcomeResult) -> EggerResult | None:
    """Egger's regression test on the analysis scale of the pool; None if k < 3 or medians."""
    if not isinstance(result.pool, ProportionPool) or result.k < 3:
        return None
    events, n, labels = _counts(result)
    return egger_test(events, n, labels=labels, **_two_step(result.method))
