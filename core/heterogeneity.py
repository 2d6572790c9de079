"""Between-study variance (τ²) estimators, Cochran's Q, I² and the Q-profile CI for τ².

Every function works on a batch: ``y`` and ``v`` have shape ``(m, k)`` (``m`` meta-analyses of
``k`` studies) and the design ``X`` has shape ``(k, p)`` or ``(m, k, p)`` (intercept only when
omitted). The algorithms are those of ``metafor::rma.uni`` (``R/rma.uni.r``), vectorised over
rows:

* DL — DerSimonian & Laird (1986), closed form ``max{0, (Q − (k − p))/tr(P)}``;
* REML and ML — Fisher scoring started at the Hedges (HE) estimate, with step halving at the
  boundary and metafor's check against a local maximum (Viechtbauer 2005);
* PM — Paule & Mandel (1982): the root of ``Q_gen(τ²) = k − p``, 0 when ``Q_gen(0) < k − p``;
* Q-profile CI — Viechtbauer (2007): the roots of ``Q_gen(τ²)`` at the χ²_{k−p} quantiles.

Roots of ``Q_gen`` are found with a bracketed Newton iteration to machine precision (metafor's
``uniroot`` stops at ``tol = .Machine$double.eps^0.25`` unless told otherwise).

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. *Control Clin Trials* 1986;7:177–188.
Paule RC, Mandel J. Consensus values and weighting factors. *J Res Natl Bur Stand*
1982;87:377–385. Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the
random-effects model. *J Educ Behav Stat* 2005;30:261–293. Viechtbauer W. Confidence intervals
for the amount of heterogeneity in meta-analysis. *Stat Med* 2007;26:37–52.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.distributions import chi2_isf, chi2_ppf

TAU2_METHODS = ("DL", "REML", "PM", "ML")
FISHER_THRESHOLD = 1e-10  # change in τ² between Fisher-scoring steps that counts as converged
MAX_ITER = 1000
LL0_TOL = np.finfo(float).eps ** 0.25  # metafor's tolerance for the "local maximum" check
TAU2_MAX = 100.0  # metafor's default upper end of the search interval (extended if needed)


def design(X: np.ndarray | None, m: int, k: int) -> np.ndarray:
    """Broadcast a design matrix to shape ``(m, k, p)``; ``None`` means intercept only."""
    if X is None:
        return np.ones((m, k, 1))
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = np.broadcast_to(X, (m, *X.shape))
    return X


@dataclass(frozen=True)
class WLSFit:
    """Weighted least-squares fit of ``y`` on ``X`` with weights ``w`` (one per row)."""

    beta: np.ndarray  # (m, p)
    vb: np.ndarray  # (m, p, p) = (X'WX)^-1
    resid: np.ndarray  # (m, k)
    w: np.ndarray  # (m, k)

    @property
    def rss(self) -> np.ndarray:
        """Weighted residual sum of squares ``Σ w r²`` (= ``y'Py``)."""
        return np.sum(self.w * self.resid**2, axis=-1)


def wls(y: np.ndarray, w: np.ndarray, X: np.ndarray) -> WLSFit:
    """Weighted least squares, batched over rows."""
    xtw = np.swapaxes(X, -1, -2) * w[:, None, :]
    xtwx = xtw @ X
    # one column (the intercept): (X'WX)⁻¹ is a reciprocal
    vb = 1.0 / xtwx if X.shape[-1] == 1 else np.linalg.inv(xtwx)
    beta = (vb @ (xtw @ y[..., None]))[..., 0]
    resid = y - (X @ beta[..., None])[..., 0]
    return WLSFit(beta, vb, resid, w)


def _p_matrix(fit: WLSFit, X: np.ndarray) -> np.ndarray:
    wx = X * fit.w[..., None]
    return _diag(fit.w) - wx @ fit.vb @ np.swapaxes(wx, -1, -2)


def _trace_p(fit: WLSFit, X: np.ndarray) -> np.ndarray:
    """``tr(P)``; with one column ``x``, ``Σw − Σw²x²/Σwx²`` (no k × k matrix)."""
    if X.shape[-1] == 1:
        wx2 = fit.w * X[..., 0] ** 2
        return np.sum(fit.w, axis=-1) - fit.vb[:, 0, 0] * np.sum(fit.w * wx2, axis=-1)
    return _trace(_p_matrix(fit, X))


def _sum_p_squared(fit: WLSFit, X: np.ndarray) -> np.ndarray:
    """``Σᵢⱼ Pᵢⱼ²`` (= ``tr(PP)``, P symmetric); with one column ``x`` and ``c = 1/Σwx²``,
    ``Σw² − 2c·Σw³x² + c²(Σw²x²)²``."""
    if X.shape[-1] == 1:
        w, x2, c = fit.w, X[..., 0] ** 2, fit.vb[:, 0, 0]
        return (
            np.sum(w**2, axis=-1)
            - 2.0 * c * np.sum(w**3 * x2, axis=-1)
            + c**2 * np.sum(w**2 * x2, axis=-1) ** 2
        )
    pm = _p_matrix(fit, X)
    return np.sum(pm * pm, axis=(-2, -1))


def _p_diagonal(fit: WLSFit, X: np.ndarray) -> np.ndarray:
    """``diag(P)``; with one column ``x``, ``w − w²x²/Σwx²``."""
    if X.shape[-1] == 1:
        return fit.w - fit.vb[:, 0] * (fit.w * X[..., 0]) ** 2
    return np.diagonal(_p_matrix(fit, X), axis1=-2, axis2=-1)


def _diag(w: np.ndarray) -> np.ndarray:
    out = np.zeros((*w.shape, w.shape[-1]))
    idx = np.arange(w.shape[-1])
    out[..., idx, idx] = w
    return out


def _trace(a: np.ndarray) -> np.ndarray:
    return np.trace(a, axis1=-2, axis2=-1)


def q_gen(y: np.ndarray, v: np.ndarray, tau2: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Generalised Q statistic ``Σ w*ᵢ (yᵢ − xᵢβ̂(τ²))²`` with ``w*ᵢ = 1/(vᵢ + τ²)``."""
    return wls(y, 1.0 / (v + tau2[:, None]), X).rss


def i2_from_q(q: np.ndarray, df: np.ndarray | int) -> np.ndarray:
    """Q-based I² in percent: ``max(0, (Q − df)/Q)·100`` (0 when Q = 0).

    Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. *Stat Med*
    2002;21:1539–1558. Used for every τ² estimator (metafor's τ²-based I² coincides only
    under DL).
    """
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        i2 = np.where(q > 0, np.maximum(0.0, (q - df) / q) * 100.0, 0.0)
    return i2


def _tau2_dl(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> np.ndarray:
    k, p = X.shape[-2:]
    fit = wls(y, 1.0 / v, X)
    tr_p = _trace_p(fit, X)
    return np.maximum(0.0, (fit.rss - (k - p)) / tr_p)


def _tau2_he(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> np.ndarray:
    k, p = X.shape[-2:]
    fit = wls(y, np.ones_like(y), X)
    tr_pv = np.sum(_p_diagonal(fit, X) * v, axis=-1)
    return np.maximum(0.0, (fit.rss - tr_pv) / (k - p))


def _loglik(y: np.ndarray, v: np.ndarray, tau2: np.ndarray, X: np.ndarray, reml: bool):
    k, p = X.shape[-2:]
    w = 1.0 / (v + tau2[:, None])
    fit = wls(y, w, X)
    ll = -0.5 * np.sum(np.log(v + tau2[:, None]), axis=-1) - 0.5 * fit.rss
    if reml:
        ll = ll + 0.5 * np.linalg.slogdet(fit.vb)[1] - 0.5 * (k - p) * np.log(2 * np.pi)
    else:
        ll = ll - 0.5 * k * np.log(2 * np.pi)
    return ll


def _tau2_fisher(
    y: np.ndarray, v: np.ndarray, X: np.ndarray, reml: bool
) -> tuple[np.ndarray, np.ndarray]:
    tau2 = _tau2_he(y, v, X)
    converged = np.zeros(y.shape[0], dtype=bool)
    for _ in range(MAX_ITER):
        act = ~converged
        if not act.any():
            break
        t, ya, va, xa = tau2[act], y[act], v[act], X[act]
        fit = wls(ya, 1.0 / (va + t[:, None]), xa)
        py = fit.w * fit.resid
        yppy = np.sum(py**2, axis=-1)
        if reml:
            adj = (yppy - _trace_p(fit, xa)) / _sum_p_squared(fit, xa)
        else:
            adj = (yppy - np.sum(fit.w, axis=-1)) / np.sum(fit.w**2, axis=-1)
        adj = np.where(np.isnan(adj), 0.0, adj)
        # At τ² = 0 a downhill step halves until it underflows to −0.0 (about 1075 halvings in
        # metafor's loop); skipping to 0 gives the very same τ².
        adj = np.where((t <= 0.0) & (adj < 0.0), 0.0, adj)
        neg = t + adj < 0
        while neg.any():
            adj = np.where(neg, adj / 2.0, adj)
            neg = t + adj < 0
        new = t + adj
        done = np.abs(new - t) <= FISHER_THRESHOLD
        tau2[act] = new
        converged[np.flatnonzero(act)[done]] = True
    # metafor's ll0check: fall back to 0 when τ² = 0 has the higher (restricted) likelihood.
    ll0 = _loglik(y, v, np.zeros_like(tau2), X, reml)
    ll = _loglik(y, v, tau2, X, reml)
    tau2 = np.where((ll0 - ll > LL0_TOL) & (tau2 > FISHER_THRESHOLD), 0.0, tau2)
    return tau2, converged


def solve_q_gen(y: np.ndarray, v: np.ndarray, X: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Root ``τ² ≥ 0`` of the decreasing ``Q_gen(τ²) = target`` (0 if ``Q_gen(0) < target``).

    Bracketed Newton iteration (``dQ_gen/dτ² = −Σ(w*ᵢ rᵢ)²``), vectorised over rows.
    """
    m = y.shape[0]
    target = np.broadcast_to(np.asarray(target, dtype=float), (m,)).copy()
    lo = np.zeros(m)
    q_lo = q_gen(y, v, lo, X)
    root = np.zeros(m)
    act = q_lo > target
    if not act.any():
        return root
    ya, va, xa, ta = y[act], v[act], X[act], target[act]
    lo = np.zeros(ya.shape[0])
    hi = np.full(ya.shape[0], TAU2_MAX)
    while True:
        too_low = q_gen(ya, va, hi, xa) > ta
        if not too_low.any():
            break
        lo = np.where(too_low, hi, lo)
        hi = np.where(too_low, hi * 10.0, hi)
    x = lo.copy()
    live = np.ones(x.size, dtype=bool)  # rows still iterating; finished rows are frozen
    for _ in range(MAX_ITER):
        if not live.any():
            break
        xl, lol, hil = x[live], lo[live], hi[live]
        fit = wls(ya[live], 1.0 / (va[live] + xl[:, None]), xa[live])
        f = fit.rss - ta[live]
        lol = np.where(f > 0, xl, lol)
        hil = np.where(f < 0, xl, hil)
        deriv = -np.sum((fit.w * fit.resid) ** 2, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = xl - f / deriv
        bad = ~np.isfinite(step) | (step <= lol) | (step >= hil)
        new = np.where(bad, 0.5 * (lol + hil), step)
        done = np.abs(new - xl) <= 4 * np.finfo(float).eps * np.maximum(1.0, xl)
        idx = np.flatnonzero(live)
        x[idx], lo[idx], hi[idx] = new, lol, hil
        live[idx[done]] = False
    root[act] = x
    return root


def tau2_estimate(
    y: np.ndarray, v: np.ndarray, method: str, X: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate τ² for every row.

    Parameters
    ----------
    y, v : ndarray, shape (m, k)
        Effect sizes and sampling variances.
    method : {"DL", "REML", "PM", "ML"}
        DerSimonian & Laird (1986), restricted maximum likelihood and maximum likelihood
        (Viechtbauer 2005; Fisher scoring), Paule & Mandel (1982).
    X : ndarray, optional
        Design matrix ``(k, p)`` or ``(m, k, p)``; intercept only when omitted.

    Returns
    -------
    tau2 : ndarray, shape (m,)
    converged : ndarray of bool, shape (m,)
    """
    m, k = y.shape
    X = design(X, m, k)
    if method == "DL":
        return _tau2_dl(y, v, X), np.ones(m, dtype=bool)
    if method == "REML":
        return _tau2_fisher(y, v, X, reml=True)
    if method == "ML":
        return _tau2_fisher(y, v, X, reml=False)
    if method == "PM":
        p = X.shape[-1]
        return solve_q_gen(y, v, X, np.full(m, float(k - p))), np.ones(m, dtype=bool)
    raise ValueError(f"unknown method {method!r} (choose {', '.join(TAU2_METHODS)})")


def tau2_qprofile_ci(
    y: np.ndarray, v: np.ndarray, level: float = 0.95, X: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Q-profile confidence interval for τ² (Viechtbauer 2007), as ``metafor::confint``.

    The lower limit solves ``Q_gen(τ²) = χ²_{k−p, 1−α/2}``, the upper ``Q_gen(τ²) =
    χ²_{k−p, α/2}``; a limit whose target exceeds ``Q_gen(0)`` is 0.

    Returns
    -------
    lb, ub : ndarray, shape (m,)
    """
    m, k = y.shape
    X = design(X, m, k)
    df = k - X.shape[-1]
    alpha = 1.0 - level
    crit_u = chi2_isf(alpha / 2.0, df)
    crit_l = chi2_ppf(alpha / 2.0, df)
    lb = solve_q_gen(y, v, X, np.full(m, crit_u))
    ub = solve_q_gen(y, v, X, np.full(m, crit_l))
    return lb, ub
