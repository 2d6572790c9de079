"""The tail and quantile functions the engine needs, from :mod:`scipy.special`.

``scipy.stats`` takes most of a second to import and the app's first page waits for it; these are
the very special functions that ``scipy.stats.norm``, ``t`` and ``chi2`` call underneath
(``norm.isf(q) = -ndtri(q)``, ``t.sf(x, df) = stdtr(df, -x)``, ``chi2.sf(x, df) = chdtrc(df,
x)``, ``beta.isf(q, a, b) = betainccinv(a, b, q)`` ...), so every value is identical to the
``scipy.stats`` one (``tests/test_core_properties.py`` compares them).
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any


@cache
def special() -> ModuleType:
    """:mod:`scipy.special`, imported on first use.

    Its import takes about 0.15 s (array-API shims that load ``numpy.f2py`` and ``unittest``),
    and a server answering from its disk cache may not pool at all before its first page.
    """
    from scipy import special as module

    return module


def norm_isf(q: Any) -> Any:
    """Upper-tail quantile of the standard normal: ``scipy.stats.norm.isf(q)``."""
    return -special().ndtri(q)


def norm_sf(x: Any) -> Any:
    """Upper-tail probability of the standard normal: ``scipy.stats.norm.sf(x)``."""
    return special().ndtr(-x)


def t_isf(q: Any, df: Any) -> Any:
    """Upper-tail quantile of Student's t: ``scipy.stats.t.isf(q, df)``."""
    return -special().stdtrit(df, q)


def t_sf(x: Any, df: Any) -> Any:
    """Upper-tail probability of Student's t: ``scipy.stats.t.sf(x, df)``."""
    return special().stdtr(df, -x)


def chi2_sf(x: Any, df: Any) -> Any:
    """Upper-tail probability of chi-squared: ``scipy.stats.chi2.sf(x, df)``."""
    return special().chdtrc(df, x)


def chi2_isf(q: Any, df: Any) -> Any:
    """Upper-tail quantile of chi-squared: ``scipy.stats.chi2.isf(q, df)``."""
    return special().chdtri(df, q)


def chi2_ppf(p: Any, df: Any) -> Any:
    """Lower-tail quantile of chi-squared: ``scipy.stats.chi2.ppf(p, df)``."""
    return 2 * special().gammaincinv(df / 2, p)


def beta_ppf(q: Any, a: Any, b: Any) -> Any:
    """Lower-tail quantile of the beta distribution: ``scipy.stats.beta.ppf(q, a, b)``."""
    return special().betaincinv(a, b, q)


def beta_isf(q: Any, a: Any, b: Any) -> Any:
    """Upper-tail quantile of the beta distribution: ``scipy.stats.beta.isf(q, a, b)``."""
    return special().betainccinv(a, b, q)
