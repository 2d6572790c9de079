"""Second reference for the network engine: pimeta 1.1.0, an independent Python port of netmeta.

    python -m venv /tmp/pimeta && /tmp/pimeta/bin/pip install pimeta==1.1.0
    /tmp/pimeta/bin/python validation/metafor/network_pimeta.py      (from the repository root)

Reads the pairwise contrasts of tests/fixtures/metafor/network_*.json and writes
tests/fixtures/metafor/network_pimeta.json: netmeta's common-effect and DL random-effects
results (τ², Q, league table), P-scores (small values good), node-splitting (back-calculation)
and the design-by-treatment decomposition (``decomp_design``; pimeta 1.1.0 fails on dong2013,
recorded as null). pimeta is not a dependency of the app; only this script imports it.
"""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "metafor"
NAMES = ("senn2013", "hasselblad1998", "dong2013", "woods2010", "franchini2012", "tki")


def num(x) -> float | None:
    x = None if x is None else float(x)
    return None if x is None or math.isnan(x) else x


def main() -> None:
    pn = importlib.import_module("pimeta.netmeta")  # the module, not the same-named function
    splitting = importlib.import_module("pimeta.nma.splitting")
    pimeta = importlib.import_module("pimeta")
    out: dict[str, object] = {
        "source": {"pimeta": pimeta.__version__, "script": "validation/metafor/network_pimeta.py"}
    }
    for name in NAMES:
        fx = json.loads((FIXTURES / f"network_{name}.json").read_text())
        p = fx["pairs"]
        pairs = (p["TE"], p["seTE"], p["treat1"], p["treat2"], p["study"])
        nm = pn.netmeta(*pairs, reference_group=fx["reference"])
        trts = [str(t) for t in nm.trts]
        block: dict[str, object] = {"tau2": num(nm.tau**2) if nm.tau is not None else None}
        rank = pn.netrank(nm, small_values="desirable")
        split = splitting.netsplit(nm)
        for model in ("common", "random"):
            te, se = getattr(nm, f"TE_{model}"), getattr(nm, f"seTE_{model}")
            scores = getattr(rank, f"ranking_{model}")
            comps = []
            for i, comp in enumerate(split.comparison):
                ind = getattr(split, f"indirect_{model}")
                if ind["TE"][i] is None or getattr(split, f"direct_{model}")["TE"][i] is None:
                    continue
                comps.append(
                    {
                        "comparison": comp,
                        "direct_TE": num(getattr(split, f"direct_{model}")["TE"][i]),
                        "direct_seTE": num(getattr(split, f"direct_{model}")["seTE"][i]),
                        "indirect_TE": num(ind["TE"][i]),
                        "indirect_seTE": num(ind["seTE"][i]),
                        "p": num(getattr(split, f"compare_{model}")["p"][i]),
                    }
                )
            block[model] = {
                "league": [
                    {"treat1": a, "treat2": b, "TE": num(te[i, j]), "seTE": num(se[i, j])}
                    for i, a in enumerate(trts)
                    for j, b in enumerate(trts)
                    if i != j
                ],
                "pscores": {t: num(scores[i]) for i, t in enumerate(trts)},
                "node_split": comps,
            }
        try:
            dec = pn.decomp_design(nm)
        except ValueError:  # pimeta 1.1.0 fails on dong2013's multi-arm designs
            dec = None
        block["decomp"] = None
        if dec is not None and dec.Q_decomp is not None:
            block["decomp"] = {
                "q_within": num(dec.Q_decomp["Within designs"][0]),
                "q_between": num(dec.Q_decomp["Between designs"][0]),
                "q_between_random": num(dec.Q_inc_random["Q"]),
                "tau2_within": num(dec.tau_within**2),
            }
        out[name] = block
    path = FIXTURES / "network_pimeta.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print("wrote", path)


if __name__ == "__main__":
    main()
