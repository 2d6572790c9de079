"""App views of the evidence that the analysis API does not provide.

- :func:`evidence_table`: every study arm with its key outcomes, for the Evidence page.
- :func:`subgroup_pool`, :func:`leave_one_out_pools`, :func:`egger_for`: sensitivity analyses of
  one pooled outcome (subgroups by histology group, line or design; leave-one-out; Egger's test),
  for the forest-plot page.

Everything here selects rows and calls ``core``; no statistics are computed here.
"""

from __future__ import annotations

import pandas as pd

from core import EggerResult, ProportionPool, SubgroupPool, egger_test, pool_subgroups
from tkidata.analysis import (
    OutcomeResult,
    pool_adverse_events,
    pool_outcome,
    pool_proportion_counts,
)
from tkidata.filters import Filters
from tkidata.loader import Evidence
from tkidata.method import Method
from tkidata.selection import candidate_arms

KEY_OUTCOMES = ("orr", "dcr", "pfs_median")
"""Outcomes shown per arm in the evidence table."""

EVIDENCE_COLUMNS = (
    "study_id",
    "label",
    "drug",
    "trial",
    "design",
    "regimen",
    "partner_treatment",
    "line",
    "histology_group",
    "subtypes",
    "age_group",
    "n_enrolled",
    "orr",
    "dcr",
    "pfs_median",
    "extraction_level",
    "preferred",
    "overlaps_with",
    "included_in",
    "enters_pools",
    "doi_url",
    "citation",
    "note",
)
"""Columns of :func:`evidence_table`."""

SUBGROUP_FIELDS = {
    "histology": "histology_group",
    "line": "line",
    "design": "design",
}
"""Subgroup variable (app name) → column of the selection rows."""

_GROUP_WORDS = {
    "histology_group": {"sts": "Soft tissue", "bone": "Bone", "mixed": "Mixed histology"},
    "line": {
        "first": "First line",
        "second": "Second line",
        "later": "Third line or later",
        "mixed": "Mixed lines",
    },
    "design": {"rct_arm": "RCT arm", "single_arm": "Single-arm", "retrospective": "Retrospective"},
}


def _key_value(facts: pd.DataFrame, outcome: str) -> float:
    """One arm's stated value for an outcome, preferring the whole-arm population."""
    rows = facts[facts["outcome"] == outcome]
    if rows.empty:
        return float("nan")
    rows = rows.assign(_all=rows["population"] != "all").sort_values("_all", kind="stable")
    row = rows.iloc[0]
    if outcome in ("orr", "dcr") and pd.notna(row["events"]) and pd.notna(row["n"]):
        return float(row["events"]) / float(row["n"])
    return float(row["estimate"]) if pd.notna(row["estimate"]) else float("nan")


def evidence_table(
    ev: Evidence, f: Filters | None = None, study_ids: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Every study arm (all drugs, placebo arms included) with its key outcomes.

    Parameters
    ----------
    ev : Evidence
    f : Filters, optional
        When given, ``enters_pools`` says whether the arm passes the arm-level filters (it may
        still lack a given outcome or histology row).
    study_ids : tuple of str, optional
        Keep only these arms, in this order.

    Returns
    -------
    pandas.DataFrame
        :data:`EVIDENCE_COLUMNS`; ``orr``/``dcr`` are fractions (events/n of the ``all`` row, else
        the first histology row), ``pfs_median`` months, ``doi_url`` a https://doi.org link.
    """
    studies = ev.studies.copy()
    passing: set[str] = set()
    if f is not None:
        for drug in ev.vocab.tki_drugs:
            passing |= set(candidate_arms(ev, drug, f, None)[0]["study_id"])
    grouped = dict(tuple(ev.outcomes.groupby("study_id")))
    empty = ev.outcomes.iloc[0:0]
    for outcome in KEY_OUTCOMES:
        studies[outcome] = [
            _key_value(grouped.get(sid, empty), outcome) for sid in studies["study_id"]
        ]
    studies["label"] = studies["first_author"].astype(str) + " " + studies["year"].astype(str)
    studies["enters_pools"] = studies["study_id"].isin(passing) if f is not None else pd.NA
    studies["doi_url"] = [
        f"https://doi.org/{d}" if isinstance(d, str) and d else None for d in studies["doi"]
    ]
    table = studies[list(EVIDENCE_COLUMNS)]
    if study_ids is not None:
        order = {sid: i for i, sid in enumerate(study_ids)}
        table = table[table["study_id"].isin(order)]
        table = table.sort_values("study_id", key=lambda s: s.map(order))
    return table.reset_index(drop=True)


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


def subgroup_pool(
    ev: Evidence, result: OutcomeResult, by: str, extra: pd.DataFrame | None = None
) -> SubgroupPool | None:
    """Subgroup analysis of a pooled proportion (separate τ² per group, Q-between).

    ``by="histology"`` re-selects the soft-tissue and bone rows (a mixed study contributes what
    it reports for each group), with the user-supplied ``extra`` rows the result was pooled with
    (as for ``pool_outcome``); ``"line"`` and ``"design"`` split the pooled studies by the
    arm's line or design. Returns None for medians, k < 2, or fewer than two groups.
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
                extra=extra,
            )
            if not isinstance(part.pool, ProportionPool):
                continue
            e, nn, lab = _counts(part)
            events += e
            n += nn
            labels += lab
            groups += [_GROUP_WORDS["histology_group"][pop]] * len(lab)
    else:
        field = SUBGROUP_FIELDS[by]
        events, n, labels = _counts(result)
        rows = result.selection.rows.set_index("label")
        words = _GROUP_WORDS[field]
        groups = [
            words.get(str(rows.at[lab, field]), "Not reported")
            if pd.notna(rows.at[lab, field])
            else "Not reported"
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


PRESET_ORDER = ("reference", "meta", "metafor")
"""Method presets compared side by side on the Methods page."""
DIVERGENCE_PP = 3.0
"""Presets whose estimates differ by more than this many percentage points are flagged."""


def _ae_study_range(
    ev: Evidence, studies: str, term: str, grade: str, extra: pd.DataFrame | None = None
) -> tuple[float, float]:
    ids = studies.split(";") if isinstance(studies, str) and studies else []
    table = ev.adverse_events
    if extra is not None and not extra.empty:
        table = pd.concat([table, extra.assign(pct=float("nan"))], ignore_index=True)
    rows = table[table["study_id"].isin(ids) & (table["term"] == term) & (table["grade"] == grade)]
    props = [
        float(e) / float(n) if pd.notna(e) else float(p)
        for e, n, p in zip(rows["events"], rows["n"], rows["pct"], strict=True)
    ]
    return (min(props), max(props)) if props else (float("nan"), float("nan"))


def preset_comparison(
    ev: Evidence,
    f: Filters,
    top_terms: int = 3,
    extra: pd.DataFrame | None = None,
    ae_extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ORR, DCR and the top grade ≥3 AEs of every drug under the three method presets.

    Parameters
    ----------
    ev : Evidence
    f : Filters
    top_terms : int
        Grade ≥3 terms per drug, the most frequent under the reference preset.
    extra, ae_extra : pandas.DataFrame, optional
        User-supplied efficacy and AE rows (as for ``pool_outcome`` and ``pool_adverse_events``,
        with a ``drug`` column), pooled with the curated ones.

    Returns
    -------
    pandas.DataFrame
        One row per drug × quantity × preset: ``drug, quantity, preset, est, ci_lb, ci_ub, k,
        study_min, study_max, spread_pp, ft_outside, flag``. ``spread_pp`` is the largest minus
        the smallest estimate across presets (percentage points); ``ft_outside`` is True when the
        Freeman–Tukey (reference) estimate lies outside the range of the study proportions;
        ``flag`` says why the quantity diverges, empty when it does not.
    """
    methods = {name: Method.preset(name) for name in PRESET_ORDER}
    records: list[dict[str, object]] = []
    for drug in ev.vocab.tki_drugs:
        for quantity, outcome in (("ORR", "orr"), ("DCR", "dcr")):
            for name, m in methods.items():
                res = pool_outcome(ev, drug, outcome, f, m, extra=extra)
                est = res.estimate or (float("nan"),) * 3
                props = [s.proportion for s in res.pool.studies] if res.pool is not None else []
                records.append(
                    {
                        "drug": drug,
                        "quantity": quantity,
                        "preset": name,
                        "est": est[0],
                        "ci_lb": est[1],
                        "ci_ub": est[2],
                        "k": res.k,
                        "study_min": min(props) if props else float("nan"),
                        "study_max": max(props) if props else float("nan"),
                    }
                )
        ae = {
            name: pool_adverse_events(ev, drug, f, m, extra=ae_extra) for name, m in methods.items()
        }
        for term in ae["reference"]["term"].head(top_terms):
            for name in PRESET_ORDER:
                row = ae[name][ae[name]["term"] == term].iloc[0]
                lo, hi = _ae_study_range(ev, row["studies"], term, "3plus", ae_extra)
                records.append(
                    {
                        "drug": drug,
                        "quantity": f"Grade ≥3 {term}",
                        "preset": name,
                        "est": row["est"],
                        "ci_lb": row["ci_lb"],
                        "ci_ub": row["ci_ub"],
                        "k": int(row["k"]),
                        "study_min": lo,
                        "study_max": hi,
                    }
                )
    table = pd.DataFrame(
        records,
        columns=[
            "drug",
            "quantity",
            "preset",
            "est",
            "ci_lb",
            "ci_ub",
            "k",
            "study_min",
            "study_max",
        ],
    )
    keys = ["drug", "quantity"]
    spread = table.groupby(keys)["est"].transform(lambda s: 100 * (s.max() - s.min()))
    ref = table[table["preset"] == "reference"].set_index(keys)
    outside = {
        key: bool(r["k"] > 1 and (r["est"] < r["study_min"] or r["est"] > r["study_max"]))
        for key, r in ref.iterrows()
    }
    table["spread_pp"] = spread
    table["ft_outside"] = [
        outside[(d, q)] for d, q in zip(table["drug"], table["quantity"], strict=True)
    ]
    table["flag"] = [
        "; ".join(
            ([f"presets differ by {s:.1f} points"] if s > DIVERGENCE_PP else [])
            + (["FT estimate outside the study range"] if o else [])
        )
        for s, o in zip(table["spread_pp"], table["ft_outside"], strict=True)
    ]
    return table


def select_evidence(
    table: pd.DataFrame,
    *,
    study_ids: tuple[str, ...] | None = None,
    drugs: tuple[str, ...] | None = None,
    designs: tuple[str, ...] | None = None,
    only_entering: bool = False,
    text: str = "",
) -> pd.DataFrame:
    """Rows of :func:`evidence_table` matching the Evidence page's filters.

    ``text`` matches (case-insensitive, literally) the label, trial, study id or citation.
    """
    keep = pd.Series(True, index=table.index)
    if study_ids:
        keep &= table["study_id"].isin(study_ids)
    if drugs is not None:
        keep &= table["drug"].isin(drugs)
    if designs is not None:
        keep &= table["design"].isin(designs)
    if only_entering:
        keep &= table["enters_pools"].fillna(False).astype(bool)
    if text.strip():
        needle = text.strip().lower()
        haystack = (
            table["label"].fillna("")
            + " "
            + table["trial"].fillna("")
            + " "
            + table["study_id"]
            + " "
            + table["citation"].fillna("")
        ).str.lower()
        keep &= haystack.str.contains(needle, regex=False)
    return table[keep].reset_index(drop=True)
