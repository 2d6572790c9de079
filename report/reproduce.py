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
from tkidata.analyses.pooling import half_up
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


CUMULATIVE_COLUMNS = (
    "pool",
    "label",
    "measure",
    "study",
    "year",
    "events",
    "n",
    "step",
    "est",
    "ci_lb",
    "ci_ub",
)
METAREG_COLUMNS = ("pool", "label", "measure", "study", "events", "n", "year", "name", "coef")


def trend_frames(results: Sequence[Any], evidence: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cumulative meta-analysis (by publication year) and the meta-regression on
    publication year of every pooled proportion of a view, for ``reproduce.R``.

    Returns
    -------
    (cumulative, metareg) : tuple of pandas.DataFrame
        ``cumulative`` (:data:`CUMULATIVE_COLUMNS`): the studies of each pool in pool order,
        each with the step at which it is added and the app's pooled estimate and CI after
        that step (metafor ``cumul(res, order = year)``). ``metareg``
        (:data:`METAREG_COLUMNS`): the studies of each pool with its year, and the app's
        coefficients (``name``/``coef`` on the first rows; metafor ``rma(mods = ~ year)``).
        Pools fitted by the GLMM use the logit scale (as the app's views do).
    """
    from tkidata.living.trends import cumulative_pool, regression, study_rows

    cum_rows: list[dict[str, Any]] = []
    reg_rows: list[dict[str, Any]] = []
    for result in results:
        rows = study_rows(result, evidence.studies)
        if len(rows) < 2 or rows["year"].isna().any():
            continue
        pool_id = f"t{len(cum_rows) + len(reg_rows) + 1}"
        what = outcome_label(result.outcome, result.timepoint, short=True)
        label = f"{drug_label(result.drug)} {what}"
        measure = "PLO" if result.method.glmm else result.method.measure
        measure = "PR" if measure == "PRAW" else measure
        cum = cumulative_pool(result, rows)
        step_of = {int(i): j for j, i in enumerate(cum.order)}
        for i, row in enumerate(rows.itertuples(index=False)):
            step = cum.steps[step_of[i]]
            cum_rows.append(
                {
                    "pool": pool_id,
                    "label": label,
                    "measure": measure,
                    "study": row.study,
                    "year": int(row.year),
                    "events": int(row.events),
                    "n": int(row.n),
                    "step": step_of[i] + 1,
                    "est": step.est,
                    "ci_lb": step.ci_lb,
                    "ci_ub": step.ci_ub,
                }
            )
        reg = regression(result, rows, "year")
        if reg.fit is None:
            continue
        coefs = reg.fit.coefficients
        for i, row in enumerate(rows.itertuples(index=False)):
            reg_rows.append(
                {
                    "pool": pool_id,
                    "label": label,
                    "measure": measure,
                    "study": row.study,
                    "events": int(row.events),
                    "n": int(row.n),
                    "year": int(row.year),
                    "name": coefs[i].name if i < len(coefs) else "",
                    "coef": coefs[i].estimate if i < len(coefs) else None,
                }
            )
    return (
        pd.DataFrame(cum_rows, columns=list(CUMULATIVE_COLUMNS)),
        pd.DataFrame(reg_rows, columns=list(METAREG_COLUMNS)),
    )


NETWORK_COLUMNS = ("network", "study", "treat1", "treat2", "yi", "sei", "model")
LEAGUE_COLUMNS = ("network", "reference", "treat1", "treat2", "te", "se")


def network_frames(ic: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The networks of randomised comparisons of a view as plain rows, for ``reproduce.R``.

    Parameters
    ----------
    ic
        ``tkidata.comparative.IndirectComparisons``: each connected network and its league.

    Returns
    -------
    networks, league : pandas.DataFrame
        ``networks.csv``: one row per trial contrast (network, study, treat1 vs treat2, log
        hazard ratio ``yi`` and its SE ``sei``, and the fit: ``common`` when no comparison has
        two trials — τ² cannot be estimated, the fit is the common-effect/Bucher one — else the
        τ² method, e.g. ``REML``); ``league.csv``: the app's log hazard ratio ``te`` and SE of
        every pair, with the network's reference treatment.
    """
    contrasts, league = [], []
    for number, comp in enumerate(ic.components, start=1):
        mine = ic.contrasts[ic.contrasts["component"] == number]
        random = ic.model == "random" and comp.result.df > 0
        model = ic.tau2_method if random else "common"
        contrasts += [
            {
                "network": number,
                "study": row.trial,
                "treat1": row.treat1,
                "treat2": row.treat2,
                "yi": row.te,
                "sei": row.se,
                "model": model,
            }
            for row in mine.itertuples(index=False)
        ]
        pairs = ic.league[ic.league["component"] == number]
        league += [
            {
                "network": number,
                "reference": comp.reference,
                "treat1": row.treat1,
                "treat2": row.treat2,
                "te": row.te,
                "se": row.se,
            }
            for row in pairs.itertuples(index=False)
        ]
    return (
        pd.DataFrame(contrasts, columns=list(NETWORK_COLUMNS)),
        pd.DataFrame(league, columns=list(LEAGUE_COLUMNS)),
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
    networks_csv: str | None = None,
    league_csv: str | None = None,
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
    networks_csv, league_csv
        The CSV text of :func:`network_frames`, held in the script like ``numbers_csv``;
        omitted, the script reads ``data/networks.csv`` and ``data/league.csv`` when they
        exist next to it (the bundle), else refits no network.

    Returns
    -------
    str
        R source. ``Rscript reproduce.R`` prints one line per number and per network
        comparison, and exits with status 1 when any differs beyond the tolerance.
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
    if networks_csv is None or league_csv is None:
        read += (
            "networks <- NULL; league <- NULL\n"
            'if (!exists("here")) here <- "."\n'
            'if (file.exists(file.path(here, "data", "networks.csv"))) {\n'
            '  networks <- read.csv(file.path(here, "data", "networks.csv"), '
            'fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)\n'
            '  league <- read.csv(file.path(here, "data", "league.csv"), '
            'fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)\n'
            "}\n"
        )
    else:
        read += (
            f"networks <- read.csv(text = {_r_string(networks_csv)}, stringsAsFactors = FALSE)\n"
            f"league <- read.csv(text = {_r_string(league_csv)}, stringsAsFactors = FALSE)\n"
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
        "# each beside the app's number; refits each network of randomised comparisons with\n"
        "# rma.mv. Exits with status 1 when any number differs.\n"
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

# ---- cumulative meta-analysis (cumul, by publication year) and meta-regression on year ----
trend_rtol <- if (tau2_method == "DL") closed_rtol else iter_rtol
# uncentred years make metafor's X'WX ill-conditioned (condition ~5e12): its intercept is
# ~1e-8 relative off the well-conditioned solution the engine computes (README, metareg)
metareg_rtol <- iter_rtol
back_m <- function(x, ni, m) {
  nbar <- switch(mean_n, harmonic = 1 / mean(1 / ni), geometric = exp(mean(log(ni))),
                 arithmetic = mean(ni))
  clamp(switch(m, PFT = transf.ipft(x, ni = nbar), PLO = transf.ilogit(x),
               PAS = transf.iarcsin(x), PLN = exp(x), PR = x))
}
trend_differ <- 0
trend_n <- 0
bundled <- function(name) exists("here") && file.exists(file.path(here, "data", name))
if (bundled("cumulative.csv")) {
  cum <- read.csv(file.path(here, "data", "cumulative.csv"), fileEncoding = "UTF-8-BOM",
                  stringsAsFactors = FALSE)
  for (p in unique(cum$pool)) {
    d <- cum[cum$pool == p, ]
    m <- d$measure[1]
    es <- escalc(m, xi = d$events, ni = d$n)
    res <- rma(yi, vi, data = es, method = tau2_method, test = test, level = level,
               control = ctrl)
    cm <- cumul(res, order = d$year)
    o <- order(d$year)
    ok <- TRUE
    for (j in seq_along(o)) {
      r <- if (j == 1) c(d$events[o[1]] / d$n[o[1]], study_interval(d$events[o[1]], d$n[o[1]]))
           else back_m(c(cm$estimate[j], cm$ci.lb[j], cm$ci.ub[j]), d$n[o[1:j]], m)
      app <- unlist(d[d$step == j, c("est", "ci_lb", "ci_ub")])
      if (!same(app, r, trend_rtol, atol)) ok <- FALSE
    }
    trend_n <- trend_n + 1
    if (!ok) trend_differ <- trend_differ + 1
    cat(sprintf("%-48s cumul() by year, %d steps: %s\n",
                substr(paste(d$label[1], "cumulative"), 1, 48), length(o),
                if (ok) "same" else "DIFFERS"))
  }
}
if (bundled("metareg.csv")) {
  mr <- read.csv(file.path(here, "data", "metareg.csv"), fileEncoding = "UTF-8-BOM",
                 stringsAsFactors = FALSE)
  for (p in unique(mr$pool)) {
    d <- mr[mr$pool == p, ]
    es <- escalc(d$measure[1], xi = d$events, ni = d$n)
    res <- rma(yi, vi, mods = ~ d$year, data = es, method = tau2_method, test = test,
               level = level, control = ctrl)
    app <- d$coef[d$name != ""]
    ok <- same(app, as.vector(res$beta), metareg_rtol, atol)
    trend_n <- trend_n + 1
    if (!ok) trend_differ <- trend_differ + 1
    cat(sprintf("%-48s rma(mods = ~ year): intercept %s, slope %s: %s\n",
                substr(paste(d$label[1], "meta-regression"), 1, 48),
                format(res$beta[1], digits = 6), format(res$beta[2], digits = 6),
                if (ok) "same" else "DIFFERS"))
  }
}
if (trend_n > 0) {
  cat(sprintf("%d of %d cumulative and meta-regression analyses recomputed; %d differ.\n",
              trend_n - trend_differ, trend_n, trend_differ))
}
# ---- networks of randomised comparisons (log hazard ratios), refitted with rma.mv ----
# Each trial contrast is coded +1 for treat1 and -1 for treat2 against the network's reference;
# rma.mv(yi, V, mods = X, random = ~ comparison | study, rho = 1/2) is the consistency model with
# one tau^2 (as validation/metafor/network_fixtures.R). With no comparison met by two trials tau^2
# cannot be estimated: the fit is the common-effect one (in a star, Bucher's).
net_differ <- 0
net_total <- 0
if (!is.null(networks) && nrow(networks) > 0) {
  cat(sprintf("\n%-48s %-24s %-24s %s\n", "network comparison (log HR)", "app: te (se)",
              "metafor: te (se)", ""))
  for (g in unique(networks$network)) {
    d <- networks[networks$network == g, ]
    lg <- league[league$network == g, ]
    ref <- lg$reference[1]
    cols <- setdiff(sort(unique(c(d$treat1, d$treat2))), ref)
    X <- matrix(0, nrow(d), length(cols), dimnames = list(NULL, cols))
    for (i in seq_len(nrow(d))) {
      if (d$treat1[i] %in% cols) X[i, d$treat1[i]] <- 1
      if (d$treat2[i] %in% cols) X[i, d$treat2[i]] <- -1
    }
    dd <- data.frame(yi = d$yi, study = d$study, comparison = paste(d$treat1, d$treat2, sep = ":"))
    V <- diag(d$sei^2, nrow(d))
    common <- d$model[1] == "common"
    if (nrow(d) == 1) {
      # one trial (rma.mv needs k > 1): the network is that trial's own contrast
      beta <- d$yi / X[1, 1]
      vbeta <- matrix(d$sei^2, 1, 1)
    } else {
      fit <- if (common) {
        rma.mv(yi, V, mods = X, intercept = FALSE, data = dd)
      } else {
        rma.mv(yi, V, mods = X, intercept = FALSE, data = dd, random = ~ comparison | study,
               rho = 1 / 2, method = d$model[1])
      }
      beta <- as.numeric(coef(fit))
      vbeta <- as.matrix(vcov(fit))
    }
    b <- setNames(c(0, beta), c(ref, cols))
    vb <- matrix(0, length(b), length(b), dimnames = list(names(b), names(b)))
    vb[cols, cols] <- vbeta
    rtol <- if (common) closed_rtol else iter_rtol
    ntol <- if (common) atol else 1e-7
    for (i in seq_len(nrow(lg))) {
      t1 <- lg$treat1[i]
      t2 <- lg$treat2[i]
      r <- c(b[[t1]] - b[[t2]], sqrt(vb[t1, t1] + vb[t2, t2] - 2 * vb[t1, t2]))
      app <- c(lg$te[i], lg$se[i])
      ok <- same(app, r, rtol, ntol)
      net_total <- net_total + 1
      if (!ok) net_differ <- net_differ + 1
      cat(sprintf("%-48s %-24s %-24s %s\n", substr(sprintf("%d: %s vs %s", g, t1, t2), 1, 48),
                  sprintf("%.6f (%.6f)", app[1], app[2]), sprintf("%.6f (%.6f)", r[1], r[2]),
                  if (ok) "same" else "DIFFERS"))
    }
  }
  cat(sprintf("\n%d of %d network comparisons refitted by rma.mv; %d differ.\n",
              net_total - net_differ, net_total, net_differ))
}
quit(status = if (differ + trend_differ + net_differ > 0) 1 else 0)
"""
