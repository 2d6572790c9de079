# Reference values for meta-regression, permutation tests and cumulative meta-analysis of
# proportions (core/metareg.py, core/cumulative.py), computed with R metafor.
#
#   Rscript validation/metafor/metareg_fixtures.R    (from the repository root; `make fixtures`)
#
# Writes tests/fixtures/metafor/metareg_<set>.json and cumul_<set>.json (numbers with 15
# significant digits, jsonlite digits = NA) with a `source` block. The Python tests never need R.
#
# Data sets:
#   sarcoma_orr  tests/fixtures/metafor/metareg_sarcoma_orr.csv: the curated ORR arms of the four
#                drugs (validation/metafor/sarcoma_orr.py writes it from tkidata), year + design
#                and drug as moderators; 0-event and all-event arms included
#   debruin2009  metadat::dat.debruin2009 (xi, ni), scq + ethnicity and year + patients
#   anlotinib    the 6 anlotinib arms of sarcoma_orr: exact permutation tests (year; design)
#   pritz1997    metadat::dat.pritz1997 (cumulative only, ordered by ni)
#
# Conventions (see tests/test_core_metareg_metafor.py):
# * control = list(threshold = 1e-10, tol = 1e-12, maxiter = 1000), as make_fixtures.R: the
#   fixtures hold the estimator's value, not a stopping-rule artefact.
# * Predictions: predict(res, newmods, pi.type = "riley") (prediction interval on k - p - 1 df,
#   the engine's rule); back-transformed with the engine's rule (transf.ipft.hm at the harmonic
#   mean n of all studies for PFT; ilogit, iarcsin, exp, identity; clamped to [0, 1]).
# * Permutation tests: permutest(res, exact = TRUE) (every distinct permutation of the design
#   rows), so the p-values are deterministic.
# * Cumulative: cumul(res, order = <column>) (R's order() is stable: ties keep file order);
#   I2_q = max(0, (Q - df)/Q) * 100 is the Q-based I^2 the engine reports; back-transformed
#   estimates at the harmonic mean n of the studies included at each step.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_dir <- file.path("tests", "fixtures", "metafor")
ctrl <- list(threshold = 1e-10, tol = 1e-12, maxiter = 1000)
measures <- c("PFT", "PLO", "PRAW", "PAS", "PLN")
methods <- c("DL", "REML", "PM", "ML")
tests <- c("z", "knha")

source_block <- list(
  R = R.version.string,
  metafor = as.character(packageVersion("metafor")),
  date = format(Sys.Date()),
  script = "validation/metafor/metareg_fixtures.R"
)

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

write_fixture <- function(x, name) {
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(x, digits = NA, auto_unbox = TRUE, na = "null", null = "null"), path)
  cat("wrote", path, "\n")
}

# ---- data ---------------------------------------------------------------------------------
orr <- read.csv(file.path(out_dir, "metareg_sarcoma_orr.csv"), stringsAsFactors = FALSE)
deb <- dat.debruin2009
datasets <- list(
  sarcoma_orr = list(
    data = orr, note = "curated ORR arms of four TKIs (tkidata, default filters)",
    specs = list(
      list(mods = c("year", "design"),
           newdata = data.frame(year = c(2015, 2022), design = c("rct_arm", "retrospective"))),
      list(mods = c("drug"),
           newdata = data.frame(drug = c("apatinib", "pazopanib")))
    )),
  debruin2009 = list(
    data = data.frame(study = deb$author, events = deb$xi, n = deb$ni, scq = deb$scq,
                      ethnicity = deb$ethnicity, year = deb$year, patients = deb$patients),
    note = "metadat::dat.debruin2009",
    specs = list(
      list(mods = c("scq", "ethnicity"),
           newdata = data.frame(scq = c(5, 20), ethnicity = c("caucasian", "other"))),
      list(mods = c("year", "patients"),
           newdata = data.frame(year = c(2001, 2006), patients = c("starting", "continuing")))
    )),
  anlotinib = list(
    data = orr[orr$drug == "anlotinib", ],
    note = "the anlotinib arms of sarcoma_orr (k = 6): exact permutation tests",
    specs = list(
      list(mods = c("year"), newdata = data.frame(year = c(2019, 2023))),
      list(mods = c("design"), newdata = data.frame(design = c("single_arm", "rct_arm")))
    ),
    permutest = TRUE)
)

# Columns of the design for new rows, coded as the fit codes the data (same factor levels).
new_design <- function(dat, mods, newdata) {
  f <- reformulate(mods)
  both <- rbind(dat[, mods, drop = FALSE], newdata[, mods, drop = FALSE])
  X <- model.matrix(f, both)
  X[(nrow(dat) + 1):nrow(both), -1, drop = FALSE]
}

fit_case <- function(dat, spec, measure, method, test) {
  f <- reformulate(spec$mods)
  res <- rma(measure = mf(measure), xi = events, ni = n, mods = f, data = dat,
             method = method, test = test, control = ctrl)
  Xnew <- new_design(dat, spec$mods, spec$newdata)
  pr <- predict(res, newmods = Xnew, pi.type = "riley")
  fitted_pr <- predict(res, pi.type = "riley")
  list(
    measure = measure, method = method, test = test, k = res$k, p = res$p,
    names = I(rownames(res$beta)),
    yi = I(as.numeric(res$yi)), vi = I(as.numeric(res$vi)),
    beta = I(as.numeric(res$beta)), se = I(res$se), stat = I(res$zval), pval = I(res$pval),
    ci_lb = I(res$ci.lb), ci_ub = I(res$ci.ub),
    tau2 = res$tau2, I2 = res$I2, R2 = res$R2,
    QM = res$QM, QMdf = I(res$QMdf), QMp = res$QMp, QE = res$QE, QEdf = res$k - res$p,
    QEp = res$QEp, s2w = res$s2w,
    weights = I(as.numeric(weights(res))), fitted = I(as.numeric(fitted(res))),
    fitted_pi = list(lb = I(fitted_pr$pi.lb), ub = I(fitted_pr$pi.ub)),
    pred = list(
      pred = I(pr$pred), se = I(pr$se), ci_lb = I(pr$ci.lb), ci_ub = I(pr$ci.ub),
      pi_lb = I(pr$pi.lb), pi_ub = I(pr$pi.ub),
      bt = I(back(measure, pr$pred, dat$n)), bt_ci_lb = I(back(measure, pr$ci.lb, dat$n)),
      bt_ci_ub = I(back(measure, pr$ci.ub, dat$n)), bt_pi_lb = I(back(measure, pr$pi.lb, dat$n)),
      bt_pi_ub = I(back(measure, pr$pi.ub, dat$n))
    )
  )
}

perm_case <- function(dat, spec, measure, method, test) {
  res <- rma(measure = mf(measure), xi = events, ni = n, mods = reformulate(spec$mods),
             data = dat, method = method, test = test, control = ctrl)
  pt <- permutest(res, exact = TRUE, progbar = FALSE)
  list(measure = measure, method = method, test = test, pval = I(pt$pval), QMp = pt$QMp,
       iter = length(pt$QM.perm))
}

for (name in names(datasets)) {
  ds <- datasets[[name]]
  dat <- ds$data
  specs <- lapply(ds$specs, function(spec) {
    cases <- list()
    for (m in measures) for (meth in methods) for (tst in tests) {
      cases[[length(cases) + 1]] <- fit_case(dat, spec, m, meth, tst)
    }
    out <- list(mods = I(spec$mods), newdata = as.list(spec$newdata), cases = cases)
    if (isTRUE(ds$permutest)) {
      perms <- list()
      for (m in c("PFT", "PLO")) for (meth in c("DL", "REML")) for (tst in tests) {
        perms[[length(perms) + 1]] <- perm_case(dat, spec, m, meth, tst)
      }
      out$permutest <- perms
    }
    out
  })
  write_fixture(list(source = source_block, name = name, note = ds$note,
                     data = as.list(dat), specs = specs),
                paste0("metareg_", name))
}

# ---- cumulative meta-analysis -------------------------------------------------------------
pritz <- dat.pritz1997
cumul_sets <- list(
  sarcoma_orr = list(data = orr, order = "year", note = "sarcoma ORR arms, ordered by year"),
  debruin2009 = list(data = datasets$debruin2009$data, order = "year",
                     note = "metadat::dat.debruin2009, ordered by year"),
  pritz1997 = list(data = data.frame(study = pritz$authors, events = pritz$xi, n = pritz$ni),
                   order = "n", note = "metadat::dat.pritz1997, ordered by n")
)

cumul_case <- function(dat, order_col, measure, method, test) {
  res <- rma(measure = mf(measure), xi = events, ni = n, data = dat, method = method,
             test = test, control = ctrl)
  cu <- cumul(res, order = dat[[order_col]])
  ord <- order(dat[[order_col]])
  k <- nrow(dat)
  bt <- t(vapply(seq_len(k), function(i) {
    ni <- dat$n[ord[seq_len(i)]]
    back(measure, c(cu$estimate[i], cu$ci.lb[i], cu$ci.ub[i]), ni)
  }, numeric(3)))
  df <- seq_len(k) - 1
  list(
    measure = measure, method = method, test = test, order = I(ord),
    estimate = I(cu$estimate), se = I(cu$se), ci_lb = I(cu$ci.lb), ci_ub = I(cu$ci.ub),
    Q = I(cu$Q), Qp = I(cu$Qp), tau2 = I(cu$tau2), I2 = I(cu$I2),
    I2_q = I(ifelse(cu$Q > 0, pmax(0, (cu$Q - df) / cu$Q) * 100, 0)),
    bt = I(bt[, 1]), bt_ci_lb = I(bt[, 2]), bt_ci_ub = I(bt[, 3])
  )
}

for (name in names(cumul_sets)) {
  cs <- cumul_sets[[name]]
  cases <- list()
  for (m in measures) for (meth in methods) for (tst in tests) {
    cases[[length(cases) + 1]] <- cumul_case(cs$data, cs$order, m, meth, tst)
  }
  write_fixture(list(source = source_block, name = name, note = cs$note, order_by = cs$order,
                     data = as.list(cs$data), cases = cases),
                paste0("cumul_", name))
}

# ---- data of metafor's own meta-regression tests (tests/test_core_metareg_ported.py) ------
# Only the data: the expected numbers are those printed in metafor's test files.
bcg <- dat.bcg
write_fixture(list(
  source = source_block,
  note = "metadat data sets used by metafor's tests of rma(mods=), permutest() and cumul()",
  bcg = as.list(bcg[, c("trial", "author", "year", "tpos", "tneg", "cpos", "cneg", "ablat",
                        "alloc")]),
  hine1989 = as.list(dat.hine1989[, c("study", "n1i", "n2i", "ai", "ci")]),
  raudenbush1985 = as.list(dat.raudenbush1985[, c("study", "weeks", "yi", "vi")])
), "metareg_examples")
