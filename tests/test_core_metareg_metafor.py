"""Meta-regression, permutation tests and cumulative meta-analysis against R metafor 3.8-1.

Fixtures are written by ``validation/metafor/metareg_fixtures.R`` (the tests never need R):
``rma(measure, xi, ni, mods, method, test)``, ``predict(..., pi.type = "riley")``,
``permutest(..., exact = TRUE)`` and ``cumul()`` on three proportion data sets, every measure ×
τ² estimator × test. Tolerances (relative, with an absolute floor for values that are 0):

* closed forms — DL τ², coefficients, SEs, tests, QE, I², predictions, back-transforms: 1e-8;
* iterative — REML/ML (Fisher scoring) and PM (root finding): 1e-5;
* p-values of exact permutation tests: equal to 1e-12 (a share of the same permutations).

Uncentred years make ``X'WX`` ill-conditioned (condition number up to 5e12 on sarcoma_orr
``~ year + design``): metafor solves the normal equations as they are and its intercept there is
1.3e-8 (relative) from the solution of the centred, well-conditioned problem mapped back; the
engine centres and scales the moderators before fitting (``core.metareg._standardise``) and
agrees with that solution to 1e-14. The tolerance of a case is therefore
``max(rtol, 1e-20 · cond(X'WX))`` (5e-8 at 5e12; the closed-form 1e-8 everywhere else).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.cumulative import cumulative
from core.metareg import metareg, permutest

FIXTURES = Path(__file__).parent / "fixtures" / "metafor"
CLOSED_RTOL = 1e-8
ITER_RTOL = 1e-5
ATOL = 1e-10
COND_RTOL = 1e-20  # times cond(X'WX): see the module docstring
METAREG_SETS = ("sarcoma_orr", "debruin2009", "anlotinib")
CUMUL_SETS = ("sarcoma_orr", "debruin2009", "pritz1997")
MEASURES = ("PFT", "PLO", "PRAW", "PAS", "PLN")
METHODS = ("DL", "REML", "PM", "ML")
TESTS = ("z", "knha")


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def arr(x) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(x)], dtype=float)


def close(actual, expected, rtol: float, atol: float = ATOL) -> None:
    np.testing.assert_allclose(arr(actual), arr(expected), rtol=rtol, atol=atol, equal_nan=True)


def rtol_of(method: str) -> float:
    return CLOSED_RTOL if method == "DL" else ITER_RTOL


def _metareg_cases():
    for name in METAREG_SETS:
        for s, spec in enumerate(load(f"metareg_{name}")["specs"]):
            for c, case in enumerate(spec["cases"]):
                mods = "+".join(spec["mods"])
                yield pytest.param(
                    name,
                    s,
                    c,
                    id=f"{name}-{mods}-{case['measure']}-{case['method']}-{case['test']}",
                )


def test_fixture_grid_is_complete():
    grid = {(m, t, s) for m in MEASURES for t in METHODS for s in TESTS}
    for name in METAREG_SETS:
        data = load(f"metareg_{name}")
        assert data["source"]["metafor"] == "3.8.1"
        for spec in data["specs"]:
            assert {(c["measure"], c["method"], c["test"]) for c in spec["cases"]} == grid
    for name in CUMUL_SETS:
        cases = load(f"cumul_{name}")["cases"]
        assert {(c["measure"], c["method"], c["test"]) for c in cases} == grid
    perms = [p for spec in load("metareg_anlotinib")["specs"] for p in spec["permutest"]]
    assert len(perms) == 16


def fit_of(name: str, s: int, c: int):
    data = load(f"metareg_{name}")
    spec = data["specs"][s]
    case = spec["cases"][c]
    d = data["data"]
    mods = {m: d[m] for m in spec["mods"]}
    fit = metareg(
        d["events"],
        d["n"],
        mods,
        measure=case["measure"],
        method=case["method"],
        test=case["test"],
        labels=d["study"],
    )
    return fit, case, spec


@pytest.mark.parametrize(("name", "s", "c"), list(_metareg_cases()))
def test_metareg_matches_rma(name, s, c):
    fit, case, spec = fit_of(name, s, c)
    w = np.array([st.weight for st in fit.studies])
    cond = np.linalg.cond(fit.design.T @ (fit.design * w[:, None]))
    rtol = max(rtol_of(case["method"]), COND_RTOL * cond)
    assert [co.name for co in fit.coefficients] == case["names"]
    assert (fit.k, fit.p) == (case["k"], case["p"])
    close([st.yi for st in fit.studies], case["yi"], CLOSED_RTOL)
    close([st.vi for st in fit.studies], case["vi"], CLOSED_RTOL)
    close(fit.tau2, case["tau2"], rtol, atol=1e-9)
    co = fit.coefficients
    close([x.estimate for x in co], case["beta"], rtol, atol=1e-8)
    close([x.se for x in co], case["se"], rtol)
    close([x.statistic for x in co], case["stat"], rtol, atol=1e-8)
    close([x.pvalue for x in co], case["pval"], rtol, atol=1e-9)
    close([x.ci_lb for x in co], case["ci_lb"], rtol, atol=1e-8)
    close([x.ci_ub for x in co], case["ci_ub"], rtol, atol=1e-8)
    close(fit.i2, case["I2"], rtol, atol=1e-7)
    close(fit.r2, case["R2"], rtol, atol=1e-6)
    close(fit.qm, case["QM"], rtol)
    assert fit.qm_df == case["QMdf"][0]
    if case["test"] == "knha":
        assert fit.qe_df == case["QMdf"][1]  # F(qm_df, qe_df)
    close(fit.qm_pvalue, case["QMp"], rtol, atol=1e-9)
    close(fit.qe, case["QE"], CLOSED_RTOL)
    assert fit.qe_df == case["QEdf"]
    close(fit.qe_pvalue, case["QEp"], CLOSED_RTOL, atol=1e-12)
    close([st.weight for st in fit.studies], case["weights"], rtol)
    close(fit.fitted, case["fitted"], rtol, atol=1e-8)
    newdata = spec["newdata"]
    preds = fit.predict({m: newdata[m] for m in spec["mods"]})
    p = case["pred"]
    t = [x.transformed for x in preds]
    close([x.est for x in t], p["pred"], rtol, atol=1e-8)
    close([x.se for x in t], p["se"], rtol)
    close([x.ci_lb for x in t], p["ci_lb"], rtol, atol=1e-8)
    close([x.ci_ub for x in t], p["ci_ub"], rtol, atol=1e-8)
    close([x.pi_lb for x in t], p["pi_lb"], rtol, atol=1e-8)
    close([x.pi_ub for x in t], p["pi_ub"], rtol, atol=1e-8)
    b = [x.proportion for x in preds]
    close([x.est for x in b], p["bt"], rtol, atol=1e-8)
    close([x.ci_lb for x in b], p["bt_ci_lb"], rtol, atol=1e-8)
    close([x.ci_ub for x in b], p["bt_ci_ub"], rtol, atol=1e-8)
    close([x.pi_lb for x in b], p["bt_pi_lb"], rtol, atol=1e-8)
    close([x.pi_ub for x in b], p["bt_pi_ub"], rtol, atol=1e-8)
    observed = fit.predict_design(fit.design)
    close([x.transformed.pi_lb for x in observed], case["fitted_pi"]["lb"], rtol, atol=1e-8)
    close([x.transformed.pi_ub for x in observed], case["fitted_pi"]["ub"], rtol, atol=1e-8)


def _perm_cases():
    data = load("metareg_anlotinib")
    for s, spec in enumerate(data["specs"]):
        for c, case in enumerate(spec["permutest"]):
            yield pytest.param(
                s,
                c,
                id=f"{'+'.join(spec['mods'])}-{case['measure']}-{case['method']}-{case['test']}",
            )


@pytest.mark.parametrize(("s", "c"), list(_perm_cases()))
def test_exact_permutest_matches_metafor(s, c):
    data = load("metareg_anlotinib")
    spec = data["specs"][s]
    case = spec["permutest"][c]
    d = data["data"]
    fit = metareg(
        d["events"],
        d["n"],
        {m: d[m] for m in spec["mods"]},
        measure=case["measure"],
        method=case["method"],
        test=case["test"],
    )
    res = permutest(fit)
    assert res.exact
    assert res.iterations == case["iter"]
    close(res.pvalues, case["pval"], 1e-12, atol=1e-12)
    close(res.qm_pvalue, case["QMp"], 1e-12, atol=1e-12)


def _cumul_cases():
    for name in CUMUL_SETS:
        for c, case in enumerate(load(f"cumul_{name}")["cases"]):
            yield pytest.param(
                name, c, id=f"{name}-{case['measure']}-{case['method']}-{case['test']}"
            )


@pytest.mark.parametrize(("name", "c"), list(_cumul_cases()))
def test_cumulative_matches_cumul(name, c):
    data = load(f"cumul_{name}")
    case = data["cases"][c]
    d = data["data"]
    res = cumulative(
        d["events"],
        d["n"],
        d[data["order_by"]],
        measure=case["measure"],
        method=case["method"],
        test=case["test"],
        labels=d["study"],
    )
    rtol = rtol_of(case["method"])
    assert [j + 1 for j in res.order] == case["order"]
    assert [s.label for s in res.steps] == [d["study"][j - 1] for j in case["order"]]
    assert [s.k for s in res.steps] == list(range(1, len(case["order"]) + 1))
    st = res.steps
    close([s.te for s in st], case["estimate"], rtol, atol=1e-8)
    close([s.se for s in st], case["se"], rtol)
    close([s.te_ci_lb for s in st], case["ci_lb"], rtol, atol=1e-8)
    close([s.te_ci_ub for s in st], case["ci_ub"], rtol, atol=1e-8)
    close([s.tau2 for s in st], case["tau2"], rtol, atol=1e-9)
    close([s.q for s in st], case["Q"], CLOSED_RTOL)
    close([s.q_pvalue for s in st], case["Qp"], CLOSED_RTOL, atol=1e-12)
    close([s.i2 for s in st], case["I2_q"], CLOSED_RTOL, atol=1e-8)
    if case["method"] == "DL":  # metafor's τ²-based I² is the Q-based one under DL
        close([s.i2 for s in st], case["I2"], CLOSED_RTOL, atol=1e-8)
    # step 1 is the single study (engine rule, checked in test_core_cumulative.py)
    close([s.est for s in st[1:]], case["bt"][1:], rtol, atol=1e-8)
    close([s.ci_lb for s in st[1:]], case["bt_ci_lb"][1:], rtol, atol=1e-8)
    close([s.ci_ub for s in st[1:]], case["bt_ci_ub"][1:], rtol, atol=1e-8)
