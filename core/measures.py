"""Transforms of a single proportion: forward transform, sampling variance and inverse.

Each measure maps counts (events ``x`` out of ``n``) to an effect size ``y`` on an analysis scale
with sampling variance ``v``, following ``metafor::escalc`` (Viechtbauer 2010, *J Stat Softw*
36(3)) exactly:

* ``PRAW`` raw proportion, ``v = p(1 - p)/n``;
* ``PLN`` log proportion, ``v = 1/x - 1/n``;
* ``PLO`` logit, ``v = 1/x + 1/(n - x)``;
* ``PAS`` arcsine square root, ``v = 1/(4n)``;
* ``PFT`` Freeman–Tukey double arcsine (Freeman & Tukey 1950) on metafor's ½ scale,
  ``y = ½[asin√(x/(n+1)) + asin√((x+1)/(n+1))]``, ``v = 1/(4n + 2)``.

For ``PRAW``, ``PLN`` and ``PLO`` a study with 0 or ``n`` events gets 0.5 added to its events
and its non-events (metafor ``add=1/2, to="only0"``); other studies and the ``PAS``/``PFT``
transforms are never corrected.

The inverse functions map analysis-scale values back to proportions, clamped to [0, 1]. The
Freeman–Tukey inverse lives in :mod:`core.backtransform` because it needs a sample size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.backtransform import ift_miller

CORRECTION = 0.5
CORRECTED_MEASURES = frozenset({"PRAW", "PLN", "PLO"})


def _forward_praw(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return x / n


def _var_praw(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    p = x / n
    return p * (1.0 - p) / n


def _inv_praw(y: np.ndarray, n: np.ndarray | float) -> np.ndarray:
    return np.clip(y, 0.0, 1.0)


def _forward_pln(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.log(x / n)


def _var_pln(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 1.0 / x - 1.0 / n


def _inv_pln(y: np.ndarray, n: np.ndarray | float) -> np.ndarray:
    return np.clip(np.exp(y), 0.0, 1.0)


def _forward_plo(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.log(x / (n - x))


def _var_plo(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 1.0 / x + 1.0 / (n - x)


def _inv_plo(y: np.ndarray, n: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-y))


def _forward_pas(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.arcsin(np.sqrt(x / n))


def _var_pas(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 1.0 / (4.0 * n) + 0.0 * x


def _inv_pas(y: np.ndarray, n: np.ndarray | float) -> np.ndarray:
    return np.sin(np.clip(y, 0.0, np.pi / 2.0)) ** 2


def forward_pft(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Freeman–Tukey double arcsine on metafor's ½ scale (Freeman & Tukey 1950)."""
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0))))


def _var_pft(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 1.0 / (4.0 * n + 2.0) + 0.0 * x


@dataclass(frozen=True)
class Measure:
    """One transform: ``forward(x, n)``, ``variance(x, n)`` and ``inverse(y, n)``."""

    name: str
    label: str
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]
    variance: Callable[[np.ndarray, np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray, np.ndarray | float], np.ndarray]


MEASURES: dict[str, Measure] = {
    "PFT": Measure("PFT", "Freeman–Tukey double arcsine", forward_pft, _var_pft, ift_miller),
    "PLO": Measure("PLO", "logit", _forward_plo, _var_plo, _inv_plo),
    "PRAW": Measure("PRAW", "raw proportion", _forward_praw, _var_praw, _inv_praw),
    "PAS": Measure("PAS", "arcsine square root", _forward_pas, _var_pas, _inv_pas),
    "PLN": Measure("PLN", "log proportion", _forward_pln, _var_pln, _inv_pln),
}


def get_measure(name: str) -> Measure:
    """Return the :class:`Measure` called ``name`` or raise ``ValueError``."""
    try:
        return MEASURES[name]
    except KeyError:
        raise ValueError(f"unknown measure {name!r} (choose {', '.join(MEASURES)})") from None


def needs_correction(events: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Boolean mask of studies with 0 or ``n`` events."""
    return (events == 0) | (events == n)


def escalc(events: np.ndarray, n: np.ndarray, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Effect sizes and sampling variances, as ``metafor::escalc(measure, xi, ni)``.

    Parameters
    ----------
    events, n : ndarray
        Event counts and sample sizes (any matching shapes).
    measure : {"PFT", "PLO", "PRAW", "PAS", "PLN"}
        The transform (``PRAW`` is metafor's ``"PR"``).

    Returns
    -------
    yi, vi : ndarray
        Effect sizes and sampling variances, same shape as ``events``.

    References
    ----------
    Freeman MF, Tukey JW. Transformations related to the angular and the square root. *Ann Math
    Stat* 1950;21:607–611. Viechtbauer W. Conducting meta-analyses in R with the metafor package.
    *J Stat Softw* 2010;36(3):1–48.
    """
    m = get_measure(measure)
    x = np.asarray(events, dtype=float)
    nn = np.asarray(n, dtype=float)
    if measure in CORRECTED_MEASURES:
        add = np.where(needs_correction(x, nn), CORRECTION, 0.0)
        x = x + add
        nn = nn + 2.0 * add
    return m.forward(x, nn), m.variance(x, nn)
