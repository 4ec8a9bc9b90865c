# Reference values for relscales.dyadic (statistics of couples), computed in R.
#
# Usage (from the repository root):
#     Rscript tests/r/make_dyadic_fixtures.R [path/to/dyadr/data/acipair.RData]
#
# Writes tests/r/fixtures/dyadic/{<case>.csv, results.json, discrepancy_expected.csv,
# versions.json}.  Deterministic: one set.seed per simulated case, numbers written with
# sprintf("%.17g") (17 significant digits round-trip a double exactly), no dates.
#
# Data:
#   acitelli       148 married couples (Acitelli; Kenny, Kashy & Cook 2006) from the R
#                  package dyadr (RandiLGarcia/dyadr, licence CC0), data/acipair.RData.
#                  Given the path to acipair.RData as the first argument the script
#                  (re)writes acitelli.csv and acitelli_pairwise.csv from it; without it
#                  it reads the committed CSV files.
#   kkc_table2_1   the ten dyads of Kenny, Kashy & Cook (2006), Table 2.1.
#   sim_*          simulated couples (exchangeable, negative ICC, distinguishable,
#                  Likert, small, three variables), all with missing values.
#
# Every statistic is computed independently of relscales, and where R offers two routes
# both are taken and required to agree (stopifnot):
#   r_I, F:      mean squares by formula == aov() on the long data; CI by the F formula
#                == psych::ICC(...)$results ICC1 bounds.
#   r, t, CI:    cor.test().
#   pairwise r:  cor(c(x1, x2), c(x2, x1)); also nlme::gls(method = "ML") compound
#                symmetry rho (optimiser precision only).
#   paired t:    t.test(paired = TRUE).
#   Pitman-Morgan: the formula == cor.test(x1 + x2, x1 - x2)$statistic.
#   chi-square of distinguishability: closed form (determinants) in R; also lavaan
#                (estimator ML, likelihood "normal") restricted vs saturated model, and
#                nlme::gls ML deviance difference (both at optimiser precision).

suppressPackageStartupMessages({
  library(psych)
  library(lavaan)
  library(nlme)
})

args_all <- commandArgs(trailingOnly = FALSE)
script_file <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
out_dir <- if (length(script_file) == 1) {
  file.path(dirname(normalizePath(script_file)), "fixtures", "dyadic")
} else {
  file.path("tests", "r", "fixtures", "dyadic")
}
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
args <- commandArgs(trailingOnly = TRUE)

fmt <- function(x) {
  s <- sprintf("%.17g", x)
  s[is.na(x)] <- ""
  s[is.infinite(x) & x > 0] <- "inf"
  s[is.infinite(x) & x < 0] <- "-inf"
  s
}
write_csv <- function(df, file) {
  cols <- lapply(df, function(v) if (is.numeric(v)) fmt(v) else as.character(v))
  lines <- c(paste(names(df), collapse = ","), do.call(paste, c(cols, sep = ",")))
  writeLines(lines, file.path(out_dir, file))
  # round trip: what we wrote reads back bit for bit
  back <- read.csv(file.path(out_dir, file), na.strings = "")
  for (v in names(df)) if (is.numeric(df[[v]])) stopifnot(identical(as.numeric(back[[v]]), as.numeric(df[[v]])))
}

# ---- JSON writer (jsonlite cannot write 17 significant digits) ----------------------
json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x)) {
    keys <- names(x)
    body <- vapply(seq_along(x), function(i) {
      paste0(inner, '"', keys[i], '": ', json(x[[i]], inner))
    }, "")
    return(paste0("{\n", paste(body, collapse = ",\n"), "\n", indent, "}"))
  }
  if (is.character(x)) return(paste0('"', x, '"'))
  num <- function(v) {
    if (is.na(v)) "null" else if (is.infinite(v)) (if (v > 0) '"inf"' else '"-inf"')
    else sprintf("%.17g", v)
  }
  if (length(x) == 1) return(num(x))
  paste0("[", paste(vapply(x, num, ""), collapse = ", "), "]")
}

# ---- the data ----------------------------------------------------------------------
if (length(args) >= 1) {
  env <- new.env()
  load(args[1], envir = env)
  aci <- env$acipair
  wife <- aci[aci$Partnum == 1, ]
  husband <- aci[aci$Partnum == 2, ]
  stopifnot(all(wife$CoupleID == husband$CoupleID), all(wife$Gender_A == "Wife"))
  vars <- c("SelfPos", "OtherPos", "Satisfaction", "Tension")
  acitelli <- data.frame(couple = wife$CoupleID)
  for (v in vars) {
    acitelli[[paste0(tolower(v), "_1")]] <- wife[[paste0(v, "_A")]]
    acitelli[[paste0(tolower(v), "_2")]] <- husband[[paste0(v, "_A")]]
  }
  write_csv(acitelli, "acitelli.csv")
  pw <- data.frame(couple = aci$CoupleID, member = aci$Partnum - 1)
  for (v in vars) {
    pw[[paste0(tolower(v), "_A")]] <- aci[[paste0(v, "_A")]]
    pw[[paste0(tolower(v), "_P")]] <- aci[[paste0(v, "_P")]]
  }
  write_csv(pw, "acitelli_pairwise.csv")
}
acitelli <- read.csv(file.path(out_dir, "acitelli.csv"))

kkc <- data.frame(
  couple = 1:10,
  x_1 = c(8, 5, 7, 8, 8, 5, 3, 8, 6, 2),
  x_2 = c(6, 3, 2, 5, 7, 6, 4, 9, 7, 3)
)
write_csv(kkc, "kkc_table2_1.csv")

knock_out <- function(x, p) { x[runif(length(x)) < p] <- NA; x }

set.seed(20260301)
n <- 300
u <- rnorm(n)
sim_exch <- data.frame(couple = 1:n,
                       x_1 = knock_out(3 + 0.8 * u + rnorm(n, sd = 0.9), 0.06),
                       x_2 = knock_out(3 + 0.8 * u + rnorm(n, sd = 0.9), 0.06))
write_csv(sim_exch, "sim_exchangeable.csv")

set.seed(20260302)
n <- 80
z1 <- rnorm(n); z2 <- rnorm(n)
sim_neg <- data.frame(couple = 1:n,
                      x_1 = knock_out(10 + 2 * z1, 0.05),
                      x_2 = knock_out(10 + 2 * (-0.45 * z1 + sqrt(1 - 0.45^2) * z2), 0.05))
write_csv(sim_neg, "sim_negative.csv")

set.seed(20260303)
n <- 150
z1 <- rnorm(n); z2 <- rnorm(n)
sim_dist <- data.frame(couple = 1:n,
                       x_1 = knock_out(3.6 + 0.5 * z1, 0.08),
                       x_2 = knock_out(3.3 + 0.8 * (0.5 * z1 + sqrt(0.75) * z2), 0.08))
write_csv(sim_dist, "sim_distinguishable.csv")

set.seed(20260304)
n <- 120
u <- rnorm(n)
lik <- function(z) pmin(5, pmax(1, round(3 + z)))
sim_lik <- data.frame(couple = 1:n,
                      x_1 = knock_out(lik(0.7 * u + 0.8 * rnorm(n)), 0.05),
                      x_2 = knock_out(lik(0.2 + 0.7 * u + 0.8 * rnorm(n)), 0.05))
write_csv(sim_lik, "sim_likert.csv")

sim_small <- data.frame(couple = 1:5, x_1 = c(2.5, 3.0, NA, 4.5, 1.0),
                        x_2 = c(3.0, 2.0, 4.0, 4.0, 2.5))
write_csv(sim_small, "sim_small.csv")

set.seed(20260305)
n <- 200
k <- 3
f <- rnorm(n)
mv <- data.frame(couple = 1:n)
for (j in 1:k) {
  mv[[paste0("v", j, "_1")]] <- knock_out(j + 0.6 * f + rnorm(n, sd = 0.8 + 0.1 * j), 0.03)
  mv[[paste0("v", j, "_2")]] <- knock_out(j + 0.1 * (j == 2) + 0.6 * f + rnorm(n, sd = 0.9), 0.03)
}
write_csv(mv, "sim_multivariate.csv")

# ---- statistics of one variable -----------------------------------------------------
level <- 0.95
one_variable <- function(x1, x2) {
  keep <- complete.cases(x1, x2)
  a <- x1[keep]; b <- x2[keep]; n <- length(a)
  out <- list(n_couples = n)

  # exchangeable: ANOVA intraclass correlation
  M <- mean(c(a, b))
  msb <- 2 * sum(((a + b) / 2 - M)^2) / (n - 1)
  msw <- sum((a - b)^2) / (2 * n)
  long <- data.frame(y = c(a, b), dyad = factor(rep(seq_len(n), 2)))
  tab <- summary(aov(y ~ dyad, data = long))[[1]]
  stopifnot(isTRUE(all.equal(tab[["Mean Sq"]], c(msb, msw), tolerance = 1e-12)))
  rI <- (msb - msw) / (msb + msw)
  if (rI >= 0) {
    Fs <- msb / msw; df1 <- n - 1; df2 <- n
  } else {
    Fs <- msw / msb; df1 <- n; df2 <- n - 1
  }
  p <- min(1, 2 * pf(Fs, df1, df2, lower.tail = FALSE))
  F0 <- msb / msw
  FL <- F0 / qf(1 - (1 - level) / 2, n - 1, n)
  FU <- F0 * qf(1 - (1 - level) / 2, n, n - 1)
  ci <- c((FL - 1) / (FL + 1), (FU - 1) / (FU + 1))
  ps <- suppressWarnings(psych::ICC(cbind(a, b), alpha = 1 - level, lmer = FALSE))$results
  stopifnot(isTRUE(all.equal(ps$ICC[1], rI, tolerance = 1e-12)),
            isTRUE(all.equal(c(ps[1, "lower bound"], ps[1, "upper bound"]), ci, tolerance = 1e-12)))
  out$exchangeable <- list(estimate = rI, statistic = Fs, df = c(df1, df2), p_value = p,
                           ci_low = ci[1], ci_high = ci[2], ms_between = msb, ms_within = msw)

  # distinguishable: Pearson r
  ct <- cor.test(a, b, conf.level = level)
  ci <- if (is.null(ct$conf.int)) c(NA, NA) else as.numeric(ct$conf.int)
  out$distinguishable <- list(estimate = unname(ct$estimate), statistic = unname(ct$statistic),
                              df = unname(ct$parameter), p_value = ct$p.value,
                              ci_low = ci[1], ci_high = ci[2])

  # pairwise (double-entry) correlation, Griffin & Gonzalez (1995)
  rp <- cor(c(a, b), c(b, a))
  zp <- rp * sqrt(n)
  g <- gls(y ~ 1, data = data.frame(y = c(a, b), dyad = rep(seq_len(n), 2)),
           correlation = corCompSymm(form = ~ 1 | dyad), method = "ML",
           control = glsControl(tolerance = 1e-12, msTol = 1e-12))
  rho_ml <- unname(coef(g$modelStruct$corStruct, unconstrained = FALSE))
  out$pairwise <- list(estimate = rp, statistic = zp, p_value = 2 * pnorm(-abs(zp)),
                       gls_ml_rho = rho_ml)

  # distinguishability: paired t, Pitman-Morgan, likelihood ratio
  tt <- t.test(a, b, paired = TRUE)
  v1 <- var(a); v2 <- var(b); cv <- cov(a, b)
  tpm <- (v1 - v2) * sqrt(n - 2) / (2 * sqrt(v1 * v2 - cv^2))
  tsd <- unname(cor.test(a + b, a - b)$statistic)
  stopifnot(isTRUE(all.equal(tpm, tsd, tolerance = 1e-10)))
  S1 <- cov(cbind(a, b)) * (n - 1) / n
  mu0 <- (mean(a) + mean(b)) / 2
  A <- crossprod(cbind(a, b) - mu0) / n
  S0 <- matrix(c((A[1, 1] + A[2, 2]) / 2, A[1, 2], A[1, 2], (A[1, 1] + A[2, 2]) / 2), 2)
  chi_n <- n * (log(det(S0)) - log(det(S1)))
  d <- data.frame(x1 = a, x2 = b)
  free <- sem("x1 ~~ x2\nx1 ~ 1\nx2 ~ 1", data = d, estimator = "ML", likelihood = "normal",
              meanstructure = TRUE)
  restricted <- sem("x1 ~~ v*x1\nx2 ~~ v*x2\nx1 ~~ x2\nx1 ~ m*1\nx2 ~ m*1", data = d,
                    estimator = "ML", likelihood = "normal", meanstructure = TRUE)
  lrt <- lavTestLRT(free, restricted)
  long2 <- data.frame(y = c(a, b), dyad = rep(seq_len(n), 2), role = factor(rep(1:2, each = n)))
  gd <- gls(y ~ role, data = long2, correlation = corCompSymm(form = ~ 1 | dyad),
            weights = varIdent(form = ~ 1 | role), method = "ML",
            control = glsControl(tolerance = 1e-12, msTol = 1e-12, msMaxIter = 500))
  gi <- gls(y ~ 1, data = long2, correlation = corCompSymm(form = ~ 1 | dyad), method = "ML",
            control = glsControl(tolerance = 1e-12, msTol = 1e-12))
  out$distinguishability <- list(
    chi_square = chi_n, chi_square_n_minus_1 = chi_n * (n - 1) / n,
    p_value = pchisq(chi_n, 2, lower.tail = FALSE),
    p_value_n_minus_1 = pchisq(chi_n * (n - 1) / n, 2, lower.tail = FALSE),
    lavaan_chisq = lrt[2, "Chisq diff"], lavaan_df = lrt[2, "Df diff"],
    nlme_chisq = 2 * (as.numeric(logLik(gd)) - as.numeric(logLik(gi))),
    mean_1 = mean(a), mean_2 = mean(b),
    t_means = unname(tt$statistic), df_means = unname(tt$parameter), p_means = tt$p.value,
    variance_1 = v1, variance_2 = v2,
    t_variances = tpm, df_variances = n - 2, p_variances = 2 * pt(-abs(tpm), n - 2))
  out
}

# ---- several variables at once: I-SAT against the saturated model -------------------
joint <- function(X1, X2) {
  k <- ncol(X1)
  data <- cbind(X1, X2)
  data <- data[complete.cases(data), , drop = FALSE]
  n <- nrow(data)
  S1 <- cov(data) * (n - 1) / n
  P <- diag(2 * k)[c((k + 1):(2 * k), 1:k), ]
  m <- colMeans(data)
  mu0 <- (m + as.numeric(P %*% m)) / 2
  A <- crossprod(sweep(data, 2, mu0)) / n
  S0 <- (A + P %*% A %*% t(P)) / 2
  chi_n <- n * (as.numeric(determinant(S0)$modulus) - as.numeric(determinant(S1)$modulus))
  a <- paste0("a", 1:k); b <- paste0("b", 1:k)
  colnames(data) <- c(a, b)
  lines <- character(0)
  for (i in 1:k) {
    lines <- c(lines, sprintf("%s ~ m%d*1", a[i], i), sprintf("%s ~ m%d*1", b[i], i),
               sprintf("%s ~~ v%d*%s", a[i], i, a[i]), sprintf("%s ~~ v%d*%s", b[i], i, b[i]),
               sprintf("%s ~~ %s", a[i], b[i]))
    for (j in seq_len(k)) if (j > i) {
      lines <- c(lines, sprintf("%s ~~ w%d%d*%s", a[i], i, j, a[j]),
                 sprintf("%s ~~ w%d%d*%s", b[i], i, j, b[j]),
                 sprintf("%s ~~ x%d%d*%s", a[i], i, j, b[j]),
                 sprintf("%s ~~ x%d%d*%s", a[j], i, j, b[i]))
    }
  }
  fit <- sem(paste(lines, collapse = "\n"), data = as.data.frame(data), estimator = "ML",
             likelihood = "normal", meanstructure = TRUE)
  list(n_couples = n, n_variables = k, df = k + k^2, chi_square = chi_n,
       chi_square_n_minus_1 = chi_n * (n - 1) / n,
       p_value = pchisq(chi_n, k + k^2, lower.tail = FALSE),
       p_value_n_minus_1 = pchisq(chi_n * (n - 1) / n, k + k^2, lower.tail = FALSE),
       lavaan_chisq = unname(fitMeasures(fit, "chisq")),
       lavaan_df = unname(fitMeasures(fit, "df")))
}

# ---- run ----------------------------------------------------------------------------
results <- list()
aci_vars <- c("selfpos", "otherpos", "satisfaction", "tension")
results$acitelli <- setNames(lapply(aci_vars, function(v) {
  one_variable(acitelli[[paste0(v, "_1")]], acitelli[[paste0(v, "_2")]])
}), aci_vars)
for (case in c("kkc_table2_1", "sim_exchangeable", "sim_negative", "sim_distinguishable",
               "sim_likert", "sim_small")) {
  d <- read.csv(file.path(out_dir, paste0(case, ".csv")), na.strings = "")
  results[[case]] <- list(x = one_variable(d$x_1, d$x_2))
}
results$joint <- list(
  acitelli_otherpos_satisfaction = joint(
    as.matrix(acitelli[, c("otherpos_1", "satisfaction_1")]),
    as.matrix(acitelli[, c("otherpos_2", "satisfaction_2")])),
  sim_multivariate = joint(as.matrix(mv[, paste0("v", 1:k, "_1")]),
                           as.matrix(mv[, paste0("v", 1:k, "_2")])))
stopifnot(results$joint$sim_multivariate$lavaan_df == 12,
          results$joint$acitelli_otherpos_satisfaction$lavaan_df == 6)
# Kenny's "Test of Distinguishability" (2013): chi2(6) = 9.192, p = .163 (Amos, n - 1)
stopifnot(sprintf("%.3f", results$joint$acitelli_otherpos_satisfaction$chi_square_n_minus_1) == "9.192")

writeLines(json(results), file.path(out_dir, "results.json"))

# ---- reliable discrepancy -----------------------------------------------------------
set.seed(20260306)
n <- 40
disc <- data.frame(couple = 1:n, x_1 = round(rnorm(n, 50, 10), 1), x_2 = round(rnorm(n, 50, 10), 1),
                   se_1 = round(runif(n, 2, 6), 2), se_2 = round(runif(n, 2, 6), 2))
disc$x_1[c(3, 17)] <- NA
disc$x_2[c(17, 25)] <- NA
disc$se_2[31] <- NA
disc$se_1[7] <- 0; disc$se_2[7] <- 0        # no error at all: any difference is reliable
disc$x_2[7] <- disc$x_1[7]                  # ... and here there is none
write_csv(disc, "sim_discrepancy.csv")
crit <- qnorm(1 - (1 - level) / 2)
dd <- disc$x_1 - disc$x_2
se <- sqrt(disc$se_1^2 + disc$se_2^2)
z <- ifelse(se == 0, ifelse(dd == 0, 0, sign(dd) * Inf), dd / se)
code <- ifelse(is.na(z), -1L, as.integer(abs(z) > crit))
write_csv(data.frame(couple = disc$couple, difference = dd, se = se, z = z, code = code),
          "discrepancy_expected.csv")

versions <- list(
  r_version = R.version.string,
  psych = as.character(packageVersion("psych")),
  lavaan = as.character(packageVersion("lavaan")),
  nlme = as.character(packageVersion("nlme")),
  confidence_level = level,
  critical = crit,
  acitelli_source = "RandiLGarcia/dyadr data/acipair.RData (commit 5d317dceb2e278887b9684e172bd79a0c12974af), licence CC0"
)
writeLines(json(versions), file.path(out_dir, "versions.json"))
cat("wrote", out_dir, "\n")
