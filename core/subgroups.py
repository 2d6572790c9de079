"""Subgroup analysis: a separate random-effects pool (own τ²) per subgroup and Q-between.

Q-between is computed on the analysis scale as in Stata ``metaprop_one`` with ``by()``:
``Q_b = Σ_g (μ̂_g − m)²/SE_g²`` with ``m`` the ``1/SE_g²``-weighted mean of the subgroup
random-effects estimates, referred to χ² with G − 1 df (equivalently a common-effect
meta-analysis of the subgroup estimates, ``metafor::rma(μ̂_g, sei=SE_g, method="EE")``). A
subgroup with one study enters with that study's ``yᵢ`` and ``√vᵢ``. The FT back-transform of each
subgroup uses the harmonic mean n of that subgroup's studies.

References
----------
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR. *Introduction to Meta-Analysis*. Wiley 2009,
ch. 19 (separate estimates of τ²). Nyaga VN, Arbyn M, Aerts M. Metaprop: a Stata command to
perform meta-analysis of binomial data. *Arch Public Health* 2014;72:39.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.distributions import chi2_sf
from core.inputs import as_counts, as_labels
from core.pooling import pool_proportions
from core.results import ProportionPool, SubgroupPool


def _analysis_scale(pool: ProportionPool) -> tuple[float, float]:
    if pool.k == 1:
        s = pool.studies[0]
        return s.yi, math.sqrt(s.vi)
    t = pool.random.transformed
    return t.est, t.se


def q_between(estimates: Sequence[float], ses: Sequence[float]) -> tuple[float, int, float]:
    """Heterogeneity between subgroup estimates: ``(Q_b, G − 1, p)``."""
    est = np.asarray(estimates, dtype=float)
    w = 1.0 / np.asarray(ses, dtype=float) ** 2
    df = est.size - 1
    if df < 1:
        return math.nan, 0, math.nan
    m = np.sum(w * est) / np.sum(w)
    qb = float(np.sum(w * (est - m) ** 2))
    return qb, df, float(chi2_sf(qb, df))


def pool_subgroups(
    events: Sequence[int],
    n: Sequence[int],
    groups: Sequence[str],
    *,
    measure: str = "PFT",
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    ci_method: str = "wilson",
    mean_n: str = "harmonic",
    labels: Sequence[str] | None = None,
) -> SubgroupPool:
    """Pool each subgroup separately and test for differences between subgroups.

    Parameters
    ----------
    events, n : sequence of int
        Events and sample size per study.
    groups : sequence of str
        Subgroup of each study; subgroups keep the order of first appearance.
    measure, method, test, level, ci_method, mean_n, labels
        As in :func:`core.pool_proportions`, applied to the overall pool and to every subgroup.

    Returns
    -------
    SubgroupPool
        ``overall`` (all studies, one τ²), ``groups`` (name → pool), Q-between, df, p.
    """
    x, nn = as_counts(events, n)
    names = as_labels(labels, x.size)
    grp = [str(g) for g in groups]
    if len(grp) != x.size:
        raise ValueError(f"{len(grp)} subgroup labels for {x.size} studies")
    opts = dict(
        measure=measure, method=method, test=test, level=level, ci_method=ci_method, mean_n=mean_n
    )
    overall = pool_proportions(x, nn, labels=names, **opts)
    pools: dict[str, ProportionPool] = {}
    for g in dict.fromkeys(grp):
        idx = [i for i, gi in enumerate(grp) if gi == g]
        pools[g] = pool_proportions(x[idx], nn[idx], labels=[names[i] for i in idx], **opts)
    est, ses = zip(*(_analysis_scale(p) for p in pools.values()), strict=True)
    qb, df, pb = q_between(est, ses)
    warns = () if df >= 1 else ("fewer than 2 subgroups: no test between subgroups",)
    return SubgroupPool(
        overall=overall, groups=pools, q_between=qb, df_between=df, p_between=pb, warnings=warns
    )
