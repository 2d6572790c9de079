"""Mixed-effects meta-regression (metafor ``rma(yi, vi, mods = ~ ...)``) and a proportion front end.

Two layers, both pure numpy/scipy:

* :func:`rma_mods` — the generic model ``yᵢ = xᵢ'β + uᵢ + εᵢ``, ``uᵢ ~ N(0, τ²)``,
  ``εᵢ ~ N(0, vᵢ)`` on any effect sizes ``yᵢ`` with sampling variances ``vᵢ`` and a design ``X``
  (first column the intercept), exactly as ``metafor::rma.uni`` fits it (Viechtbauer 2010,
  ``R/rma.uni.r`` of metafor 3.8-1);
* :func:`metareg` — single proportions (events out of n) through the engine's transforms
  (:func:`core.measures.escalc`: PFT on metafor's ½ scale, PLO, PAS, PRAW, PLN) with moderators
  given by name and coded as R's ``model.matrix`` codes them.

Model, term by term (metafor's definitions with moderators, ``p`` coefficients, ``k`` studies):

* τ² — DL: ``max{0, (Q_E − (k − p))/tr(P)}`` with the generalised ``Q_E`` of the
  fixed-effects fit (DerSimonian & Laird 1986; Raudenbush 2009); REML and ML: Fisher scoring from
  the Hedges start, with metafor's check against a local maximum (Viechtbauer 2005); PM: the root
  of the generalised ``Q(τ²) = k − p`` (Paule & Mandel 1982; Viechtbauer et al. 2015). See
  :mod:`core.heterogeneity`.
* coefficients — weighted least squares with ``wᵢ = 1/(vᵢ + τ̂²)``; Wald z tests, or the
  Knapp & Hartung (2003) test (metafor ``test="knha"``): the covariance is scaled by
  ``s² = Σwᵢ(yᵢ − xᵢ'β̂)²/(k − p)`` — *not* truncated at 1, as metafor (its ``test="adhoc"``
  truncates; ``s² = 0`` when the weighted residual sum of squares is below machine epsilon) —
  with t tests on ``k − p`` df.
* ``QM`` — Wald test of every coefficient but the intercept: χ² on ``m = p − 1`` df, or under
  Knapp–Hartung ``QM/m`` referred to F(m, k − p). Intercept-only: the test of the intercept.
* ``QE`` — residual heterogeneity ``Σ(yᵢ − xᵢ'β̂_FE)²/vᵢ`` of the fixed-effects fit, χ² on
  ``k − p`` df.
* I² — residual I² as metafor defines it: ``100·τ̂²/(τ̂² + ṽ)`` with the typical within-study
  variance ``ṽ = (k − p)/tr(P)``, ``P = W − WX(X'WX)⁻¹X'W``, ``W = diag(1/vᵢ)`` (Higgins &
  Thompson 2002, generalised). Under DL it equals the Q-based ``(Q_E − (k − p))/Q_E``.
* R² — pseudo-R² (Raudenbush 2009): ``max{0, 100·(τ̂²_RE − τ̂²_ME)/τ̂²_RE}`` with ``τ̂²_RE`` from
  the intercept-only model with the same estimator; 0 when ``τ̂²_RE = 0``; None without
  moderators.
* predictions — ``x'β̂`` with ``SE = √(x'Var(β̂)x)``, CI with the model's test (z, or t on
  ``k − p`` df) and prediction interval ``x'β̂ ± t_{k−p−1}√(SE² + τ̂²)`` (metafor
  ``predict(..., pi.type = "riley")``; intercept-only this is the engine's t_{k−2} rule), None
  when ``k − p − 1 < 1``. For proportions every value is back-transformed as the explicit last
  step by :func:`core.pooling.back_transform` (Miller 1978 at the harmonic mean n of the studies
  for PFT).
* permutation test — :func:`permutest`, metafor's ``permutest()``: the rows of the design are
  permuted (exactly, over every distinct permutation, when there are no more than ``iter``;
  else ``iter − 1`` random permutations plus the observed one, from a seeded generator), the
  model refitted each time, and each p-value is the share of permutations with a statistic at
  least as extreme as the observed (Higgins & Thompson 2004; Viechtbauer et al. 2015).

Moderators (:func:`moderator_design`): a moderator whose values are all real numbers is
continuous (one column named as the moderator); one whose values are all strings is categorical,
dummy-coded as R's ``factor``: levels sorted (Python's code-point order, R in the C locale), the
first level is the reference, one column per other level named moderator + level (``design`` with
levels ``rct_arm``, ``retrospective`` gives ``designretrospective``). The intercept is
``intrcpt``. A constant moderator, one collinear with the moderators before it, a non-finite or
empty value, or fewer than ``p + 1`` studies raise :class:`ModeratorError` naming the moderator.

API for the app (views of meta-regression: bubble plot, coefficient table, predictions)::

    fit = metareg(events, n, {"year": years, "design": designs}, measure="PFT", method="REML")
    fit.coefficients            # tuple of Coefficient(name, estimate, se, statistic, pvalue,
                                #   ci_lb, ci_ub) on the analysis scale
    fit.tau2, fit.i2, fit.r2, fit.qm, fit.qm_df, fit.qm_pvalue, fit.qe, fit.qe_df, fit.qe_pvalue
    fit.studies                 # per study: label, events, n, yi, vi, weight (%), fitted,
                                #   moderator values — the points of a bubble plot
    fit.predict({"year": [2015, 2020], "design": ["rct_arm", "rct_arm"]})
                                # tuple of Prediction: .transformed (analysis scale, with PI)
                                #   and .proportion (back-transformed)
    permutest(fit, iter=1000, seed=1)   # PermutationTest: pvalues, qm_pvalue, iterations, exact
    fit.to_dict()               # the CLI JSON object (README, "Command line: engine")

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. *Control Clin Trials* 1986;7:177–188.
Paule RC, Mandel J. Consensus values and weighting factors. *J Res Natl Bur Stand*
1982;87:377–385. Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. *Stat
Med* 2002;21:1539–1558. Knapp G, Hartung J. Improved tests for a random effects meta-regression
with a single covariate. *Stat Med* 2003;22:2693–2710. Higgins JPT, Thompson SG. Controlling the
risk of spurious findings from meta-regression. *Stat Med* 2004;23:1663–1682. Viechtbauer W.
Bias and efficiency of meta-analytic variance estimators in the random-effects model. *J Educ
Behav Stat* 2005;30:261–293. Raudenbush SW. Analyzing effect sizes: random-effects models. In:
Cooper H, Hedges LV, Valentine JC, eds. *The Handbook of Research Synthesis and Meta-Analysis*,
2nd ed. Russell Sage 2009:295–315. Viechtbauer W. Conducting meta-analyses in R with the metafor
package. *J Stat Softw* 2010;36(3):1–48. Viechtbauer W, López-López JA, Sánchez-Meca J,
Marín-Martínez F. A comparison of procedures to test for moderators in mixed-effects
meta-regression models. *Psychol Methods* 2015;20:360–374. Riley RD, Higgins JPT, Deeks JJ.
Interpretation of random effects meta-analyses. *BMJ* 2011;342:d549.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from core.backtransform import mean_n as compute_mean_n
from core.distributions import chi2_sf, norm_isf, norm_sf, special, t_isf, t_sf
from core.heterogeneity import design, tau2_estimate, wls
from core.inputs import as_counts, as_labels
from core.measures import escalc
from core.pooling import back_transform, check_options
from core.results import Estimate, _num

INTERCEPT = "intrcpt"
EPS = np.finfo(float).eps
PERMUTATION_TOL = EPS**0.5  # metafor permutest's comptol
EXACT_MAX = 1_000_000  # distinct permutations an exact test may enumerate
PERMUTATION_CHUNK = 2000  # permuted refits per batch (bounds memory: chunk × k × k floats)


class ModeratorError(ValueError):
    """A moderator that cannot enter the model (constant, collinear, missing values, ...)."""


@dataclass(frozen=True)
class Moderator:
    """How one moderator is coded: ``continuous`` (one column) or ``categorical``.

    ``levels`` are the sorted levels of a categorical moderator (the first is the reference);
    ``columns`` are the coefficient names it contributes.
    """

    name: str
    kind: str
    levels: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        if self.kind == "continuous":
            return (self.name,)
        return tuple(f"{self.name}{level}" for level in self.levels[1:])

    def code(self, values: Sequence[Any]) -> np.ndarray:
        """Design columns ``(len(values), len(columns))`` for these values of the moderator."""
        if self.kind == "continuous":
            x = _numeric(self.name, values)
            return x[:, None]
        text = _text(self.name, values)
        unknown = sorted(set(text) - set(self.levels))
        if unknown:
            raise ModeratorError(
                f"moderator {self.name!r}: unknown level {unknown[0]!r} "
                f"(levels: {', '.join(self.levels)})"
            )
        return np.array([[float(t == level) for level in self.levels[1:]] for t in text]).reshape(
            len(text), len(self.levels) - 1
        )


def _numeric(name: str, values: Sequence[Any]) -> np.ndarray:
    for i, value in enumerate(values):
        if isinstance(value, str | bool) or not isinstance(value, Real):
            raise ModeratorError(f"moderator {name!r}: study {i + 1}: {value!r} is not a number")
    x = np.asarray(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise ModeratorError(
            f"moderator {name!r}: study {bad[0] + 1}: {float(x[bad[0]])!r} is not a finite number"
        )
    return x


def _text(name: str, values: Sequence[Any]) -> list[str]:
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise ModeratorError(
                f"moderator {name!r}: study {i + 1}: {value!r} mixes numbers and text"
            )
        if not value.strip():
            raise ModeratorError(f"moderator {name!r}: study {i + 1}: missing value")
        out.append(value)
    return out


def _kind(name: str, values: Sequence[Any]) -> Moderator:
    if len(values) and all(isinstance(v, str) for v in values):
        levels = tuple(sorted(set(_text(name, values))))
        if len(levels) < 2:
            raise ModeratorError(f"moderator {name!r} is constant (every study: {levels[0]!r})")
        return Moderator(name, "categorical", levels)
    x = _numeric(name, values)
    if x.size and np.all(x == x[0]):
        raise ModeratorError(f"moderator {name!r} is constant (every study: {x[0]:g})")
    return Moderator(name, "continuous")


def moderator_design(
    moderators: Mapping[str, Sequence[Any]], k: int
) -> tuple[np.ndarray, tuple[str, ...], tuple[Moderator, ...]]:
    """The design matrix of ``~ a + b + ...`` as ``model.matrix`` builds it.

    Parameters
    ----------
    moderators : mapping of name to sequence
        Moderator values per study, in model order. All numbers: continuous; all strings:
        categorical (R ``factor``, sorted levels, first level the reference).
    k : int
        Number of studies.

    Returns
    -------
    X : ndarray, shape (k, p)
        Intercept first.
    names : tuple of str
        Coefficient names as metafor prints them (``intrcpt``, ``year``, ``designretrospective``).
    terms : tuple of Moderator
        The coding, for predictions at new moderator values.

    Raises
    ------
    ModeratorError
        Wrong length, a missing or non-finite value, a constant moderator, a moderator collinear
        with the intercept and the moderators before it, or ``k < p + 1``.
    """
    columns = [np.ones((k, 1))]
    names = [INTERCEPT]
    terms = []
    for name, values in moderators.items():
        if len(values) != k:
            raise ModeratorError(f"moderator {name!r}: {len(values)} values for {k} studies")
        term = _kind(name, values)
        block = term.code(values)
        trial = np.hstack([*columns, block])
        if np.linalg.matrix_rank(trial) < trial.shape[1]:
            before = ", ".join([INTERCEPT, *(t.name for t in terms)])
            raise ModeratorError(f"moderator {name!r} is collinear with {before}")
        columns.append(block)
        names.extend(term.columns)
        terms.append(term)
    X = np.hstack(columns)
    p = X.shape[1]
    if k < p + 1:
        raise ModeratorError(
            f"{k} studies for {p} coefficients ({', '.join(names)}): "
            f"a meta-regression needs at least {p + 1}"
        )
    return X, tuple(names), tuple(terms)


@dataclass(frozen=True)
class Coefficient:
    """One model coefficient on the analysis scale (``coef(summary(res))`` of metafor)."""

    name: str
    estimate: float
    se: float
    statistic: float
    pvalue: float
    ci_lb: float
    ci_ub: float

    def to_dict(self) -> dict[str, Any]:
        """``name, estimate, se, statistic, p, ci_low, ci_high`` (the CLI JSON)."""
        return {
            "name": self.name,
            "estimate": _num(self.estimate),
            "se": _num(self.se),
            "statistic": _num(self.statistic),
            "p": _num(self.pvalue),
            "ci_low": _num(self.ci_lb),
            "ci_high": _num(self.ci_ub),
        }


@dataclass(frozen=True)
class RegressionStudy:
    """One study of a meta-regression: a point of the bubble plot.

    ``weight`` is the random-effects weight in percent (``weights(res)``), ``fitted`` the
    model's ``xᵢ'β̂`` on the analysis scale, ``moderators`` the study's moderator values.
    ``events``/``n``/``proportion`` are None for :func:`rma_mods` fits.
    """

    label: str
    yi: float
    vi: float
    weight: float
    fitted: float
    moderators: Mapping[str, Any]
    events: int | None = None
    n: int | None = None
    proportion: float | None = None


@dataclass(frozen=True)
class Prediction:
    """A prediction at one set of moderator values.

    ``transformed`` is on the analysis scale (``est``, ``se``, CI, prediction interval);
    ``proportion`` is the same back-transformed to a proportion (None for :func:`rma_mods`).
    """

    moderators: Mapping[str, Any]
    transformed: Estimate
    proportion: Estimate | None


@dataclass(frozen=True)
class MetaRegression:
    """A fitted mixed-effects meta-regression (metafor ``rma(yi, vi, mods = ...)``)."""

    k: int
    measure: str | None
    method: str
    test: str
    level: float
    coefficients: tuple[Coefficient, ...]
    vcov: np.ndarray = field(repr=False, compare=False)
    tau2: float
    i2: float
    r2: float | None
    qm: float
    qm_df: int
    qm_pvalue: float
    qe: float
    qe_df: int
    qe_pvalue: float
    terms: tuple[Moderator, ...]
    studies: tuple[RegressionStudy, ...]
    design: np.ndarray = field(repr=False, compare=False)
    n_bar: float | None = None
    mean_n: str | None = None
    converged: bool = True
    warnings: tuple[str, ...] = ()

    @property
    def p(self) -> int:
        """Number of coefficients (intercept included)."""
        return len(self.coefficients)

    @property
    def beta(self) -> np.ndarray:
        """Coefficient estimates as an array (model order)."""
        return np.array([c.estimate for c in self.coefficients])

    @property
    def fitted(self) -> np.ndarray:
        """``Xβ̂`` on the analysis scale, one value per study."""
        return np.array([s.fitted for s in self.studies])

    def predict(self, newmods: Mapping[str, Sequence[Any]] | None = None) -> tuple[Prediction, ...]:
        """Predictions at new moderator values (metafor ``predict(res, newmods, pi.type="riley")``).

        Parameters
        ----------
        newmods : mapping of moderator name to sequence, optional
            A value of every moderator of the model for each prediction (all sequences the same
            length; categorical values must be levels of the fit). Omitted: the intercept-only
            model's single prediction (an error when the model has moderators).

        Returns
        -------
        tuple of Prediction
            Analysis-scale estimate, SE, CI and prediction interval, and (for proportions) the
            same back-transformed.
        """
        if newmods is None:
            if self.terms:
                raise ModeratorError("newmods: give a value of every moderator of the model")
            return self._predict_rows(np.ones((1, 1)), [{}])
        missing = [t.name for t in self.terms if t.name not in newmods]
        extra = sorted(set(newmods) - {t.name for t in self.terms})
        if missing or extra:
            what = f"missing {missing[0]!r}" if missing else f"{extra[0]!r} is not in the model"
            raise ModeratorError(f"newmods: {what}")
        sizes = {len(newmods[t.name]) for t in self.terms}
        if len(sizes) != 1:
            raise ModeratorError("newmods: every moderator needs the same number of values")
        r = sizes.pop()
        X = np.hstack([np.ones((r, 1)), *(t.code(newmods[t.name]) for t in self.terms)])
        rows = [{t.name: newmods[t.name][i] for t in self.terms} for i in range(r)]
        return self._predict_rows(X, rows)

    def predict_design(self, X: np.ndarray) -> tuple[Prediction, ...]:
        """Predictions at rows of a design matrix (columns as :attr:`coefficients`)."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if X.shape[1] != self.p:
            raise ValueError(f"design rows need {self.p} columns, got {X.shape[1]}")
        return self._predict_rows(X, [{} for _ in range(X.shape[0])])

    def _predict_rows(self, X: np.ndarray, rows: list[dict[str, Any]]) -> tuple[Prediction, ...]:
        pred = X @ self.beta
        vpred = np.einsum("ij,jk,ik->i", X, self.vcov, X)
        se = np.sqrt(np.maximum(vpred, 0.0))
        alpha = 1.0 - self.level
        df = self.k - self.p
        crit = t_isf(alpha / 2.0, df) if self.test == "knha" else norm_isf(alpha / 2.0)
        pi_df = self.k - self.p - 1
        if pi_df >= 1:
            half = t_isf(alpha / 2.0, pi_df) * np.sqrt(vpred + self.tau2)
            pi_lb, pi_ub = pred - half, pred + half
        else:
            pi_lb = pi_ub = np.full(pred.shape, np.nan)
        ci_lb, ci_ub = pred - crit * se, pred + crit * se
        out = []
        for i, mods in enumerate(rows):
            t = Estimate(
                est=float(pred[i]),
                ci_lb=float(ci_lb[i]),
                ci_ub=float(ci_ub[i]),
                pi_lb=_opt(pi_lb[i]),
                pi_ub=_opt(pi_ub[i]),
                se=float(se[i]),
            )
            prop = None
            if self.measure is not None:
                bt = back_transform(
                    self.measure,
                    np.array([pred[i], ci_lb[i], ci_ub[i], pi_lb[i], pi_ub[i]]),
                    self.n_bar,
                )
                prop = Estimate(
                    est=float(bt[0]),
                    ci_lb=float(bt[1]),
                    ci_ub=float(bt[2]),
                    pi_lb=_opt(bt[3]),
                    pi_ub=_opt(bt[4]),
                    se=float(se[i]),
                    transformed=t,
                )
            out.append(Prediction(moderators=mods, transformed=t, proportion=prop))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """The CLI JSON object (README, "Command line: engine")."""
        return {
            "k": self.k,
            "measure": self.measure,
            "tau2_method": self.method,
            "tau2": _num(self.tau2),
            "i2": _num(self.i2),
            "r2": _num(self.r2),
            "qm": _num(self.qm),
            "qm_df": self.qm_df,
            "qm_p": _num(self.qm_pvalue),
            "qe": _num(self.qe),
            "qe_df": self.qe_df,
            "qe_p": _num(self.qe_pvalue),
            "coefficients": [c.to_dict() for c in self.coefficients],
        }


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy, so that a frozen result cannot be changed through its arrays."""
    out = np.array(a, dtype=float)
    out.setflags(write=False)
    return out


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """Upper-tail probability of F: ``scipy.stats.f.sf(x, dfn, dfd)``."""
    return special().fdtrc(dfn, dfd, x)


@dataclass(frozen=True)
class RegressionArrays:
    """Analysis-scale results of a batch of meta-regressions (one entry per row)."""

    beta: np.ndarray  # (m, p)
    vb: np.ndarray  # (m, p, p), scaled under Knapp–Hartung
    se: np.ndarray  # (m, p)
    stat: np.ndarray  # (m, p)
    pval: np.ndarray  # (m, p)
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    tau2: np.ndarray  # (m,)
    converged: np.ndarray
    qm: np.ndarray
    qm_df: int
    qm_pvalue: np.ndarray
    qe: np.ndarray
    qe_df: int
    qe_pvalue: np.ndarray
    i2: np.ndarray
    weights: np.ndarray  # (m, k) 1/(v + τ²)


def _standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale the moderator columns: ``X = Xs·M``; return ``Xs`` and ``M⁻¹``.

    Uncentred moderators (years) make ``X'WX`` ill-conditioned (condition numbers of 1e12 and
    more), and the normal equations then lose most of their digits. Every quantity of the model
    is invariant to this reparametrisation (``P``, τ², fitted values, QM, QE); the coefficients
    and their covariance are mapped back, ``β = M⁻¹β_s``, ``Var(β) = M⁻¹ Var(β_s) M⁻ᵀ``.
    """
    p = X.shape[-1]
    if p == 1:
        return X, np.broadcast_to(np.eye(1), (X.shape[0], 1, 1))
    centre = X[..., 1:].mean(axis=-2)  # (m, p - 1)
    scale = X[..., 1:].std(axis=-2)
    scale = np.where(scale > 0.0, scale, 1.0)
    Xs = X.copy()
    Xs[..., 1:] = (X[..., 1:] - centre[:, None, :]) / scale[:, None, :]
    M_inv = np.zeros((X.shape[0], p, p))
    M_inv[:, 0, 0] = 1.0
    idx = np.arange(1, p)
    M_inv[:, 0, 1:] = -centre / scale
    M_inv[:, idx, idx] = 1.0 / scale
    return Xs, M_inv


def fit_regression_arrays(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray,
    *,
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
) -> RegressionArrays:
    """Fit ``m`` meta-regressions at once (vectorised; rows are independent analyses).

    Parameters
    ----------
    y, v : ndarray, shape (m, k)
        Effect sizes and sampling variances.
    X : ndarray, shape (k, p) or (m, k, p)
        Design with the intercept in the first column and full column rank.
    method, test, level
        As in :func:`rma_mods`.

    Returns
    -------
    RegressionArrays
    """
    check_options(method, test, level)
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    m, k = y.shape
    X = design(X, m, k)
    p = X.shape[-1]
    if k <= p:
        raise ModeratorError(f"{k} studies for {p} coefficients: needs at least {p + 1}")
    alpha = 1.0 - level
    Xs, M_inv = _standardise(X)
    tau2, converged = tau2_estimate(y, v, method, Xs)
    re = wls(y, 1.0 / (v + tau2[:, None]), Xs)
    vbs = re.vb
    df = k - p
    if test == "knha":
        rss = re.rss
        s2w = np.where(rss <= EPS, 0.0, rss / df)
        vbs = vbs * s2w[:, None, None]
    beta = (M_inv @ re.beta[..., None])[..., 0]
    vb = M_inv @ vbs @ np.swapaxes(M_inv, -1, -2)
    se = np.sqrt(np.diagonal(vb, axis1=-2, axis2=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
    btt = slice(1, None) if p > 1 else slice(0, 1)
    m_df = p - 1 if p > 1 else 1
    # QM of the standardised coefficients: the same number (the moderators' block only rescales)
    b = re.beta[:, btt]
    vm = vbs[:, btt, btt]
    # s² = 0 under Knapp–Hartung (data exactly on the regression surface) leaves a zero
    # covariance: QM is undefined there (metafor: NA), the other rows are unaffected.
    singular = np.any(np.diagonal(vm, axis1=-2, axis2=-1) <= 0.0, axis=-1)
    vm = np.where(singular[:, None, None], np.eye(vm.shape[-1]), vm)
    qm = np.einsum("mi,mi->m", b, np.linalg.solve(vm, b[..., None])[..., 0])
    qm = np.where(singular, np.nan, qm)
    if test == "knha":
        qm = qm / m_df
        qm_p = f_sf(qm, m_df, df)
        pval = 2.0 * t_sf(np.abs(stat), df)
        crit = t_isf(alpha / 2.0, df)
    else:
        qm_p = chi2_sf(qm, m_df)
        pval = 2.0 * norm_sf(np.abs(stat))
        crit = norm_isf(alpha / 2.0)
    fe = wls(y, 1.0 / v, Xs)
    qe = np.maximum(0.0, fe.rss)
    xtw2x = np.swapaxes(Xs, -1, -2) @ (Xs * (fe.w**2)[..., None])
    tr_p = np.sum(fe.w, axis=-1) - np.trace(fe.vb @ xtw2x, axis1=-2, axis2=-1)
    vt = df / tr_p
    i2 = 100.0 * tau2 / (vt + tau2)
    return RegressionArrays(
        beta=beta,
        vb=vb,
        se=se,
        stat=stat,
        pval=pval,
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        tau2=tau2,
        converged=converged,
        qm=qm,
        qm_df=m_df,
        qm_pvalue=qm_p,
        qe=qe,
        qe_df=df,
        qe_pvalue=chi2_sf(qe, df),
        i2=i2,
        weights=re.w,
    )


def pseudo_r2(y: np.ndarray, v: np.ndarray, tau2_me: np.ndarray, method: str) -> np.ndarray:
    """metafor's pseudo-R² in percent: ``max{0, 100(τ̂²_RE − τ̂²_ME)/τ̂²_RE}``, 0 if τ̂²_RE = 0.

    ``τ̂²_RE`` is the intercept-only estimate with the same estimator (Raudenbush 2009).
    """
    tau2_re, _ = tau2_estimate(y, v, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(tau2_re == 0.0, 0.0, 100.0 * (tau2_re - tau2_me) / tau2_re)
    return np.maximum(0.0, r2)


def _build(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray,
    names: Sequence[str],
    terms: tuple[Moderator, ...],
    moderators: Mapping[str, Sequence[Any]],
    labels: tuple[str, ...],
    *,
    method: str,
    test: str,
    level: float,
    measure: str | None = None,
    counts: tuple[np.ndarray, np.ndarray] | None = None,
    n_bar: float | None = None,
    mean_n: str | None = None,
    warnings: Sequence[str] = (),
) -> MetaRegression:
    k, p = X.shape
    a = fit_regression_arrays(y[None, :], v[None, :], X, method=method, test=test, level=level)
    r2 = float(pseudo_r2(y[None, :], v[None, :], a.tau2, method)[0]) if p > 1 else None
    beta = a.beta[0]
    fitted = X @ beta
    w = a.weights[0]
    weight = 100.0 * w / w.sum()
    studies = tuple(
        RegressionStudy(
            label=labels[i],
            yi=float(y[i]),
            vi=float(v[i]),
            weight=float(weight[i]),
            fitted=float(fitted[i]),
            moderators={name: moderators[name][i] for name in moderators},
            events=None if counts is None else int(counts[0][i]),
            n=None if counts is None else int(counts[1][i]),
            proportion=None if counts is None else float(counts[0][i] / counts[1][i]),
        )
        for i in range(k)
    )
    warns = list(warnings)
    converged = bool(a.converged[0])
    if not converged:
        warns.append(f"τ² estimation ({method}) did not converge")
    return MetaRegression(
        k=k,
        measure=measure,
        method=method,
        test=test,
        level=level,
        coefficients=tuple(
            Coefficient(
                name=names[j],
                estimate=float(beta[j]),
                se=float(a.se[0, j]),
                statistic=float(a.stat[0, j]),
                pvalue=float(a.pval[0, j]),
                ci_lb=float(a.ci_lb[0, j]),
                ci_ub=float(a.ci_ub[0, j]),
            )
            for j in range(p)
        ),
        vcov=_frozen(a.vb[0]),
        tau2=float(a.tau2[0]),
        i2=float(a.i2[0]),
        r2=r2,
        qm=float(a.qm[0]),
        qm_df=a.qm_df,
        qm_pvalue=float(a.qm_pvalue[0]),
        qe=float(a.qe[0]),
        qe_df=a.qe_df,
        qe_pvalue=float(a.qe_pvalue[0]),
        terms=terms,
        studies=studies,
        design=_frozen(X),
        n_bar=n_bar,
        mean_n=mean_n,
        converged=converged,
        warnings=tuple(warns),
    )


def rma_mods(
    yi: Sequence[float],
    vi: Sequence[float],
    mods: Mapping[str, Sequence[Any]] | np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> MetaRegression:
    """Mixed-effects meta-regression of any effect sizes (metafor ``rma(yi, vi, mods=)``).

    Parameters
    ----------
    yi, vi : sequence of float
        Effect sizes and (positive) sampling variances.
    mods : mapping of name to sequence, or ndarray, optional
        Moderators by name (coded by :func:`moderator_design`), or a design matrix ``(k, p)``
        whose first column is the intercept (then ``names`` names its columns). None:
        intercept only.
    names : sequence of str, optional
        Column names of a design-matrix ``mods`` (default ``intrcpt, X1, X2, ...``).
    method : {"DL", "REML", "PM", "ML"}
        τ² estimator (the engine's default DL; metafor's is REML).
    test : {"z", "knha"}
        Wald z tests, or Knapp & Hartung (2003) t and F tests.
    level : float
        Confidence level.
    labels : sequence of str, optional
        Study labels.

    Returns
    -------
    MetaRegression
        ``measure`` is None and predictions stay on the analysis scale.
    """
    check_options(method, test, level)
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or y.shape != v.shape or y.size == 0:
        raise ValueError("yi and vi must be 1-D of the same length")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise ValueError("yi must be finite and vi finite and positive")
    k = y.size
    if isinstance(mods, np.ndarray):
        X = np.asarray(mods, dtype=float)
        if X.shape[0] != k or not np.all(X[:, 0] == 1.0):
            raise ModeratorError("design matrix: k rows with the intercept in the first column")
        if np.linalg.matrix_rank(X) < X.shape[1]:
            raise ModeratorError("design matrix: columns are collinear")
        if k < X.shape[1] + 1:
            raise ModeratorError(f"{k} studies for {X.shape[1]} coefficients")
        col = tuple(names) if names else (INTERCEPT, *(f"X{j}" for j in range(1, X.shape[1])))
        terms: tuple[Moderator, ...] = ()
        mod_values: Mapping[str, Sequence[Any]] = {}
    else:
        mod_values = dict(mods or {})
        X, col, terms = moderator_design(mod_values, k)
    return _build(
        y, v, X, col, terms, mod_values, as_labels(labels, k), method=method, test=test, level=level
    )


def metareg(
    events: Sequence[int],
    n: Sequence[int],
    mods: Mapping[str, Sequence[Any]] | None = None,
    *,
    measure: str = "PFT",
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    mean_n: str = "harmonic",
    labels: Sequence[str] | None = None,
) -> MetaRegression:
    """Meta-regression of single proportions (metafor ``rma(measure, xi, ni, mods = ~ ...)``).

    Parameters
    ----------
    events, n : sequence of int
        Events and sample size per study.
    mods : mapping of name to sequence, optional
        Moderator values per study in model order (numbers: continuous; strings: categorical,
        R ``factor`` coding). None: intercept only (equals :func:`core.pool_proportions`).
    measure : {"PFT", "PLO", "PRAW", "PAS", "PLN"}
        Analysis scale, as :func:`core.measures.escalc` (0.5 added to 0/n studies for PLO, PLN,
        PRAW; PFT on metafor's ½ scale).
    method : {"DL", "REML", "PM", "ML"}
        τ² estimator.
    test : {"z", "knha"}
        Wald z, or Knapp & Hartung (2003).
    level : float
        Confidence level.
    mean_n : {"harmonic", "geometric", "arithmetic"}
        Mean n of the studies used for the Miller (1978) back-transform of PFT predictions.
    labels : sequence of str, optional
        Study labels.

    Returns
    -------
    MetaRegression

    Raises
    ------
    ModeratorError
        A constant or collinear moderator, a missing or non-finite value, or fewer studies than
        coefficients + 1 (the message names the moderator).
    ValueError
        Invalid counts or options.
    """
    check_options(method, test, level)
    x, nn = as_counts(events, n)
    if x.ndim != 1:
        raise ValueError("events and n must be 1-D")
    k = x.size
    mod_values = dict(mods or {})
    X, col, terms = moderator_design(mod_values, k)
    y, v = escalc(x, nn, measure)
    warns = []
    extreme = int(np.sum((x == 0) | (x == nn)))
    if extreme and measure in ("PLO", "PLN", "PRAW"):
        warns.append(
            f"{extreme} stud{'y' if extreme == 1 else 'ies'} with 0 or all events "
            "(0.5 added to events and non-events of those studies)"
        )
    return _build(
        y,
        v,
        X,
        col,
        terms,
        mod_values,
        as_labels(labels, k),
        method=method,
        test=test,
        level=level,
        measure=measure,
        counts=(x, nn),
        n_bar=float(compute_mean_n(nn, mean_n)),
        mean_n=mean_n,
        warnings=warns,
    )


@dataclass(frozen=True)
class PermutationTest:
    """Permutation p-values of a meta-regression (metafor ``permutest()``).

    ``pvalues`` has one entry per coefficient (two-sided, from ``|statistic|``), ``qm_pvalue``
    is for the omnibus ``QM``. ``iterations`` counts the fits, the observed one included;
    ``exact`` is True when every distinct permutation was used (then ``seed`` is None).
    """

    names: tuple[str, ...]
    pvalues: tuple[float, ...]
    qm_pvalue: float
    iterations: int
    exact: bool
    seed: int | None


def permutation_count(X: np.ndarray) -> int:
    """Number of distinct permutations of the rows of ``X`` (``k!/Π mᵢ!`` over tied rows)."""
    _, counts = np.unique(X, axis=0, return_counts=True)
    out = math.factorial(X.shape[0])
    for c in counts:
        out //= math.factorial(int(c))
    return out


def _distinct_permutations(X: np.ndarray) -> np.ndarray:
    """Every distinct row permutation of ``X`` as index arrays (lexicographic, observed first)."""
    _, codes = np.unique(X, axis=0, return_inverse=True)
    codes = np.asarray(codes).ravel()
    k = codes.size
    # Permute labels in lexicographic order (next-permutation); map each label arrangement
    # back to row indices of X holding that label, in order.
    labels = sorted(codes.tolist())
    rows_of = {c: [i for i in range(k) if codes[i] == c] for c in set(labels)}
    out = []
    a = labels[:]
    while True:
        used = {c: 0 for c in rows_of}
        idx = []
        for c in a:
            idx.append(rows_of[c][used[c]])
            used[c] += 1
        out.append(idx)
        i = k - 2
        while i >= 0 and a[i] >= a[i + 1]:
            i -= 1
        if i < 0:
            break
        j = k - 1
        while a[j] <= a[i]:
            j -= 1
        a[i], a[j] = a[j], a[i]
        a[i + 1 :] = reversed(a[i + 1 :])
    return np.array(out, dtype=int)


def permutest(
    fit: MetaRegression, *, iter: int = 1000, exact: bool = False, seed: int | None = None
) -> PermutationTest:
    """Permutation test of a meta-regression, as ``metafor::permutest(res, iter, exact)``.

    With moderators the rows of the design are permuted against ``(yᵢ, vᵢ)`` and the model is
    refitted (same τ² estimator and test); intercept-only, the signs of ``yᵢ`` are flipped.
    The test is exact (every distinct permutation or sign pattern) when ``exact`` or when there
    are no more than ``iter`` of them; otherwise ``iter − 1`` random ones from
    ``numpy.random.default_rng(seed)`` plus the observed data. Each p-value is the share of fits
    whose ``|statistic|`` (coefficients) or ``QM`` reaches the observed value less
    ``√eps`` (metafor's ``comptol``). Under permutation only the assignment of moderator values
    to studies is random, so the test needs no normality of the random effects (Higgins &
    Thompson 2004; Follmann & Proschan 1999; Viechtbauer et al. 2015).

    Parameters
    ----------
    fit : MetaRegression
    iter : int
        Number of fits of an approximate test (the observed one included), ≥ 2.
    exact : bool
        Force the exact test.
    seed : int, optional
        Seed of the random permutations (ignored by an exact test).

    Returns
    -------
    PermutationTest
    """
    if iter < 2:
        raise ValueError("iter must be at least 2")
    y = np.array([s.yi for s in fit.studies])
    v = np.array([s.vi for s in fit.studies])
    X = fit.design
    k = fit.k
    int_only = fit.p == 1
    count = 2**k if int_only else permutation_count(X)
    is_exact = exact or count <= iter
    if is_exact and count > EXACT_MAX:
        raise ValueError(
            f"an exact test needs {count} permutations (more than {EXACT_MAX}): "
            "give iter and a seed"
        )
    if is_exact:
        if int_only:
            grid = np.array(np.meshgrid(*([[1.0, -1.0]] * k), indexing="ij"))
            draws = grid.reshape(k, -1).T[:, ::-1]  # expand.grid order: first study fastest
        else:
            draws = _distinct_permutations(X)
        used_seed = None
    else:
        rng = np.random.default_rng(seed)
        if int_only:
            draws = rng.choice([-1.0, 1.0], size=(iter, k))
            draws[0] = 1.0
        else:
            draws = np.array([np.arange(k), *(rng.permutation(k) for _ in range(iter - 1))])
        used_seed = seed
    stats, qms = [], []
    for start in range(0, len(draws), PERMUTATION_CHUNK):
        chunk = draws[start : start + PERMUTATION_CHUNK]
        m = chunk.shape[0]
        if int_only:
            ys, Xs = chunk * y, X
        else:
            ys, Xs = np.broadcast_to(y, (m, k)), X[chunk]
        with np.errstate(all="ignore"):
            a = fit_regression_arrays(
                ys,
                np.broadcast_to(v, (m, k)),
                Xs,
                method=fit.method,
                test=fit.test,
                level=fit.level,
            )
        stats.append(a.stat)
        qms.append(a.qm)
    stat = np.concatenate(stats)
    qm = np.concatenate(qms)
    observed = np.array([c.statistic for c in fit.coefficients])
    with np.errstate(invalid="ignore"):
        hits = np.abs(stat) >= np.abs(observed) - PERMUTATION_TOL
        pvals = np.nanmean(np.where(np.isnan(stat), np.nan, hits), axis=0)
        qm_hits = np.where(np.isnan(qm), np.nan, qm >= fit.qm - PERMUTATION_TOL)
    return PermutationTest(
        names=tuple(c.name for c in fit.coefficients),
        pvalues=tuple(float(min(p, 1.0)) for p in pvals),
        qm_pvalue=float(np.nanmean(qm_hits)),
        iterations=len(draws),
        exact=is_exact,
        seed=used_seed,
    )
