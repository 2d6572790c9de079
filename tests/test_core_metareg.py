"""Meta-regression and cumulative meta-analysis: properties, coding and refusals."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core import pool_proportions
from core.cumulative import cumulative, sort_order
from core.metareg import (
    ModeratorError,
    fit_regression_arrays,
    metareg,
    permutation_count,
    permutest,
    rma_mods,
)

MEASURES = ("PFT", "PLO", "PRAW", "PAS", "PLN")
METHODS = ("DL", "REML", "PM", "ML")
SAME_RTOL = 1e-9  # same algorithm, different code path / summation order
ORDER_RTOL = 1e-7  # reordered studies; iterative estimators stop at 1e-10
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

options = st.fixed_dictionaries(
    {
        "measure": st.sampled_from(MEASURES),
        "method": st.sampled_from(METHODS),
        "test": st.sampled_from(("z", "knha")),
    }
)


@st.composite
def studies(draw, min_k: int = 2, max_k: int = 12):
    k = draw(st.integers(min_k, max_k))
    n = draw(st.lists(st.integers(1, 200), min_size=k, max_size=k))
    x = [draw(st.integers(0, ni)) for ni in n]
    return x, n


@st.composite
def with_moderators(draw):
    x, n = draw(studies(min_k=5, max_k=14))
    k = len(x)
    year = draw(st.lists(st.integers(2000, 2024), min_size=k, max_size=k))
    design = draw(
        st.lists(
            st.sampled_from(["rct_arm", "single_arm", "retrospective"]), min_size=k, max_size=k
        )
    )
    return x, n, {"year": year, "design": design}


def fit_or_skip(x, n, mods, **opts):
    try:
        return metareg(x, n, mods, **opts)
    except ModeratorError:
        assume(False)


def close(a, b, rtol, atol=1e-10):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


@SETTINGS
@given(data=studies(), opts=options)
def test_intercept_only_equals_the_pooling(data, opts):
    x, n = data
    fit = metareg(x, n, **opts)
    pool = pool_proportions(x, n, **opts)
    co = fit.coefficients[0]
    t = pool.random.transformed
    assert co.name == "intrcpt" and fit.r2 is None
    close([co.estimate, co.se, co.ci_lb, co.ci_ub], [t.est, t.se, t.ci_lb, t.ci_ub], SAME_RTOL)
    if math.isfinite(t.zval):
        close([co.statistic, co.pvalue], [t.zval, t.pval], SAME_RTOL)
    close([fit.tau2, fit.qe, fit.qe_pvalue], [pool.tau2, pool.q, pool.q_pvalue], SAME_RTOL)
    assert fit.qe_df == pool.df
    if opts["method"] == "DL":  # metafor's residual I² is the Q-based one under DL
        close(fit.i2, pool.i2, SAME_RTOL, atol=1e-8)
    close([s.weight for s in fit.studies], [s.weight for s in pool.studies], SAME_RTOL)
    (pred,) = fit.predict()
    prop = pred.proportion
    close(
        [prop.est, prop.ci_lb, prop.ci_ub],
        [pool.random.est, pool.random.ci_lb, pool.random.ci_ub],
        SAME_RTOL,
    )
    assert (prop.pi_lb is None) == (pool.random.pi_lb is None)
    if prop.pi_lb is not None:
        close([prop.pi_lb, prop.pi_ub], [pool.random.pi_lb, pool.random.pi_ub], SAME_RTOL)


def _summary(fit) -> list[float]:
    out = [fit.tau2, fit.qm, fit.qe, fit.qe_pvalue]
    for c in fit.coefficients:
        out += [c.estimate, c.se, c.ci_lb, c.ci_ub]
    return out


@SETTINGS
@given(data=with_moderators(), opts=options, seed=st.integers(0, 2**32 - 1))
def test_row_order_never_changes_a_meta_regression(data, opts, seed):
    x, n, mods = data
    a = fit_or_skip(x, n, mods, **opts)
    perm = np.random.default_rng(seed).permutation(len(x))
    b = metareg(
        [x[i] for i in perm],
        [n[i] for i in perm],
        {name: [v[i] for i in perm] for name, v in mods.items()},
        **opts,
    )
    assert [c.name for c in a.coefficients] == [c.name for c in b.coefficients]
    close(_summary(b), _summary(a), ORDER_RTOL, atol=1e-8)
    # I² and R² are percents of τ²: the 1e-10 stopping rule on τ² near 0 moves them by up to
    # 100·1e-10/ṽ (ṽ the typical within-study variance, down to ~0.005 here)
    close([b.i2, b.r2 or 0.0], [a.i2, a.r2 or 0.0], ORDER_RTOL, atol=1e-5)


@SETTINGS
@given(data=with_moderators(), opts=options)
def test_predictions_at_observed_rows_are_the_fitted_values(data, opts):
    x, n, mods = data
    fit = fit_or_skip(x, n, mods, **opts)
    preds = fit.predict(mods)
    close([p.transformed.est for p in preds], fit.fitted, SAME_RTOL, atol=1e-9)
    for p in preds:
        t = p.transformed
        assert t.ci_lb <= t.est <= t.ci_ub
        assert t.pi_lb is None or t.pi_lb <= t.ci_lb
        assert 0.0 <= p.proportion.ci_lb <= p.proportion.ci_ub <= 1.0


@SETTINGS
@given(data=studies(min_k=1), opts=options, keys=st.data())
def test_cumulative_steps_are_pools_of_the_first_studies(data, opts, keys):
    x, n = data
    k = len(x)
    order = keys.draw(st.lists(st.integers(2000, 2005), min_size=k, max_size=k))
    cum = cumulative(x, n, order, **opts)
    idx = list(cum.order)
    assert sorted(idx) == list(range(k))
    assert [order[i] for i in idx] == sorted(order)
    for a, b in itertools.pairwise(idx):  # ties keep input order
        assert order[a] < order[b] or a < b
    for i, step in enumerate(cum.steps, start=1):
        pool = pool_proportions([x[j] for j in idx[:i]], [n[j] for j in idx[:i]], **opts)
        close(
            [step.est, step.ci_lb, step.ci_ub],
            [pool.random.est, pool.random.ci_lb, pool.random.ci_ub],
            SAME_RTOL,
        )
        if i > 1:
            t = pool.random.transformed
            close(
                [step.te, step.se, step.tau2, step.q], [t.est, t.se, pool.tau2, pool.q], SAME_RTOL
            )
            close(step.i2, pool.i2, SAME_RTOL, atol=1e-8)
    last = cum.steps[-1]
    full = pool_proportions([x[j] for j in idx], [n[j] for j in idx], **opts)
    assert last.k == k
    assert last.est == pytest.approx(full.random.est, rel=SAME_RTOL, abs=1e-12)


def test_cumulative_first_step_is_the_single_study():
    cum = cumulative([3, 10, 7], [20, 40, 30], [2019, 2012, 2019], labels=["A", "B", "C"])
    assert [s.label for s in cum.steps] == ["B", "A", "C"]  # 2019 tie keeps file order
    first = cum.steps[0]
    single = pool_proportions([10], [40])
    assert (first.est, first.ci_lb, first.ci_ub) == (
        single.random.est,
        single.random.ci_lb,
        single.random.ci_ub,
    )
    assert (first.tau2, first.i2, first.q) == (0.0, 0.0, 0.0)
    assert first.te_ci_lb < first.te < first.te_ci_ub
    assert cum.to_list()[0]["study"] == "B"


def test_sort_order_text_keys_and_bad_keys():
    assert list(sort_order(["2020-03", "2019-11", "2020-03"], 3)) == [1, 0, 2]
    with pytest.raises(ValueError, match="study 2"):
        sort_order([2019, float("nan")], 2)
    with pytest.raises(ValueError, match="3 keys for 2"):
        sort_order([1, 2, 3], 2)


def test_factor_coding_matches_r():
    x, n = [3, 5, 2, 8, 6, 4], [20, 30, 25, 40, 35, 28]
    fit = metareg(
        x,
        n,
        {
            "design": [
                "single_arm",
                "rct_arm",
                "retrospective",
                "rct_arm",
                "single_arm",
                "retrospective",
            ],
            "year": [2015, 2016, 2018, 2019, 2020, 2022],
        },
        method="DL",
    )
    assert [c.name for c in fit.coefficients] == [
        "intrcpt",
        "designretrospective",
        "designsingle_arm",
        "year",
    ]
    assert fit.terms[0].levels == ("rct_arm", "retrospective", "single_arm")
    assert fit.qm_df == 3


@pytest.mark.parametrize(
    ("mods", "message"),
    [
        ({"year": [2020] * 6}, "moderator 'year' is constant"),
        ({"design": ["rct"] * 6}, "moderator 'design' is constant"),
        (
            {"a": [1, 2, 3, 4, 5, 6], "b": [2, 4, 6, 8, 10, 12]},
            "moderator 'b' is collinear with intrcpt, a",
        ),
        (
            {"g": ["x", "x", "y", "y", "z", "z"], "h": ["p", "p", "q", "q", "r", "r"]},
            "moderator 'h' is collinear",
        ),
        (
            {"a": [1, 2, 3, 4, 5, float("nan")]},
            "moderator 'a': study 6: nan is not a finite number",
        ),
        ({"a": [1, 2, 3, 4, 5, float("inf")]}, "moderator 'a': study 6"),
        ({"a": [1, 2, "x", 4, 5, 6]}, "moderator 'a': study 3: 'x' is not a number"),
        ({"g": ["x", "y", "", "x", "y", "x"]}, "moderator 'g': study 3: missing value"),
        ({"a": [1, 2, 3]}, "moderator 'a': 3 values for 6 studies"),
        (
            {"g": ["a", "b", "c", "d", "e", "f"]},
            "6 studies for 6 coefficients .*: a meta-regression needs at least 7",
        ),
    ],
)
def test_refuses_bad_moderators(mods, message):
    with pytest.raises(ModeratorError, match=message):
        metareg([3, 5, 2, 8, 6, 4], [20, 30, 25, 40, 35, 28], mods)


def test_k_equal_p_plus_one_is_allowed_without_prediction_interval():
    fit = metareg([3, 5, 2], [20, 30, 25], {"a": [1.0, 2.0, 4.0]}, method="DL")
    assert fit.qe_df == 1
    (pred,) = fit.predict({"a": [3.0]})
    assert pred.transformed.pi_lb is None and pred.proportion.pi_lb is None


def test_predict_refuses_unknown_levels_and_moderators():
    fit = metareg([3, 5, 2, 8], [20, 30, 25, 40], {"g": ["a", "b", "a", "b"]}, method="DL")
    with pytest.raises(ModeratorError, match="unknown level 'c'"):
        fit.predict({"g": ["c"]})
    with pytest.raises(ModeratorError, match="missing 'g'"):
        fit.predict({"h": ["a"]})
    with pytest.raises(ModeratorError, match="every moderator"):
        fit.predict()


def test_to_dict_has_the_cli_keys():
    fit = metareg(
        [3, 5, 2, 8, 6],
        [20, 30, 25, 40, 35],
        {"year": [2015, 2016, 2018, 2019, 2021]},
        method="REML",
        test="knha",
    )
    d = fit.to_dict()
    assert list(d) == [
        "k",
        "measure",
        "tau2_method",
        "tau2",
        "i2",
        "r2",
        "qm",
        "qm_df",
        "qm_p",
        "qe",
        "qe_df",
        "qe_p",
        "coefficients",
    ]
    assert list(d["coefficients"][0]) == [
        "name",
        "estimate",
        "se",
        "statistic",
        "p",
        "ci_low",
        "ci_high",
    ]
    assert d["qm"] == pytest.approx(d["coefficients"][1]["statistic"] ** 2)  # F(1, df) = t²


def test_permutest_random_is_seeded_and_bounded():
    x = [3, 5, 2, 8, 6, 4, 9, 1, 7, 5]
    n = [20, 30, 25, 40, 35, 28, 45, 15, 33, 30]
    fit = metareg(x, n, {"year": list(range(2010, 2020))}, method="DL")
    assert permutation_count(fit.design) == math.factorial(10)
    a = permutest(fit, iter=200, seed=7)
    b = permutest(fit, iter=200, seed=7)
    c = permutest(fit, iter=200, seed=8)
    assert a == b and not a.exact and a.iterations == 200 and a.seed == 7
    assert a != c
    for p in (*a.pvalues, a.qm_pvalue):
        assert 1 / 200 <= p <= 1.0  # the observed data are one of the permutations
    # with one moderator the two-sided test of its coefficient is the test of QM
    assert a.pvalues[1] == a.qm_pvalue


def test_permutest_random_approaches_the_exact_test():
    x, n = [3, 5, 2, 8, 6, 4, 9], [20, 30, 25, 40, 35, 28, 45]
    fit = metareg(x, n, {"year": [2010, 2012, 2013, 2015, 2016, 2018, 2020]}, method="REML")
    exact = permutest(fit, iter=5040)
    assert exact.exact and exact.iterations == 5040
    approx = permutest(fit, iter=4000, seed=1)
    assert not approx.exact
    se = math.sqrt(exact.qm_pvalue * (1 - exact.qm_pvalue) / 4000)
    assert abs(approx.qm_pvalue - exact.qm_pvalue) < 4 * se


def test_rma_mods_with_a_design_matrix_equals_named_moderators():
    y = [0.1, 0.3, -0.2, 0.5, 0.05, 0.4]
    v = [0.02, 0.05, 0.03, 0.04, 0.01, 0.06]
    a = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0]
    named = rma_mods(y, v, {"a": a})
    matrix = rma_mods(y, v, np.column_stack([np.ones(6), a]), names=["intrcpt", "a"])
    assert [c.estimate for c in named.coefficients] == [c.estimate for c in matrix.coefficients]
    with pytest.raises(ModeratorError, match="collinear"):
        rma_mods(y, v, np.column_stack([np.ones(6), a, a]))


def test_knapp_hartung_on_a_perfect_fit_leaves_qm_undefined():
    a = [1.0, 2.0, 3.0, 4.0, 5.0]
    y = [0.1 + 0.2 * x for x in a]
    fit = rma_mods(y, [0.02, 0.05, 0.03, 0.04, 0.01], {"a": a}, method="DL", test="knha")
    assert fit.coefficients[1].estimate == pytest.approx(0.2)
    assert fit.coefficients[1].se == 0.0  # s² = 0 (metafor: the same, and QM NA)
    assert math.isnan(fit.qm)
    assert fit.to_dict()["qm"] is None
    # in a batch, the undefined row leaves the others alone
    X = np.column_stack([np.ones(5), a])
    rows = fit_regression_arrays(
        np.array([y, [0.3, 0.1, 0.4, 0.2, 0.5]]), np.full((2, 5), 0.03), X, method="DL", test="knha"
    )
    assert math.isnan(rows.qm[0]) and math.isfinite(rows.qm[1])


def test_exact_permutation_test_refuses_an_astronomical_count():
    x = [3, 5, 2, 8, 6, 4, 9, 1, 7, 5]
    n = [20, 30, 25, 40, 35, 28, 45, 15, 33, 30]
    fit = metareg(x, n, {"year": list(range(2010, 2020))}, method="DL")
    with pytest.raises(ValueError, match="3628800 permutations"):
        permutest(fit, exact=True)


def test_results_are_frozen_arrays_included():
    fit = metareg([3, 5, 2, 8], [20, 30, 25, 40], {"a": [1.0, 2.0, 3.0, 5.0]})
    with pytest.raises(ValueError, match="read-only"):
        fit.vcov[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        fit.design[0, 1] = 9.0
