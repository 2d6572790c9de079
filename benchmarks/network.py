"""Benchmark of the network meta-analysis (core/network.py) against R metafor ``rma.mv``.

For each network (the TKI hazard-ratio network and four ``metadat`` networks with multi-arm
trials, read from the committed fixtures) it times, in the same run,

* ``core.network.network_meta`` from the pairwise rows to the full result (input checks, arm
  variances, fit, league table, inconsistency, geometry), best of 5 rounds;
* metafor ``rma.mv(yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1/2)``
  inside R with ``system.time`` over a loop, the contrast-form data built beforehand (so R is
  timed on the fit alone), when ``Rscript`` is on the PATH,

for the common-effect and the REML random-effects model. Times are CPU time of the process
(``time.process_time``; user + system in R), which a machine shared with other work disturbs far
less than wall time. It checks that τ² and the effects agree (1e-8 common, 1e-5 REML) and
prints the time per analysis and the ratio. ``--json`` prints one JSON object as its last line
(ratios null without R).

The engine's common-effect call does everything its REML call does (τ² by REML is reported under
either model, with the inconsistency and node-splitting), so its ratio is against less work on
metafor's side; the REML ratio compares like with like at the least.

    python benchmarks/network.py [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.network import network_meta  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "metafor"
NETWORKS = ("tki", "woods2010", "hasselblad1998", "senn2013", "dong2013")
COMMON_RTOL = 1e-8
REML_ATOL = 1e-5

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[1], stringsAsFactors = FALSE)
V <- as.matrix(read.csv(args[2], header = FALSE))
X <- as.matrix(read.csv(args[3], header = FALSE))
reps <- as.integer(args[4])
t_fe <- system.time(for (i in seq_len(reps)) {
  fe <- rma.mv(dat$yi, V, mods = X, intercept = FALSE)
})
t_re <- system.time(for (i in seq_len(reps)) {
  re <- rma.mv(dat$yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1 / 2,
               data = dat, method = "REML")
})
cpu <- function(t) t[["user.self"]] + t[["sys.self"]]
cat(sprintf("%.17g", c(cpu(t_fe) / reps, cpu(t_re) / reps, re$tau2, as.numeric(fe$beta),
                       as.numeric(re$beta))), sep = ",")
cat("\n")
"""


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"network_{name}.json").read_text())


def contrast_form(fx: dict) -> tuple[list[tuple[str, str, float]], np.ndarray, np.ndarray]:
    """Rows ``(study, comp, yi)``, ``V`` and ``X`` of the contrast form metafor is given.

    Each study's arms against its first arm, as the engine (and the fixture script) code them;
    the arm variances come from the pairwise variances (``V_ij = v_i + v_j``).
    """
    p = fx["pairs"]
    ref = fx["reference"]
    cols = [t for t in fx["treatments"] if t != ref]
    rows: list[tuple[str, str, float]] = []
    blocks: list[np.ndarray] = []
    xrows: list[np.ndarray] = []
    for study in dict.fromkeys(p["study"]):
        idx = [i for i, s in enumerate(p["study"]) if s == study]
        arms = list(dict.fromkeys(t for i in idx for t in (p["treat1"][i], p["treat2"][i])))
        k = len(arms)
        inc = np.zeros((len(idx), k))
        effect = np.zeros(k)
        for r, i in enumerate(idx):
            inc[r, arms.index(p["treat1"][i])] = inc[r, arms.index(p["treat2"][i])] = 1.0
            if p["treat2"][i] == arms[0]:
                effect[arms.index(p["treat1"][i])] = p["TE"][i]
            elif p["treat1"][i] == arms[0]:
                effect[arms.index(p["treat2"][i])] = -p["TE"][i]
        var = np.array([p["seTE"][i] ** 2 for i in idx])
        v = np.linalg.lstsq(inc, var, rcond=None)[0] if k > 2 else np.array([0.0, var[0]])
        blocks.append(np.diag(v[1:]) + v[0])
        for j in range(1, k):
            rows.append((study, f"{arms[j]}-{arms[0]}", float(effect[j])))
            x = np.zeros(len(cols))
            if arms[j] != ref:
                x[cols.index(arms[j])] += 1.0
            if arms[0] != ref:
                x[cols.index(arms[0])] -= 1.0
            xrows.append(x)
    m = len(rows)
    big = np.zeros((m, m))
    r = 0
    for b in blocks:
        big[r : r + len(b), r : r + len(b)] = b
        r += len(b)
    return rows, big, np.array(xrows)


def time_engine(fx: dict, model: str, rounds: int) -> tuple[float, object]:
    p = fx["pairs"]
    args = (p["study"], p["treat1"], p["treat2"], p["TE"], p["seTE"])
    kw = {"reference": fx["reference"], "model": model, "tau2_method": "REML"}
    res = network_meta(*args, **kw)
    t0 = time.process_time()
    network_meta(*args, **kw)
    reps = max(1, int(0.2 / max(time.process_time() - t0, 1e-6)))  # ~0.2 s per round
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(reps):
            network_meta(*args, **kw)
        best = min(best, (time.process_time() - t0) / reps)
    return best, res


def time_metafor(fx: dict, reps: int) -> list[float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    rows, v, x = contrast_form(fx)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f for f in ("dat.csv", "v.csv", "x.csv", "bench.R")]
        paths[0].write_text(
            "study,comp,yi\n" + "".join(f'"{s}","{c}",{y!r}\n' for s, c, y in rows),
            encoding="utf-8",
        )
        np.savetxt(paths[1], v, delimiter=",", fmt="%.17g")
        np.savetxt(paths[2], x, delimiter=",", fmt="%.17g")
        paths[3].write_text(R_SCRIPT)
        proc = subprocess.run(
            [rscript, str(paths[3]), *map(str, paths[:3]), str(reps)],
            capture_output=True,
            text=True,
            check=True,
        )
    return [float(t) for t in proc.stdout.strip().splitlines()[-1].split(",")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--metafor-reps", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = []
    for name in NETWORKS:
        fx = load(name)
        t_fe, fe = time_engine(fx, "common", args.rounds)
        t_re, re = time_engine(fx, "random", args.rounds)
        row = {
            "network": name,
            "studies": fx["n_studies"],
            "contrasts": fx["n_contrasts"],
            "treatments": len(fx["treatments"]),
            "core_common_s": t_fe,
            "core_reml_s": t_re,
            "metafor_common_s": None,
            "metafor_reml_s": None,
            "speedup_common": None,
            "speedup_reml": None,
        }
        r = time_metafor(fx, args.metafor_reps)
        if r is not None:
            p = len(fx["treatments"]) - 1
            r_fe, r_re, r_tau2 = r[:3]
            beta_fe, beta_re = np.array(r[3 : 3 + p]), np.array(r[3 + p :])
            ref = [t for t in fx["treatments"] if t != fx["reference"]]
            mine_fe = np.array([next(e.te for e in fe.effects if e.treatment == t) for t in ref])
            mine_re = np.array([next(e.te for e in re.effects if e.treatment == t) for t in ref])
            np.testing.assert_allclose(mine_fe, beta_fe, rtol=COMMON_RTOL, atol=1e-12)
            np.testing.assert_allclose(re.tau2, r_tau2, rtol=0, atol=REML_ATOL)
            np.testing.assert_allclose(mine_re, beta_re, rtol=0, atol=REML_ATOL)
            row.update(
                metafor_common_s=r_fe,
                metafor_reml_s=r_re,
                speedup_common=r_fe / t_fe,
                speedup_reml=r_re / t_re,
            )
        out.append(row)

    def ms(t: float | None) -> str:
        return "       —" if t is None else f"{t * 1e3:8.3f}"

    def ratio(x: float | None) -> str:
        return "   —" if x is None else f"{x:5.0f}x"

    print("network          k  contr  trt | core ms: common    REML | metafor ms: common    REML")
    for row in out:
        print(
            f"{row['network']:<14} {row['studies']:>3} {row['contrasts']:>6} "
            f"{row['treatments']:>4} |      {ms(row['core_common_s'])} {ms(row['core_reml_s'])} |"
            f"        {ms(row['metafor_common_s'])} {ms(row['metafor_reml_s'])}  "
            f"ratio {ratio(row['speedup_common'])} {ratio(row['speedup_reml'])}"
        )
    if shutil.which("Rscript") is None:
        print("metafor: Rscript not found, skipped")
    else:
        print("estimates agree with metafor (common 1e-8, REML 1e-5)")
    if args.json:
        print(json.dumps({"networks": out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
