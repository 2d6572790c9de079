"""Confidence intervals for a single study's proportion: Wilson score and Clopper–Pearson.

References
----------
Wilson EB. Probable inference, the law of succession, and statistical inference. *J Am Stat
Assoc* 1927;22:209–212. Clopper CJ, Pearson ES. The use of confidence or fiducial limits
illustrated in the case of the binomial. *Biometrika* 1934;26:404–413.
"""

from __future__ import annotations

import numpy as np

from core.distributions import beta_isf, beta_ppf, norm_isf

CI_METHODS = ("wilson", "exact")


def wilson_ci(
    events: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval, truncated to [0, 1] (as Stata ``metaprop_one``)."""
    x = np.asarray(events, dtype=float)
    nn = np.asarray(n, dtype=float)
    z = norm_isf((1.0 - level) / 2.0)
    p = x / nn
    centre = (p + z**2 / (2 * nn)) / (1 + z**2 / nn)
    half = z / (1 + z**2 / nn) * np.sqrt(p * (1 - p) / nn + z**2 / (4 * nn**2))
    lo = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))  # exact at the bounds
    hi = np.where(x == nn, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lo, hi


def clopper_pearson_ci(
    events: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson (1934) exact interval from beta quantiles (as R ``binom.test``)."""
    x = np.asarray(events, dtype=float)
    nn = np.asarray(n, dtype=float)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, beta_ppf(alpha / 2, x, nn - x + 1), 0.0)
        hi = np.where(x < nn, beta_isf(alpha / 2, x + 1, nn - x), 1.0)
    return lo, hi


def study_ci(
    events: np.ndarray, n: np.ndarray, *, method: str = "wilson", level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Per-study confidence limits for ``events/n``.

    Parameters
    ----------
    events, n : array_like
        Event counts and sample sizes.
    method : {"wilson", "exact"}
        Wilson score (default) or Clopper–Pearson exact.
    level : float
        Confidence level.

    Returns
    -------
    ci_low, ci_high : ndarray
    """
    if method == "wilson":
        return wilson_ci(events, n, level)
    if method == "exact":
        return clopper_pearson_ci(events, n, level)
    raise ValueError(f"unknown ci_method {method!r} (choose {', '.join(CI_METHODS)})")
