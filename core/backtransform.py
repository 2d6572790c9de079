"""Back-transformation of Freeman–Tukey values (Miller 1978) and the choice of mean n.

Miller's inverse of the double arcsine on metafor's ½ scale ``y`` (``t = 2y`` on the doubled
scale) at a sample size ``n̄``::

    p = ½ [1 − sgn(cos t) √(1 − (sin t + (sin t − 1/sin t)/n̄)²)]

clamped to 0 below ``t(0; n̄)`` and to 1 above ``t(n̄; n̄)``, exactly as ``metafor::transf.ipft``
and ``transf.ipft.hm`` (``R/transf.r``). Pooled values use one ``n̄`` for the whole analysis (the
harmonic mean of the study sizes by default); per-study values use each study's own ``n``.

References
----------
Miller JJ. The inverse of the Freeman–Tukey double arcsine transformation. *Am Stat*
1978;32(4):138. Schwarzer G et al. Seriously misleading results using inverse of Freeman–Tukey
double arcsine transformation in meta-analysis of single proportions. *Res Synth Methods*
2019;10:476–483.
"""

from __future__ import annotations

import numpy as np

MEAN_N = ("harmonic", "geometric", "arithmetic")


def _pft_bound(x: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0))))


def ift_miller(y: np.ndarray, n: np.ndarray | float) -> np.ndarray:
    """Miller (1978) inverse of the ½-scale Freeman–Tukey transform, clamped to [0, 1].

    Parameters
    ----------
    y : ndarray
        Values on metafor's ½ scale.
    n : float or ndarray
        Sample size(s) (broadcast against ``y``): a study's own ``n`` or a mean ``n̄``.

    Returns
    -------
    ndarray
        Proportions in [0, 1].
    """
    y = np.asarray(y, dtype=float)
    n = np.asarray(n, dtype=float)
    t = 2.0 * y
    s = np.sin(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = 1.0 - (s + (s - 1.0 / s) / n) ** 2
        p = 0.5 * (1.0 - np.sign(np.cos(t)) * np.sqrt(inner))
    p = np.where(y > _pft_bound(n, n), 1.0, p)
    p = np.where(y < _pft_bound(0.0, n), 0.0, p)
    return np.clip(p, 0.0, 1.0)


def mean_n(n: np.ndarray, kind: str = "harmonic") -> np.ndarray:
    """Mean sample size along the last axis used for the pooled back-transform.

    Parameters
    ----------
    n : ndarray
        Study sizes; the last axis runs over studies.
    kind : {"harmonic", "geometric", "arithmetic"}
        ``harmonic`` is ``1/mean(1/n)`` (metafor ``transf.ipft.hm``, Stata ``metaprop_one``).

    Returns
    -------
    ndarray
        One mean per row.
    """
    n = np.asarray(n, dtype=float)
    if kind == "harmonic":
        return 1.0 / np.mean(1.0 / n, axis=-1)
    if kind == "geometric":
        return np.exp(np.mean(np.log(n), axis=-1))
    if kind == "arithmetic":
        return np.mean(n, axis=-1)
    raise ValueError(f"unknown mean_n {kind!r} (choose {', '.join(MEAN_N)})")
