"""The network API the comparative-evidence pages code against: geometry, components, contrast,
transforms, P-scores and the JSON object, on the TKI hazard ratios and a small loop."""

from __future__ import annotations

import json
import math

import pytest

from core.network import (
    DisconnectedNetworkError,
    NetworkInputError,
    network_components,
    network_meta,
)

Z = 1.959963984540054


def log_se(lo: float, hi: float) -> float:
    return (math.log(hi) - math.log(lo)) / (2 * Z)


# PFS hazard ratios as stored in tkidata: regosarc_qtwist_rego, palette_pazo, sarc024_os_rego
# (against placebo) and the APROMISS synovial cohort (anlotinib against dacarbazine).
TKI = [
    ("REGOSARC", "regorafenib", "placebo", math.log(0.36), log_se(0.25, 0.53)),
    ("PALETTE", "pazopanib", "placebo", math.log(0.31), log_se(0.24, 0.40)),
    ("SARC024", "regorafenib", "placebo", math.log(0.42), log_se(0.21, 0.85)),
]
APROMISS = ("APROMISS", "anlotinib", "dacarbazine", math.log(0.449), log_se(0.270, 0.744))
LOOP = [
    ("s1", "A", "B", 0.30, 0.20),
    ("s2", "A", "C", -0.20, 0.15),
    ("s3", "B", "C", -0.60, 0.30),
    ("t1", "A", "B", 0.25, 0.30),
    ("t1", "A", "C", -0.15, 0.30),
    ("t1", "B", "C", -0.40, 0.30),
]


def fit(rows, **kw):
    return network_meta(*zip(*rows, strict=True), **kw)


def test_disconnected_tki_network_names_each_component():
    rows = [*TKI, APROMISS]
    expected = (("anlotinib", "dacarbazine"), ("pazopanib", "placebo", "regorafenib"))
    assert network_components([r[1] for r in rows], [r[2] for r in rows]) == expected
    with pytest.raises(DisconnectedNetworkError) as exc:
        fit(rows, reference="placebo")
    assert exc.value.components == expected
    assert "component 1: anlotinib, dacarbazine; component 2: pazopanib, placebo" in str(exc.value)
    # each component fits on its own
    alone = fit([APROMISS], reference="dacarbazine", model="common")
    (eff,) = alone.effects
    # the SE comes from the width of the reported CI, so the interval is centred on the log HR
    r = math.sqrt(0.744 / 0.270)
    assert eff.transf(math.exp) == pytest.approx((0.449, 0.449 / r, 0.449 * r), rel=1e-12)


def test_single_trial_comparison_round_trips_its_hazard_ratio():
    res = fit(TKI, reference="placebo")
    paz = next(e for e in res.effects if e.treatment == "pazopanib")
    r = math.sqrt(0.40 / 0.24)  # SE from the CI width: the interval is centred on the log HR
    assert paz.transf(math.exp) == pytest.approx((0.31, 0.31 / r, 0.31 * r), rel=1e-12)
    assert paz.z == pytest.approx(paz.te / paz.se) and 0 < paz.p < 1e-15
    # regorafenib pools REGOSARC and SARC024 (τ² = 0 here: their HRs agree)
    rego = res.contrast("regorafenib", "placebo")
    w = [1 / log_se(0.25, 0.53) ** 2, 1 / log_se(0.21, 0.85) ** 2]
    pooled = (w[0] * math.log(0.36) + w[1] * math.log(0.42)) / sum(w)
    assert res.tau2 == 0.0
    assert rego.te == pytest.approx(pooled, rel=1e-12)
    # Bucher: regorafenib vs pazopanib through placebo
    rp = res.contrast("regorafenib", "pazopanib")
    assert rp.te == pytest.approx(pooled - math.log(0.31), rel=1e-12)
    assert rp.se == pytest.approx(math.sqrt(1 / sum(w) + log_se(0.24, 0.40) ** 2), rel=1e-12)
    assert res.contrast("pazopanib", "regorafenib").te == pytest.approx(-rp.te, rel=1e-12)
    with pytest.raises(KeyError):
        res.contrast("anlotinib", "placebo")


def test_geometry_counts_studies_per_node_and_edge():
    res = fit(LOOP, reference="A")
    assert [(n.treatment, n.n_studies) for n in res.geometry.nodes] == [
        ("A", 3),
        ("B", 3),
        ("C", 3),
    ]
    edges = [(e.treat1, e.treat2, e.n_studies, e.studies) for e in res.geometry.edges]
    assert edges == [
        ("A", "B", 2, ("s1", "t1")),
        ("A", "C", 2, ("s2", "t1")),
        ("B", "C", 2, ("s3", "t1")),
    ]
    star = fit(TKI, reference="placebo")
    assert [(e.treat1, e.treat2, e.n_studies) for e in star.geometry.edges] == [
        ("pazopanib", "placebo", 1),
        ("placebo", "regorafenib", 2),
    ]


def test_pscores_rank_and_sum():
    res = fit(TKI, reference="placebo")
    scores = dict(res.pscores)
    assert sum(scores.values()) == pytest.approx(len(scores) / 2)
    # smaller log HR is better: pazopanib (0.31) above regorafenib (~0.37) above placebo
    assert scores["pazopanib"] > scores["regorafenib"] > scores["placebo"]
    assert scores["placebo"] < 1e-6
    # reversing the scale reverses the ranking
    flipped = fit([(s, a, b, -te, se) for s, a, b, te, se in TKI], reference="placebo")
    assert dict(flipped.pscores)["placebo"] == pytest.approx(1 - scores["placebo"], abs=1e-12)


def test_star_network_json_reports_not_estimable_as_null():
    rows = [TKI[0], TKI[1]]  # one trial per comparison: df = 0
    res = fit(rows, reference="placebo")
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["df"] == 0 and d["tau2"] is None and d["i2"] is None and d["p"] is None
    assert d["q"] == 0.0 and d["inconsistency"] is None


def test_loops_only_inside_a_multi_arm_trial_are_not_testable():
    res = fit([r for r in LOOP if r[0] == "t1"], reference="A")
    assert res.inconsistency is None and res.df == 0


def test_level_sets_every_interval():
    res = fit(LOOP, reference="A", level=0.9)
    z90 = 1.6448536269514722
    for e in res.league:
        assert e.ci_high - e.te == pytest.approx(z90 * e.se, rel=1e-12)
    for s in res.inconsistency.splits:
        assert s.direct.ci_high - s.direct.te == pytest.approx(z90 * s.direct.se, rel=1e-12)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"model": "fixed"}, "model must be one of"),
        ({"tau2_method": "PM"}, "tau2_method must be one of"),
        ({"level": 95}, "level must be in (0, 1)"),
    ],
)
def test_bad_options(kw, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fit(TKI, reference="placebo", **kw)


def test_input_errors_carry_the_row():
    rows = [*TKI, ("X", "A", "A", 0.1, 0.2)]
    with pytest.raises(NetworkInputError) as exc:
        fit(rows, reference="placebo")
    assert exc.value.row == 3 and "has one arm" in str(exc.value)
    with pytest.raises(NetworkInputError) as exc:
        fit(TKI, reference="sunitinib")
    assert exc.value.row is None
