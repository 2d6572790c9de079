"""metafor's own tests of meta-regression, ``permutest()`` and ``cumul()``, ported.

Each test names the metafor test file (``tests/testthat/`` of metafor) it ports; the expected
numbers are the ones printed there, compared to half a unit of their last printed digit
(metafor itself checks them to a relative 1%). The data (metadat ``dat.bcg``, ``dat.hine1989``,
``dat.raudenbush1985``) are in ``metareg_examples.json``, written by
``validation/metafor/metareg_fixtures.R``. Effect sizes are computed here as ``escalc`` does:
log risk ratio ``log(a/n₁) − log(c/n₂)`` with ``v = 1/a − 1/n₁ + 1/c − 1/n₂``; risk difference
``a/n₁ − c/n₂`` with ``v = p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.cumulative import cumulative_rma
from core.metareg import permutest, rma_mods

REML_DEFAULT_STOP = 5e-6  # see test_cumul_bcg_by_year
DATA = json.loads(
    (Path(__file__).parent / "fixtures" / "metafor" / "metareg_examples.json").read_text()
)


def printed(actual, expected, slack: float = 0.0) -> None:
    """``actual`` equals the printed ``expected`` to half a unit of its last digit (+ slack)."""
    for a, e in zip(np.atleast_1d(actual), np.atleast_1d(expected), strict=True):
        text = repr(float(e))
        digits = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        assert abs(a - e) <= 0.5 * 10.0**-digits + slack + 1e-12, (a, e)


def bcg_rr():
    d = DATA["bcg"]
    a, b, c, dd = (np.array(d[key], dtype=float) for key in ("tpos", "tneg", "cpos", "cneg"))
    yi = np.log(a / (a + b)) - np.log(c / (c + dd))
    vi = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + dd)
    return yi, vi, d


def test_anova_linear_combinations_bcg():
    """test_misc_anova.r: ``anova(res, L=...)`` of ``rma(yi ~ ablat + alloc)`` (REML).

    A linear combination with intercept 1 is a prediction; its z value is pred/SE.
    """
    yi, vi, d = bcg_rr()
    mods = {"ablat": d["ablat"], "alloc": d["alloc"]}
    fit = rma_mods(yi, vi, mods, method="REML")
    assert [c.name for c in fit.coefficients] == [
        "intrcpt",
        "ablat",
        "allocrandom",
        "allocsystematic",
    ]
    preds = fit.predict({"ablat": [10, 30, 50], "alloc": ["alternate"] * 3})
    printed([p.transformed.est / p.transformed.se for p in preds], [0.0588, -1.7964, -3.1210])
    fit = rma_mods(yi, vi, mods, method="REML", test="knha")
    preds = fit.predict({"ablat": [10] * 3, "alloc": ["alternate", "random", "systematic"]})
    printed([p.transformed.est / p.transformed.se for p in preds], [0.0568, -0.8252, 0.2517])


def test_predict_vcov_and_design_rows_bcg():
    """test_misc_predict.r: the SE of a prediction is √diag(X Var(β̂) X'); newmods given as
    moderator values or as design rows (``cbind(1, ablat)``) give the same predictions."""
    yi, vi, d = bcg_rr()
    fit = rma_mods(yi, vi, {"ablat": d["ablat"]})
    grid = np.arange(0, 61, 10.0)
    by_value = fit.predict({"ablat": list(grid)})
    by_row = fit.predict_design(np.column_stack([np.ones_like(grid), grid]))
    X = np.column_stack([np.ones_like(grid), grid])
    se = np.sqrt(np.diag(X @ fit.vcov @ X.T))
    for a, b, s in zip(by_value, by_row, se, strict=True):
        assert a.transformed == b.transformed
        assert a.transformed.se == pytest.approx(s, rel=1e-12)


def test_permutest_random_effects_hine1989():
    """test_misc_permutest.r: exact permutation test of ``rma(yi, vi)`` (RD, REML): p = 0.0625
    over the 2⁶ sign patterns; the model's coefficient table."""
    d = DATA["hine1989"]
    a, c, n1, n2 = (np.array(d[key], dtype=float) for key in ("ai", "ci", "n1i", "n2i"))
    p1, p2 = a / n1, c / n2
    yi, vi = p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    fit = rma_mods(yi, vi, method="REML")
    co = fit.coefficients[0]
    printed(
        [co.estimate, co.se, co.statistic, co.ci_lb, co.ci_ub],
        [0.029444, 0.013068, 2.253107, 0.003831, 0.055058],
    )
    res = permutest(fit)
    assert res.exact and res.iterations == 64
    assert res.pvalues == (0.0625,)
    # mixed-effects model with the test's made-up moderator: exact p-values c(1, 0.0028)
    fit = rma_mods(yi, vi, {"mod": [3, 1, 2, 2, 4, 5]}, method="REML")
    res = permutest(fit)
    assert res.exact and res.iterations == 360  # 6!/2! distinct orders of the moderator
    printed(res.pvalues, [1.0, 0.0028])


def test_mixed_effects_raudenbush2009():
    """test_analysis_example_raudenbush2009.r: ``rma(yi, vi, mods = ~ weeks.c)`` (REML), Table
    16.2 of Raudenbush (2009): τ² = 0, coefficients (0.407, −0.157), QE 16.57, z (4.68, −4.39)."""
    d = DATA["raudenbush1985"]
    weeks = [min(w, 3) for w in d["weeks"]]
    fit = rma_mods(d["yi"], d["vi"], {"weeks.c": weeks}, method="REML")
    printed(round(fit.tau2, 3), 0.0)
    printed([round(c.estimate, 3) for c in fit.coefficients], [0.407, -0.157])
    printed(round(fit.qe, 2), 16.57)
    printed([round(c.statistic, 2) for c in fit.coefficients], [4.68, -4.39])


def test_cumul_bcg_by_year():
    """test_misc_cumul.r: ``cumul(rma(yi, vi), order = year)`` on dat.bcg (RR, REML), and the
    same estimates exponentiated.

    metafor's test ran REML with its default stopping rule (τ² changing by < 1e-5 between
    Fisher-scoring steps); the engine iterates to 1e-10, and metafor with ``threshold = 1e-10``
    prints the engine's values (step 4: −1.0010961745 both; −1.001094 at the default). Hence a
    slack of 5e-6 on top of the printed digits.
    """
    yi, vi, d = bcg_rr()
    res = cumulative_rma(yi, vi, d["year"], method="REML")
    est = [s.te for s in res.steps]
    printed(
        est,
        [
            -0.889311,
            -1.325003,
            -0.97208,
            -1.001094,
            -1.101424,
            -0.973464,
            -0.901251,
            -0.788566,
            -0.865607,
            -0.785211,
            -0.708206,
            -0.794768,
            -0.714532,
        ],
        slack=REML_DEFAULT_STOP,
    )
    printed(
        np.exp(est),
        [
            0.410939,
            0.265802,
            0.378296,
            0.367477,
            0.332398,
            0.377772,
            0.406061,
            0.454496,
            0.420796,
            0.456024,
            0.492527,
            0.451686,
            0.489421,
        ],
        slack=REML_DEFAULT_STOP,
    )
