"""Binomial-normal generalized linear mixed model (logit link) for single proportions.

Model (Stijnen, Hamza & Özdemir 2010): ``xᵢ ~ Binomial(nᵢ, expit(μ + τuᵢ))``, ``uᵢ ~ N(0, 1)``,
fitted by maximum likelihood. Each study's marginal likelihood is integrated by adaptive
Gauss–Hermite quadrature with 7 nodes centred at the conditional mode and scaled by the
curvature there (Pinheiro & Bates 1995), which is what ``lme4::glmer(nAGQ = 7)`` computes for
``metafor::rma.glmm(measure = "PLO", xi, ni)`` (``method = "ML"``, ``test = "z"``).

The maximum over ``(μ, τ ≥ 0)`` is found with L-BFGS-B (central-difference gradients), and the
boundary τ = 0 (where μ̂ is the fixed-effect logit) is compared explicitly. ``SE(μ̂)`` is taken from
the inverse of the numerically differentiated observed information in ``(τ, μ)`` (as lme4's
``vcov(use.hessian = TRUE)``); at τ̂ = 0 it is the common-effect information. The common
estimate is the binomial fixed-effect model (``glm``), in closed form ``logit(Σx/Σn)``.

References
----------
Stijnen T, Hamza TH, Özdemir P. Random effects meta-analysis of event outcome in the framework
of the generalized linear mixed model with applications in sparse data. *Stat Med*
2010;29:3046–3067. Pinheiro JC, Bates DM. Approximations to the log-likelihood function in the
nonlinear mixed-effects model. *J Comput Graph Stat* 1995;4:12–35. Lin L, Chu H. *Epidemiology*
2020;31:713–717.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from core.distributions import chi2_sf, norm_isf, norm_sf, special, t_isf
from core.heterogeneity import i2_from_q
from core.inputs import as_counts, as_labels
from core.measures import escalc
from core.pooling import W_NO_PI, pool_proportions
from core.results import Estimate, ProportionPool, StudyRow
from core.study_ci import study_ci

N_AGQ = 7
TAU_MAX = 20.0  # upper end of the search for τ on the logit scale
MODE_TOL = 1e-12
BOUNDARY_TOL = 1e-9  # log-likelihood gain below which τ = 0 is kept
HESS_STEP = 1e-3  # relative step of the numerical observed information
GRAD_TOL = 1e-6  # |gradient| of the negative log-likelihood accepted as stationary
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(N_AGQ)
_GH_X2 = _GH_X**2


def _cond_loglik(x: np.ndarray, n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    # binomial log-likelihood without the constant, stable for large |eta|
    return x * eta - n * np.logaddexp(0.0, eta)


def loglik(mu: float, tau: float, x: np.ndarray, n: np.ndarray) -> float:
    """Marginal log-likelihood (7-node adaptive Gauss–Hermite), without binomial constants."""
    if tau == 0.0:
        return float(np.sum(_cond_loglik(x, n, np.full_like(x, mu))))
    values, _ = _logliks(np.array([mu]), np.array([tau]), x, n, np.zeros((1, x.size)))
    return float(values[0])


def _logliks(
    mu: np.ndarray, tau: np.ndarray, x: np.ndarray, n: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`loglik` at several points ``(mu[j], tau[j])`` at once, Newton's search for each
    study's conditional mode started at ``u[j]``; returns the modes too (the optimiser's next,
    nearby, points start from them). At τ = 0 the quadrature is exact and equals the binomial
    log-likelihood; the likelihood is even in τ, so points at τ < 0 mirror those at |τ|.

    The mode solves ``τ(x − n·expit(μ + τu)) = u``, whose left side lies between ``τ(x − n)``
    and ``τx``: the root is bracketed there, and Newton's step is replaced by bisection when it
    would leave the bracket, or when the last step did not shrink the gradient (plain Newton can
    cycle for large τ, from one side of the mode to the other)."""
    expit = special().expit
    m, t = mu[:, None], tau[:, None]
    lo, hi = np.minimum(t * (x - n), t * x), np.maximum(t * (x - n), t * x)
    u = np.clip(u, lo, hi)
    last = np.full_like(u, np.inf)  # |gradient| at the point before
    for _ in range(200):
        p = expit(m + t * u)
        grad = t * (x - n * p) - u  # decreasing in u
        lo, hi = np.where(grad > 0, u, lo), np.where(grad < 0, u, hi)
        step = grad / (t**2 * n * p * (1 - p) + 1.0)  # Newton: u + step
        stalled = (np.abs(grad) >= last) & (np.abs(step) >= MODE_TOL)
        bisect = (u + step < lo) | (u + step > hi) | stalled
        new = np.where(bisect, 0.5 * (lo + hi), u + step)
        last, step, u = np.abs(grad), new - u, new
        if np.abs(step).max() < MODE_TOL:
            break
    p = expit(m + t * u)
    sigma = 1.0 / np.sqrt(t**2 * n * p * (1 - p) + 1.0)
    nodes = u[..., None] + math.sqrt(2.0) * sigma[..., None] * _GH_X
    g = _cond_loglik(x[:, None], n[:, None], m[..., None] + t[..., None] * nodes)
    g = g - 0.5 * nodes**2 + _GH_X2
    # log Σ w·exp(g) per study, shifted by its largest term (scipy's logsumexp does the same
    # with array-API dispatch that cost two thirds of a fit)
    top = g.max(axis=-1)
    li = top + np.log(np.exp(g - top[..., None]) @ _GH_W)
    li = li + np.log(math.sqrt(2.0) * sigma) - 0.5 * math.log(2.0 * math.pi)
    return li.sum(axis=-1), u


#: central-difference step relative to max(1, |parameter|), scipy's ``jac="3-point"`` default
GRAD_STEP = np.finfo(float).eps ** (1 / 3)


def fit_glmm(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float, bool]:
    """Maximum-likelihood fit of the binomial-normal model.

    The negative log-likelihood and its central-difference gradient are evaluated together, the
    five points in one vectorised pass, each starting its search for the conditional modes where
    the previous point's ended.

    Returns
    -------
    mu, tau2, se_mu, converged
        Logit-scale mean, between-study variance, standard error of ``mu`` and whether the
        optimum passed the checks (finite, interior or boundary, positive-definite information).
    """
    from scipy import optimize  # imported on first fit: keeps the app's first page light

    start = float(special().logit(x.sum() / n.sum()))  # the ML estimate of μ when τ = 0
    modes = np.zeros((5, x.size))  # the last points' conditional modes

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal modes
        h = GRAD_STEP * np.maximum(1.0, np.abs(theta))
        mu = theta[0] + np.array([0.0, h[0], -h[0], 0.0, 0.0])
        tau = theta[1] + np.array([0.0, 0.0, 0.0, h[1], -h[1]])
        values, modes = _logliks(mu, tau, x, n, modes)
        grad = -np.array([values[1] - values[2], values[3] - values[4]]) / (2 * h)
        return -float(values[0]), grad

    res = optimize.minimize(
        objective,
        x0=[start, 0.5],
        method="L-BFGS-B",
        jac=True,
        bounds=[(None, None), (0.0, TAU_MAX)],
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500},
    )
    mu, tau = float(res.x[0]), float(res.x[1])
    if -loglik(start, 0.0, x, n) <= res.fun + BOUNDARY_TOL:
        mu, tau = start, 0.0
    # L-BFGS-B can end with "ABNORMAL" (a line search that cannot improve f any further) at the
    # optimum itself, depending on the BLAS kernel; a vanishing gradient is the test that counts.
    stationary = bool(np.all(np.isfinite(res.jac))) and float(np.max(np.abs(res.jac))) < GRAD_TOL
    converged = (bool(res.success) or stationary) and math.isfinite(mu) and tau < TAU_MAX * 0.999
    if tau == 0.0:
        p = special().expit(mu)
        se = 1.0 / math.sqrt(float(np.sum(n)) * p * (1 - p))
        return mu, 0.0, se, converged
    # observed information of -2 log L in (τ, μ) by central differences, nine points at once
    h = HESS_STEP * max(1.0, abs(tau))
    hm = HESS_STEP * max(1.0, abs(mu))
    dt = np.array([0.0, h, -h, 0.0, 0.0, h, h, -h, -h])
    dm = np.array([0.0, 0.0, 0.0, hm, -hm, hm, -hm, hm, -hm])
    values, _ = _logliks(mu + dm, tau + dt, x, n, np.zeros((9, x.size)))
    f = -2.0 * values
    h_tt = (f[1] - 2 * f[0] + f[2]) / h**2
    h_mm = (f[3] - 2 * f[0] + f[4]) / hm**2
    h_tm = (f[5] - f[6] - f[7] + f[8]) / (4 * h * hm)
    hess = np.array([[h_tt, h_tm], [h_tm, h_mm]])
    if np.any(np.linalg.eigvalsh(hess) <= 0):
        return mu, tau**2, math.sqrt(2.0 / h_mm) if h_mm > 0 else math.nan, False
    vcov = 2.0 * np.linalg.inv(hess)
    return mu, tau**2, math.sqrt(vcov[1, 1]), converged


def pool_glmm(
    events: Sequence[int],
    n: Sequence[int],
    *,
    level: float = 0.95,
    ci_method: str = "exact",
    labels: Sequence[str] | None = None,
) -> ProportionPool:
    """Pool proportions with the binomial-normal GLMM (logit link, ML, z test).

    Parameters
    ----------
    events, n : sequence of int
        Events and sample size per study. No continuity correction enters the fit.
    level : float
        Confidence level.
    ci_method : {"exact", "wilson"}
        Per-study CI (Clopper & Pearson 1934 by default, as R meta).
    labels : sequence of str, optional
        Study labels.

    Returns
    -------
    ProportionPool
        ``measure = "PLO"``, ``method = "GLMM"``. ``tau2`` is the GLMM's ML estimate (logit
        scale); ``q``/``i2`` are Cochran's Q and Q-based I² of the inverse-variance logit
        analysis (0.5 added to studies with 0 or n events) since the GLMM has no Q; study
        weights are the corresponding approximate inverse-variance weights
        ``1/(vᵢ + τ̂²)`` in percent. No τ² CI. If the GLMM does not converge, the two-step
        logit ML analysis is returned with a warning. The prediction interval uses
        ``t_{k−2}`` as everywhere in the engine.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    x, nn = as_counts(events, n)
    if x.ndim != 1:
        raise ValueError("events and n must be 1-D")
    k = x.size
    names = as_labels(labels, k)
    common_opts = dict(level=level, ci_method=ci_method, labels=names)
    if k == 1:
        single = pool_proportions(x, nn, measure="PLO", method="ML", **common_opts)
        return _relabel(single, single.warnings)
    if x.sum() == 0 or x.sum() == nn.sum():
        raise ValueError("GLMM not estimable: every study has no events (or only events)")
    lo, hi = study_ci(x, nn, method=ci_method, level=level)
    yi, vi = escalc(x, nn, "PLO")
    try:
        mu, tau2, se, converged = fit_glmm(x, nn)
    except (FloatingPointError, ValueError, np.linalg.LinAlgError):
        converged = False
    if not converged or not math.isfinite(se):
        fallback = pool_proportions(x, nn, measure="PLO", method="ML", **common_opts)
        return _relabel(
            fallback,
            (*fallback.warnings, "GLMM did not converge: two-step logit (ML) shown instead"),
            method="ML",
        )
    alpha = 1.0 - level
    z = float(norm_isf(alpha / 2.0))
    warns: list[str] = []
    if k < 3:
        warns.append(W_NO_PI)
        pi = (None, None)
    else:
        half = float(t_isf(alpha / 2.0, k - 2)) * math.sqrt(tau2 + se**2)
        pi = (mu - half, mu + half)
    extreme = int(np.sum((x == 0) | (x == nn)))
    if extreme:
        warns.append(
            f"{extreme} stud{'y' if extreme == 1 else 'ies'} with 0 or all events "
            "(no correction in the GLMM fit)"
        )
    zval = mu / se
    t_random = Estimate(
        est=mu,
        ci_lb=mu - z * se,
        ci_ub=mu + z * se,
        pi_lb=pi[0],
        pi_ub=pi[1],
        se=se,
        zval=zval,
        pval=float(2 * norm_sf(abs(zval))),
    )
    random = _back(t_random)
    p_fe = float(x.sum() / nn.sum())
    mu_fe = math.log(p_fe / (1.0 - p_fe))
    se_fe = 1.0 / math.sqrt(float(nn.sum()) * p_fe * (1 - p_fe))
    z_fe = mu_fe / se_fe
    common = _back(
        Estimate(
            est=mu_fe,
            ci_lb=mu_fe - z * se_fe,
            ci_ub=mu_fe + z * se_fe,
            se=se_fe,
            zval=z_fe,
            pval=float(2 * norm_sf(abs(z_fe))),
        )
    )
    w = 1.0 / vi
    q = float(np.sum(w * (yi - np.sum(w * yi) / np.sum(w)) ** 2))
    ws = 1.0 / (vi + tau2)
    weights = 100.0 * ws / ws.sum()
    studies = tuple(
        StudyRow(
            names[i],
            int(x[i]),
            int(nn[i]),
            float(x[i] / nn[i]),
            float(lo[i]),
            float(hi[i]),
            float(weights[i]),
            float(yi[i]),
            float(vi[i]),
        )
        for i in range(k)
    )
    return ProportionPool(
        k=k,
        measure="PLO",
        method="GLMM",
        test="z",
        level=level,
        ci_method=ci_method,
        mean_n="harmonic",
        n_bar=float(1.0 / np.mean(1.0 / nn)),
        studies=studies,
        common=common,
        random=random,
        q=q,
        df=k - 1,
        q_pvalue=float(chi2_sf(q, k - 1)),
        i2=float(i2_from_q(q, k - 1)),
        tau2=tau2,
        tau2_ci=None,
        warnings=tuple(warns),
    )


def _back(t: Estimate) -> Estimate:
    def ex(v: float | None) -> float | None:
        return None if v is None else float(special().expit(v))

    return Estimate(
        est=ex(t.est),
        ci_lb=ex(t.ci_lb),
        ci_ub=ex(t.ci_ub),
        pi_lb=ex(t.pi_lb),
        pi_ub=ex(t.pi_ub),
        se=t.se,
        zval=t.zval,
        pval=t.pval,
        transformed=t,
    )


def _relabel(
    pool: ProportionPool, warnings: tuple[str, ...], method: str = "GLMM"
) -> ProportionPool:
    return replace(pool, method=method, warnings=warnings)
