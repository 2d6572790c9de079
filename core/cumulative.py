"""Cumulative meta-analysis: studies added one at a time in a given order (metafor ``cumul()``).

Step ``i`` pools the first ``i`` studies of the ordering with the engine's random-effects model
(:func:`core.pooling.fit_arrays`: the same τ² estimator, test and level at every step), as
``metafor::cumul(rma(...), order = ...)`` does (Lau et al. 1992). The order is a sort key per
study (a year, a sample size, a date as text); the sort is stable, so ties keep input order (R's
``order()``, which ``cumul()`` uses, is stable too).

Per step: the pooled estimate on the analysis scale (``te``, ``se``, CI), τ², Q and I², and the
estimate back-transformed by the engine's own rule as the explicit last step
(:func:`core.pooling.back_transform`; for PFT Miller 1978 at the mean n of the studies included
*at that step*). I² is the engine's Q-based ``max(0, (Q − df)/Q)·100`` (metafor's cumul() prints
its τ²-based I², which equals this under DL), so step ``i`` is exactly
:func:`core.pool_proportions` of the first ``i`` studies and the last step is the full pool.

The first step holds one study: on the analysis scale its ``yᵢ`` with ``yᵢ ± z√vᵢ`` and τ² = Q =
I² = 0 (metafor's values for k = 1, whatever the test); back-transformed, the engine's k = 1
rule: the study's own proportion with its per-study CI (Wilson or Clopper–Pearson).

API for the app (a cumulative forest plot, a "living evidence" view)::

    cum = cumulative(events, n, order=years, labels=labels, measure="PFT", method="DL")
    cum.steps                   # tuple of CumulativeStep: label (study added), k, te, se,
                                #   te_ci_lb, te_ci_ub, tau2, i2, q, q_pvalue, est, ci_lb, ci_ub
    cum.order                   # input index of the study added at each step
    cum.to_list()               # the "cumulative" list of the CLI JSON

References
----------
Lau J, Antman EM, Jimenez-Silva J, Kupelnick B, Mosteller F, Chalmers TC. Cumulative
meta-analysis of therapeutic trials for myocardial infarction. *N Engl J Med*
1992;327:248–254. Viechtbauer W. Conducting meta-analyses in R with the metafor package. *J Stat
Softw* 2010;36(3):1–48. Miller JJ. The inverse of the Freeman–Tukey double arcsine
transformation. *Am Stat* 1978;32:138.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.backtransform import mean_n as compute_mean_n
from core.distributions import norm_isf
from core.inputs import as_counts, as_labels
from core.measures import escalc
from core.pooling import back_transform, check_options, fit_arrays
from core.results import _num
from core.study_ci import study_ci


@dataclass(frozen=True)
class CumulativeStep:
    """One step: the pool of the first ``k`` studies, after adding study ``label``.

    ``te``, ``se``, ``te_ci_lb``, ``te_ci_ub`` are on the analysis scale; ``est``, ``ci_lb``,
    ``ci_ub`` are back-transformed proportions (None for :func:`cumulative_rma`). τ² is on the
    analysis scale, I² in percent.
    """

    label: str
    k: int
    te: float
    se: float
    te_ci_lb: float | None
    te_ci_ub: float | None
    tau2: float
    i2: float
    q: float
    q_pvalue: float
    est: float | None = None
    ci_lb: float | None = None
    ci_ub: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """One element of the CLI's ``cumulative`` list."""
        return {
            "study": self.label,
            "k": self.k,
            "te": _num(self.te),
            "se": _num(self.se),
            "te_ci_low": _num(self.te_ci_lb),
            "te_ci_high": _num(self.te_ci_ub),
            "tau2": _num(self.tau2),
            "i2": _num(self.i2),
            "q": _num(self.q),
            "estimate": _num(self.est),
            "ci_low": _num(self.ci_lb),
            "ci_high": _num(self.ci_ub),
        }


@dataclass(frozen=True)
class CumulativePool:
    """A cumulative meta-analysis: one :class:`CumulativeStep` per study, in order."""

    measure: str | None
    method: str
    test: str
    level: float
    order: tuple[int, ...]
    steps: tuple[CumulativeStep, ...]

    def to_list(self) -> list[dict[str, Any]]:
        """The ``cumulative`` list of the CLI JSON (README, "Command line: engine")."""
        return [s.to_dict() for s in self.steps]


def sort_order(keys: Sequence[Any] | None, k: int) -> np.ndarray:
    """Stable ascending order of the sort keys (ties keep input order); None: input order.

    Keys must be all numbers (compared as numbers) or all strings (compared as strings).
    """
    if keys is None:
        return np.arange(k)
    if len(keys) != k:
        raise ValueError(f"order: {len(keys)} keys for {k} studies")
    if all(isinstance(key, str) for key in keys):
        return np.array(sorted(range(k), key=lambda i: keys[i]), dtype=int)
    x = np.asarray(keys, dtype=float)
    if not np.all(np.isfinite(x)):
        i = int(np.flatnonzero(~np.isfinite(x))[0])
        raise ValueError(f"order: study {i + 1}: {keys[i]!r} is not a finite number")
    return np.argsort(x, kind="stable")


def _steps(
    y: np.ndarray, v: np.ndarray, method: str, test: str, level: float
) -> list[tuple[float, ...]]:
    """Analysis-scale results per step: te, se, ci_lb, ci_ub, τ², I², Q, p(Q)."""
    z = norm_isf((1.0 - level) / 2.0)
    se1 = math.sqrt(v[0])
    out = [(y[0], se1, y[0] - z * se1, y[0] + z * se1, 0.0, 0.0, 0.0, 1.0)]
    for i in range(2, y.size + 1):
        f = fit_arrays(y[None, :i], v[None, :i], method=method, test=test, level=level)
        out.append(
            tuple(
                float(a[0]) for a in (f.mu, f.se, f.ci_lb, f.ci_ub, f.tau2, f.i2, f.q, f.q_pvalue)
            )
        )
    return out


def cumulative_rma(
    yi: Sequence[float],
    vi: Sequence[float],
    order: Sequence[Any] | None = None,
    *,
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> CumulativePool:
    """Cumulative random-effects meta-analysis of any effect sizes (``cumul(rma(yi, vi))``).

    Parameters
    ----------
    yi, vi : sequence of float
        Effect sizes and positive sampling variances.
    order : sequence, optional
        Sort key per study (numbers or strings); None keeps input order.
    method, test, level
        As in :func:`core.pool_proportions`.
    labels : sequence of str, optional
        Study labels.

    Returns
    -------
    CumulativePool
        Analysis scale only (``est``/``ci_*`` are None).
    """
    check_options(method, test, level)
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or y.shape != v.shape or y.size == 0:
        raise ValueError("yi and vi must be 1-D of the same length")
    names = as_labels(labels, y.size)
    idx = sort_order(order, y.size)
    steps = tuple(
        CumulativeStep(names[j], i + 1, *s[:2], *map(_opt, s[2:4]), *s[4:])
        for i, (j, s) in enumerate(
            zip(idx, _steps(y[idx], v[idx], method, test, level), strict=True)
        )
    )
    return CumulativePool(None, method, test, level, tuple(int(j) for j in idx), steps)


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def cumulative(
    events: Sequence[int],
    n: Sequence[int],
    order: Sequence[Any] | None = None,
    *,
    measure: str = "PFT",
    method: str = "DL",
    test: str = "z",
    level: float = 0.95,
    ci_method: str = "wilson",
    mean_n: str = "harmonic",
    labels: Sequence[str] | None = None,
) -> CumulativePool:
    """Cumulative meta-analysis of single proportions (``cumul(rma(measure, xi, ni), order)``).

    Parameters
    ----------
    events, n : sequence of int
        Events and sample size per study.
    order : sequence, optional
        Sort key per study (e.g. publication year); ties keep input order; None: input order.
    measure, method, test, level, ci_method, mean_n, labels
        As in :func:`core.pool_proportions` (``ci_method`` serves the one-study first step).

    Returns
    -------
    CumulativePool
        Step ``i`` equals :func:`core.pool_proportions` of the first ``i`` studies in order.
    """
    check_options(method, test, level)
    x, nn = as_counts(events, n)
    if x.ndim != 1:
        raise ValueError("events and n must be 1-D")
    names = as_labels(labels, x.size)
    idx = sort_order(order, x.size)
    xs, ns = x[idx], nn[idx]
    y, v = escalc(xs, ns, measure)
    lo, hi = study_ci(xs[:1], ns[:1], method=ci_method, level=level)
    steps = []
    for i, s in enumerate(_steps(y, v, method, test, level)):
        if i == 0:
            est, ci_lb, ci_ub = float(xs[0] / ns[0]), float(lo[0]), float(hi[0])
        else:
            n_bar = compute_mean_n(ns[: i + 1], mean_n)
            est, ci_lb, ci_ub = (
                float(b) for b in back_transform(measure, np.array(s[:1] + s[2:4]), n_bar)
            )
        steps.append(
            CumulativeStep(
                names[idx[i]], i + 1, s[0], s[1], _opt(s[2]), _opt(s[3]), *s[4:], est, ci_lb, ci_ub
            )
        )
    return CumulativePool(measure, method, test, level, tuple(int(j) for j in idx), tuple(steps))
