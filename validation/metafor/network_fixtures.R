# Reference values for the network meta-analysis (core/network.py), computed with R metafor.
#
#   Rscript validation/metafor/network_fixtures.R      (from the repository root; `make fixtures`)
#
# Writes tests/fixtures/metafor/network_<name>.json: the contrasts in netmeta's pairwise form
# (the engine's input) and metafor's results, every number by sprintf("%.17g").
#
# The model (DESIGN.md, "CLI contract"): contrasts of each study's arms against its first arm,
# with the multi-arm covariance V (the first arm's variance off the diagonal), fitted by
#   rma.mv(yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1/2)
# X codes each contrast by the treatments other than the reference (+1 arm, -1 first arm); comp
# is the comparison ("arm-first arm"), so struct = "CS" with rho fixed at 1/2 gives one tau^2 for
# every comparison and correlation 1/2 between the contrasts of one multi-arm trial.
# * common effect: the same rma.mv without random effects;
# * REML: nlminb run to rel.tol = 1e-11 (metafor's default 1e-10; 1e-12 fails to converge);
# * DL (Jackson, White & Riley 2012, as netmeta): tau2 = max(0, (QE - df) / tr(P M)) with QE from
#   the common-effect rma.mv and P, M written out below; effects from rma.mv with tau2 fixed there;
# * design-by-treatment decomposition: Q within designs is QE of rma.mv on the design-by-
#   treatment interaction model (each design its own treatment effects), Q between designs is
#   QE(consistency) - QE(interaction), and also QM of the interaction terms added to the
#   consistency model (the two agree); with tau2 fixed at the DL estimate of the interaction
#   model (tau2_within) the QM of those terms is netmeta's Q.inc.random.
# Binary data: arm-level logits by escalc(measure = "PLO", to = "only0") and their differences
# (log odds ratios), so the contrasts of a multi-arm trial are exactly consistent.
# Continuous data: arm means with variance sd^2 / n (escalc(measure = "MN")), mean differences.

suppressPackageStartupMessages(library(metafor))
invisible(Sys.setlocale("LC_COLLATE", "C"))  # sort() and `<` on names as Python orders them

# FIXTURE_DIR: where to write (tests regenerate into a temporary folder and compare)
out_dir <- Sys.getenv("FIXTURE_DIR", file.path("tests", "fixtures", "metafor"))
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
opt <- list(rel.tol = 1e-11, eval.max = 10000, iter.max = 10000)
level <- 0.95

# ---- tiny JSON writer with %.17g numbers (as make_fixtures.R) -----------------------------
num <- function(x) ifelse(is.na(x) | is.infinite(x), "null", sprintf("%.17g", x))
json <- function(x) {
  if (is.null(x)) return("null")
  if (is.data.frame(x)) x <- lapply(seq_len(nrow(x)), function(i) as.list(x[i, , drop = FALSE]))
  if (is.list(x)) {
    items <- vapply(x, json, character(1))
    if (!is.null(names(x))) {
      return(paste0("{", paste0('"', names(x), '": ', items, collapse = ", "), "}"))
    }
    return(paste0("[", paste(items, collapse = ", "), "]"))
  }
  vals <- if (is.character(x) || is.factor(x)) {
    paste0('"', gsub('"', '\\"', as.character(x), fixed = TRUE), '"')
  } else if (is.logical(x)) {
    ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else {
    num(as.numeric(x))
  }
  if (length(x) == 1 && is.null(attr(x, "array"))) return(vals)
  paste0("[", paste(vals, collapse = ", "), "]")
}
arr <- function(x) structure(x, array = TRUE)

# ---- arm-level data -> pairwise form and contrast form -------------------------------------
# arms: data.frame(study, treat, y, v) in the data set's order.
pairwise <- function(arms) {
  out <- list()
  for (s in unique(arms$study)) {
    a <- arms[arms$study == s, ]
    for (i in seq_len(nrow(a) - 1)) for (j in (i + 1):nrow(a)) {
      out[[length(out) + 1]] <- data.frame(study = s, treat1 = a$treat[i], treat2 = a$treat[j],
                                           TE = a$y[i] - a$y[j], seTE = sqrt(a$v[i] + a$v[j]))
    }
  }
  do.call(rbind, out)
}

contrast_form <- function(arms, treatments, reference, design_of = NULL) {
  cols <- setdiff(treatments, reference)
  rows <- list(); blocks <- list(); mblocks <- list(); dbt <- list()
  for (s in unique(arms$study)) {
    a <- arms[arms$study == s, ]
    k <- nrow(a)
    design <- paste(sort(a$treat), collapse = ":")
    for (j in 2:k) {
      x <- setNames(numeric(length(cols)), cols)
      if (a$treat[j] %in% cols) x[a$treat[j]] <- x[a$treat[j]] + 1
      if (a$treat[1] %in% cols) x[a$treat[1]] <- x[a$treat[1]] - 1
      rows[[length(rows) + 1]] <- list(study = s, comp = paste(a$treat[j], a$treat[1], sep = "-"),
                                       design = design, yi = a$y[j] - a$y[1], x = x,
                                       arm = a$treat[j], base = a$treat[1])
    }
    blocks[[length(blocks) + 1]] <- diag(a$v[-1], nrow = k - 1) + a$v[1]
    mblocks[[length(mblocks) + 1]] <- matrix(0.5, k - 1, k - 1) + diag(0.5, k - 1)
  }
  X <- do.call(rbind, lapply(rows, `[[`, "x"))
  colnames(X) <- cols
  # design-by-treatment interaction model: per design, its arms against its first sorted arm
  designs <- unique(vapply(rows, `[[`, "", "design"))
  dcols <- unlist(lapply(designs, function(d) {
    tr <- strsplit(d, ":", fixed = TRUE)[[1]]
    paste(d, tr[-1], sep = "|")
  }))
  Xd <- matrix(0, length(rows), length(dcols), dimnames = list(NULL, dcols))
  for (r in seq_along(rows)) {
    d <- rows[[r]]$design
    first <- strsplit(d, ":", fixed = TRUE)[[1]][1]
    if (rows[[r]]$arm != first) Xd[r, paste(d, rows[[r]]$arm, sep = "|")] <- 1
    if (rows[[r]]$base != first) Xd[r, paste(d, rows[[r]]$base, sep = "|")] <- -1
  }
  list(dat = data.frame(study = vapply(rows, `[[`, "", "study"),
                        comp = vapply(rows, `[[`, "", "comp"),
                        design = vapply(rows, `[[`, "", "design"),
                        yi = vapply(rows, `[[`, 0, "yi")),
       X = X, Xd = Xd, V = bldiag(blocks), M = bldiag(mblocks), designs = designs)
}

# P = W - W X (X'WX)^-1 X'W for covariance S
pmat <- function(X, S) {
  W <- solve(S)
  W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
}

league <- function(fit, treatments, reference) {
  b <- setNames(numeric(length(treatments)), treatments)
  vb <- matrix(0, length(treatments), length(treatments), dimnames = list(treatments, treatments))
  cols <- setdiff(treatments, reference)
  b[cols] <- as.numeric(coef(fit))
  vb[cols, cols] <- vcov(fit)
  out <- list()
  z <- qnorm(1 - (1 - level) / 2)
  for (a in treatments) for (c in treatments) if (a != c) {
    te <- b[[a]] - b[[c]]
    se <- sqrt(vb[a, a] + vb[c, c] - 2 * vb[a, c])
    out[[length(out) + 1]] <- list(treat1 = a, treat2 = c, TE = te, seTE = se,
                                   ci_low = te - z * se, ci_high = te + z * se)
  }
  out
}

# node-splitting by back-calculation (netmeta netsplit): direct = rma() of the contrasts as given
# (common effect, or tau2 fixed at the network's), indirect from the network estimate.
node_split <- function(pw, lg, tau2) {
  out <- list()
  z <- qnorm(1 - (1 - level) / 2)
  key <- ifelse(pw$treat1 < pw$treat2, paste(pw$treat1, pw$treat2, sep = "\r"),
                paste(pw$treat2, pw$treat1, sep = "\r"))
  for (kk in sort(unique(key))) {
    ab <- strsplit(kk, "\r", fixed = TRUE)[[1]]
    rows <- which(key == kk)
    y <- ifelse(pw$treat1[rows] == ab[1], pw$TE[rows], -pw$TE[rows])
    dir <- if (tau2 == 0) rma(y, pw$seTE[rows]^2, method = "FE") else
      rma(y, pw$seTE[rows]^2, tau2 = tau2)
    net <- Filter(function(e) e$treat1 == ab[1] && e$treat2 == ab[2], lg)[[1]]
    prop <- net$seTE^2 / dir$se^2
    if (prop > 1 - 5e-4) next
    te_ind <- (net$TE - prop * as.numeric(dir$beta)) / (1 - prop)
    se_ind <- sqrt(net$seTE^2 / (1 - prop))
    diff <- as.numeric(dir$beta) - te_ind
    se_diff <- sqrt(dir$se^2 + se_ind^2)
    out[[length(out) + 1]] <- list(treat1 = ab[1], treat2 = ab[2], k_direct = length(rows),
                                   prop_direct = prop, direct_TE = as.numeric(dir$beta),
                                   direct_seTE = dir$se, indirect_TE = te_ind,
                                   indirect_seTE = se_ind, difference_TE = diff,
                                   difference_seTE = se_diff, z = diff / se_diff,
                                   p = 2 * pnorm(-abs(diff / se_diff)))
  }
  out
}

# P-scores (Rucker & Schwarzer 2015), small values good: mean over j of pnorm((d_j - d_i) / se)
pscores <- function(lg, treatments) {
  vapply(treatments, function(t) {
    mine <- Filter(function(e) e$treat1 == t, lg)
    mean(vapply(mine, function(e) pnorm(-e$TE / e$seTE), 0))
  }, 0)
}

effects <- function(fit) {
  list(treatment = arr(rownames(fit$beta)), TE = arr(as.numeric(fit$beta)), seTE = arr(fit$se),
       ci_low = arr(fit$ci.lb), ci_high = arr(fit$ci.ub), z = arr(fit$zval), p = arr(fit$pval))
}

# extra columns of Xd that are not in the span of X, in order
extra_cols <- function(X, Xd) {
  keep <- integer(0)
  cur <- X
  for (j in seq_len(ncol(Xd))) {
    cand <- cbind(cur, Xd[, j])
    if (qr(cand, tol = 1e-9)$rank > qr(cur, tol = 1e-9)$rank) {
      keep <- c(keep, j)
      cur <- cand
    }
  }
  keep
}

analyse <- function(name, arms, reference, note) {
  treatments <- sort(unique(arms$treat))
  pw <- pairwise(arms)
  cf <- contrast_form(arms, treatments, reference)
  dat <- cf$dat; X <- cf$X; V <- cf$V; M <- cf$M
  fe <- rma.mv(dat$yi, V, mods = X, intercept = FALSE)
  df <- (fe$k - fe$p)
  reml <- function(control) {
    rma.mv(dat$yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1 / 2,
           data = dat, method = "REML", control = control)
  }
  fit_reml <- tryCatch(reml(opt), error = function(e) NULL)
  reml_control <- "rel.tol = 1e-11"
  if (is.null(fit_reml)) {  # at the tau2 = 0 boundary nlminb may not converge that tightly
    fit_reml <- reml(list())
    reml_control <- "metafor default"
  }
  res <- list(name = name, note = note, reference = reference, treatments = arr(treatments),
              pairs = list(study = arr(pw$study), treat1 = arr(pw$treat1), treat2 = arr(pw$treat2),
                           TE = arr(pw$TE), seTE = arr(pw$seTE)),
              n_studies = length(unique(arms$study)), n_contrasts = nrow(dat),
              q = fe$QE, df = df, p = fe$QEp, i2 = max(0, (fe$QE - df) / fe$QE) * 100,
              common = list(effects = effects(fe), league = league(fe, treatments, reference),
                            node_split = node_split(pw, league(fe, treatments, reference), 0),
                            pscores = as.list(pscores(league(fe, treatments, reference),
                                                      treatments))),
              reml = list(tau2 = fit_reml$tau2, control = reml_control, logLik = as.numeric(logLik(fit_reml)),
                          effects = effects(fit_reml),
                          league = league(fit_reml, treatments, reference),
                          node_split = node_split(pw, league(fit_reml, treatments, reference),
                                                  fit_reml$tau2),
                          pscores = as.list(pscores(league(fit_reml, treatments, reference),
                                                    treatments))))
  tau2_dl <- max(0, (fe$QE - df) / sum(diag(pmat(X, V) %*% M)))
  fit_dl <- rma.mv(dat$yi, V, mods = X, intercept = FALSE, random = ~ comp | study,
                   rho = 1 / 2, tau2 = tau2_dl, data = dat)
  lg_dl <- league(fit_dl, treatments, reference)
  res$dl <- list(tau2 = tau2_dl, effects = effects(fit_dl), league = lg_dl,
                 node_split = node_split(pw, lg_dl, tau2_dl),
                 pscores = as.list(pscores(lg_dl, treatments)))
  # design-by-treatment decomposition
  Xd <- cf$Xd
  fe_dbt <- rma.mv(dat$yi, V, mods = Xd, intercept = FALSE)
  df_within <- (fe_dbt$k - fe_dbt$p)
  if (df - df_within > 0) {
    ex <- extra_cols(X, Xd)
    btt <- (ncol(X) + 1):(ncol(X) + length(ex))
    wald <- rma.mv(dat$yi, V, mods = cbind(X, Xd[, ex, drop = FALSE]), intercept = FALSE, btt = btt)
    tau2_within <- if (df_within > 0) {
      max(0, (fe_dbt$QE - df_within) / sum(diag(pmat(Xd, V) %*% M)))
    } else 0
    wald_r <- rma.mv(dat$yi, V, mods = cbind(X, Xd[, ex, drop = FALSE]), intercept = FALSE,
                     btt = btt, random = ~ comp | study, rho = 1 / 2, tau2 = tau2_within, data = dat)
    per_design <- lapply(cf$designs, function(d) {
      rows <- which(dat$design == d)
      cols <- which(startsWith(colnames(Xd), paste0(d, "|")))
      if (length(rows) <= length(cols)) return(list(design = d, q = 0, df = 0))
      f <- rma.mv(dat$yi[rows], V[rows, rows], mods = Xd[rows, cols, drop = FALSE],
                  intercept = FALSE)
      list(design = d, q = f$QE, df = f$k - f$p)
    })
    res$decomp <- list(q_within = fe_dbt$QE, df_within = df_within, p_within = fe_dbt$QEp,
                       q_between = fe$QE - fe_dbt$QE, df_between = df - df_within,
                       q_between_wald = wald$QM, p_between = wald$QMp,
                       tau2_within = tau2_within, q_between_random = wald_r$QM,
                       p_between_random = wald_r$QMp,
                       designs = Filter(function(d) d$df > 0, per_design))
  } else {
    res$decomp <- NULL
  }
  res$source <- list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                     date = format(Sys.Date()), script = "validation/metafor/network_fixtures.R")
  path <- file.path(out_dir, paste0("network_", name, ".json"))
  writeLines(json(res), path)
  cat("wrote", path, "\n")
  invisible(res)
}

# ---- data sets ---------------------------------------------------------------------------
binary_arms <- function(study, treat, xi, ni) {
  e <- escalc(measure = "PLO", xi = xi, ni = ni, add = 1 / 2, to = "only0")
  data.frame(study = as.character(study), treat = as.character(treat),
             y = as.numeric(e$yi), v = as.numeric(e$vi))
}
mean_arms <- function(study, treat, mi, sdi, ni) {
  e <- escalc(measure = "MN", mi = mi, sdi = sdi, ni = ni)
  data.frame(study = as.character(study), treat = as.character(treat),
             y = as.numeric(e$yi), v = as.numeric(e$vi))
}

d <- dat.senn2013
analyse("senn2013", mean_arms(d$study, d$treatment, d$mi, d$sdi, d$ni), "placebo",
        "metadat::dat.senn2013: HbA1c change, mean differences; 26 studies, one 3-arm trial")

d <- dat.hasselblad1998
analyse("hasselblad1998", binary_arms(d$study, d$trt, d$xi, d$ni), "no_contact",
        "metadat::dat.hasselblad1998: smoking cessation, log odds ratios; 24 studies, 2 3-arm")

d <- dat.dong2013
analyse("dong2013", binary_arms(d$id, d$treatment, d$death, d$randomized), "Placebo",
        "metadat::dat.dong2013: COPD mortality, log odds ratios; multi-arm trials")

d <- dat.woods2010
analyse("woods2010", binary_arms(d$author, d$treatment, d$r, d$N), "Placebo",
        "metadat::dat.woods2010: COPD mortality, log odds ratios; one 4-arm trial")

d <- dat.franchini2012
long <- do.call(rbind, lapply(1:3, function(j) {
  data.frame(study = d$Study, treat = d[[paste0("Treatment", j)]], mi = d[[paste0("y", j)]],
             sdi = d[[paste0("sd", j)]], ni = d[[paste0("n", j)]])
}))
long <- long[!is.na(long$treat), ]
long <- long[order(match(long$study, d$Study)), ]
analyse("franchini2012", mean_arms(long$study, long$treat, long$mi, long$sdi, long$ni),
        "Placebo", "metadat::dat.franchini2012: Parkinson's UPDRS, mean differences; 3-arm trial")

# TKI star: PFS hazard ratios against placebo as stored in tkidata/data (outcomes.csv rows
# regosarc_qtwist_rego 0.36 (0.25-0.53), palette_pazo 0.31 (0.24-0.40), sarc024_os_rego 0.42
# (0.21-0.85)); log HR and SE = (log upper - log lower) / (2 qnorm(0.975)).
hr <- data.frame(study = c("REGOSARC", "PALETTE", "SARC024"),
                 treat = c("regorafenib", "pazopanib", "regorafenib"),
                 hr = c(0.36, 0.31, 0.42), lo = c(0.25, 0.24, 0.21), hi = c(0.53, 0.40, 0.85))
se <- (log(hr$hi) - log(hr$lo)) / (2 * qnorm(0.975))
tki <- do.call(rbind, lapply(seq_len(nrow(hr)), function(i) {
  data.frame(study = hr$study[i], treat = c(hr$treat[i], "placebo"), y = c(log(hr$hr[i]), 0),
             v = c(se[i]^2, 0))
}))
analyse("tki", tki, "placebo",
        "TKI PFS hazard ratios vs placebo (tkidata rows regosarc_qtwist_rego, palette_pazo, sarc024_os_rego)")
