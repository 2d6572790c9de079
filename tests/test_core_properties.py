"""Property tests: order invariance, CI contains the estimate, bounds, batch == scalar."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import pool_proportions, pool_proportions_batch

MEASURES = ("PFT", "PLO", "PRAW", "PAS", "PLN")
METHODS = ("DL", "REML", "PM", "ML")
# Reordering studies changes only the summation order; iterative estimators stop at 1e-10.
ORDER_RTOL = 1e-7
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def studies(draw, min_k: int = 2, max_k: int = 12):
    k = draw(st.integers(min_k, max_k))
    n = draw(st.lists(st.integers(1, 200), min_size=k, max_size=k))
    x = [draw(st.integers(0, ni)) for ni in n]
    return x, n


options = st.fixed_dictionaries(
    {
        "measure": st.sampled_from(MEASURES),
        "method": st.sampled_from(METHODS),
        "test": st.sampled_from(("z", "knha")),
    }
)


def _values(res) -> list[float]:
    out = [
        res.random.est,
        res.random.ci_lb,
        res.random.ci_ub,
        res.common.est,
        res.common.ci_lb,
        res.common.ci_ub,
        res.q,
        res.i2,
        res.tau2,
    ]
    out += [v for v in (res.random.pi_lb, res.random.pi_ub) if v is not None]
    return out


@SETTINGS
@given(data=studies(), opts=options, seed=st.integers(0, 2**32 - 1))
def test_order_of_studies_never_changes_results(data, opts, seed):
    x, n = data
    perm = np.random.default_rng(seed).permutation(len(x))
    a = pool_proportions(x, n, **opts)
    b = pool_proportions([x[i] for i in perm], [n[i] for i in perm], **opts)
    np.testing.assert_allclose(_values(b), _values(a), rtol=ORDER_RTOL, atol=1e-9)
    np.testing.assert_allclose(
        [b.studies[j].weight for j in np.argsort(perm)],
        [s.weight for s in a.studies],
        rtol=ORDER_RTOL,
        atol=1e-9,
    )


@SETTINGS
@given(data=studies(min_k=1), opts=options)
def test_intervals_and_ranges(data, opts):
    res = pool_proportions(*data, **opts)
    for e in (res.random, res.common):
        assert 0.0 <= e.ci_lb <= e.est <= e.ci_ub <= 1.0
        if e.pi_lb is not None:
            assert 0.0 <= e.pi_lb <= e.ci_lb and e.ci_ub <= e.pi_ub <= 1.0
    for s in res.studies:
        assert 0.0 <= s.ci_low <= s.proportion <= s.ci_high <= 1.0
    if res.k >= 2:
        assert 0.0 <= res.i2 <= 100.0
        assert res.tau2 >= 0.0 and 0.0 <= res.q_pvalue <= 1.0
        assert math.isclose(sum(s.weight for s in res.studies), 100.0)
        lb, ub = res.tau2_ci
        assert 0.0 <= lb <= ub


@SETTINGS
@given(data=st.data(), opts=options, m=st.integers(1, 6), k=st.integers(2, 10))
def test_batch_equals_scalar(data, opts, m, k):
    n = np.array(data.draw(st.lists(st.integers(1, 150), min_size=m * k, max_size=m * k)))
    x = np.array([data.draw(st.integers(0, int(ni))) for ni in n])
    x, n = x.reshape(m, k), n.reshape(m, k)
    batch = pool_proportions_batch(x, n, **opts)
    for row in range(m):
        res = pool_proportions(x[row], n[row], **opts)
        assert batch.est[row] == res.random.est
        assert (batch.ci_lb[row], batch.ci_ub[row]) == (res.random.ci_lb, res.random.ci_ub)
        assert batch.common_est[row] == res.common.est
        assert batch.tau2[row] == res.tau2 and batch.q[row] == res.q and batch.i2[row] == res.i2
        if k >= 3:
            assert (batch.pi_lb[row], batch.pi_ub[row]) == (res.random.pi_lb, res.random.pi_ub)
        else:
            assert np.isnan(batch.pi_lb[row]) and res.random.pi_lb is None


def test_the_engines_tail_functions_are_scipy_stats_to_the_last_bit() -> None:
    # core.distributions keeps scipy.stats (most of a second to import) off the first page
    from scipy import stats

    from core import distributions as d

    rng = np.random.default_rng(7)
    q = np.concatenate([[0.005, 0.025, 0.05, 0.1, 0.5], rng.random(200)])
    x = rng.normal(0, 3, 200)
    df = rng.integers(1, 60, 200).astype(float)
    n = rng.integers(1, 500, 2000).astype(float)
    k = np.floor(rng.random(2000) * n) + 1  # 1 <= k <= n
    pairs = [
        (d.norm_isf(q), stats.norm.isf(q)),
        (d.norm_sf(x), stats.norm.sf(x)),
        (d.t_isf(q[:200], df), stats.t.isf(q[:200], df)),
        (d.t_sf(x, df), stats.t.sf(x, df)),
        (d.chi2_sf(np.abs(x), df), stats.chi2.sf(np.abs(x), df)),
        (d.chi2_isf(q[:200], df), stats.chi2.isf(q[:200], df)),
        (d.chi2_ppf(q[:200], df), stats.chi2.ppf(q[:200], df)),
    ]
    for level in (0.025, 0.05, 0.005):
        pairs.append((d.beta_ppf(level, k, n - k + 1), stats.beta.ppf(level, k, n - k + 1)))
        pairs.append((d.beta_isf(level, k, n - k + 1), stats.beta.isf(level, k, n - k + 1)))
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours, theirs)


@SETTINGS
@given(
    k=st.integers(2, 30),
    seed=st.integers(0, 2**32 - 1),
    intercept=st.booleans(),
)
def test_one_column_closed_forms_equal_the_projection_matrix(k, seed, intercept):
    """With one column the REML, DL and HE steps use tr(P), ΣPᵢⱼ² and diag(P) in closed form
    (no k × k matrix); they equal the matrix computations to rounding."""
    from core import heterogeneity as h

    rng = np.random.default_rng(seed)
    w = rng.uniform(0.01, 50.0, (3, k))
    x = np.ones((3, k, 1)) if intercept else rng.uniform(-2.0, 2.0, (3, k, 1))
    fit = h.wls(rng.normal(size=(3, k)), w, x)
    pm = h._p_matrix(fit, x)
    np.testing.assert_allclose(h._trace_p(fit, x), np.trace(pm, axis1=-2, axis2=-1), rtol=1e-9)
    np.testing.assert_allclose(h._sum_p_squared(fit, x), np.sum(pm * pm, axis=(-2, -1)), rtol=1e-9)
    np.testing.assert_allclose(
        h._p_diagonal(fit, x), np.diagonal(pm, axis1=-2, axis2=-1), rtol=1e-9, atol=1e-12
    )


@SETTINGS
@given(data=studies(min_k=2, max_k=10), seed=st.integers(0, 2**32 - 1))
def test_glmm_likelihood_at_several_points_equals_each_point_alone(data, seed):
    """The GLMM fit evaluates its likelihood at five (gradient) or nine (information) points in
    one pass, each starting its search for the modes where another ended: every value equals
    the likelihood at that point alone, and it is even in τ (τ = 0 is the binomial)."""
    from core import glmm

    x, n = (np.asarray(a, dtype=float) for a in data)
    rng = np.random.default_rng(seed)
    mu = rng.normal(-1.0, 1.5, 5)
    tau = np.concatenate([[0.0], rng.uniform(0.01, 3.0, 4)])
    start = rng.normal(0.0, 1.0, (5, x.size))
    values, _ = glmm._logliks(mu, tau, x, n, start)
    alone = [glmm.loglik(m, t, x, n) for m, t in zip(mu, tau, strict=True)]
    np.testing.assert_allclose(values, alone, rtol=1e-10)
    mirrored, _ = glmm._logliks(mu, -tau, x, n, start)
    np.testing.assert_allclose(mirrored, values, rtol=1e-10)
