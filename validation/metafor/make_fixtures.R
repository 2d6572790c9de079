# Reference values for the proportion engine (core/), computed with R metafor.
#
#   Rscript validation/metafor/make_fixtures.R      (from the repository root; or `make fixtures`)
#
# Writes one JSON file per data set to tests/fixtures/metafor/ with every number printed by
# sprintf("%.17g") and a `source` block (R and metafor versions, date). The Python tests read
# these files and never need R.
#
# Conventions recorded here (see also tests/test_core_metafor.py):
# * Iterative estimators are run to convergence well beyond metafor's defaults
#   (threshold = 1e-10 for Fisher scoring, tol = 1e-12 for uniroot in PM and in the Q-profile CI)
#   so that the fixtures hold the estimator's value rather than a stopping-rule artefact.
# * I2_q is the Q-based I^2 max(0, (QE - df)/QE) * 100 that the engine reports for every
#   estimator; metafor's own (tau^2-based) I2 is stored as I2_metafor for reference.
# * The prediction interval follows the engine: mu +/- qt(1 - alpha/2, k - 2) * sqrt(tau2 + se^2)
#   with the SE of the fit (HK SE under test = "knha"); metafor's own PI (z, or t(k-1) under knha)
#   is stored as pi_metafor.
# * Back-transformed values: transf.ipft.hm(targs = list(ni = ni)) for PFT, transf.ilogit for
#   PLO, transf.iarcsin for PAS, exp for PLN, identity for PRAW; clamped to [0, 1] as the
#   engine does (metafor only clamps PFT).
# * Egger: regtest(model = "rma", predictor = "sei") on the fitted model (same method and test).

suppressPackageStartupMessages(library(metafor))

out_dir <- file.path("tests", "fixtures", "metafor")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

ctrl <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)
measures <- c("PFT", "PLO", "PRAW", "PAS", "PLN")
methods <- c("DL", "REML", "PM", "ML")
tests <- c("z", "knha")
level <- 0.95

# ---- tiny JSON writer with %.17g numbers -------------------------------------------------
num <- function(x) ifelse(is.na(x) | is.infinite(x), "null", sprintf("%.17g", x))
json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    items <- vapply(x, json, character(1))
    if (!is.null(names(x))) {
      return(paste0("{", paste0('"', names(x), '": ', items, collapse = ", "), "}"))
    }
    return(paste0("[", paste(items, collapse = ", "), "]"))
  }
  vals <- if (is.character(x)) {
    paste0('"', gsub('"', '\\"', x, fixed = TRUE), '"')
  } else if (is.logical(x)) {
    ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else {
    num(as.numeric(x))
  }
  if (length(x) == 1 && is.null(attr(x, "array"))) return(vals)
  paste0("[", paste(vals, collapse = ", "), "]")
}
arr <- function(x) structure(x, array = TRUE)  # always a JSON array, even of length 1

source_block <- list(
  R = R.version.string,
  metafor = as.character(packageVersion("metafor")),
  date = format(Sys.Date()),
  script = "validation/metafor/make_fixtures.R"
)

# ---- data sets ---------------------------------------------------------------------------
datasets <- list(
  dataset_a = list(xi = c(0, 1, 12, 38, 40), ni = c(10, 10, 20, 40, 40),
                   note = "methods.md Dataset A (r-help Dec 2010)"),
  dataset_b = list(xi = c(3, 6, 10, 1), ni = c(11, 17, 21, 6),
                   note = "methods.md Dataset B (Miller 1978)"),
  pritz1997 = list(xi = dat.pritz1997$xi, ni = dat.pritz1997$ni,
                   note = "metadat::dat.pritz1997"),
  zero_all = list(xi = c(0, 0, 5, 12, 15, 9), ni = c(12, 25, 30, 12, 40, 9),
                  note = "0-event and n-event studies"),
  k1 = list(xi = c(7), ni = c(23), note = "single study"),
  k2 = list(xi = c(4, 9), ni = c(20, 31), note = "two studies"),
  tau0 = list(xi = c(10, 11, 12, 9, 10), ni = c(50, 52, 55, 48, 51),
              note = "homogeneous studies: tau^2 = 0"),
  sarcoma16 = list(xi = c(3, 5, 1, 0, 7, 2, 4, 9, 1, 3, 6, 2, 12, 1, 4, 5),
                   ni = c(25, 41, 13, 16, 58, 19, 30, 78, 12, 36, 44, 21, 80, 15, 33, 47),
                   note = "16 small single-arm ORR-like studies (invented counts)"),
  subgroups = list(xi = c(4, 7, 3, 10, 2, 5, 1, 8), ni = c(30, 42, 25, 60, 20, 31, 18, 40),
                   groups = c("sts", "sts", "sts", "sts", "bone", "bone", "bone", "mixed"),
                   note = "three subgroups, one with a single study")
)

# The engine calls metafor's "PR" measure "PRAW".
mf <- function(measure) if (measure == "PRAW") "PR" else measure

back <- function(measure, x, ni) {
  v <- switch(measure,
    PFT = transf.ipft.hm(x, targs = list(ni = ni)),
    PLO = transf.ilogit(x),
    PAS = transf.iarcsin(x),
    PLN = exp(x),
    PRAW = x)
  pmin(pmax(v, 0), 1)
}

wilson <- function(x, n, level) {
  z <- qnorm(1 - (1 - level) / 2)
  p <- x / n
  centre <- (p + z^2 / (2 * n)) / (1 + z^2 / n)
  half <- z / (1 + z^2 / n) * sqrt(p * (1 - p) / n + z^2 / (4 * n^2))
  list(lb = arr(pmax(0, centre - half)), ub = arr(pmin(1, centre + half)))
}

clopper <- function(x, n, level) {
  ci <- t(mapply(function(a, b) binom.test(a, b, conf.level = level)$conf.int, x, n))
  list(lb = arr(ci[, 1]), ub = arr(ci[, 2]))
}

fit_case <- function(dat, measure, method, test, ni) {
  es <- escalc(mf(measure), xi = dat$xi, ni = dat$ni)
  k <- length(es$yi)
  res <- rma(yi, vi, data = es, method = method, test = test, control = ctrl)
  fe <- rma(yi, vi, data = es, method = "EE")
  qp <- confint(res, control = list(tol = 1e-12))$random[1, 2:3]
  alpha <- 1 - level
  if (k >= 3) {
    half <- qt(1 - alpha / 2, k - 2) * sqrt(res$tau2 + res$se^2)
    pi <- c(res$beta[1] - half, res$beta[1] + half)
  } else {
    pi <- c(NA, NA)
  }
  pm <- predict(res)
  df <- k - 1
  list(
    measure = measure, method = method, test = test, k = k,
    yi = arr(as.numeric(es$yi)), vi = arr(as.numeric(es$vi)),
    tau2 = res$tau2, tau2_ci = arr(as.numeric(qp)),
    q = res$QE, q_df = df, q_pvalue = res$QEp,
    I2_q = max(0, (res$QE - df) / res$QE) * 100, I2_metafor = res$I2,
    mu = res$beta[1], se = res$se, zval = res$zval, pval = res$pval,
    ci_lb = res$ci.lb, ci_ub = res$ci.ub,
    pi_lb = pi[1], pi_ub = pi[2],
    pi_metafor = arr(c(pm$pi.lb, pm$pi.ub)),
    weights = arr(as.numeric(weights(res))),
    fe_mu = fe$beta[1], fe_se = fe$se, fe_ci_lb = fe$ci.lb, fe_ci_ub = fe$ci.ub,
    bt_est = back(measure, res$beta[1], ni),
    bt_ci = arr(back(measure, c(res$ci.lb, res$ci.ub), ni)),
    bt_pi = arr(back(measure, pi, ni)),
    bt_fe = arr(back(measure, c(fe$beta[1], fe$ci.lb, fe$ci.ub), ni)),
    n_bar = 1 / mean(1 / ni)
  )
}

loo_case <- function(dat, measure, method) {
  es <- escalc(mf(measure), xi = dat$xi, ni = dat$ni)
  res <- rma(yi, vi, data = es, method = method, control = ctrl)
  l1o <- leave1out(res)  # refits with the model's own control settings
  k <- length(es$yi)
  bt <- vapply(seq_len(k), function(i) back(measure, l1o$estimate[i], dat$ni[-i]), numeric(1))
  list(measure = measure, method = method,
       estimate = arr(l1o$estimate), se = arr(l1o$se), ci_lb = arr(l1o$ci.lb),
       ci_ub = arr(l1o$ci.ub), tau2 = arr(l1o$tau2), q = arr(l1o$Q), bt_est = arr(bt))
}

egger_case <- function(dat, measure, method, test) {
  es <- escalc(mf(measure), xi = dat$xi, ni = dat$ni)
  res <- rma(yi, vi, data = es, method = method, test = test, control = ctrl)
  eg <- regtest(res, model = "rma", predictor = "sei")
  list(measure = measure, method = method, test = test,
       intercept = eg$fit$beta[2], se = eg$fit$se[2], stat = eg$zval, pvalue = eg$pval,
       df = if (is.null(eg$ddf) || is.na(eg$ddf)) NA else eg$ddf,
       limit_est = eg$fit$beta[1], tau2 = eg$fit$tau2)
}

subgroup_case <- function(dat, measure, method, test) {
  es <- escalc(mf(measure), xi = dat$xi, ni = dat$ni)
  groups <- unique(dat$groups)
  per <- lapply(groups, function(g) {
    idx <- which(dat$groups == g)
    if (length(idx) == 1) {
      return(list(name = g, k = 1, mu = es$yi[idx], se = sqrt(es$vi[idx]), tau2 = NA,
                  bt_est = dat$xi[idx] / dat$ni[idx]))
    }
    r <- rma(yi, vi, data = es[idx, ], method = method, test = test, control = ctrl)
    list(name = g, k = length(idx), mu = r$beta[1], se = r$se, tau2 = r$tau2,
         bt_est = back(measure, r$beta[1], dat$ni[idx]))
  })
  mus <- vapply(per, function(p) p$mu, numeric(1))
  ses <- vapply(per, function(p) p$se, numeric(1))
  qb <- rma(mus, sei = ses, method = "EE")
  list(measure = measure, method = method, test = test, groups = per,
       q_between = qb$QE, df_between = length(groups) - 1, p_between = qb$QEp)
}

glmm_case <- function(dat) {
  g <- rma.glmm(measure = "PLO", xi = dat$xi, ni = dat$ni)
  p <- predict(g, transf = transf.ilogit)
  k <- length(dat$xi)
  half <- if (k >= 3) qt(1 - (1 - level) / 2, k - 2) * sqrt(g$tau2 + g$se^2) else NA
  list(mu = g$beta[1], se = g$se, tau2 = g$tau2, zval = g$zval, pval = g$pval,
       ci_lb = g$ci.lb, ci_ub = g$ci.ub, bt_est = p$pred, bt_ci = arr(c(p$ci.lb, p$ci.ub)),
       pi_lb = if (k >= 3) g$beta[1] - half else NA, pi_ub = if (k >= 3) g$beta[1] + half else NA,
       qe_wald = g$QE.Wld, qe_lrt = g$QE.LRT, nagq = 7)
}

for (name in names(datasets)) {
  dat <- datasets[[name]]
  k <- length(dat$xi)
  out <- list(
    source = source_block, name = name, note = dat$note, level = level,
    data = list(xi = arr(dat$xi), ni = arr(dat$ni),
                groups = if (is.null(dat$groups)) NULL else arr(dat$groups)),
    study_ci = list(wilson = wilson(dat$xi, dat$ni, level), exact = clopper(dat$xi, dat$ni, level)),
    escalc = lapply(setNames(measures, measures), function(m) {
      es <- escalc(mf(m), xi = dat$xi, ni = dat$ni)
      list(yi = arr(as.numeric(es$yi)), vi = arr(as.numeric(es$vi)))
    })
  )
  if (k >= 2) {
    cases <- list()
    for (m in measures) for (meth in methods) for (tst in tests) {
      cases[[length(cases) + 1]] <- fit_case(dat, m, meth, tst, dat$ni)
    }
    out$cases <- cases
    out$glmm <- glmm_case(dat)
    loo <- list()
    for (m in measures) for (meth in methods) loo[[length(loo) + 1]] <- loo_case(dat, m, meth)
    out$leave1out <- loo
  }
  if (k >= 3) {
    eg <- list()
    for (m in measures) for (meth in methods) for (tst in tests) {
      eg[[length(eg) + 1]] <- egger_case(dat, m, meth, tst)
    }
    out$egger <- eg
  }
  if (!is.null(dat$groups)) {
    sg <- list()
    for (m in measures) for (meth in methods) for (tst in tests) {
      sg[[length(sg) + 1]] <- subgroup_case(dat, m, meth, tst)
    }
    out$subgroups <- sg
  }
  writeLines(json(out), file.path(out_dir, paste0(name, ".json")))
  cat("wrote", file.path(out_dir, paste0(name, ".json")), "\n")
}

# ---- medians: rma(yi, sei = SE) with SE from the 95% CI ------------------------------------
med <- list(
  label = c("M1", "M2", "M3", "M4", "M5", "M6"),
  estimate = c(4.2, 5.6, 3.1, 6.8, 2.9, 4.0),
  ci_low = c(2.8, 3.9, 2.0, 4.1, 1.5, NA),
  ci_high = c(5.9, 7.5, NA, 9.2, 4.8, NA),
  note = "M3: upper limit not reached; M6: no CI (excluded)"
)
z <- qnorm(0.975)
use <- !is.na(med$ci_low)
sei <- ifelse(is.na(med$ci_high), (med$estimate - med$ci_low) / z,
              (med$ci_high - med$ci_low) / (2 * z))[use]
yi <- med$estimate[use]
mcases <- list()
for (meth in methods) for (tst in tests) {
  r <- rma(yi, sei = sei, method = meth, test = tst, control = ctrl)
  fe <- rma(yi, sei = sei, method = "EE")
  k <- length(yi)
  half <- qt(0.975, k - 2) * sqrt(r$tau2 + r$se^2)
  mcases[[length(mcases) + 1]] <- list(
    method = meth, test = tst, k = k, sei = arr(sei), tau2 = r$tau2, q = r$QE,
    q_pvalue = r$QEp, I2_q = max(0, (r$QE - (k - 1)) / r$QE) * 100, mu = r$beta[1], se = r$se,
    ci_lb = r$ci.lb, ci_ub = r$ci.ub, pi_lb = r$beta[1] - half, pi_ub = r$beta[1] + half,
    weights = arr(as.numeric(weights(r))), fe_mu = fe$beta[1], fe_se = fe$se)
}
writeLines(json(list(source = source_block, name = "medians", note = med$note,
                     data = list(label = arr(med$label), estimate = arr(med$estimate),
                                 ci_low = arr(med$ci_low), ci_high = arr(med$ci_high)),
                     cases = mcases)),
           file.path(out_dir, "medians.json"))
cat("wrote", file.path(out_dir, "medians.json"), "\n")
