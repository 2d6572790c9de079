"""The network engine against a second, independent implementation: pimeta 1.1.0 (a Python port
of netmeta), for what netmeta defines and metafor does not compute itself — DL τ² for networks,
netmeta's node-splitting, P-scores and ``decomp.design``.

``tests/fixtures/metafor/network_pimeta.json`` is written by
``validation/metafor/network_pimeta.py`` (pimeta is not installed for the tests). Everything is a
closed form on both sides, so the tolerance is 1e-10 (relative, or on the scale of the SE).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.network import network_meta

FIXTURES = Path(__file__).parent / "fixtures" / "metafor"
REF = json.loads((FIXTURES / "network_pimeta.json").read_text())
NAMES = [n for n in REF if n != "source"]
RTOL = 1e-10


def fit(name: str, model: str):
    fx = json.loads((FIXTURES / f"network_{name}.json").read_text())
    p = fx["pairs"]
    return network_meta(
        p["study"],
        p["treat1"],
        p["treat2"],
        p["TE"],
        p["seTE"],
        reference=fx["reference"],
        model=model,
        tau2_method="DL",
    )


def close(actual: float, expected: float, scale: float = 0.0) -> bool:
    return abs(actual - expected) <= RTOL * max(abs(expected), scale) + 1e-13


@pytest.mark.parametrize("model", ["common", "random"])
@pytest.mark.parametrize("name", NAMES)
def test_league_tau2_and_pscores(name, model):
    res = fit(name, model)
    ref = REF[name]
    assert close(res.tau2 if res.df > 0 else 0.0, ref["tau2"])
    league = {(e.treat1, e.treat2): e for e in res.league}
    for row in ref[model]["league"]:
        e = league[row["treat1"], row["treat2"]]
        assert close(e.te, row["TE"], row["seTE"]), (name, row)
        assert close(e.se, row["seTE"]), (name, row)
    scores = dict(res.pscores)
    for t, v in ref[model]["pscores"].items():
        assert close(scores[t], v, 1.0), (name, t)


@pytest.mark.parametrize("model", ["common", "random"])
@pytest.mark.parametrize("name", NAMES)
def test_node_split(name, model):
    res = fit(name, model)
    ref = REF[name][model]["node_split"]
    if res.inconsistency is None:
        assert ref == []
        return
    mine = {frozenset((s.treat1, s.treat2)): s for s in res.inconsistency.splits}
    assert mine.keys() == {frozenset(r["comparison"].split(":")) for r in ref}
    for r in ref:
        a, _ = r["comparison"].split(":")
        s = mine[frozenset(r["comparison"].split(":"))]
        sign = 1.0 if s.treat1 == a else -1.0
        assert close(sign * s.direct.te, r["direct_TE"], r["direct_seTE"])
        assert close(s.direct.se, r["direct_seTE"])
        assert close(sign * s.indirect.te, r["indirect_TE"], r["indirect_seTE"])
        assert close(s.indirect.se, r["indirect_seTE"])
        assert close(s.p, r["p"], 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_design_decomposition(name):
    ref = REF[name]["decomp"]
    inc = fit(name, "common").inconsistency
    if ref is None:  # pimeta 1.1.0 cannot decompose this network (metafor test covers it)
        assert name == "dong2013"
        return
    if inc is None:  # a star: nothing between designs
        assert ref["q_between"] == 0.0
        return
    assert close(inc.q_within, ref["q_within"])
    assert close(inc.q_between, ref["q_between"])
    assert close(inc.q_between_random, ref["q_between_random"])
    assert close(inc.tau2_within, ref["tau2_within"])
