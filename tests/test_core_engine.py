"""Golden values of methods.md §10, edge cases (0/n, n/n, k = 1, k = 2, τ² = 0) and warnings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import (
    egger_test,
    leave_one_out,
    pool_glmm,
    pool_medians,
    pool_proportions,
    pool_subgroups,
    study_ci,
)
from core.backtransform import ift_miller, mean_n
from core.measures import escalc

# methods.md prints golden values to 4–6 significant digits.
GOLDEN_ABS = 5e-7
A_X, A_N = [0, 1, 12, 38, 40], [10, 10, 20, 40, 40]
B_X, B_N = [3, 6, 10, 1], [11, 17, 21, 6]


def test_dataset_a_golden_values():
    res = pool_proportions(A_X, A_N)
    yi = [s.yi for s in res.studies]
    np.testing.assert_allclose(
        yi, [0.1531387, 0.3733940, 0.8813361, 1.3224900, 1.4923885], atol=GOLDEN_ABS
    )
    assert res.q == pytest.approx(96.4471, abs=5e-5)
    assert res.tau2 == pytest.approx(0.255408, abs=GOLDEN_ABS)
    assert 4 * res.tau2 == pytest.approx(1.021630, abs=2e-6)  # Stata (doubled) scale
    assert res.i2 == pytest.approx(95.85, abs=5e-3)
    assert res.random.transformed.est == pytest.approx(0.859516, abs=GOLDEN_ABS)
    assert res.random.se == pytest.approx(0.232209, abs=GOLDEN_ABS)
    assert res.n_bar == pytest.approx(16.6667, abs=5e-5)
    assert res.random.est == pytest.approx(0.578149, abs=GOLDEN_ABS)
    assert res.random.ci_lb == pytest.approx(0.135223, abs=GOLDEN_ABS)
    assert res.random.ci_ub == pytest.approx(0.958864, abs=GOLDEN_ABS)
    assert (res.random.pi_lb, res.random.pi_ub) == (0.0, 1.0)
    assert res.tau2_ci == pytest.approx((0.105918, 2.770517), abs=GOLDEN_ABS)


def test_dataset_a_other_estimators_and_hksj():
    hk = pool_proportions(A_X, A_N, test="knha")
    assert hk.random.ci_lb == pytest.approx(0.001403, abs=GOLDEN_ABS)
    assert hk.random.ci_ub == 1.0
    assert pool_proportions(A_X, A_N, method="REML").tau2 == pytest.approx(0.321160, abs=1e-6)
    assert pool_proportions(A_X, A_N, method="PM").tau2 == pytest.approx(0.3221, abs=5e-5)


def test_dataset_a_study_cis():
    lo, hi = study_ci(A_X, A_N, method="exact")
    assert (lo[0], hi[0]) == pytest.approx((0.0, 0.3085), abs=5e-5)
    assert (lo[1], hi[1]) == pytest.approx((0.0025, 0.4450), abs=5e-5)
    assert (lo[4], hi[4]) == pytest.approx((0.9119, 1.0), abs=5e-5)
    lo, hi = study_ci(A_X, A_N, method="wilson")
    assert (lo[0], hi[0]) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert (lo[1], hi[1]) == pytest.approx((0.0179, 0.4042), abs=5e-5)
    assert (lo[4], hi[4]) == pytest.approx((0.9124, 1.0), abs=5e-5)


def test_dataset_b_golden_values():
    res = pool_proportions(B_X, B_N)
    assert res.q == pytest.approx(2.1754, abs=5e-5)
    assert res.tau2 == 0.0
    assert res.n_bar == pytest.approx(10.9885, abs=5e-5)
    assert res.random.est == pytest.approx(0.359522, abs=GOLDEN_ABS)
    assert (res.random.ci_lb, res.random.ci_ub) == pytest.approx((0.229709, 0.498994), abs=1e-6)
    assert (res.random.pi_lb, res.random.pi_ub) == pytest.approx((0.1001, 0.6650), abs=5e-5)
    assert res.i2 == 0.0


def test_miller_returns_own_proportion_per_study():
    x = np.arange(0, 21)
    y, _ = escalc(x, np.full(21, 20), "PFT")
    np.testing.assert_allclose(ift_miller(y, 20), x / 20, atol=1e-12)


def test_mean_n_choices():
    n = np.array([10.0, 40.0])
    assert mean_n(n, "harmonic") == pytest.approx(16.0)
    assert mean_n(n, "geometric") == pytest.approx(20.0)
    assert mean_n(n, "arithmetic") == pytest.approx(25.0)
    with pytest.raises(ValueError, match="mean_n"):
        mean_n(n, "median")
    geo = pool_proportions(A_X, A_N, mean_n="geometric")
    assert geo.n_bar == pytest.approx(20.0)
    assert geo.random.transformed.est == pool_proportions(A_X, A_N).random.transformed.est
    assert geo.random.est != pool_proportions(A_X, A_N).random.est


def test_k1_single_study_not_pooled():
    res = pool_proportions([7], [23], labels=["only"])
    assert res.k == 1
    assert res.warnings[0] == "k = 1: single study, not pooled"
    assert res.random == res.common
    assert res.random.est == pytest.approx(7 / 23)
    lo, hi = study_ci([7], [23])
    assert (res.random.ci_lb, res.random.ci_ub) == (lo[0], hi[0])
    assert res.random.pi_lb is None
    assert res.studies[0].weight == 100.0
    d = res.to_dict()
    assert d["heterogeneity"]["p"] is None and d["heterogeneity"]["i2"] is None
    assert pool_glmm([7], [23]).warnings[0] == "k = 1: single study, not pooled"


def test_k2_pooled_without_prediction_interval():
    res = pool_proportions([4, 9], [20, 31])
    assert res.k == 2
    assert "k < 3: no prediction interval" in res.warnings
    assert res.random.pi_lb is None and res.random.pi_ub is None
    assert res.to_dict()["random"]["pi_low"] is None


def test_tau2_zero_gives_common_equals_random():
    for method in ("DL", "REML", "PM", "ML"):
        res = pool_proportions([10, 11, 12, 9, 10], [50, 52, 55, 48, 51], method=method)
        assert res.tau2 == 0.0
        assert res.random.est == pytest.approx(res.common.est, abs=1e-15)
        assert res.i2 == 0.0


@pytest.mark.parametrize("measure", ["PFT", "PLO", "PRAW", "PAS", "PLN"])
def test_zero_and_all_events(measure):
    res = pool_proportions([0, 0, 5, 12], [12, 25, 30, 12], measure=measure)
    assert any("3 studies with 0 or all events" in w for w in res.warnings)
    assert ("0.5 added" in " ".join(res.warnings)) == (measure in ("PLO", "PRAW", "PLN"))
    assert res.studies[0].proportion == 0.0 and res.studies[3].proportion == 1.0
    assert all(0.0 <= v <= 1.0 for v in (res.random.est, res.random.ci_lb, res.random.ci_ub))


def test_all_zero_events_pft_pools_to_zero():
    res = pool_proportions([0, 0, 0], [10, 20, 30])
    assert res.random.est == 0.0 and res.random.ci_lb == 0.0
    with pytest.raises(ValueError, match="GLMM not estimable"):
        pool_glmm([0, 0, 0], [10, 20, 30])


def test_ft_size_ratio_warning():
    res = pool_proportions([1, 30], [10, 100])
    assert any("Schwarzer 2019" in w for w in res.warnings)
    assert not any("Schwarzer" in w for w in pool_proportions([1, 30], [10, 99]).warnings)
    assert not any(
        "Schwarzer" in w for w in pool_proportions([1, 30], [10, 100], measure="PLO").warnings
    )


def test_glmm_nonconvergence_falls_back_with_warning(monkeypatch):
    import core.glmm

    monkeypatch.setattr(core.glmm, "fit_glmm", lambda x, n: (0.0, 0.1, math.nan, False))
    res = pool_glmm(A_X, A_N)
    assert res.method == "ML" and res.measure == "PLO"
    assert res.warnings[-1] == "GLMM did not converge: two-step logit (ML) shown instead"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "XX"}, "unknown measure"),
        ({"method": "HS"}, "unknown method"),
        ({"test": "t"}, "unknown test"),
        ({"level": 1.5}, "level"),
        ({"ci_method": "wald"}, "unknown ci_method"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool_proportions(A_X, A_N, **kwargs)


@pytest.mark.parametrize(
    ("events", "n", "message"),
    [
        ([1, 12], [10, 10], r"events\[1\]: 12 > n = 10"),
        ([1, -1], [10, 10], r"events\[1\]: -1 is not a non-negative integer"),
        ([1, 2.5], [10, 10], r"events\[1\]: 2.5 is not"),
        ([0, 0], [10, 0], r"n\[1\]: must be at least 1"),
        ([], [], "no studies"),
        ([1], [10, 10], "differ in shape"),
    ],
)
def test_bad_counts(events, n, message):
    with pytest.raises(ValueError, match=message):
        pool_proportions(events, n)


def test_subgroup_k1_group_and_q_between_by_hand():
    res = pool_subgroups(
        [4, 7, 3, 2, 5, 8], [30, 42, 25, 20, 31, 40], ["a", "a", "a", "b", "b", "c"]
    )
    assert list(res.groups) == ["a", "b", "c"]
    assert res.groups["c"].k == 1 and res.df_between == 2
    est = [res.groups[g].random.transformed.est for g in ("a", "b")]
    se = [res.groups[g].random.transformed.se for g in ("a", "b")]
    est.append(res.groups["c"].studies[0].yi)
    se.append(math.sqrt(res.groups["c"].studies[0].vi))
    w = 1 / np.square(se)
    m = np.sum(w * est) / np.sum(w)
    assert res.q_between == pytest.approx(float(np.sum(w * (np.array(est) - m) ** 2)), rel=1e-12)
    d = res.to_dict()
    assert set(d) >= {"subgroups", "q_between", "p_between", "k", "random"}
    assert d["subgroups"]["a"]["k"] == 3
    # n̄ is recomputed within each subgroup
    assert res.groups["a"].n_bar == pytest.approx(1 / np.mean(1 / np.array([30, 42, 25])))


def test_single_subgroup_has_no_between_test():
    res = pool_subgroups([4, 7, 3], [30, 42, 25], ["a", "a", "a"])
    assert math.isnan(res.q_between) and res.df_between == 0
    assert res.to_dict()["q_between"] is None


def test_leave_one_out_order_and_egger_guard():
    loo = leave_one_out(A_X, A_N, labels=list("ABCDE"))
    assert [tuple(s.label for s in p.studies) for p in loo] == [
        tuple(c for c in "ABCDE" if c != left) for left in "ABCDE"
    ]
    assert all(p.k == 4 for p in loo)
    with pytest.raises(ValueError, match="at least 3"):
        egger_test([1, 2], [10, 10])
    eg = egger_test(A_X, A_N)
    assert eg.warnings == ("k < 10: low power",)
    assert len(eg.funnel) == 5 and eg.funnel[2].proportion == 0.6
    assert eg.to_dict()["funnel"][0]["label"] == "Study 1"


def test_medians_rules():
    res = pool_medians(
        [4.0, 6.0, 5.0, 3.0],
        [3.0, 4.0, 3.5, None],
        [5.0, None, 7.0, None],
        labels=["a", "b", "c", "d"],
    )
    z = 1.959963984540054
    assert [s.se for s in res.studies] == pytest.approx([2 / (2 * z), 2 / z, 3.5 / (2 * z)])
    assert [(e.label, e.reason) for e in res.excluded] == [("d", "no confidence interval")]
    assert res.to_dict()["excluded"] == [{"study": "d", "reason": "no confidence interval"}]
    one = pool_medians([4.0, 5.0], [3.0, None], [5.0, None])
    assert one.k == 1 and one.warnings[0] == "k = 1: single study, not pooled"
    explicit = pool_medians([4.0, 6.0], [3.0, 4.0], [5.0, 9.0], upper_reached=[True, False])
    assert explicit.studies[1].se == pytest.approx(2 / z)
    with pytest.raises(ValueError, match="no study with a usable"):
        pool_medians([4.0], [None], [None])


def test_to_dict_shape_and_frame():
    res = pool_proportions(A_X, A_N, labels=list("ABCDE"))
    d = res.to_dict()
    assert list(d) == [
        "k",
        "measure",
        "tau2_method",
        "random",
        "common",
        "heterogeneity",
        "studies",
    ]
    assert list(d["random"]) == ["estimate", "ci_low", "ci_high", "pi_low", "pi_high"]
    assert list(d["common"]) == ["estimate", "ci_low", "ci_high"]
    assert list(d["heterogeneity"]) == ["q", "df", "p", "i2", "tau2"]
    assert list(d["studies"][0]) == [
        "study",
        "events",
        "n",
        "proportion",
        "ci_low",
        "ci_high",
        "weight",
    ]
    assert sum(s["weight"] for s in d["studies"]) == pytest.approx(100.0)
    frame = res.to_frame()
    assert list(frame["label"]) == list("ABCDE")
