"""The same pooled numbers under the three method presets, with divergence flags."""

from __future__ import annotations

import pandas as pd

from tkidata.analysis import pool_adverse_events, pool_outcome
from tkidata.filters import Filters
from tkidata.loader import Evidence
from tkidata.method import Method

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
