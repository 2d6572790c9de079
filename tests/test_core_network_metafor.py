"""The network meta-analysis (core/network.py) against R metafor 3.8-1 ``rma.mv``.

Fixtures ``tests/fixtures/metafor/network_*.json`` are written by
``validation/metafor/network_fixtures.R`` (run once with R; these tests never need R): five
``metadat`` networks with multi-arm trials (senn2013 and franchini2012 mean differences;
hasselblad1998, dong2013 and woods2010 log odds ratios) and the TKI hazard-ratio network.

Tolerances (relative, with an absolute floor of 1e-12 for values near 0):

* common effect (GLS, closed form): 1e-8 — observed agreement is ~1e-15;
* DL τ² and everything fitted with it, the design-by-treatment Q decomposition, node-splitting
  and P-scores (closed forms on top of the fits): 1e-8;
* REML τ² and the random-effects fit: 1e-5. metafor maximises the restricted likelihood with
  nlminb (run here to rel.tol = 1e-11), the engine by Fisher scoring to a relative change of
  1e-12; the engine's log-likelihood is never below metafor's.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from core.network import network_meta

FIXTURES = Path(__file__).parent / "fixtures" / "metafor"
NAMES = ("senn2013", "hasselblad1998", "dong2013", "woods2010", "franchini2012", "tki")
COMMON_RTOL = 1e-8
CLOSED_RTOL = 1e-8
REML_RTOL = 1e-5
ATOL = 1e-12
MODELS = {"common": ("common", "REML"), "dl": ("random", "DL"), "reml": ("random", "REML")}


def load(name: str, folder: Path = FIXTURES) -> dict:
    return json.loads((folder / f"network_{name}.json").read_text())


def fit(fx: dict, model: str, method: str):
    p = fx["pairs"]
    return network_meta(
        p["study"],
        p["treat1"],
        p["treat2"],
        p["TE"],
        p["seTE"],
        reference=fx["reference"],
        model=model,
        tau2_method=method,
    )


def assert_close(actual, expected, rtol, what, scale=0.0):
    """``|actual - expected| <= rtol * max(|expected|, scale) + floor``.

    ``scale`` is the standard error for estimates and CI limits (an estimate near 0 is judged
    on the scale of its uncertainty) and 1 for z and p; the floor is 1e-12, or 1e-9 under REML
    (metafor's optimiser stops just short of a τ² = 0 boundary).
    """
    floor = ATOL if rtol < REML_RTOL else 1e-9
    ok = abs(actual - expected) <= rtol * max(abs(expected), scale) + floor
    assert ok, f"{what}: engine {actual!r}, metafor {expected!r}"


def tol(key: str) -> float:
    return {"common": COMMON_RTOL, "dl": CLOSED_RTOL, "reml": REML_RTOL}[key]


@pytest.mark.parametrize("name", NAMES)
def test_heterogeneity_statistics(name):
    fx = load(name)
    res = fit(fx, "common", "DL")
    assert res.n_studies == fx["n_studies"] and res.n_contrasts == fx["n_contrasts"]
    assert res.treatments == tuple(fx["treatments"])
    assert res.df == fx["df"]
    assert_close(res.q, fx["q"], COMMON_RTOL, "Q")
    assert_close(res.p, fx["p"], COMMON_RTOL, "p(Q)")
    assert_close(res.i2, fx["i2"], COMMON_RTOL, "I2")


@pytest.mark.parametrize("key", list(MODELS))
@pytest.mark.parametrize("name", NAMES)
def test_effects_and_league(name, key):
    fx = load(name)
    ref = fx[key]
    res = fit(fx, *MODELS[key])
    rtol = tol(key)
    if key != "common":
        assert_close(res.tau2, ref["tau2"], rtol, "tau2")
    eff = {e.treatment: e for e in res.effects}
    r = ref["effects"]
    assert sorted(eff) == sorted(r["treatment"])
    for i, t in enumerate(r["treatment"]):
        e = eff[t]
        for attr, col in (
            ("te", "TE"),
            ("se", "seTE"),
            ("ci_low", "ci_low"),
            ("ci_high", "ci_high"),
            ("z", "z"),
            ("p", "p"),
        ):
            scale = 1.0 if attr in ("z", "p") else r["seTE"][i]
            assert_close(getattr(e, attr), r[col][i], rtol, f"{name} {key} {t} {attr}", scale)
    league = {(e.treat1, e.treat2): e for e in res.league}
    assert len(league) == len(ref["league"])
    for row in ref["league"]:
        e = league[row["treat1"], row["treat2"]]
        for attr, col in (
            ("te", "TE"),
            ("se", "seTE"),
            ("ci_low", "ci_low"),
            ("ci_high", "ci_high"),
        ):
            what = f"{name} {key} league {attr}"
            assert_close(getattr(e, attr), row[col], rtol, what, row["seTE"])


def _reml_loglik(fx: dict, tau2: float) -> float:
    """metafor's restricted log-likelihood, up to a constant, at ``tau2``."""
    from core.network import _build, _restricted_loglik, _studies

    p = fx["pairs"]
    studies = _studies(p["study"], p["treat1"], p["treat2"], p["TE"], p["seTE"])
    return _restricted_loglik(_build(studies, tuple(fx["treatments"]), fx["reference"]), tau2)


@pytest.mark.parametrize("name", NAMES)
def test_reml_optimum_is_at_least_metafors(name):
    fx = load(name)
    res = fit(fx, "random", "REML")
    assert _reml_loglik(fx, res.tau2) >= _reml_loglik(fx, fx["reml"]["tau2"]) - 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_design_by_treatment_decomposition(name):
    fx = load(name)
    res = fit(fx, "common", "DL")
    dec = fx.get("decomp")
    if dec is None:
        assert res.inconsistency is None
        return
    inc = res.inconsistency
    assert inc is not None
    assert inc.df_within == dec["df_within"] and inc.df_between == dec["df_between"]
    assert_close(inc.q_within, dec["q_within"], CLOSED_RTOL, "Q within")
    assert_close(inc.p_within, dec["p_within"], CLOSED_RTOL, "p within")
    # Q between = Q - Q within = Wald test of the design-by-treatment interaction terms
    assert_close(inc.q_between, dec["q_between"], 1e-9, "Q between")
    assert_close(inc.q_between, dec["q_between_wald"], 1e-9, "Q between (Wald)")
    assert_close(inc.p_between, dec["p_between"], 1e-9, "p between")
    assert_close(inc.tau2_within, dec["tau2_within"], CLOSED_RTOL, "tau2 within")
    assert_close(inc.q_between_random, dec["q_between_random"], 1e-9, "Q between random")
    assert_close(inc.p_between_random, dec["p_between_random"], 1e-9, "p between random")
    mine = {frozenset(d.design.split(":")): d for d in inc.designs}
    theirs = {frozenset(d["design"].split(":")): d for d in dec["designs"]}
    assert mine.keys() == theirs.keys()
    for key, d in theirs.items():
        assert mine[key].df == d["df"]
        assert_close(mine[key].q, d["q"], 1e-9, f"Q design {d['design']}")


@pytest.mark.parametrize("key", list(MODELS))
@pytest.mark.parametrize("name", NAMES)
def test_node_split(name, key):
    fx = load(name)
    res = fit(fx, *MODELS[key])
    if res.inconsistency is None:
        assert fx.get("decomp") is None
        return
    rtol = tol(key)
    splits = {(s.treat1, s.treat2): s for s in res.inconsistency.splits}
    ref = fx[key]["node_split"]
    assert sorted(splits) == sorted((r["treat1"], r["treat2"]) for r in ref)
    for r in ref:
        s = splits[r["treat1"], r["treat2"]]
        what = f"{name} {key} {r['treat1']}:{r['treat2']}"
        assert s.k_direct == r["k_direct"]
        assert_close(s.prop_direct, r["prop_direct"], rtol, what + " prop")
        for part in ("direct", "indirect", "difference"):
            e = getattr(s, part)
            assert_close(e.te, r[f"{part}_TE"], rtol, f"{what} {part} TE", r[f"{part}_seTE"])
            assert_close(e.se, r[f"{part}_seTE"], rtol, f"{what} {part} seTE")
        assert_close(s.z, r["z"], rtol, what + " z", 1.0)
        assert_close(s.p, r["p"], rtol, what + " p", 1.0)


@pytest.mark.parametrize("key", list(MODELS))
@pytest.mark.parametrize("name", NAMES)
def test_pscores(name, key):
    fx = load(name)
    res = fit(fx, *MODELS[key])
    ref = fx[key]["pscores"]
    scores = dict(res.pscores)
    assert scores.keys() == ref.keys()
    for t, v in ref.items():
        assert_close(scores[t], v, tol(key), f"{name} {key} P-score {t}")
    assert math.isclose(sum(scores.values()), len(scores) / 2, rel_tol=1e-12)


def test_fixtures_are_current(tmp_path):
    """Regenerating the fixtures with R gives the committed numbers (skipped without R); they
    are written to a temporary folder, so the committed files are never touched."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not found: the network fixtures cannot be regenerated here")
    probe = subprocess.run(
        ["Rscript", "-e", "library(metafor)"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("R has no metafor: the network fixtures cannot be regenerated here")
    before = {n: load(n) for n in NAMES}
    root = Path(__file__).parent.parent
    out = subprocess.run(
        ["Rscript", "validation/metafor/network_fixtures.R"],
        cwd=root,
        env={**os.environ, "FIXTURE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    for n in NAMES:
        after = load(n, tmp_path)
        for block in (before[n], after):
            block.pop("source")
        assert _flatten(after) == pytest.approx(_flatten(before[n]), rel=1e-12, abs=1e-15)


def _flatten(x, prefix=""):
    """Numbers of a JSON tree keyed by path (strings compared exactly)."""
    out: dict[str, float] = {}
    if isinstance(x, dict):
        for k, v in x.items():
            out.update(_flatten(v, f"{prefix}/{k}"))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out.update(_flatten(v, f"{prefix}/{i}"))
    elif isinstance(x, str):
        out[f"{prefix}={x}"] = 0.0
    elif x is not None and not isinstance(x, bool):
        out[prefix] = float(np.float64(x))
    else:
        out[f"{prefix}={x}"] = 0.0
    return out
