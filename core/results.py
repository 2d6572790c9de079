"""Frozen result objects returned by the engine, with ``to_dict()`` in the CLI JSON shape.

Names follow scipy/metafor: ``est, se, ci_lb, ci_ub, pi_lb, pi_ub, tau2, i2, q, q_pvalue, k``.
Pooled proportions are fractions in [0, 1]; I² and weights are percents; τ² is on the analysis
scale. ``to_frame()`` is the only place pandas is used, and it is imported lazily.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


def _heterogeneity(pool: Any) -> dict[str, Any]:
    """The ``heterogeneity`` block of the CLI JSON object (Q, df, p, I² in percent, τ²)."""
    return {
        "q": _num(pool.q),
        "df": pool.df,
        "p": _num(pool.q_pvalue),
        "i2": _num(pool.i2),
        "tau2": _num(pool.tau2),
    }


def _num(x: float | None) -> float | None:
    """JSON-safe float: NaN and None become None."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


@dataclass(frozen=True)
class Estimate:
    """A pooled estimate with its confidence and prediction limits.

    For proportion pools ``est``/``ci_*``/``pi_*`` are back-transformed proportions, ``se`` is the
    standard error on the analysis scale, and ``transformed`` holds the same estimate on the
    analysis scale (with ``zval``/``pval`` of the test of ``est = 0`` there). ``pi_lb``/``pi_ub``
    are None when there is no prediction interval (common effect, or k < 3).
    """

    est: float
    ci_lb: float
    ci_ub: float
    pi_lb: float | None = None
    pi_ub: float | None = None
    se: float = math.nan
    zval: float = math.nan
    pval: float = math.nan
    transformed: Estimate | None = None

    def interval_dict(self, with_pi: bool) -> dict[str, float | None]:
        """The ``estimate, ci_low, ci_high[, pi_low, pi_high]`` object of the CLI JSON."""
        out = {"estimate": _num(self.est), "ci_low": _num(self.ci_lb), "ci_high": _num(self.ci_ub)}
        if with_pi:
            out["pi_low"] = _num(self.pi_lb)
            out["pi_high"] = _num(self.pi_ub)
        return out


@dataclass(frozen=True)
class StudyRow:
    """One study: its proportion, per-study CI, random-effects weight (percent), ``yi``/``vi``."""

    label: str
    events: int
    n: int
    proportion: float
    ci_low: float
    ci_high: float
    weight: float
    yi: float = math.nan
    vi: float = math.nan


def _frame(rows: tuple[Any, ...]):
    import pandas as pd  # lazily: pandas is never needed on the hot path

    return pd.DataFrame([asdict(r) for r in rows])


@dataclass(frozen=True)
class ProportionPool:
    """Result of pooling single proportions (``pool_proportions`` or ``pool_glmm``)."""

    k: int
    measure: str
    method: str
    test: str
    level: float
    ci_method: str
    mean_n: str
    n_bar: float
    studies: tuple[StudyRow, ...]
    common: Estimate
    random: Estimate
    q: float
    df: int
    q_pvalue: float
    i2: float
    tau2: float
    tau2_ci: tuple[float, float] | None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The CLI JSON object of DESIGN.md ("CLI contract")."""
        return {
            "k": self.k,
            "measure": self.measure,
            "tau2_method": self.method,
            "random": self.random.interval_dict(with_pi=True),
            "common": self.common.interval_dict(with_pi=False),
            "heterogeneity": _heterogeneity(self),
            "studies": [
                {
                    "study": s.label,
                    "events": s.events,
                    "n": s.n,
                    "proportion": _num(s.proportion),
                    "ci_low": _num(s.ci_low),
                    "ci_high": _num(s.ci_high),
                    "weight": _num(s.weight),
                }
                for s in self.studies
            ],
        }

    def to_frame(self):
        """Per-study rows as a pandas DataFrame."""
        return _frame(self.studies)


@dataclass(frozen=True)
class SubgroupPool:
    """Separate pools per subgroup (own τ² each), the overall pool and the Q-between test."""

    overall: ProportionPool
    groups: Mapping[str, ProportionPool]
    q_between: float
    df_between: int
    p_between: float
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Overall CLI object plus ``subgroups``, ``q_between`` and ``p_between``."""
        out = self.overall.to_dict()
        out["subgroups"] = {name: pool.to_dict() for name, pool in self.groups.items()}
        out["q_between"] = _num(self.q_between)
        out["p_between"] = _num(self.p_between)
        return out

    def to_frame(self):
        """One row per subgroup: k, estimate, CI, I², τ²."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "subgroup": name,
                    "k": p.k,
                    "est": p.random.est,
                    "ci_lb": p.random.ci_lb,
                    "ci_ub": p.random.ci_ub,
                    "i2": p.i2,
                    "tau2": p.tau2,
                }
                for name, p in self.groups.items()
            ]
        )


@dataclass(frozen=True)
class MedianStudy:
    """One study's median (months), its CI, the SE derived from the CI, and weight (percent)."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    se: float
    weight: float


@dataclass(frozen=True)
class ExcludedStudy:
    """A study left out of a pool, and why."""

    label: str
    reason: str


@dataclass(frozen=True)
class MedianPool:
    """Inverse-variance pool of medians on the month scale (``pool_medians``)."""

    k: int
    method: str
    test: str
    level: float
    studies: tuple[MedianStudy, ...]
    common: Estimate
    random: Estimate
    q: float
    df: int
    q_pvalue: float
    i2: float
    tau2: float
    excluded: tuple[ExcludedStudy, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON object shaped like the proportion one, in months, plus ``excluded``."""
        return {
            "k": self.k,
            "measure": "MEDIAN",
            "tau2_method": self.method,
            "random": self.random.interval_dict(with_pi=True),
            "common": self.common.interval_dict(with_pi=False),
            "heterogeneity": _heterogeneity(self),
            "studies": [
                {
                    "study": s.label,
                    "estimate": _num(s.estimate),
                    "ci_low": _num(s.ci_low),
                    "ci_high": _num(s.ci_high),
                    "se": _num(s.se),
                    "weight": _num(s.weight),
                }
                for s in self.studies
            ],
            "excluded": [{"study": e.label, "reason": e.reason} for e in self.excluded],
        }

    def to_frame(self):
        """Per-study rows as a pandas DataFrame."""
        return _frame(self.studies)


@dataclass(frozen=True)
class FunnelRow:
    """One point of a funnel plot: analysis-scale estimate and its standard error."""

    label: str
    yi: float
    sei: float
    proportion: float


@dataclass(frozen=True)
class EggerResult:
    """Egger's regression test for funnel-plot asymmetry.

    ``intercept`` is Egger's bias coefficient: the intercept of the regression of ``yᵢ/seᵢ`` on
    ``1/seᵢ`` (Egger 1997), which equals the coefficient of ``seᵢ`` in the weighted regression
    of ``yᵢ`` on ``seᵢ`` that ``metafor::regtest(model="rma", predictor="sei")`` fits.
    ``limit_est`` is the other coefficient: the estimate as ``seᵢ → 0`` (analysis scale).
    ``stat`` is a z statistic (``test="z"``) or t with ``df`` degrees of freedom (``"knha"``).
    """

    intercept: float
    se: float
    stat: float
    pvalue: float
    df: int | None
    k: int
    measure: str
    method: str
    test: str
    limit_est: float
    funnel: tuple[FunnelRow, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of every field."""
        d = asdict(self)
        d["funnel"] = [asdict(r) for r in self.funnel]
        d["warnings"] = list(self.warnings)
        return {key: (_num(v) if isinstance(v, float) else v) for key, v in d.items()}

    def to_frame(self):
        """Funnel rows as a pandas DataFrame."""
        return _frame(self.funnel)
