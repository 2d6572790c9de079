"""Sensitivity analyses: leave-one-out and Egger's regression test (with funnel-plot rows).

Egger's test is matched to ``metafor::regtest(model="rma", predictor="sei")`` on the analysis
scale: a meta-regression of ``yᵢ`` on ``seᵢ = √vᵢ`` with the same τ² estimator and test as the
main analysis (mixed-effects; with τ² = 0 it is the classic weighted regression of Egger et al.
1997 up to the dispersion factor). The bias coefficient (the intercept of the original
standard-normal-deviate regression) is the coefficient of ``seᵢ``.

References
----------
Egger M, Davey Smith G, Schneider M, Minder C. Bias in meta-analysis detected by a simple,
graphical test. *BMJ* 1997;315:629–634. Sterne JAC et al. Recommendations for examining and
interpreting funnel plot asymmetry. *BMJ* 2011;343:d4002 (k < 10: low power).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.distributions import norm_sf, t_sf
from core.heterogeneity import tau2_estimate, wls
from core.inputs import as_counts, as_labels
from core.measures import escalc
from core.pooling import check_options, pool_proportions
from core.results import EggerResult, FunnelRow, ProportionPool

EGGER_MIN_K = 10
W_LOW_POWER = "k < 10: low power"


def leave_one_out(
    events: Sequence[int],
    n: Sequence[int],
    *,
    measure: str = "PFT",
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    ci_method: str = "wilson",
    mean_n: str = "harmonic",
    labels: Sequence[str] | None = None,
) -> tuple[ProportionPool, ...]:
    """Re-pool with each study left out in turn (``metafor::leave1out``), in study order.

    Each pool is a full :func:`core.pool_proportions` result of the remaining k − 1 studies; the
    FT back-transform uses the mean n of those remaining studies.

    Returns
    -------
    tuple of ProportionPool
        Element ``i`` omits study ``i``.
    """
    x, nn = as_counts(events, n)
    names = as_labels(labels, x.size)
    if x.size < 2:
        raise ValueError("leave-one-out needs at least 2 studies")
    out = []
    for i in range(x.size):
        keep = [j for j in range(x.size) if j != i]
        out.append(
            pool_proportions(
                x[keep],
                nn[keep],
                measure=measure,
                method=method,
                test=test,
                level=level,
                ci_method=ci_method,
                mean_n=mean_n,
                labels=[names[j] for j in keep],
            )
        )
    return tuple(out)


def egger_test(
    events: Sequence[int],
    n: Sequence[int],
    *,
    measure: str = "PFT",
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    ci_method: str = "wilson",
    mean_n: str = "harmonic",
    labels: Sequence[str] | None = None,
) -> EggerResult:
    """Egger's regression test for funnel-plot asymmetry on the analysis scale.

    Parameters
    ----------
    events, n : sequence of int
        Events and sample size per study (k ≥ 3).
    measure, method, test : str
        Analysis scale, τ² estimator and test (z, or knha: t with k − 2 df).
    level, ci_method, mean_n : optional
        Accepted for a signature shared with the other entry points; they do not change the
        test. ``level`` is validated.
    labels : sequence of str, optional
        Study labels for the funnel rows.

    Returns
    -------
    EggerResult
        With a "k < 10: low power" warning when fewer than 10 studies.
    """
    check_options(method, test, level)
    x, nn = as_counts(events, n)
    k = x.size
    if k < 3:
        raise ValueError("Egger's test needs at least 3 studies")
    names = as_labels(labels, k)
    yi, vi = escalc(x, nn, measure)
    sei = np.sqrt(vi)
    X = np.column_stack([np.ones(k), sei])[None, :, :]
    y, v = yi[None, :], vi[None, :]
    tau2, _ = tau2_estimate(y, v, method, X)
    fit = wls(y, 1.0 / (v + tau2[:, None]), X)
    vb = fit.vb[0]
    df = k - 2
    if test == "knha":
        vb = vb * fit.rss[0] / df
    b = fit.beta[0]
    se = float(np.sqrt(vb[1, 1]))
    stat = float(b[1] / se)
    tail = t_sf(abs(stat), df) if test == "knha" else norm_sf(abs(stat))
    pvalue = float(2.0 * tail)
    funnel = tuple(
        FunnelRow(names[i], float(yi[i]), float(sei[i]), float(x[i] / nn[i])) for i in range(k)
    )
    return EggerResult(
        intercept=float(b[1]),
        se=se,
        stat=stat,
        pvalue=pvalue,
        df=df if test == "knha" else None,
        k=k,
        measure=measure,
        method=method,
        test=test,
        limit_est=float(b[0]),
        funnel=funnel,
        warnings=(W_LOW_POWER,) if k < EGGER_MIN_K else (),
    )
