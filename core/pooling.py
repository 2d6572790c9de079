"""Common-effect and random-effects inverse-variance pooling of single proportions.

The analysis-scale fit (``fit_arrays``) is batched: rows are independent meta-analyses with the
same number of studies. ``pool_proportions`` (one meta-analysis, full result object) and
``pool_proportions_batch`` (many, arrays only) run the very same code, so they agree exactly.

Random-effects CI: Wald z, or Hartung–Knapp–Sidik–Jonkman (``test="knha"``: SE scaled by
``Σw*ᵢ(yᵢ − μ̂)²/(k − 1)``, t with k − 1 df, no truncation, as metafor). Prediction interval:
``μ̂ ± t_{k−2} √(τ̂² + SE²)`` for k ≥ 3 with the SE in force (Higgins, Thompson & Spiegelhalter
2009). Everything is computed on the analysis scale first; back-transformation to proportions is
the explicit last step (``back_transform``): Miller (1978) at the mean n of the analysis for PFT.

References
----------
DerSimonian R, Laird N. *Control Clin Trials* 1986;7:177–188. Hartung J, Knapp G. On tests of
the overall treatment effect in meta-analysis with normally distributed responses. *Stat Med*
2001;20:1771–1782. Sidik K, Jonkman JN. A simple confidence interval for meta-analysis. *Stat
Med* 2002;21:3153–3159. Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of
random-effects meta-analysis. *J R Stat Soc A* 2009;172:137–159. Miller JJ. *Am Stat*
1978;32:138.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.backtransform import mean_n as compute_mean_n
from core.distributions import chi2_sf, norm_isf, norm_sf, t_isf, t_sf
from core.heterogeneity import (
    design,
    i2_from_q,
    tau2_estimate,
    tau2_qprofile_ci,
    wls,
)
from core.inputs import as_counts, as_labels
from core.measures import escalc, get_measure, needs_correction
from core.results import Estimate, ProportionPool, StudyRow
from core.study_ci import study_ci

TESTS = ("z", "knha")
FT_SIZE_RATIO = 10.0  # Schwarzer et al. 2019: warn when study sizes differ this much under PFT

W_SINGLE = "k = 1: single study, not pooled"
W_NO_PI = "k < 3: no prediction interval"


@dataclass(frozen=True)
class FitArrays:
    """Analysis-scale results of a batch of meta-analyses (one entry per row)."""

    mu: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    mu_fe: np.ndarray
    se_fe: np.ndarray
    zval_fe: np.ndarray
    pval_fe: np.ndarray
    ci_lb_fe: np.ndarray
    ci_ub_fe: np.ndarray
    tau2: np.ndarray
    converged: np.ndarray
    q: np.ndarray
    df: int
    q_pvalue: np.ndarray
    i2: np.ndarray
    weights: np.ndarray


def check_options(method: str, test: str, level: float) -> None:
    if method not in ("DL", "REML", "PM", "ML"):
        raise ValueError(f"unknown method {method!r} (choose DL, REML, PM, ML)")
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r} (choose z, knha)")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")


def fit_arrays(
    y: np.ndarray, v: np.ndarray, *, method: str = "DL", test: str = "z", level: float = 0.95
) -> FitArrays:
    """Common and random-effects fits on the analysis scale for every row (k ≥ 2).

    Parameters
    ----------
    y, v : ndarray, shape (m, k)
        Effect sizes and sampling variances.
    method : {"DL", "REML", "PM", "ML"}
        τ² estimator (see :mod:`core.heterogeneity`).
    test : {"z", "knha"}
        Wald z, or Hartung–Knapp (2001) / Sidik–Jonkman (2002) for the random-effects CI.
    level : float
        Confidence level of the CIs and the prediction interval.

    Returns
    -------
    FitArrays
    """
    check_options(method, test, level)
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    m, k = y.shape
    if k < 2:
        raise ValueError("fit_arrays needs k >= 2 studies per row")
    X = design(None, m, k)
    alpha = 1.0 - level
    z_crit = norm_isf(alpha / 2.0)

    fe = wls(y, 1.0 / v, X)
    mu_fe = fe.beta[:, 0]
    se_fe = np.sqrt(fe.vb[:, 0, 0])
    q = fe.rss
    df = k - 1

    tau2, converged = tau2_estimate(y, v, method)
    re = wls(y, 1.0 / (v + tau2[:, None]), X)
    mu = re.beta[:, 0]
    se = np.sqrt(re.vb[:, 0, 0])
    if test == "knha":
        # identical yᵢ give a zero HK standard error (a known property of the method)
        se = se * np.sqrt(re.rss / df)
        crit = t_isf(alpha / 2.0, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            zval = mu / se
        pval = 2.0 * t_sf(np.abs(zval), df)
    else:
        crit = z_crit
        zval = mu / se
        pval = 2.0 * norm_sf(np.abs(zval))
    if k >= 3:
        half = t_isf(alpha / 2.0, k - 2) * np.sqrt(tau2 + se**2)
        pi_lb, pi_ub = mu - half, mu + half
    else:
        pi_lb = pi_ub = np.full(m, np.nan)
    zval_fe = mu_fe / se_fe
    return FitArrays(
        mu=mu,
        se=se,
        zval=zval,
        pval=pval,
        ci_lb=mu - crit * se,
        ci_ub=mu + crit * se,
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        mu_fe=mu_fe,
        se_fe=se_fe,
        zval_fe=zval_fe,
        pval_fe=2.0 * norm_sf(np.abs(zval_fe)),
        ci_lb_fe=mu_fe - z_crit * se_fe,
        ci_ub_fe=mu_fe + z_crit * se_fe,
        tau2=tau2,
        converged=converged,
        q=q,
        df=df,
        q_pvalue=chi2_sf(q, df),
        i2=i2_from_q(q, df),
        weights=100.0 * re.w / np.sum(re.w, axis=-1, keepdims=True),
    )


def back_transform(measure: str, values: np.ndarray, n_bar: np.ndarray | float) -> np.ndarray:
    """Analysis scale → proportion (Miller 1978 at ``n_bar`` for PFT), clamped to [0, 1]."""
    return np.clip(get_measure(measure).inverse(np.asarray(values, dtype=float), n_bar), 0.0, 1.0)


@dataclass(frozen=True)
class BatchPool:
    """Back-transformed results of ``pool_proportions_batch`` (arrays, one entry per row)."""

    est: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    common_est: np.ndarray
    common_ci_lb: np.ndarray
    common_ci_ub: np.ndarray
    tau2: np.ndarray
    q: np.ndarray
    df: int
    q_pvalue: np.ndarray
    i2: np.ndarray
    n_bar: np.ndarray
    fit: FitArrays


def _batch(
    x: np.ndarray, nn: np.ndarray, measure: str, method: str, test: str, level: float, mean_n: str
) -> BatchPool:
    y, v = escalc(x, nn, measure)
    fit = fit_arrays(y, v, method=method, test=test, level=level)
    n_bar = compute_mean_n(nn, mean_n)

    def bt(a: np.ndarray) -> np.ndarray:
        return back_transform(measure, a, n_bar)

    return BatchPool(
        est=bt(fit.mu),
        ci_lb=bt(fit.ci_lb),
        ci_ub=bt(fit.ci_ub),
        pi_lb=bt(fit.pi_lb),
        pi_ub=bt(fit.pi_ub),
        common_est=bt(fit.mu_fe),
        common_ci_lb=bt(fit.ci_lb_fe),
        common_ci_ub=bt(fit.ci_ub_fe),
        tau2=fit.tau2,
        q=fit.q,
        df=fit.df,
        q_pvalue=fit.q_pvalue,
        i2=fit.i2,
        n_bar=n_bar,
        fit=fit,
    )


def pool_proportions_batch(
    events: np.ndarray,
    n: np.ndarray,
    *,
    measure: str = "PFT",
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    mean_n: str = "harmonic",
) -> BatchPool:
    """Pool many meta-analyses at once (vectorised; rows = meta-analyses, columns = studies).

    Parameters
    ----------
    events, n : ndarray, shape (m, k), k ≥ 2
        Event counts and sample sizes.
    measure, method, test, level, mean_n
        As in :func:`pool_proportions`.

    Returns
    -------
    BatchPool
        Back-transformed estimates, CIs, PIs (NaN when k < 3), τ², Q, I² per row, plus the
        analysis-scale :class:`FitArrays`. Identical to :func:`pool_proportions` row by row.
    """
    check_options(method, test, level)
    x, nn = as_counts(events, n)
    if x.ndim != 2:
        raise ValueError("events and n must be 2-D (meta-analyses x studies)")
    return _batch(x, nn, measure, method, test, level, mean_n)


def _warnings(x: np.ndarray, nn: np.ndarray, measure: str, n_bar: float) -> list[str]:
    out = []
    extreme = int(np.sum(needs_correction(x, nn)))
    if extreme:
        what = f"{extreme} stud{'y' if extreme == 1 else 'ies'} with 0 or all events"
        if measure in ("PLO", "PLN", "PRAW"):
            what += " (0.5 added to events and non-events of those studies)"
        out.append(what)
    if measure == "PFT" and len(nn) > 1 and nn.max() / nn.min() >= FT_SIZE_RATIO:
        out.append(
            f"FT back-transform at mean n = {n_bar:.1f}; study sizes differ "
            f"{nn.max() / nn.min():.0f}-fold (Schwarzer 2019): compare with GLMM"
        )
    return out


def _single_study(x: np.ndarray, nn: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Estimate:
    p = float(x[0] / nn[0])
    return Estimate(est=p, ci_lb=float(lo[0]), ci_ub=float(hi[0]), transformed=None)


def analysis_estimate(fit: FitArrays, random: bool) -> Estimate:
    """The pooled estimate of the first row of ``fit`` on the analysis scale (no back-transform).

    ``random`` picks the random-effects estimate (with its prediction interval) or the common one.
    """
    if random:
        return Estimate(
            est=float(fit.mu[0]),
            ci_lb=float(fit.ci_lb[0]),
            ci_ub=float(fit.ci_ub[0]),
            pi_lb=_opt(fit.pi_lb[0]),
            pi_ub=_opt(fit.pi_ub[0]),
            se=float(fit.se[0]),
            zval=float(fit.zval[0]),
            pval=float(fit.pval[0]),
        )
    return Estimate(
        est=float(fit.mu_fe[0]),
        ci_lb=float(fit.ci_lb_fe[0]),
        ci_ub=float(fit.ci_ub_fe[0]),
        se=float(fit.se_fe[0]),
        zval=float(fit.zval_fe[0]),
        pval=float(fit.pval_fe[0]),
    )


def _estimate(fit: FitArrays, pool: BatchPool, random: bool) -> Estimate:
    """The back-transformed pooled estimate, carrying its analysis-scale twin as ``transformed``."""
    t = analysis_estimate(fit, random)
    if random:
        return Estimate(
            est=float(pool.est[0]),
            ci_lb=float(pool.ci_lb[0]),
            ci_ub=float(pool.ci_ub[0]),
            pi_lb=_opt(pool.pi_lb[0]),
            pi_ub=_opt(pool.pi_ub[0]),
            se=t.se,
            zval=t.zval,
            pval=t.pval,
            transformed=t,
        )
    return Estimate(
        est=float(pool.common_est[0]),
        ci_lb=float(pool.common_ci_lb[0]),
        ci_ub=float(pool.common_ci_ub[0]),
        se=t.se,
        zval=t.zval,
        pval=t.pval,
        transformed=t,
    )


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def pool_proportions(
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
) -> ProportionPool:
    """Pool single proportions by inverse variance (common and random effects).

    Parameters
    ----------
    events, n : sequence of int
        Events and sample size per study.
    measure : {"PFT", "PLO", "PRAW", "PAS", "PLN"}
        Analysis scale (``PFT`` = Freeman–Tukey 1950 double arcsine, metafor's ½ scale).
    method : {"DL", "REML", "PM", "ML"}
        τ² estimator: DerSimonian & Laird 1986; REML/ML (Viechtbauer 2005); Paule & Mandel 1982.
    test : {"z", "knha"}
        Random-effects CI: Wald z or Hartung & Knapp 2001 / Sidik & Jonkman 2002 (t, k − 1).
    level : float
        Confidence level (CIs, PI, Q-profile CI for τ², per-study CIs).
    ci_method : {"wilson", "exact"}
        Per-study CI: Wilson 1927 score or Clopper & Pearson 1934.
    mean_n : {"harmonic", "geometric", "arithmetic"}
        Mean n used for the Miller (1978) back-transform of PFT pooled values.
    labels : sequence of str, optional
        Study labels.

    Returns
    -------
    ProportionPool
        k = 1 gives the single study's proportion and CI as both estimates, with a warning.
        I² is Q-based for every estimator: ``max(0, (Q − df)/Q)·100``.
    """
    check_options(method, test, level)
    x, nn = as_counts(events, n)
    if x.ndim != 1:
        raise ValueError("events and n must be 1-D")
    k = x.size
    names = as_labels(labels, k)
    lo, hi = study_ci(x, nn, method=ci_method, level=level)
    yi, vi = escalc(x, nn, measure)
    n_bar = float(compute_mean_n(nn, mean_n))
    warns = _warnings(x, nn, measure, n_bar)
    if k == 1:
        single = _single_study(x, nn, lo, hi)
        return ProportionPool(
            k=1,
            measure=measure,
            method=method,
            test=test,
            level=level,
            ci_method=ci_method,
            mean_n=mean_n,
            n_bar=n_bar,
            studies=(
                StudyRow(
                    names[0],
                    int(x[0]),
                    int(nn[0]),
                    single.est,
                    single.ci_lb,
                    single.ci_ub,
                    100.0,
                    float(yi[0]),
                    float(vi[0]),
                ),
            ),
            common=single,
            random=single,
            q=0.0,
            df=0,
            q_pvalue=math.nan,
            i2=math.nan,
            tau2=math.nan,
            tau2_ci=None,
            warnings=(W_SINGLE, *warns),
        )
    pool = _batch(x[None, :], nn[None, :], measure, method, test, level, mean_n)
    fit = pool.fit
    if k < 3:
        warns.insert(0, W_NO_PI)
    if not fit.converged[0]:
        warns.append(f"τ² estimation ({method}) did not converge")
    tau2_lb, tau2_ub = tau2_qprofile_ci(yi[None, :], vi[None, :], level)
    studies = tuple(
        StudyRow(
            label=names[i],
            events=int(x[i]),
            n=int(nn[i]),
            proportion=float(x[i] / nn[i]),
            ci_low=float(lo[i]),
            ci_high=float(hi[i]),
            weight=float(fit.weights[0, i]),
            yi=float(yi[i]),
            vi=float(vi[i]),
        )
        for i in range(k)
    )
    return ProportionPool(
        k=k,
        measure=measure,
        method=method,
        test=test,
        level=level,
        ci_method=ci_method,
        mean_n=mean_n,
        n_bar=n_bar,
        studies=studies,
        common=_estimate(fit, pool, random=False),
        random=_estimate(fit, pool, random=True),
        q=float(fit.q[0]),
        df=fit.df,
        q_pvalue=float(fit.q_pvalue[0]),
        i2=float(fit.i2[0]),
        tau2=float(fit.tau2[0]),
        tau2_ci=(float(tau2_lb[0]), float(tau2_ub[0])),
        warnings=tuple(warns),
    )
