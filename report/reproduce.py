"""``reproduce.R``: every pooled number of a view, recomputed with R metafor from its data.

:func:`pool_frames` writes each pool of a view as plain rows — the app's number
(``numbers.csv``) and the study data it was pooled from (``pools.csv``: events and n, or a
median with its 95% CI) — and :func:`reproduce_script` writes an R script that refits each pool
with metafor under the view's method and prints the app's number beside R's. The script exits
with status 1 when any number differs by more than the engine's stated tolerance against
metafor (``tests/test_core_metafor.py``): 1e-10 relative for closed-form fits (DerSimonian–Laird),
1e-6 for iterative ones (REML, PM, ML), 2e-4 for the GLMM.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from report.colors import drug_label
from tkidata.analysis import half_up
from tkidata.wording import is_median, outcome_label

#: relative tolerances of the engine against metafor, by fit (see the module docstring).
CLOSED_RTOL = 1e-10
ITER_RTOL = 1e-6
GLMM_RTOL = 2e-4
#: absolute tolerance (proportions near 0, GLMM near the boundary).
ATOL = 1e-9
GLMM_ATOL = 1e-6

NUMBER_COLUMNS = ("pool", "drug", "outcome", "label", "kind", "k", "est", "ci_lb", "ci_ub")
ROW_COLUMNS = ("pool", "study", "events", "n", "estimate", "ci_low", "ci_high", "upper_reached")


def _outcome_rows(pool_id: str, result: Any) -> list[dict[str, Any]]:
    pool = result.pool
    if is_median(result.outcome):
        flags = dict(
            zip(
                result.selection.rows["label"],
                result.selection.rows["not_reached"] != "upper",
                strict=True,
            )
        )
        return [
            {
                "pool": pool_id,
                "study": s.label,
                "estimate": s.estimate,
                "ci_low": s.ci_low,
                "ci_high": None if math.isnan(s.ci_high) else s.ci_high,
                "upper_reached": bool(flags.get(s.label, True)),
            }
            for s in pool.studies
        ]
    return [
        {"pool": pool_id, "study": s.label, "events": int(s.events), "n": int(s.n)}
        for s in pool.studies
    ]


def _ae_rows(pool_id: str, term: Any, ev: Any) -> list[dict[str, Any]]:
    """The per-study counts behind one pooled adverse-event term, as the analysis counts them."""
    term_rows = term.studies.split(";") if isinstance(term.studies, str) else []
    rows = ev.adverse_events[
        ev.adverse_events["study_id"].isin(term_rows)
        & (ev.adverse_events["term"] == term.term)
        & (ev.adverse_events["grade"] == term.grade)
    ]
    by_id = {str(r["study_id"]): r for r in rows.to_dict("records")}
    out = []
    for sid in term_rows:
        r = by_id[sid]
        events = r.get("events")
        n = int(r["n"])
        count = half_up(float(r["pct"]) * n) if events is None or pd.isna(events) else int(events)
        out.append({"pool": pool_id, "study": sid, "events": count, "n": n})
    return out


def pool_frames(
    results: Sequence[Any],
    ae_by_drug: Mapping[str, pd.DataFrame] | None = None,
    *,
    evidence: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The app's pooled numbers and the study rows behind each, for ``reproduce.R``.

    Parameters
    ----------
    results
        ``OutcomeResult`` objects; those with k = 0 are left out (nothing to recompute).
    ae_by_drug
        Drug → ``tkidata.pool_adverse_events`` frame; every term becomes one pool.
    evidence
        The ``tkidata.Evidence`` the AE frames were pooled from (needed with ``ae_by_drug``;
        a session's includes its user studies).

    Returns
    -------
    (numbers, rows) : tuple of pandas.DataFrame
        ``numbers`` (:data:`NUMBER_COLUMNS`): one row per pool — id, drug, outcome, label,
        ``kind`` (``proportion`` or ``median``), k and the random-effects estimate and CI.
        ``rows`` (:data:`ROW_COLUMNS`): the studies of each pool.
    """
    numbers: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for result in results:
        if result.pool is None:
            continue
        pool_id = f"p{len(numbers) + 1}"
        r = result.pool.random
        numbers.append(
            {
                "pool": pool_id,
                "drug": result.drug,
                "outcome": outcome_label(result.outcome, result.timepoint, short=True),
                "label": f"{drug_label(result.drug)} "
                f"{outcome_label(result.outcome, result.timepoint, short=True)}",
                "kind": "median" if is_median(result.outcome) else "proportion",
                "k": result.pool.k,
                "est": r.est,
                "ci_lb": r.ci_lb,
                "ci_ub": r.ci_ub,
            }
        )
        rows += _outcome_rows(pool_id, result)
    for drug, frame in (ae_by_drug or {}).items():
        if frame is None or frame.empty:
            continue
        for term in frame.itertuples(index=False):
            pool_id = f"p{len(numbers) + 1}"
            numbers.append(
                {
                    "pool": pool_id,
                    "drug": drug,
                    "outcome": f"grade {term.grade} {term.term}",
                    "label": f"{drug_label(drug)} grade 3+ {term.term}"
                    if term.grade == "3plus"
                    else f"{drug_label(drug)} {term.term}",
                    "kind": "proportion",
                    "k": int(term.k),
                    "est": term.est,
                    "ci_lb": term.ci_lb,
                    "ci_ub": term.ci_ub,
                }
            )
            rows += _ae_rows(pool_id, term, evidence)
    return (
        pd.DataFrame(numbers, columns=list(NUMBER_COLUMNS)),
        pd.DataFrame(rows, columns=list(ROW_COLUMNS)),
    )


def _r_string(text: str) -> str:
    """An R raw string holding ``text`` (delimiter chosen so the text cannot close it)."""
    dashes = "-"
    while f']{dashes}"' in text:
        dashes += "-"
    return f'r"{dashes}[{text}]{dashes}"'


def reproduce_script(
    method: Any,
    *,
    header: Sequence[str] = (),
    numbers_csv: str | None = None,
    rows_csv: str | None = None,
) -> str:
    """The R script that refits every pool with metafor and compares it with the app.

    Parameters
    ----------
    method
        ``tkidata.Method`` the app pooled with.
    header
        Comment lines at the top (filters, data version, date).
    numbers_csv, rows_csv
        The CSV text of :func:`pool_frames`; given, the script holds the data itself (one file
        to download); omitted, it reads ``data/numbers.csv`` and ``data/pools.csv`` next to
        itself (the bundle).

    Returns
    -------
    str
        R source. ``Rscript reproduce.R`` prints one line per number and exits with status 1
        when any differs beyond the tolerance.
    """
    if numbers_csv is None or rows_csv is None:
        read = (
            'here <- tryCatch(dirname(normalizePath(sub("^--file=", "", grep("^--file=", '
            'commandArgs(FALSE), value = TRUE)[1]))), error = function(e) ".")\n'
            'if (is.na(here)) here <- "."\n'
            'numbers <- read.csv(file.path(here, "data", "numbers.csv"), '
            'fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)\n'
            'rows <- read.csv(file.path(here, "data", "pools.csv"), '
            'fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)\n'
        )
    else:
        read = (
            f"numbers <- read.csv(text = {_r_string(numbers_csv)}, stringsAsFactors = FALSE)\n"
            f"rows <- read.csv(text = {_r_string(rows_csv)}, stringsAsFactors = FALSE)\n"
        )
    measure = "PR" if method.measure == "PRAW" else method.measure
    settings = (
        f"glmm <- {'TRUE' if method.glmm else 'FALSE'}\n"
        f'measure <- "{measure}"\n'
        f'tau2_method <- "{method.tau2}"\n'
        f'test <- "{method.test}"\n'
        f'study_ci <- "{method.ci_method}"\n'
        f'mean_n <- "{method.mean_n}"\n'
        f"level <- {method.level!r}\n"
    )
    comments = "".join(f"# {line}\n" for line in header)
    return (
        "# Recomputes every pooled proportion and median of this view with metafor and prints\n"
        "# each beside the app's number. Exits with status 1 when any number differs.\n"
        "#   Rscript reproduce.R        (needs R with the metafor package; lme4 for the GLMM)\n"
        f"{comments}\n"
        "suppressPackageStartupMessages(library(metafor))\n\n"
        "# ---- the app's method ----\n"
        f"{settings}\n"
        "# ---- tolerances of the engine against metafor ----\n"
        f"closed_rtol <- {CLOSED_RTOL!r}\n"
        f"iter_rtol <- {ITER_RTOL!r}\n"
        f"glmm_rtol <- {GLMM_RTOL!r}\n"
        f"atol <- {ATOL!r}\n"
        f"glmm_atol <- {GLMM_ATOL!r}\n\n"
        "# ---- data: the app's numbers and the study rows of each pool ----\n"
        f"{read}\n" + _R_BODY
    )


_R_BODY = r"""ctrl <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)
z <- qnorm(1 - (1 - level) / 2)
clamp <- function(x) pmin(pmax(x, 0), 1)

study_interval <- function(x, n) {
  if (study_ci == "exact") {
    ci <- binom.test(x, n, conf.level = level)$conf.int
    return(c(ci[1], ci[2]))
  }
  p <- x / n
  centre <- (p + z^2 / (2 * n)) / (1 + z^2 / n)
  half <- z / (1 + z^2 / n) * sqrt(p * (1 - p) / n + z^2 / (4 * n^2))
  c(max(0, centre - half), min(1, centre + half))
}

back <- function(x, ni) {
  nbar <- switch(mean_n,
    harmonic = 1 / mean(1 / ni),
    geometric = exp(mean(log(ni))),
    arithmetic = mean(ni))
  clamp(switch(measure,
    PFT = transf.ipft(x, ni = nbar),
    PLO = transf.ilogit(x),
    PAS = transf.iarcsin(x),
    PLN = exp(x),
    PR = x))
}

refit_proportion <- function(d) {
  if (nrow(d) == 1) {
    return(c(d$events / d$n, study_interval(d$events, d$n)))
  }
  if (glmm) {
    g <- rma.glmm(measure = "PLO", xi = d$events, ni = d$n, level = level)
    return(clamp(transf.ilogit(c(g$beta[1], g$ci.lb, g$ci.ub))))
  }
  es <- escalc(measure, xi = d$events, ni = d$n)
  r <- rma(yi, vi, data = es, method = tau2_method, test = test, level = level, control = ctrl)
  back(c(r$beta[1], r$ci.lb, r$ci.ub), d$n)
}

refit_median <- function(d) {
  reached <- as.logical(d$upper_reached)
  se <- ifelse(reached, (d$ci_high - d$ci_low) / (2 * qnorm(0.975)),
               (d$estimate - d$ci_low) / qnorm(0.975))
  if (nrow(d) == 1) {
    return(c(d$estimate, d$ci_low, if (reached) d$ci_high else NA))
  }
  r <- rma(d$estimate, sei = se, method = tau2_method, test = test, level = level,
           control = ctrl)
  c(r$beta[1], r$ci.lb, r$ci.ub)
}

same <- function(app, r, rtol, tol) {
  both_na <- is.na(app) & is.na(r)
  ok <- both_na | (!is.na(app) & !is.na(r) & abs(app - r) <= tol + rtol * abs(r))
  all(ok)
}

fmt <- function(x, median) {
  if (is.na(x)) return("NA")
  if (median) sprintf("%.4f", x) else sprintf("%.4f%%", 100 * x)
}

differ <- 0
cat(sprintf("%-48s %-36s %-36s %s\n", "number", "app: est [CI]", "metafor: est [CI]", ""))
for (i in seq_len(nrow(numbers))) {
  num <- numbers[i, ]
  d <- rows[rows$pool == num$pool, ]
  median <- num$kind == "median"
  r <- if (median) refit_median(d) else refit_proportion(d)
  app <- c(num$est, num$ci_lb, num$ci_ub)
  single <- nrow(d) == 1
  rtol <- if (!median && glmm && !single) glmm_rtol
          else if (tau2_method == "DL" || single) closed_rtol else iter_rtol
  tol <- if (!median && glmm && !single) glmm_atol else atol
  ok <- same(app, r, rtol, tol)
  if (!ok) differ <- differ + 1
  cat(sprintf("%-48s %-36s %-36s %s\n", substr(num$label, 1, 48),
              sprintf("%s [%s, %s]", fmt(app[1], median), fmt(app[2], median), fmt(app[3], median)),
              sprintf("%s [%s, %s]", fmt(r[1], median), fmt(r[2], median), fmt(r[3], median)),
              if (ok) "same" else "DIFFERS"))
}
cat(sprintf("\n%d of %d numbers recomputed by metafor %s; %d differ.\n", nrow(numbers) - differ,
            nrow(numbers), as.character(packageVersion("metafor")), differ))
quit(status = if (differ > 0) 1 else 0)
"""
