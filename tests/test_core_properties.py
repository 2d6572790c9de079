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
