"""Benchmark of the vectorised proportion engine against statsmodels and R metafor.

Pools a batch of meta-analyses (default 10,000 × 16 studies, sarcoma-ORR-like counts) with
``core.pool_proportions_batch`` (Freeman–Tukey + DL, and + REML) and, in the same run, times

* statsmodels ``combine_effects(..., method_re="dl")``, one call per meta-analysis, on a
  subsample (the per-analysis time is scaled from it);
* R metafor ``escalc`` + ``rma()`` per meta-analysis, timed inside R with ``system.time`` over a
  loop, when ``Rscript`` is on the PATH.

It checks that the pooled FT-scale estimates and τ² agree, prints the time per meta-analysis and
the ratios, and with ``--json`` prints one JSON object as its last line (``speedup_vs_metafor`` is
null without R).

    python benchmarks/engine.py [--analyses 10000] [--studies 16] [--json]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import pool_proportions_batch
from core.measures import escalc

AGREE_RTOL = 1e-8  # DL is closed form
# metafor's default REML stops when τ² changes by less than 1e-5 between Fisher-scoring steps
# (the engine iterates to 1e-10), so τ² agrees to about that absolute amount.
REML_ATOL = 1e-5

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
x <- as.matrix(read.csv(args[1], header = FALSE)); n <- as.matrix(read.csv(args[2], header = FALSE))
m <- nrow(x)
out <- matrix(NA_real_, m, 3)
t_dl <- system.time(for (i in seq_len(m)) {
  es <- escalc("PFT", xi = x[i, ], ni = n[i, ])
  r <- rma(yi, vi, data = es, method = "DL")
  out[i, 1] <- r$beta[1]; out[i, 2] <- r$tau2
})[["elapsed"]]
t_reml <- system.time(for (i in seq_len(m)) {
  es <- escalc("PFT", xi = x[i, ], ni = n[i, ])
  r <- rma(yi, vi, data = es, method = "REML")
  out[i, 3] <- r$tau2
})[["elapsed"]]
write.table(out, args[3], sep = ",", row.names = FALSE, col.names = FALSE)
cat(sprintf("%.17g,%.17g\n", t_dl / m, t_reml / m))
"""


def make_data(m: int, k: int, seed: int = 2025) -> tuple[np.ndarray, np.ndarray]:
    """Small single-arm studies: n 10–80, true ORR around 5–25% with heterogeneity."""
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 81, size=(m, k))
    logit = rng.normal(-2.0, 0.6, size=(m, 1)) + rng.normal(0.0, 0.5, size=(m, k))
    x = rng.binomial(n, 1.0 / (1.0 + np.exp(-logit)))
    return x, n


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def time_statsmodels(x: np.ndarray, n: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Seconds per meta-analysis, RE estimates and τ² of ``combine_effects(method_re="dl")``."""
    from statsmodels.stats.meta_analysis import combine_effects

    y, v = escalc(x, n, "PFT")
    est = np.empty(x.shape[0])
    tau2 = np.empty(x.shape[0])
    t0 = time.perf_counter()
    with np.errstate(invalid="ignore"):  # its HKSJ SE is NaN when τ² < 0 (see below)
        for i in range(x.shape[0]):
            res = combine_effects(y[i], v[i], method_re="dl")
            est[i], tau2[i] = res.mean_effect_re, res.tau2
    return (time.perf_counter() - t0) / x.shape[0], est, tau2


def time_metafor(x: np.ndarray, n: np.ndarray) -> tuple[float, float, np.ndarray] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f for f in ("x.csv", "n.csv", "out.csv", "bench.R")]
        np.savetxt(paths[0], x, fmt="%d", delimiter=",")
        np.savetxt(paths[1], n, fmt="%d", delimiter=",")
        paths[3].write_text(R_SCRIPT)
        proc = subprocess.run(
            [rscript, str(paths[3]), *map(str, paths[:3])],
            capture_output=True,
            text=True,
            check=True,
        )
        t_dl, t_reml = map(float, proc.stdout.strip().splitlines()[-1].split(","))
        return t_dl, t_reml, np.loadtxt(paths[2], delimiter=",", ndmin=2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyses", type=int, default=10_000)
    parser.add_argument("--studies", type=int, default=16)
    parser.add_argument("--statsmodels-sample", type=int, default=500)
    parser.add_argument("--metafor-sample", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    x, n = make_data(args.analyses, args.studies)
    m = args.analyses
    t_dl, dl = best_of(lambda: pool_proportions_batch(x, n, measure="PFT", method="DL"))
    t_reml, reml = best_of(lambda: pool_proportions_batch(x, n, measure="PFT", method="REML"))
    ours_dl, ours_reml = t_dl / m, t_reml / m

    sm_n = min(args.statsmodels_sample, m)
    sm_per, sm_est, sm_tau2 = time_statsmodels(x[:sm_n], n[:sm_n])
    # statsmodels' "dl" does not truncate τ² at 0 (negative τ² when Q < k − 1): compare τ²
    # after truncation, and the estimates where its τ² is not negative.
    np.testing.assert_allclose(
        np.maximum(sm_tau2, 0.0), dl.tau2[:sm_n], rtol=AGREE_RTOL, atol=1e-12
    )
    ok = sm_tau2 >= 0
    np.testing.assert_allclose(sm_est[ok], dl.fit.mu[:sm_n][ok], rtol=AGREE_RTOL)

    r = time_metafor(x[: args.metafor_sample], n[: args.metafor_sample])
    if r is not None:
        r_dl, r_reml, r_out = r
        k = r_out.shape[0]
        np.testing.assert_allclose(r_out[:, 0], dl.fit.mu[:k], rtol=AGREE_RTOL)
        np.testing.assert_allclose(r_out[:, 1], dl.tau2[:k], rtol=AGREE_RTOL, atol=1e-12)
        np.testing.assert_allclose(r_out[:, 2], reml.tau2[:k], rtol=0, atol=REML_ATOL)

    def us(t: float) -> str:
        return f"{t * 1e6:10.1f} µs"

    print(f"{m} meta-analyses x {args.studies} studies, Freeman–Tukey")
    print(f"core batch, DL        {us(ours_dl)} per meta-analysis ({t_dl:.3f} s in all)")
    print(f"core batch, REML      {us(ours_reml)} per meta-analysis ({t_reml:.3f} s in all)")
    print(
        f"statsmodels DL        {us(sm_per)} per meta-analysis (n = {sm_n}); "
        f"ratio {sm_per / ours_dl:.0f}x"
    )
    result = {
        "analyses": m,
        "studies": args.studies,
        "core_dl_s_per_analysis": ours_dl,
        "core_reml_s_per_analysis": ours_reml,
        "statsmodels_dl_s_per_analysis": sm_per,
        "speedup_vs_statsmodels": sm_per / ours_dl,
        "metafor_dl_s_per_analysis": None,
        "metafor_reml_s_per_analysis": None,
        "speedup_vs_metafor": None,
        "speedup_vs_metafor_reml": None,
        "statsmodels_negative_tau2_rows": int(np.sum(~ok)),
        "numbers_agree": True,
    }
    if r is not None:
        print(
            f"metafor rma DL        {us(r_dl)} per meta-analysis (n = {r_out.shape[0]}); "
            f"ratio {r_dl / ours_dl:.0f}x"
        )
        print(
            f"metafor rma REML      {us(r_reml)} per meta-analysis; ratio {r_reml / ours_reml:.0f}x"
        )
        result.update(
            metafor_dl_s_per_analysis=r_dl,
            metafor_reml_s_per_analysis=r_reml,
            speedup_vs_metafor=r_dl / ours_dl,
            speedup_vs_metafor_reml=r_reml / ours_reml,
        )
    else:
        print("metafor: Rscript not found, skipped")
    print("estimates agree (statsmodels DL; metafor DL and REML where run)")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
