"""Inverse-variance pooling of medians (e.g. median PFS in months) with SEs from their CIs.

``SE = (upper − lower)/(2z)``; when the upper limit was not reached, ``SE = (median − lower)/z``
(z = 1.959964 for the studies' 95% CIs). Studies without a usable CI are reported in ``excluded``
and not pooled. The pooled fit is the ordinary random-effects model of :mod:`core.pooling` on the
month scale (``metafor::rma(yi, sei=SE)``), without back-transformation.

References
----------
McGrath S, Zhao X, Steele R, Benedetti A. Estimating the sample mean and standard deviation
from commonly reported quantiles in meta-analysis. *Stat Med* 2019;38:969–984; McGrath S et al.
Meta-analysis of median survival times. arXiv:2503.03065 (``metamedian_survival``).
DerSimonian R, Laird N. *Control Clin Trials* 1986;7:177–188.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.distributions import norm_isf
from core.inputs import as_labels
from core.pooling import W_NO_PI, W_SINGLE, analysis_estimate, check_options, fit_arrays
from core.results import Estimate, ExcludedStudy, MedianPool, MedianStudy

STUDY_CI_LEVEL = 0.95  # level of the published CIs the SEs are derived from


def median_se(
    estimate: float, ci_low: float, ci_high: float, upper_reached: bool
) -> tuple[float, str | None]:
    """Standard error of a median from its 95% CI, or NaN with the reason it is unusable."""
    z = norm_isf((1.0 - STUDY_CI_LEVEL) / 2.0)
    if not math.isfinite(estimate):
        return math.nan, "no median"
    if not math.isfinite(ci_low):
        return math.nan, "no confidence interval"
    if upper_reached:
        if not math.isfinite(ci_high):
            return math.nan, "upper confidence limit missing"
        se = (ci_high - ci_low) / (2.0 * z)
    else:
        se = (estimate - ci_low) / z
    if not se > 0:
        return math.nan, "confidence interval of zero width"
    return se, None


def pool_medians(
    estimate: Sequence[float],
    ci_low: Sequence[float | None],
    ci_high: Sequence[float | None],
    *,
    upper_reached: Sequence[bool] | None = None,
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> MedianPool:
    """Generic inverse-variance pooling of medians on their own scale (months).

    Parameters
    ----------
    estimate, ci_low, ci_high : sequence of float
        Medians and their 95% confidence limits (None/NaN when not reported).
    upper_reached : sequence of bool, optional
        False where the upper limit was "not reached"; by default a missing ``ci_high`` with a
        present ``ci_low`` counts as not reached.
    method, test, level
        τ² estimator, CI test and level, as in :func:`core.pool_proportions`.
    labels : sequence of str, optional
        Study labels.

    Returns
    -------
    MedianPool
        Pooled medians (months); k = 1 returns the single study as such, with a warning.
    """
    check_options(method, test, level)
    est = np.array([math.nan if e is None else e for e in estimate], dtype=float)
    lo = np.array([math.nan if e is None else e for e in ci_low], dtype=float)
    hi = np.array([math.nan if e is None else e for e in ci_high], dtype=float)
    if not (est.size == lo.size == hi.size):
        raise ValueError("estimate, ci_low and ci_high differ in length")
    names = as_labels(labels, est.size)
    reached = ~np.isnan(hi) if upper_reached is None else np.asarray(upper_reached, dtype=bool)
    keep, ses, excluded = [], [], []
    for i in range(est.size):
        se, reason = median_se(est[i], lo[i], hi[i], bool(reached[i]))
        if reason is None:
            keep.append(i)
            ses.append(se)
        else:
            excluded.append(ExcludedStudy(names[i], reason))
    k = len(keep)
    if k == 0:
        raise ValueError("no study with a usable confidence interval")
    y = est[keep]
    se_arr = np.asarray(ses)
    warns: list[str] = (
        [f"{len(excluded)} stud{'y' if len(excluded) == 1 else 'ies'} not pooled (no usable CI)"]
        if excluded
        else []
    )
    if k == 1:
        single = Estimate(
            est=float(y[0]), ci_lb=float(lo[keep[0]]), ci_ub=float(hi[keep[0]]), se=float(se_arr[0])
        )
        study = MedianStudy(
            names[keep[0]],
            float(y[0]),
            float(lo[keep[0]]),
            float(hi[keep[0]]),
            float(se_arr[0]),
            100.0,
        )
        return MedianPool(
            k=1,
            method=method,
            test=test,
            level=level,
            studies=(study,),
            common=single,
            random=single,
            q=0.0,
            df=0,
            q_pvalue=math.nan,
            i2=math.nan,
            tau2=math.nan,
            excluded=tuple(excluded),
            warnings=(W_SINGLE, *warns),
        )
    fit = fit_arrays(y[None, :], se_arr[None, :] ** 2, method=method, test=test, level=level)
    if k < 3:
        warns.insert(0, W_NO_PI)
    studies = tuple(
        MedianStudy(
            names[i],
            float(est[i]),
            float(lo[i]),
            float(hi[i]),
            float(se_arr[j]),
            float(fit.weights[0, j]),
        )
        for j, i in enumerate(keep)
    )

    random = analysis_estimate(fit, random=True)
    common = analysis_estimate(fit, random=False)
    return MedianPool(
        k=k,
        method=method,
        test=test,
        level=level,
        studies=studies,
        common=common,
        random=random,
        q=float(fit.q[0]),
        df=fit.df,
        q_pvalue=float(fit.q_pvalue[0]),
        i2=float(fit.i2[0]),
        tau2=float(fit.tau2[0]),
        excluded=tuple(excluded),
        warnings=tuple(warns),
    )
