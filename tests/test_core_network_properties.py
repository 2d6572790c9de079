"""Properties of the network meta-analysis that hold for any data (core/network.py).

* A star network with one contrast per comparison is Bucher's anchored indirect comparison:
  ``d_AB = d_AC - d_BC``, ``SE = sqrt(se_AC² + se_BC²)``.
* A two-treatment network's common effect is inverse-variance pooling of its contrasts, and its
  τ² (DL and REML) is the pairwise estimator's.
* League entries are consistent (``d_AB = d_AC - d_BC``) and invariant to the reference, to the
  order of the rows, to the orientation of each contrast and to relabelling the treatments.
* A multi-arm trial's pairwise variances round-trip through the recovered arm variances, and its
  result does not depend on which of its arms is listed first.

Exact identities are checked to 1e-10 relative (different summation orders); REML iterates to
a relative change of 1e-12 so its comparisons use 1e-7.
"""

from __future__ import annotations

import math
import string

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.heterogeneity import tau2_estimate
from core.network import _build, _restricted_loglik, _studies, network_meta

RTOL = 1e-10
ATOL = 1e-12
ITER_RTOL = 1e-7

finite_te = st.floats(-3.0, 3.0, allow_nan=False)
positive_se = st.floats(0.05, 1.5, allow_nan=False)


def close(a: float, b: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


@st.composite
def star(draw):
    """A star around ``R``: treatments ``T0..Tn`` each compared with R in one trial."""
    n = draw(st.integers(2, 5))
    tes = draw(st.lists(finite_te, min_size=n, max_size=n))
    ses = draw(st.lists(positive_se, min_size=n, max_size=n))
    return [f"T{i}" for i in range(n)], tes, ses


@settings(deadline=None)
@given(star())
def test_star_network_is_bucher(data):
    treats, tes, ses = data
    n = len(treats)
    for model in ("common", "random"):
        res = network_meta(
            [f"s{i}" for i in range(n)], treats, ["R"] * n, tes, ses, reference="R", model=model
        )
        assert res.df == 0 and res.q == 0.0 and math.isnan(res.tau2) and math.isnan(res.i2)
        assert res.inconsistency is None
        for i in range(n):
            eff = next(e for e in res.effects if e.treatment == treats[i])
            assert close(eff.te, tes[i]) and close(eff.se, ses[i])
            for j in range(n):
                if i != j:
                    c = res.contrast(treats[i], treats[j])
                    assert close(c.te, tes[i] - tes[j], atol=1e-12)
                    assert close(c.se, math.hypot(ses[i], ses[j]))
                    zc = 1.959963984540054
                    assert close(c.ci_low, c.te - zc * c.se, atol=1e-12)


@st.composite
def pairwise(draw):
    k = draw(st.integers(2, 12))
    tes = draw(st.lists(finite_te, min_size=k, max_size=k))
    ses = draw(st.lists(positive_se, min_size=k, max_size=k))
    flips = draw(st.lists(st.booleans(), min_size=k, max_size=k))
    return tes, ses, flips


@settings(deadline=None)
@given(pairwise())
@example(  # the pairwise REML (and metafor's rma.uni) do not converge here; the network's does
    (
        [0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0],
        [1.0, 0.75, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 0.0625, 1.0, 0.75],
        [False] * 11,
    )
)
@example(  # REML likelihood with maxima at 0 (where rma.uni stops) and at 0.342 (higher)
    ([0.0, 0.0, 0.0, 1.5, 0.0, 0.0], [1.0, 1.0, 1.0, 0.375, 0.0625, 0.0625], [False] * 6)
)
def test_two_treatment_network_is_pairwise_meta_analysis(data):
    tes, ses, flips = data
    k = len(tes)
    # Some rows list the contrast the other way round (B vs A, TE negated).
    t1 = ["B" if f else "A" for f in flips]
    t2 = ["A" if f else "B" for f in flips]
    te = [-y if f else y for y, f in zip(tes, flips, strict=True)]
    y, v = np.array(tes), np.array(ses) ** 2
    w = 1.0 / v
    common = network_meta(range(k), t1, t2, te, ses, reference="B", model="common")
    (eff,) = common.effects
    assert eff.treatment == "A"
    assert close(eff.te, float(np.sum(w * y) / np.sum(w)), atol=1e-12)
    assert close(eff.se, float(1.0 / np.sqrt(np.sum(w))))
    q = float(np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2))
    assert common.df == k - 1
    if k > 1:
        assert close(common.q, q, atol=1e-10)
    for method, rtol in (("DL", RTOL), ("REML", ITER_RTOL)):
        res = network_meta(range(k), t1, t2, te, ses, reference="B", tau2_method=method)
        (tau2,), (converged,) = tau2_estimate(y[None, :], v[None, :], method)
        if not converged:  # metafor's rma.uni Fisher scoring fails too; rma.mv would not
            continue
        if not close(res.tau2, float(tau2), rtol=rtol, atol=1e-9):
            # two local maxima (e.g. at 0 and inside): the network's has the higher likelihood
            des = _build(_studies(range(k), t1, t2, te, ses), ("A", "B"), "B")
            assert _restricted_loglik(des, res.tau2) > _restricted_loglik(des, float(tau2))
            continue
        wr = 1.0 / (v + res.tau2)
        (eff,) = res.effects
        assert close(eff.te, float(np.sum(wr * y) / np.sum(wr)), rtol=rtol, atol=1e-9)
        assert close(eff.se, float(1.0 / np.sqrt(np.sum(wr))), rtol=rtol)


# ---- a general network with loops and multi-arm trials --------------------------------------

TREATMENTS = ("A", "B", "C", "D")


@st.composite
def network(draw):
    """Random designs over A-D from arm-level data (so multi-arm trials are consistent).

    Every treatment is in a two-arm trial with A, so the network is connected; more trials
    (two- or three-arm) are drawn on top.
    """
    designs = [("A", t) for t in TREATMENTS[1:]]
    extra = draw(
        st.lists(
            st.lists(st.sampled_from(TREATMENTS), min_size=2, max_size=3, unique=True),
            max_size=6,
        )
    )
    designs += [tuple(d) for d in extra]
    rows = []
    for s, arms in enumerate(designs):
        effects = draw(st.lists(finite_te, min_size=len(arms), max_size=len(arms)))
        var = draw(st.lists(st.floats(0.01, 0.8), min_size=len(arms), max_size=len(arms)))
        for i in range(len(arms)):
            for j in range(i + 1, len(arms)):
                rows.append(
                    (
                        f"s{s}",
                        arms[i],
                        arms[j],
                        effects[i] - effects[j],
                        math.sqrt(var[i] + var[j]),
                    )
                )
    return rows


def fit(rows, **kw):
    cols = list(zip(*rows, strict=True))
    return network_meta(*cols, **kw)


def league_map(res):
    return {(e.treat1, e.treat2): e for e in res.league}


@settings(max_examples=60, deadline=None)
@given(network(), st.sampled_from(["common", "random"]), st.sampled_from(["DL", "REML"]))
def test_league_is_consistent_and_invariant_to_reference(rows, model, method):
    res = fit(rows, reference="A", model=model, tau2_method=method)
    lg = league_map(res)
    for a in TREATMENTS:
        for b in TREATMENTS:
            if a == b:
                continue
            assert close(lg[a, b].te, -lg[b, a].te, atol=1e-12)
            assert close(lg[a, b].se, lg[b, a].se)
            for c in TREATMENTS:
                if c not in (a, b):
                    assert close(lg[a, b].te, lg[a, c].te - lg[b, c].te, rtol=1e-9, atol=1e-9)
    rtol = RTOL if method == "DL" or model == "common" else ITER_RTOL
    rtol_tau2 = RTOL if method == "DL" else ITER_RTOL
    for ref in TREATMENTS[1:]:
        other = fit(rows, reference=ref, model=model, tau2_method=method)
        assert close(other.tau2, res.tau2, rtol=rtol_tau2, atol=1e-10) or (
            math.isnan(other.tau2) and math.isnan(res.tau2)
        )
        olg = league_map(other)
        for key, e in lg.items():
            assert close(olg[key].te, e.te, rtol=rtol, atol=1e-9)
            assert close(olg[key].se, e.se, rtol=rtol, atol=1e-9)
        for eff in other.effects:
            assert close(eff.te, lg[eff.treatment, ref].te, rtol=rtol, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(network(), st.randoms(use_true_random=False), st.sampled_from(["DL", "REML"]))
def test_invariant_to_row_order_orientation_and_labels(rows, rnd, method):
    res = fit(rows, reference="A", tau2_method=method)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    # flip the orientation of some contrasts and rename every treatment
    names = dict(zip(TREATMENTS, rnd.sample(string.ascii_uppercase[4:], 4), strict=True))
    moved = []
    for s, t1, t2, te, se in shuffled:
        if rnd.random() < 0.5:
            t1, t2, te = t2, t1, -te
        moved.append((s, names[t1], names[t2], te, se))
    other = fit(moved, reference=names["A"], tau2_method=method)
    rtol = ITER_RTOL if method == "REML" else 1e-9
    assert close(other.q, res.q, rtol=1e-9, atol=1e-9)
    assert close(other.tau2, res.tau2, rtol=rtol, atol=1e-10) or (
        math.isnan(other.tau2) and math.isnan(res.tau2)
    )
    olg = league_map(other)
    for (a, b), e in league_map(res).items():
        assert close(olg[names[a], names[b]].te, e.te, rtol=rtol, atol=1e-9)
        assert close(olg[names[a], names[b]].se, e.se, rtol=rtol, atol=1e-9)


@settings(deadline=None)
@given(
    st.lists(finite_te, min_size=3, max_size=5),
    st.lists(st.floats(0.01, 1.0), min_size=5, max_size=5),
)
def test_multi_arm_variances_round_trip(effects, arm_var):
    """Pairwise variances v_i + v_j give back the arm variances: the common-effect fit of one
    multi-arm trial reproduces its contrasts, with the covariance of the shared arms."""
    k = len(effects)
    arms = [f"T{i}" for i in range(k)]
    rows = [
        ("trial", arms[i], arms[j], effects[i] - effects[j], math.sqrt(arm_var[i] + arm_var[j]))
        for i in range(k)
        for j in range(i + 1, k)
    ]
    res = fit(rows, reference="T0", model="common")
    assert res.df == 0
    lg = league_map(res)
    for i in range(k):
        for j in range(k):
            if i != j:
                e = lg[arms[i], arms[j]]
                assert close(e.te, effects[i] - effects[j], rtol=1e-9, atol=1e-9)
                assert close(e.se, math.sqrt(arm_var[i] + arm_var[j]), rtol=1e-9)
    # the arm variances give the covariance: var(T1 - T2) from the effects vs T0
    e1, e2 = (next(e for e in res.effects if e.treatment == t) for t in ("T1", "T2"))
    cov12 = (e1.se**2 + e2.se**2 - lg["T1", "T2"].se ** 2) / 2.0
    assert close(cov12, arm_var[0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("model", ["common", "random"])
def test_triangle_node_split_indirect_is_bucher(model):
    """In one loop of two-arm trials, the back-calculated indirect estimate of A vs B under the
    common-effect model is the Bucher estimate from the A-C and B-C direct estimates."""
    rows = [
        ("s1", "A", "B", 0.30, 0.20),
        ("s2", "A", "B", 0.10, 0.25),
        ("s3", "A", "C", -0.20, 0.15),
        ("s4", "B", "C", -0.60, 0.30),
        ("s5", "B", "C", -0.40, 0.22),
    ]
    res = fit(rows, reference="C", model=model, tau2_method="DL")
    inc = res.inconsistency
    assert inc is not None and inc.df_between == 1
    split = {(s.treat1, s.treat2): s for s in inc.splits}
    tau2 = res.tau2 if model == "random" else 0.0

    def pooled(pairs):
        w = np.array([1.0 / (se**2 + tau2) for _, se in pairs])
        y = np.array([te for te, _ in pairs])
        return float(np.sum(w * y) / np.sum(w)), float(1.0 / np.sum(w))

    ab, v_ab = pooled([(0.30, 0.20), (0.10, 0.25)])
    ac, v_ac = pooled([(-0.20, 0.15)])
    bc, v_bc = pooled([(-0.60, 0.30), (-0.40, 0.22)])
    s = split["A", "B"]
    assert close(s.direct.te, ab) and close(s.direct.se**2, v_ab)
    assert close(s.indirect.te, ac - bc, rtol=1e-9, atol=1e-12)
    assert close(s.indirect.se**2, v_ac + v_bc, rtol=1e-9)
    # in one loop every comparison's split has the same inconsistency (up to sign) and z
    zs = {round(abs(x.z), 9) for x in inc.splits}
    assert len(zs) == 1
    if model == "common":
        assert close(s.z**2, inc.q_between, rtol=1e-9)


def test_reml_is_the_maximum_where_plain_fisher_scoring_fails():
    """Eleven contrasts on which Fisher scoring without step-halving (metafor's ``rma.uni``) does
    not converge: the network's REML τ² is the maximum of the restricted likelihood."""
    tes = [0.0, 0.0, 0.0, 0.0, 0.75, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    ses = [1.0, 0.75, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 0.0625, 1.0, 0.75]
    k = len(tes)
    res = network_meta(range(k), ["A"] * k, ["B"] * k, tes, ses, reference="B")
    des = _build(_studies(range(k), ["A"] * k, ["B"] * k, tes, ses), ("A", "B"), "B")
    best = _restricted_loglik(des, res.tau2)
    assert res.tau2 == pytest.approx(0.1469, abs=1e-4)
    for delta in (-1e-3, -1e-5, 1e-5, 1e-3):
        assert _restricted_loglik(des, res.tau2 + delta) < best
