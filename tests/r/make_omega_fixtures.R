# Reference values for relscales.reliability.omega where the start of the rotation matters.
#
# Usage (from the repository root):
#     Rscript tests/r/make_omega_fixtures.R
#
# psych::omega (through psych::schmid) rotates the minres loadings by varimax, then by
# GPArotation::oblimin from there. On data with one strong factor, fitted with three group
# factors, oblimin's criterion is flat and the gradient projection only reaches psych's
# optimum from the varimax start. Three data sets, each simulated here (set.seed):
#   one_factor   n = 1000, 12 continuous items, one factor (loadings 0.5-0.8)
#   one_factor5  n = 400, 12 items on 1..5 from one factor, 4% MCAR missing
#   bifactor     n = 800, 12 continuous items, a general factor and three group factors
# Continuous items are rounded to 3 decimals before the call, so the CSVs hold exactly the
# numbers R used. Writes tests/r/fixtures/omega/{<case>.csv, omega.json, versions.json}.

args_all <- commandArgs(trailingOnly = FALSE)
script_file <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
out_dir <- if (length(script_file) == 1) {
  file.path(dirname(normalizePath(script_file)), "fixtures", "omega")
} else {
  file.path("tests", "r", "fixtures", "omega")
}
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
source(file.path(dirname(out_dir), "..", "full_precision.R"))  # fmt_num, to_json, write_json
suppressMessages(library(psych))
suppressMessages(library(GPArotation))

write_items <- function(x, name) {
  check_roundtrip(as.numeric(x))
  df <- as.data.frame(lapply(as.data.frame(x), fmt_num), stringsAsFactors = FALSE)
  names(df) <- colnames(x)
  write.csv(df, file.path(out_dir, paste0(name, ".csv")), row.names = FALSE, quote = FALSE,
            na = "")
}

cases <- list()
k <- 12

set.seed(20261203)
n <- 1000
g <- rnorm(n)
lam <- runif(k, 0.5, 0.8)
x <- outer(g, lam) + matrix(rnorm(n * k), n, k) %*% diag(sqrt(1 - lam^2))
x <- round(x, 3)  # short, exact text in the CSV
colnames(x) <- sprintf("i%02d", 1:k)
cases$one_factor <- x

set.seed(20261204)
n <- 400
g <- rnorm(n)
z <- outer(g, rep(0.7, k)) + matrix(rnorm(n * k, sd = sqrt(1 - 0.49)), n, k)
x <- z
x[] <- pmin(5, pmax(1, round(3 + 1.1 * z)))
x[matrix(runif(n * k) < 0.04, n, k)] <- NA
colnames(x) <- sprintf("i%02d", 1:k)
cases$one_factor5 <- x

set.seed(20261205)
n <- 800
g <- rnorm(n)
f <- matrix(rnorm(n * 3), n, 3)
x <- matrix(0, n, k)
for (j in 1:k) {
  s <- (j - 1) %/% 4 + 1
  x[, j] <- 0.6 * g + 0.5 * f[, s] + sqrt(1 - 0.36 - 0.25) * rnorm(n)
}
x <- round(x, 3)
colnames(x) <- sprintf("i%02d", 1:k)
cases$bifactor <- x

out <- list()
for (name in names(cases)) {
  x <- cases[[name]]
  write_items(x, name)
  o <- psych::omega(x, nfactors = 3, fm = "minres", rotate = "oblimin", plot = FALSE)
  sl <- unclass(o$schmid$sl)
  out[[name]] <- list(
    n = nrow(x), omega_h = o$omega_h, omega.tot = o$omega.tot, omega.lim = o$omega.lim,
    alpha = o$alpha, G6 = o$G6,
    schmid_sl = list(columns = colnames(sl), data = unname(lapply(seq_len(nrow(sl)),
      function(i) unname(sl[i, ]))))
  )
}

write_json(out, file.path(out_dir, "omega.json"))
versions <- list(
  R = R.version.string,
  psych = as.character(packageVersion("psych")),
  GPArotation = as.character(packageVersion("GPArotation")),
  call = "psych::omega(x, nfactors = 3, fm = \"minres\", rotate = \"oblimin\")"
)
write_json(versions, file.path(out_dir, "versions.json"))
cat("wrote", out_dir, "\n")
