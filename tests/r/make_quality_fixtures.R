# Reference values for relscales.quality, computed in base R.
#
# Usage (from the repository root):
#     Rscript tests/r/make_quality_fixtures.R
#
# The R package `careless` is not installable here (no CRAN), so its published
# formulas (careless 1.2.2 sources, R/evenodd.R, R/psychsyn.R, R/irv.R,
# R/longstring.R) are written out below, one respondent at a time, and
# stats::mahalanobis is called directly.  Writes tests/r/fixtures/quality/
# {items.csv, expected.csv, versions.json}.  Deterministic (set.seed).

args_all <- commandArgs(trailingOnly = FALSE)
script_file <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
out_dir <- if (length(script_file) == 1) {
  file.path(dirname(normalizePath(script_file)), "fixtures", "quality")
} else {
  file.path("tests", "r", "fixtures", "quality")
}
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
fmt_num <- function(x) { s <- sprintf("%.17g", x); s[is.na(x)] <- ""; s }

# ---- data: 3 scales x 4 items (columns contiguous), 1..5, n = 60 ------------
set.seed(20261122)
n <- 60; k <- 12
f <- matrix(rnorm(n * 3), n, 3)
x <- matrix(NA_real_, n, k)
for (j in 1:k) {
  s <- (j - 1) %/% 4 + 1
  z <- 0.8 * f[, s] + 0.6 * rnorm(n)
  x[, j] <- pmin(5, pmax(1, round(3 + 1.2 * z)))
}
x[1, ] <- 3                                   # straight-liner
x[2, ] <- sample(1:5, k, replace = TRUE)      # random responder
x[3, ] <- rep(c(1, 5), 6)                     # alternating
miss <- matrix(runif(n * k) < 0.04, n, k)
miss[1:3, ] <- FALSE
x[miss] <- NA
colnames(x) <- sprintf("i%02d", 1:k)
scales <- list(1:4, 5:8, 9:12)

# ---- stats::mahalanobis on complete cases -----------------------------------
cc <- complete.cases(x)
xc <- x[cc, ]
d2 <- rep(NA_real_, n)
d2[cc] <- stats::mahalanobis(xc, colMeans(xc), stats::cov(xc))
p <- rep(NA_real_, n)
p[cc] <- stats::pchisq(d2[cc], df = k, lower.tail = FALSE)

# ---- irv: sd(na.rm = TRUE) --------------------------------------------------
irv <- apply(x, 1, function(r) stats::sd(r, na.rm = TRUE))

# ---- even-odd (careless >= 1.2.1) -------------------------------------------
eo <- numeric(n)
for (i in 1:n) {
  fm <- matrix(NA_real_, length(scales), 2)
  for (s in seq_along(scales)) {
    v <- x[i, scales[[s]]]
    pos <- seq_along(v)
    fm[s, 1] <- mean(v[pos %% 2 == 0], na.rm = TRUE)
    fm[s, 2] <- mean(v[pos %% 2 == 1], na.rm = TRUE)
  }
  r <- suppressWarnings(stats::cor(fm[, 1], fm[, 2], use = "pairwise.complete.obs"))
  r <- (2 * r) / (1 + r)
  if (!is.na(r) && r < -1) r <- -1
  eo[i] <- -r
}

# ---- psychsyn / psychant (resample_na = FALSE) ------------------------------
syn_score <- function(x, critval, anto) {
  cm <- stats::cor(x, use = "pairwise.complete.obs")
  cm[upper.tri(cm, diag = TRUE)] <- NA
  idx <- if (anto) which(cm < -abs(critval), arr.ind = TRUE) else which(cm > abs(critval), arr.ind = TRUE)
  out <- rep(NA_real_, nrow(x)); np <- integer(nrow(x))
  for (i in 1:nrow(x)) {
    a <- x[i, idx[, 1]]; b <- x[i, idx[, 2]]
    ok <- !(is.na(a) | is.na(b)); np[i] <- sum(ok)
    if (sum(ok) > 2) out[i] <- suppressWarnings(stats::cor(a, b, use = "pairwise.complete.obs"))
  }
  list(score = out, n_pairs = np, n_selected = nrow(idx))
}
syn <- syn_score(x, 0.60, FALSE)
x_raw <- x; x_raw[, c(2, 6, 10)] <- 6 - x_raw[, c(2, 6, 10)]   # reversed wording
ant <- syn_score(x_raw, 0.50, TRUE)

# ---- longstring (complete rows only: careless's rle counts NA as runs) -----
ls_long <- apply(x, 1, function(r) if (anyNA(r)) NA else max(rle(r)$lengths))
ls_avg <- apply(x, 1, function(r) if (anyNA(r)) NA else mean(rle(r)$lengths))

items <- data.frame(id = 1:n, x, check.names = FALSE)
items_raw <- x_raw
write.csv(data.frame(lapply(items, function(c) ifelse(is.na(c), "", as.character(c))),
                     check.names = FALSE),
          file.path(out_dir, "items.csv"), row.names = FALSE, quote = FALSE)
expected <- data.frame(
  id = 1:n, mahalanobis = fmt_num(d2), mahalanobis_p = fmt_num(p), irv = fmt_num(irv),
  even_odd = fmt_num(eo), psychsyn = fmt_num(syn$score), psychsyn_n_pairs = syn$n_pairs,
  psychant = fmt_num(ant$score), psychant_n_pairs = ant$n_pairs,
  longstring = ifelse(is.na(ls_long), "", ls_long), avgstring = fmt_num(ls_avg))
write.csv(expected, file.path(out_dir, "expected.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(
  "{",
  sprintf("  \"r_version\": \"%s\",", R.version.string),
  "  \"psychsyn_critval\": 0.6,",
  "  \"psychant_critval\": -0.5,",
  "  \"psychant_reversed_columns\": [1, 5, 9],",
  "  \"scales\": [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]],",
  sprintf("  \"psychsyn_pairs\": %d,", syn$n_selected),
  sprintf("  \"psychant_pairs\": %d", ant$n_selected),
  "}"), file.path(out_dir, "versions.json"))
