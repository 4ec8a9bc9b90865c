# Generate R `psych` reference fixtures on a real data set: psychTools::bfi.
#
# Usage (from the repository root):
#     Rscript tests/r/make_bfi_fixtures.R
#
# Writes tests/r/fixtures/bfi/{items.csv, keys.json, scores_mean.csv, alpha.json,
# versions.json}.  Deterministic (no randomness).  Same output conventions as
# tests/r/make_fixtures.R: numbers at %.17g, NA as an empty cell / null.
# bfi: 2,800 SAPA respondents, 25 items A1..O5 on 1..6 with missing values.

suppressPackageStartupMessages({
  library(psych)
  library(psychTools)
})

args_all <- commandArgs(trailingOnly = FALSE)
script_file <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
out_dir <- if (length(script_file) == 1) {
  file.path(dirname(normalizePath(script_file)), "fixtures", "bfi")
} else {
  file.path("tests", "r", "fixtures", "bfi")
}
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

# ---- full-precision helpers: fmt_num, check_roundtrip, as_array, to_json, write_json

source(file.path(dirname(out_dir), "..", "full_precision.R"))

write_scores_csv <- function(id, mat, path) {
  mat <- as.matrix(mat)
  check_roundtrip(as.numeric(mat)[is.finite(as.numeric(mat))])
  cols <- lapply(seq_len(ncol(mat)), function(j) {
    s <- fmt_num(mat[, j])
    s[is.na(s)] <- ""
    s
  })
  df <- data.frame(id = id, cols, stringsAsFactors = FALSE, check.names = FALSE)
  names(df) <- c("id", colnames(mat))
  write.csv(df, path, row.names = FALSE, quote = FALSE, na = "")
  back <- read.csv(path, na.strings = "")
  for (j in seq_len(ncol(mat))) {
    a <- mat[, j]; b <- back[[colnames(mat)[j]]]
    if (!identical(is.na(a), is.na(b)) || any(a[!is.na(a)] != b[!is.na(b)])) {
      stop("CSV round-trip failed for ", path, " column ", colnames(mat)[j])
    }
  }
}

# ---- data and keys ----------------------------------------------------------

MIN <- 1L
MAX <- 6L
item_names <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5),
                paste0("N", 1:5), paste0("O", 1:5))
items <- psychTools::bfi[, item_names]
stopifnot(nrow(items) == 2800)
items[] <- lapply(items, as.integer)
rownames(items) <- NULL

keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
# Same keys as the help page's bfi.keys (which also name them this way).
bk <- psychTools::bfi.keys
stopifnot(identical(names(bk), names(keys)))
for (s in names(keys)) stopifnot(identical(unname(bk[[s]]), keys[[s]]))
reversed <- sub("^-", "", unlist(keys)[grepl("^-", unlist(keys))])
subscales <- lapply(keys, function(k) sub("^-", "", k))

n <- nrow(items)
id <- seq_len(n)

write.csv(data.frame(id = id, items, check.names = FALSE),
          file.path(out_dir, "items.csv"), row.names = FALSE, na = "", quote = FALSE)

write_json(list(min = MIN, max = MAX, subscales = lapply(keys, as_array)),
           file.path(out_dir, "keys.json"))

# ---- scoreItems, impute = "none" -------------------------------------------

sc <- scoreItems(keys, items, impute = "none", min = MIN, max = MAX)
scores_mean <- sc$scores
stopifnot(identical(colnames(scores_mean), names(keys)))
write_scores_csv(id, scores_mean, file.path(out_dir, "scores_mean.csv"))
for (s in names(subscales)) {
  sub <- items[, subscales[[s]], drop = FALSE]
  for (it in intersect(reversed, subscales[[s]])) sub[[it]] <- MIN + MAX - sub[[it]]
  stopifnot(isTRUE(all.equal(unname(scores_mean[, s]),
                             unname(rowMeans(sub, na.rm = TRUE)))))
}

# ---- alpha -------------------------------------------------------------------

alpha_out <- list()
for (s in names(subscales)) {
  its <- subscales[[s]]
  rev_s <- intersect(reversed, its)
  sub <- items[, its, drop = FALSE]
  # psych::alpha reverses keyed items with min(x)+max(x) of the DATA; assert the
  # data reach the scale's extremes, so that equals MIN + MAX - x.
  stopifnot(min(sub, na.rm = TRUE) == MIN, max(sub, na.rm = TRUE) == MAX)
  warns <- character(0)
  A <- withCallingHandlers(
    if (length(rev_s)) psych::alpha(sub, keys = rev_s, use = "pairwise")
    else psych::alpha(sub, use = "pairwise"),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  sub_rev <- sub
  for (it in rev_s) sub_rev[[it]] <- MIN + MAX - sub_rev[[it]]
  A2 <- suppressWarnings(psych::alpha(sub_rev, use = "pairwise", check.keys = FALSE))
  stopifnot(isTRUE(all.equal(unname(as.matrix(A$item.stats)),
                             unname(as.matrix(A2$item.stats)))))
  stopifnot(isTRUE(all.equal(unname(unlist(A$total)), unname(unlist(A2$total)))))

  tot <- A$total
  ist <- A$item.stats
  drop <- A$alpha.drop
  per_item <- list()
  for (j in seq_along(its)) {
    per_item[[its[j]]] <- list(
      reversed = its[j] %in% rev_s,
      psych_label = rownames(ist)[j],
      n = ist$n[j],
      raw.r = ist$raw.r[j],
      std.r = ist$std.r[j],
      r.cor = ist$r.cor[j],
      r.drop = ist$r.drop[j],
      mean = ist$mean[j],
      sd = ist$sd[j],
      alpha.drop = list(
        raw_alpha = drop$raw_alpha[j],
        std.alpha = drop$std.alpha[j],
        `G6(smc)` = drop$`G6(smc)`[j],
        average_r = drop$average_r[j],
        med.r = drop$med.r[j]
      )
    )
  }
  alpha_out[[s]] <- list(
    call = sprintf("psych::alpha(items[, c(%s)], %suse = \"pairwise\")",
                   paste0("\"", its, "\"", collapse = ", "),
                   if (length(rev_s)) sprintf("keys = c(%s), ",
                     paste0("\"", rev_s, "\"", collapse = ", ")) else ""),
    items = as_array(its),
    reversed = as_array(rev_s),
    raw_alpha = tot$raw_alpha,
    std.alpha = tot$std.alpha,
    `G6(smc)` = tot$`G6(smc)`,
    average_r = tot$average_r,
    median_r = tot$median_r,
    `S/N` = tot$`S/N`,
    ase = tot$ase,
    total_mean = tot$mean,
    total_sd = tot$sd,
    item_stats = per_item,
    n_rows = nrow(sub),
    n_rows_any_answered = sum(rowSums(!is.na(sub)) > 0),
    n_rows_complete = sum(complete.cases(sub)),
    feldt_psych = list(
      note = "alpha()$feldt: alpha.ci(raw_alpha, n.obs = nrow(x) (ALL rows, incl. all-missing), n.var = k)",
      lower = unname(unlist(A$feldt$lower.ci)),
      upper = unname(unlist(A$feldt$upper.ci))
    ),
    warnings = as_array(warns)
  )
}
write_json(alpha_out, file.path(out_dir, "alpha.json"))

write_json(list(
  R = R.version.string,
  psych = as.character(packageVersion("psych")),
  psychTools = as.character(packageVersion("psychTools")),
  date = format(Sys.Date()),
  case = "bfi",
  description = "psychTools::bfi, 2800 respondents, 25 items A1..O5 on 1..6 (SAPA project)"
), file.path(out_dir, "versions.json"))

cat("bfi fixtures written to", out_dir, "\n")
cat("missing cells:", sum(is.na(items)), "of", length(as.matrix(items)), "\n")
print(sapply(alpha_out, function(a) a$raw_alpha))
