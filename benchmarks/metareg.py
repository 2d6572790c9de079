"""Benchmark of meta-regression and cumulative meta-analysis against R metafor, in one run.

Data: many meta-analyses of 16 single-arm studies (sarcoma-ORR-like counts, Freeman–Tukey) with
two moderators, ``year`` (continuous) and ``design`` (three levels), so each model has four
coefficients. Timed per analysis:

* engine, batched — :func:`core.metareg.fit_regression_arrays` plus :func:`core.metareg.pseudo_r2`
  on all analyses at once (coefficients, tests, QM, QE, I², R²: what ``rma(mods=)`` reports);
* engine, one call — :func:`core.metareg.metareg` per analysis (full result object);
* engine, cumulative — :func:`core.cumulative.cumulative` per analysis (16 steps);
* metafor — ``rma(measure = "PFT", xi, ni, mods = ~ year + design)`` and ``cumul()`` per
  analysis, timed inside R with ``system.time`` over a loop, when ``Rscript`` is on the PATH.

It checks that coefficients and τ² agree with metafor's (DL to 1e-8; REML τ² to 1e-5 absolute,
metafor's default stopping rule), prints the times and ratios, and with ``--json`` prints one
JSON object as its last line (metafor fields are null without R).

    python benchmarks/metareg.py [--analyses 2000] [--metafor-sample 200] [--json]
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

from core.cumulative import cumulative
from core.measures import escalc
from core.metareg import fit_regression_arrays, metareg, pseudo_r2

K = 16
DESIGNS = ("rct_arm", "retrospective", "single_arm")
AGREE_RTOL = 1e-8
REML_ATOL = 1e-5

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
x <- as.matrix(read.csv(args[1], header = FALSE)); n <- as.matrix(read.csv(args[2], header = FALSE))
yr <- as.matrix(read.csv(args[3], header = FALSE))
de <- as.matrix(read.csv(args[4], header = FALSE, colClasses = "character"))
m <- nrow(x)
out <- matrix(NA_real_, m, 10)
t_dl <- system.time(for (i in seq_len(m)) {
  d <- data.frame(xi = x[i, ], ni = n[i, ], year = yr[i, ], design = de[i, ])
  r <- rma(measure = "PFT", xi = xi, ni = ni, mods = ~ year + design, data = d, method = "DL")
  out[i, 1:4] <- r$beta; out[i, 5] <- r$tau2
})[["elapsed"]]
t_reml <- system.time(for (i in seq_len(m)) {
  d <- data.frame(xi = x[i, ], ni = n[i, ], year = yr[i, ], design = de[i, ])
  r <- rma(measure = "PFT", xi = xi, ni = ni, mods = ~ year + design, data = d, method = "REML")
  out[i, 6:9] <- r$beta; out[i, 10] <- r$tau2
})[["elapsed"]]
t_cum <- system.time(for (i in seq_len(m)) {
  d <- data.frame(xi = x[i, ], ni = n[i, ], year = yr[i, ])
  r <- rma(measure = "PFT", xi = xi, ni = ni, data = d, method = "DL")
  cu <- cumul(r, order = d$year)
})[["elapsed"]]
write.table(out, args[5], sep = ",", row.names = FALSE, col.names = FALSE)
cat(sprintf("%.17g,%.17g,%.17g\n", t_dl / m, t_reml / m, t_cum / m))
"""


def make_data(m: int, seed: int = 2025):
    """Counts (n 10–80, ORR ~5–25%), years 2005–2024 and a design with every level present."""
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 81, size=(m, K))
    logit = rng.normal(-2.0, 0.6, size=(m, 1)) + rng.normal(0.0, 0.5, size=(m, K))
    x = rng.binomial(n, 1.0 / (1.0 + np.exp(-logit)))
    year = rng.integers(2005, 2025, size=(m, K))
    codes = np.array([rng.permutation(np.arange(K) % 3) for _ in range(m)])
    return x, n, year, codes


def design_matrix(year: np.ndarray, codes: np.ndarray) -> np.ndarray:
    m = year.shape[0]
    return np.stack(
        [
            np.ones((m, K)),
            year.astype(float),
            (codes == 1).astype(float),
            (codes == 2).astype(float),
        ],
        axis=-1,
    )


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def batch(x, n, X, method):
    y, v = escalc(x, n, "PFT")
    fit = fit_regression_arrays(y, v, X, method=method)
    return fit, pseudo_r2(y, v, fit.tau2, method)


def time_metafor(x, n, year, codes):
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f for f in ("x.csv", "n.csv", "y.csv", "d.csv", "out.csv", "b.R")]
        np.savetxt(paths[0], x, fmt="%d", delimiter=",")
        np.savetxt(paths[1], n, fmt="%d", delimiter=",")
        np.savetxt(paths[2], year, fmt="%d", delimiter=",")
        np.savetxt(paths[3], np.array(DESIGNS)[codes], fmt="%s", delimiter=",")
        paths[5].write_text(R_SCRIPT)
        proc = subprocess.run(
            [rscript, str(paths[5]), *map(str, paths[:5])],
            capture_output=True,
            text=True,
            check=True,
        )
        times = tuple(map(float, proc.stdout.strip().splitlines()[-1].split(",")))
        return times, np.loadtxt(paths[4], delimiter=",", ndmin=2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyses", type=int, default=2000)
    parser.add_argument("--single-sample", type=int, default=200)
    parser.add_argument("--metafor-sample", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    m = args.analyses
    x, n, year, codes = make_data(m)
    X = design_matrix(year, codes)
    t_dl, (dl, _) = best_of(lambda: batch(x, n, X, "DL"))
    t_reml, (reml, _) = best_of(lambda: batch(x, n, X, "REML"))
    ours_dl, ours_reml = t_dl / m, t_reml / m

    s = min(args.single_sample, m)
    design = np.array(DESIGNS)[codes]

    def singles(method):
        return [
            metareg(x[i], n[i], {"year": list(year[i]), "design": list(design[i])}, method=method)
            for i in range(s)
        ]

    t_one_dl, one = best_of(lambda: singles("DL"))
    t_one_reml, _ = best_of(lambda: singles("REML"))
    t_cum, _ = best_of(lambda: [cumulative(x[i], n[i], list(year[i])) for i in range(s)])
    one_dl, one_reml, cum = t_one_dl / s, t_one_reml / s, t_cum / s
    np.testing.assert_allclose([f.beta for f in one], dl.beta[:s], rtol=AGREE_RTOL, atol=1e-12)

    r = time_metafor(
        x[: args.metafor_sample],
        n[: args.metafor_sample],
        year[: args.metafor_sample],
        codes[: args.metafor_sample],
    )
    result = {
        "analyses": m,
        "studies": K,
        "coefficients": 4,
        "core_batch_dl_s": ours_dl,
        "core_batch_reml_s": ours_reml,
        "core_single_dl_s": one_dl,
        "core_single_reml_s": one_reml,
        "core_cumulative_s": cum,
        "metafor_dl_s": None,
        "metafor_reml_s": None,
        "metafor_cumul_s": None,
        "numbers_agree": True,
    }

    def us(t: float) -> str:
        return f"{t * 1e6:10.1f} µs"

    print(f"{m} meta-regressions x {K} studies (PFT, ~ year + design: 4 coefficients)")
    print(f"core batch, DL          {us(ours_dl)} per analysis")
    print(f"core batch, REML        {us(ours_reml)} per analysis")
    print(f"core one call, DL       {us(one_dl)} per analysis (n = {s})")
    print(f"core one call, REML     {us(one_reml)} per analysis")
    print(f"core cumulative, DL     {us(cum)} per analysis ({K} steps)")
    if r is not None:
        (r_dl, r_reml, r_cum), out = r
        k = out.shape[0]
        np.testing.assert_allclose(out[:, 0:4], dl.beta[:k], rtol=AGREE_RTOL, atol=1e-10)
        np.testing.assert_allclose(out[:, 4], dl.tau2[:k], rtol=AGREE_RTOL, atol=1e-12)
        np.testing.assert_allclose(out[:, 9], reml.tau2[:k], rtol=0, atol=REML_ATOL)
        result.update(metafor_dl_s=r_dl, metafor_reml_s=r_reml, metafor_cumul_s=r_cum)
        for label, theirs, batch_t, one_t in (
            ("DL", r_dl, ours_dl, one_dl),
            ("REML", r_reml, ours_reml, one_reml),
        ):
            print(
                f"metafor rma(mods), {label:<4} {us(theirs)} per analysis (n = {k}); "
                f"batch {theirs / batch_t:.0f}x, one call {theirs / one_t:.0f}x"
            )
            result[f"speedup_batch_{label.lower()}"] = theirs / batch_t
            result[f"speedup_single_{label.lower()}"] = theirs / one_t
        print(f"metafor cumul(), DL     {us(r_cum)} per analysis; {r_cum / cum:.0f}x")
        result["speedup_cumulative"] = r_cum / cum
        print("coefficients and tau2 agree with metafor (DL 1e-8; REML tau2 1e-5)")
    else:
        print("metafor: Rscript not found, skipped")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
