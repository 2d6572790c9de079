"""The engine against R metafor 3.8-1: every field of every fixture case.

Fixtures are written by ``validation/metafor/make_fixtures.R`` (run once with R; the tests never
need R). Tolerances:
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from core import egger_test, leave_one_out, pool_glmm, pool_medians, pool_subgroups
from core.measures import escalc
from core.pooling import pool_proportions
from core.study_ci import study_ci

FIXTURES = Path(__file__).parent / "fixtures" / "metafor"

# Closed forms (escalc, DL, Q, weights, Wald/HK intervals, back-transforms) agree with R to
# rounding error; 1e-10 leaves room for different summation order over a few terms.
CLOSED_RTOL = 1e-10
# REML/ML (Fisher scoring) and PM/Q-profile (root finding) are iterative; both sides are run to
# tight convergence (metafor: threshold 1e-10, tol 1e-12), so they agree far better than 1e-6.
ITER_RTOL = 1e-6
# Absolute floor for values that are 0 (τ² at the boundary, clamped proportions, p ≈ 0).
ATOL = 1e-12
# lme4's glmer (nAGQ = 7) stops its bobyqa/Nelder–Mead search at relative changes of ~1e-6 in
# the deviance, so its μ̂ and τ̂ are only good to ~1e-5 relative (the engine's optimum has the
# higher log-likelihood), and its SE comes from a finite-difference Hessian at that slightly
# different point: with τ² = 36 (zero_all) the SEs differ by 9e-5 relative. Hence 2e-4.
GLMM_RTOL = 2e-4
GLMM_ATOL = 1e-6
# metafor's Wald QE comes from an IRLS glm fit that stops at a relative deviance change of 1e-8.
GLM_RTOL = 1e-5

MEASURES = ("PFT", "PLO", "PRAW", "PAS", "PLN")
METHODS = ("DL", "REML", "PM", "ML")
TESTS = ("z", "knha")
POOLED_SETS = (
    "dataset_a",
    "dataset_b",
    "pritz1997",
    "zero_all",
    "k2",
    "tau0",
    "sarcoma16",
    "subgroups",
)
ALL_SETS = (*POOLED_SETS, "k1")


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def arr(x) -> np.ndarray:
    if x is None:
        return np.array(np.nan)
    return np.array(
        [np.nan if v is None else v for v in x] if isinstance(x, list) else x, dtype=float
    )


def close(actual, expected, rtol: float, atol: float = ATOL) -> None:
    np.testing.assert_allclose(arr(actual), arr(expected), rtol=rtol, atol=atol, equal_nan=True)


def _cases():
    for name in POOLED_SETS:
        for i, case in enumerate(load(name)["cases"]):
            yield pytest.param(
                name, i, id=f"{name}-{case['measure']}-{case['method']}-{case['test']}"
            )


def _rtol(method: str) -> float:
    return CLOSED_RTOL if method == "DL" else ITER_RTOL


def test_fixture_grid_is_complete():
    for name in POOLED_SETS:
        data = load(name)
        assert data["source"]["metafor"] == "3.8.1"
        grid = {(c["measure"], c["method"], c["test"]) for c in data["cases"]}
        assert grid == {(m, t, s) for m in MEASURES for t in METHODS for s in TESTS}, name
        assert {(c["measure"], c["method"]) for c in data["leave1out"]} == {
            (m, t) for m in MEASURES for t in METHODS
        }
        assert "glmm" in data
        if len(data["data"]["xi"]) >= 3:
            assert {(c["measure"], c["method"], c["test"]) for c in data["egger"]} == grid
    assert len(load("subgroups")["subgroups"]) == len(MEASURES) * len(METHODS) * len(TESTS)
    assert len(load("medians")["cases"]) == len(METHODS) * len(TESTS)
    assert load("k1")["data"]["xi"] == [7]


@pytest.mark.parametrize("name", ALL_SETS)
@pytest.mark.parametrize("measure", MEASURES)
def test_escalc(name, measure):
    data = load(name)
    yi, vi = escalc(data["data"]["xi"], data["data"]["ni"], measure)
    close(yi, data["escalc"][measure]["yi"], CLOSED_RTOL)
    close(vi, data["escalc"][measure]["vi"], CLOSED_RTOL)


@pytest.mark.parametrize("name", ALL_SETS)
@pytest.mark.parametrize("method", ["wilson", "exact"])
def test_study_ci(name, method):
    data = load(name)
    lo, hi = study_ci(data["data"]["xi"], data["data"]["ni"], method=method)
    close(lo, data["study_ci"][method]["lb"], 1e-9)
    close(hi, data["study_ci"][method]["ub"], 1e-9)


@pytest.mark.parametrize(("name", "index"), list(_cases()))
def test_pool_matches_metafor(name, index):
    data = load(name)
    c = data["cases"][index]
    res = pool_proportions(
        data["data"]["xi"],
        data["data"]["ni"],
        measure=c["measure"],
        method=c["method"],
        test=c["test"],
    )
    rtol = _rtol(c["method"])
    close([s.yi for s in res.studies], c["yi"], CLOSED_RTOL)
    close([s.vi for s in res.studies], c["vi"], CLOSED_RTOL)
    close(res.q, c["q"], CLOSED_RTOL)
    assert res.df == c["q_df"]
    close(res.q_pvalue, c["q_pvalue"], 1e-9)
    close(res.i2, c["I2_q"], CLOSED_RTOL)
    close(res.tau2, c["tau2"], rtol)
    lb, ub = c["tau2_ci"]
    close(res.tau2_ci[0], lb, ITER_RTOL)
    if ub == max(100.0, 10.0 * c["tau2"]):  # metafor stops its search at tau2.max; we do not
        assert res.tau2_ci[1] >= ub
    else:
        close(res.tau2_ci[1], ub, ITER_RTOL)
    t = res.random.transformed
    close(t.est, c["mu"], rtol)
    close(t.se, c["se"], rtol)
    close(t.zval, c["zval"], rtol)
    close(t.pval, c["pval"], max(rtol, 1e-9))
    close([t.ci_lb, t.ci_ub], [c["ci_lb"], c["ci_ub"]], rtol)
    close([t.pi_lb, t.pi_ub], [c["pi_lb"], c["pi_ub"]], rtol)
    close([s.weight for s in res.studies], c["weights"], rtol)
    f = res.common.transformed
    close(
        [f.est, f.se, f.ci_lb, f.ci_ub],
        [c["fe_mu"], c["fe_se"], c["fe_ci_lb"], c["fe_ci_ub"]],
        CLOSED_RTOL,
    )
    close(res.n_bar, c["n_bar"], CLOSED_RTOL)
    close(res.random.est, c["bt_est"], rtol)
    close([res.random.ci_lb, res.random.ci_ub], c["bt_ci"], rtol)
    close([res.random.pi_lb, res.random.pi_ub], c["bt_pi"], rtol)
    close([res.common.est, res.common.ci_lb, res.common.ci_ub], c["bt_fe"], CLOSED_RTOL)


@pytest.mark.parametrize("name", POOLED_SETS)
def test_glmm_matches_rma_glmm(name):
    data = load(name)
    g = data["glmm"]
    res = pool_glmm(data["data"]["xi"], data["data"]["ni"])
    assert res.method == "GLMM"
    t = res.random.transformed
    # τ² near 0 is compared on the SD scale (lme4 optimises τ, not τ²).
    close(math.sqrt(res.tau2), math.sqrt(g["tau2"]), GLMM_RTOL, atol=1e-4)
    close(t.est, g["mu"], GLMM_RTOL, GLMM_ATOL)
    close(t.se, g["se"], GLMM_RTOL, GLMM_ATOL)
    close([t.ci_lb, t.ci_ub], [g["ci_lb"], g["ci_ub"]], GLMM_RTOL, GLMM_ATOL)
    close([t.pi_lb, t.pi_ub], [g["pi_lb"], g["pi_ub"]], GLMM_RTOL, GLMM_ATOL)
    close(res.random.est, g["bt_est"], GLMM_RTOL, GLMM_ATOL)
    close([res.random.ci_lb, res.random.ci_ub], g["bt_ci"], GLMM_RTOL, GLMM_ATOL)
    x, n = np.array(data["data"]["xi"]), np.array(data["data"]["ni"])
    if np.all((x > 0) & (x < n)):  # without 0/n studies metafor's Wald QE is Cochran's Q
        close(res.q, g["qe_wald"], GLM_RTOL)


def _loo_cases():
    for name in POOLED_SETS:
        for i, case in enumerate(load(name)["leave1out"]):
            yield pytest.param(name, i, id=f"{name}-{case['measure']}-{case['method']}")


@pytest.mark.parametrize(("name", "index"), list(_loo_cases()))
def test_leave_one_out_matches_leave1out(name, index):
    data = load(name)
    c = data["leave1out"][index]
    pools = leave_one_out(
        data["data"]["xi"], data["data"]["ni"], measure=c["measure"], method=c["method"]
    )
    rtol = _rtol(c["method"])
    if len(pools) == 2:  # k = 2: each leave-one-out "pool" is a single study
        close([p.studies[0].yi for p in pools], c["estimate"], CLOSED_RTOL)
        close([math.sqrt(p.studies[0].vi) for p in pools], c["se"], CLOSED_RTOL)
        return
    close([p.random.transformed.est for p in pools], c["estimate"], rtol)
    close([p.random.transformed.se for p in pools], c["se"], rtol)
    close([p.random.transformed.ci_lb for p in pools], c["ci_lb"], rtol)
    close([p.random.transformed.ci_ub for p in pools], c["ci_ub"], rtol)
    close([p.tau2 for p in pools], c["tau2"], rtol)
    close([p.q for p in pools], c["q"], CLOSED_RTOL)
    close([p.random.est for p in pools], c["bt_est"], rtol)


def _egger_cases():
    for name in POOLED_SETS:
        for i, case in enumerate(load(name).get("egger", [])):
            yield pytest.param(
                name, i, id=f"{name}-{case['measure']}-{case['method']}-{case['test']}"
            )


@pytest.mark.parametrize(("name", "index"), list(_egger_cases()))
def test_egger_matches_regtest(name, index):
    data = load(name)
    c = data["egger"][index]
    eg = egger_test(
        data["data"]["xi"],
        data["data"]["ni"],
        measure=c["measure"],
        method=c["method"],
        test=c["test"],
    )
    rtol = _rtol(c["method"])
    close(
        [eg.intercept, eg.se, eg.stat, eg.limit_est],
        [c["intercept"], c["se"], c["stat"], c["limit_est"]],
        rtol,
        atol=1e-9,
    )
    close(eg.pvalue, c["pvalue"], max(rtol, 1e-9), atol=1e-9)
    assert eg.df == (c["df"] if c["test"] == "knha" else None)
    assert eg.warnings == ("k < 10: low power",) if eg.k < 10 else eg.warnings == ()


def _subgroup_cases():
    for i, case in enumerate(load("subgroups")["subgroups"]):
        yield pytest.param(i, id=f"{case['measure']}-{case['method']}-{case['test']}")


@pytest.mark.parametrize("index", list(_subgroup_cases()))
def test_subgroups_match_separate_rma_fits(index):
    data = load("subgroups")
    c = data["subgroups"][index]
    res = pool_subgroups(
        data["data"]["xi"],
        data["data"]["ni"],
        data["data"]["groups"],
        measure=c["measure"],
        method=c["method"],
        test=c["test"],
    )
    rtol = _rtol(c["method"])
    assert list(res.groups) == [g["name"] for g in c["groups"]]
    for g in c["groups"]:
        pool = res.groups[g["name"]]
        assert pool.k == g["k"]
        if pool.k == 1:
            close(pool.random.est, g["bt_est"], CLOSED_RTOL)
            continue
        close(pool.random.transformed.est, g["mu"], rtol)
        close(pool.random.transformed.se, g["se"], rtol)
        close(pool.tau2, g["tau2"], rtol)
        close(pool.random.est, g["bt_est"], rtol)
    close(res.q_between, c["q_between"], rtol)
    assert res.df_between == c["df_between"]
    close(res.p_between, c["p_between"], max(rtol, 1e-9))


@pytest.mark.parametrize("index", range(len(METHODS) * len(TESTS)))
def test_medians_match_rma_with_sei(index):
    data = load("medians")
    c = data["cases"][index]
    d = data["data"]
    res = pool_medians(
        d["estimate"],
        d["ci_low"],
        d["ci_high"],
        method=c["method"],
        test=c["test"],
        labels=d["label"],
    )
    rtol = _rtol(c["method"])
    assert res.k == c["k"]
    assert [e.label for e in res.excluded] == ["M6"]
    close([s.se for s in res.studies], c["sei"], CLOSED_RTOL)
    close([res.tau2, res.q, res.i2], [c["tau2"], c["q"], c["I2_q"]], rtol)
    close(
        [res.random.est, res.random.se, res.random.ci_lb, res.random.ci_ub],
        [c["mu"], c["se"], c["ci_lb"], c["ci_ub"]],
        rtol,
    )
    close([res.random.pi_lb, res.random.pi_ub], [c["pi_lb"], c["pi_ub"]], rtol)
    close([s.weight for s in res.studies], c["weights"], rtol)
    close([res.common.est, res.common.se], [c["fe_mu"], c["fe_se"]], CLOSED_RTOL)
