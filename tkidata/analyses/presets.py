"""The same pooled numbers under the three method presets, with divergence flags."""

from __future__ import annotations

import pandas as pd

from tkidata.analyses.method import Method
from tkidata.analyses.pooling import pool_adverse_events, pool_outcome
from tkidata.patient.filters import Filters
from tkidata.patient.tiers import tier_filters, tiered_adverse_events, tiered_outcome
from tkidata.store.loader import Evidence

PRESET_ORDER = ("reference", "meta", "metafor")
"""Method presets compared side by side on the Methods page."""
DIVERGENCE_PP = 3.0
"""Presets whose estimates differ by more than this many percentage points are flagged."""
CI_DIVERGENCE_PP = 5.0
"""Presets whose 95% CI limits differ by more than this many percentage points are flagged.

What a clinician reads is the estimate *and* its interval: "20% (10–35)" and "20% (0–80)" are
different answers even when the point estimates agree."""


def _ae_study_range(ev: Evidence, studies: str, term: str, grade: str) -> tuple[float, float]:
    ids = studies.split(";") if isinstance(studies, str) and studies else []
    table = ev.adverse_events
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
    *,
    tiered: bool = False,
    direct_only: bool = False,
) -> pd.DataFrame:
    """ORR, DCR and the top grade ≥3 AEs of every drug under the three method presets.

    Parameters
    ----------
    ev : Evidence
        The evidence in force (a session's includes its user studies).
    f : Filters
    top_terms : int
        Grade ≥3 terms per drug, the most frequent under the reference preset.
    tiered : bool
        Pool each quantity at the patient's tier (``tkidata.patient.tiers``: the tier of the number
        under the reference preset, as Compare shows it) instead of the exact filters.
    direct_only : bool
        With ``tiered``, the direct tier only.

    Returns
    -------
    pandas.DataFrame
        One row per drug × quantity × preset: ``drug, quantity, preset, est, ci_lb, ci_ub, k,
        study_min, study_max, spread_pp, ci_spread_pp, ft_outside, flag``. ``spread_pp`` is the
        largest minus the smallest estimate across presets (percentage points), ``ci_spread_pp``
        the same for the lower or upper CI limit, whichever moves more; ``ft_outside`` is True
        when the Freeman–Tukey (reference) estimate lies outside the range of the study
        proportions;
        ``flag`` says why the quantity diverges, empty when it does not.
    """
    methods = {name: Method.preset(name) for name in PRESET_ORDER}
    records: list[dict[str, object]] = []

    def at_tier(tier: str | None) -> Filters:
        return tier_filters(ev, f, tier) if tiered and tier is not None else f

    for drug in ev.vocab.tki_drugs:
        for quantity, outcome in (("ORR", "orr"), ("DCR", "dcr")):
            fo = f
            if tiered:
                fo = at_tier(
                    tiered_outcome(
                        ev,
                        drug,
                        outcome,
                        f,
                        methods["reference"],
                        direct_only=direct_only,
                    ).tier
                )
            for name, m in methods.items():
                res = pool_outcome(ev, drug, outcome, fo, m)
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
        fa = f
        if tiered:
            fa = at_tier(
                tiered_adverse_events(
                    ev, drug, f, methods["reference"], direct_only=direct_only
                ).tier
            )
        ae = {name: pool_adverse_events(ev, drug, fa, m) for name, m in methods.items()}
        for term in ae["reference"]["term"].head(top_terms):
            for name in PRESET_ORDER:
                row = ae[name][ae[name]["term"] == term].iloc[0]
                lo, hi = _ae_study_range(ev, row["studies"], term, "3plus")
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

    def _spread(column: str) -> pd.Series:
        return table.groupby(keys)[column].transform(lambda s: 100 * (s.max() - s.min()))

    spread = _spread("est")
    ci_spread = pd.concat([_spread("ci_lb"), _spread("ci_ub")], axis=1).max(axis=1)
    ref = table[table["preset"] == "reference"].set_index(keys)
    outside = {
        key: bool(r["k"] > 1 and (r["est"] < r["study_min"] or r["est"] > r["study_max"]))
        for key, r in ref.iterrows()
    }
    table["spread_pp"] = spread
    table["ci_spread_pp"] = ci_spread
    table["ft_outside"] = [
        outside[(d, q)] for d, q in zip(table["drug"], table["quantity"], strict=True)
    ]
    table["flag"] = [
        "; ".join(
            ([f"estimates differ by {s:.1f} points between presets"] if s > DIVERGENCE_PP else [])
            + (
                [f"95% CI limits differ by {c:.1f} points between presets"]
                if c > CI_DIVERGENCE_PP
                else []
            )
            + (["the Freeman–Tukey estimate lies outside the range of the studies"] if o else [])
        )
        for s, c, o in zip(
            table["spread_pp"], table["ci_spread_pp"], table["ft_outside"], strict=True
        )
    ]
    return table
