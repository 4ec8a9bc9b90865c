# Generate R `psych` reference fixtures for relscales.
#
# Usage (from the repository root):
#     Rscript tests/r/make_fixtures.R
#
# Writes tests/r/fixtures/<case>/{items.csv, keys.json, scores_mean.csv,
# scores_sum.csv, missing_counts.csv, alpha.json, omega.json, versions.json}
# and tests/r/fixtures/MANIFEST.md.  Deterministic: every case uses its own
# set.seed().  See tests/r/README.md for the psych semantics being captured.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})

args_all <- commandArgs(trailingOnly = FALSE)
script_file <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
out_root <- if (length(script_file) == 1) {
  file.path(dirname(normalizePath(script_file)), "fixtures")
} else {
  file.path("tests", "r", "fixtures")
}
dir.create(out_root, recursive = TRUE, showWarnings = FALSE)

# --------------------------------------------------------------------------
# Full-precision output helpers
# --------------------------------------------------------------------------

fmt_num <- function(x) {
  # 17 significant digits: always round-trips an IEEE double.
  s <- sprintf("%.17g", x)
  s[is.na(x)] <- NA_character_  # NA and NaN
  s
}

check_roundtrip <- function(x) {
  s <- fmt_num(x)
  ok <- is.na(x) | (as.numeric(s) == x)
  if (!all(ok)) stop("full-precision formatting does not round-trip")
  invisible(TRUE)
}

# Minimal JSON writer (jsonlite::toJSON caps at 15 significant digits).
#   * named list          -> object
#   * unnamed list        -> array
#   * length-1 atomic     -> scalar (wrap in as_array() to force an array)
#   * longer atomic       -> array
#   * matrix              -> {"rownames": [...], "colnames": [...], "data": [[row], ...]}
#   * NA / NaN / +-Inf    -> null
as_array <- function(x) structure(list(x), class = "json_array")

json_str <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  s <- gsub("\n", "\\\\n", s)
  s <- gsub("\t", "\\\\t", s)
  paste0("\"", s, "\"")
}

json_atom <- function(v) {
  if (is.null(v) || length(v) == 0) return(character(0))
  if (is.logical(v)) return(ifelse(is.na(v), "null", ifelse(v, "true", "false")))
  if (is.numeric(v)) {
    v <- as.numeric(v)
    check_roundtrip(v[is.finite(v)])
    out <- fmt_num(v)
    out[!is.finite(v)] <- "null"
    return(out)
  }
  v <- as.character(v)
  ifelse(is.na(v), "null", json_str(v))
}

to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1)
  pad_end <- strrep("  ", indent)
  if (inherits(x, "json_array")) {
    items <- json_atom(x[[1]])
    return(paste0("[", paste(items, collapse = ", "), "]"))
  }
  if (is.matrix(x)) {
    rows <- vapply(seq_len(nrow(x)), function(i) {
      paste0("[", paste(json_atom(x[i, ]), collapse = ", "), "]")
    }, "")
    obj <- list(rownames = as_array(rownames(x)), colnames = as_array(colnames(x)))
    head <- paste0("{\n", pad, "\"rownames\": ", to_json(obj$rownames), ",\n",
                   pad, "\"colnames\": ", to_json(obj$colnames), ",\n",
                   pad, "\"data\": [\n",
                   paste0(pad, "  ", rows, collapse = ",\n"), "\n", pad, "]\n",
                   pad_end, "}")
    return(head)
  }
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    vals <- vapply(x, to_json, "", indent = indent + 1)
    if (!is.null(names(x))) {
      body <- paste0(pad, json_str(names(x)), ": ", vals, collapse = ",\n")
      return(paste0("{\n", body, "\n", pad_end, "}"))
    }
    body <- paste0(pad, vals, collapse = ",\n")
    return(paste0("[\n", body, "\n", pad_end, "]"))
  }
  a <- json_atom(x)
  if (length(x) == 1 && is.null(names(x))) return(a)
  if (!is.null(names(x))) {
    return(to_json(as.list(x), indent))
  }
  paste0("[", paste(a, collapse = ", "), "]")
}

write_json <- function(x, path) {
  writeLines(to_json(x), path, useBytes = TRUE)
}

# CSV with id column; numbers at 17 significant digits; NA/NaN -> empty cell.
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
  # Round-trip check of the file itself.
  back <- read.csv(path, na.strings = "")
  for (j in seq_len(ncol(mat))) {
    a <- mat[, j]; b <- back[[colnames(mat)[j]]]
    if (!identical(is.na(a), is.na(b)) || any(a[!is.na(a)] != b[!is.na(b)])) {
      stop("CSV round-trip failed for ", path, " column ", colnames(mat)[j])
    }
  }
}

# --------------------------------------------------------------------------
# Data generation: one latent factor per subscale (factors correlated),
# item = loading * factor + unique noise; reversed items get a negative
# loading so they ARE reversed in the data; then scaled, rounded, clamped.
# --------------------------------------------------------------------------

gen_items <- function(n, subscales, reversed, min, max, loadings, phi,
                      p_missing) {
  k <- length(subscales)
  L <- chol(phi)
  F <- matrix(rnorm(n * k), n, k) %*% L
  item_names <- unlist(subscales, use.names = FALSE)
  X <- matrix(NA_real_, n, length(item_names),
              dimnames = list(NULL, item_names))
  mid <- (min + max) / 2
  spread <- (max - min) / 4.2
  for (s in seq_len(k)) {
    for (it in subscales[[s]]) {
      lam <- loadings[[it]]
      sgn <- if (it %in% reversed) -1 else 1
      z <- sgn * lam * F[, s] + sqrt(1 - lam^2) * rnorm(n)
      X[, it] <- pmin(max, pmax(min, round(mid + spread * z + rnorm(1, 0, 0.15))))
    }
  }
  # MCAR knock-out
  miss <- matrix(runif(length(X)) < p_missing, n, ncol(X))
  X[miss] <- NA
  storage.mode(X) <- "integer"
  X
}

signed_keys <- function(subscales, reversed) {
  lapply(subscales, function(items) {
    ifelse(items %in% reversed, paste0("-", items), items)
  })
}

# --------------------------------------------------------------------------
# Per-case fixture writer
# --------------------------------------------------------------------------

all_warnings <- list()

capture <- function(expr) {
  warns <- character(0)
  msgs <- character(0)
  val <- withCallingHandlers(
    expr,
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    },
    message = function(m) {
      msgs <<- c(msgs, sub("\n$", "", conditionMessage(m)))
      invokeRestart("muffleMessage")
    }
  )
  list(value = val, warnings = warns, messages = msgs)
}

write_case <- function(case, items, subscales, reversed, min, max,
                       omega_sets, description) {
  dir <- file.path(out_root, case)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  n <- nrow(items)
  id <- seq_len(n)
  items_df <- as.data.frame(items)
  case_warnings <- list()

  # ---- items.csv
  write.csv(data.frame(id = id, items_df, check.names = FALSE),
            file.path(dir, "items.csv"), row.names = FALSE, na = "",
            quote = FALSE)

  # ---- keys.json
  keys <- signed_keys(subscales, reversed)
  write_json(list(min = min, max = max,
                  subscales = lapply(keys, as_array)),
             file.path(dir, "keys.json"))

  # ---- scoreItems, impute = "none"
  sc_mean <- capture(scoreItems(keys, items_df, impute = "none",
                                min = min, max = max))
  sc_sum <- capture(scoreItems(keys, items_df, totals = TRUE, impute = "none",
                               min = min, max = max))
  case_warnings$scoreItems_mean <- sc_mean$warnings
  case_warnings$scoreItems_sum <- sc_sum$warnings
  scores_mean <- sc_mean$value$scores
  scores_sum <- sc_sum$value$scores
  stopifnot(identical(colnames(scores_mean), names(subscales)))
  write_scores_csv(id, scores_mean, file.path(dir, "scores_mean.csv"))
  write_scores_csv(id, scores_sum, file.path(dir, "scores_sum.csv"))
  miss_counts <- sc_mean$value$missing
  if (is.null(miss_counts)) {
    miss_counts <- matrix(0L, n, length(subscales),
                          dimnames = list(NULL, names(subscales)))
  }
  write_scores_csv(id, miss_counts, file.path(dir, "missing_counts.csv"))

  # Sanity checks against an independent computation of the documented rule.
  for (s in names(subscales)) {
    sub <- items_df[, subscales[[s]], drop = FALSE]
    for (it in intersect(reversed, subscales[[s]])) sub[[it]] <- min + max - sub[[it]]
    stopifnot(isTRUE(all.equal(unname(scores_mean[, s]), unname(rowMeans(sub, na.rm = TRUE)))))
    stopifnot(isTRUE(all.equal(unname(scores_sum[, s]), unname(rowSums(sub, na.rm = TRUE)))))
  }

  # ---- alpha
  alpha_out <- list()
  for (s in names(subscales)) {
    its <- subscales[[s]]
    rev_s <- intersect(reversed, its)
    sub <- items_df[, its, drop = FALSE]
    # psych::alpha reverses flipped items with min(x)+max(x) of the DATA
    # (whole sub-frame).  Assert that equals the scale's min+max.
    data_min <- min(sub, na.rm = TRUE); data_max <- max(sub, na.rm = TRUE)
    stopifnot(data_min == min, data_max == max)
    a <- capture(psych::alpha(sub, keys = rev_s, use = "pairwise"))
    case_warnings[[paste0("alpha_", s)]] <- a$warnings
    A <- a$value
    # Cross-check: pre-reversing with the scale min/max and calling without
    # keys gives identical results.
    sub_rev <- sub
    for (it in rev_s) sub_rev[[it]] <- min + max - sub_rev[[it]]
    A2 <- suppressWarnings(psych::alpha(sub_rev, use = "pairwise"))
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
    n_rows <- nrow(sub)
    n_any <- sum(rowSums(!is.na(sub)) > 0)
    n_complete <- sum(complete.cases(sub))
    raw_alpha <- tot$raw_alpha
    feldt <- function(nobs) {
      ci <- psych::alpha.ci(raw_alpha, nobs, length(its), p.val = .05)
      list(n.obs = nobs, lower = unname(ci$lower.ci), upper = unname(ci$upper.ci))
    }
    alpha_out[[s]] <- list(
      call = sprintf("psych::alpha(items[, c(%s)], keys = c(%s), use = \"pairwise\")",
                     paste0("\"", its, "\"", collapse = ", "),
                     paste0("\"", rev_s, "\"", collapse = ", ")),
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
      n_rows = n_rows,
      n_rows_any_answered = n_any,
      n_rows_complete = n_complete,
      feldt_psych = list(
        note = "alpha()$feldt: alpha.ci(raw_alpha, n.obs = nrow(x) (ALL rows, incl. all-missing), n.var = k)",
        lower = unname(unlist(A$feldt$lower.ci)),
        upper = unname(unlist(A$feldt$upper.ci))
      ),
      feldt_nrow = feldt(n_rows),
      feldt_any_answered = feldt(n_any),
      feldt_complete = feldt(n_complete),
      warnings = as_array(a$warnings)
    )
  }
  write_json(alpha_out, file.path(dir, "alpha.json"))

  # ---- omega
  omega_out <- list()
  for (nm in names(omega_sets)) {
    its <- omega_sets[[nm]]
    sub <- items_df[, its, drop = FALSE]
    rev_s <- intersect(reversed, its)
    for (it in rev_s) sub[[it]] <- min + max - sub[[it]]
    set.seed(42)  # omega is deterministic, but be safe
    o <- capture(psych::omega(sub, nfactors = 3, fm = "minres",
                              rotate = "oblimin", plot = FALSE))
    case_warnings[[paste0("omega_", nm)]] <- c(o$warnings, o$messages)
    O <- o$value
    sl <- O$schmid$sl
    omega_out[[nm]] <- list(
      call = "psych::omega(rev_items, nfactors = 3, fm = \"minres\", rotate = \"oblimin\", plot = FALSE)",
      items = as_array(its),
      reversed_before_call = as_array(rev_s),
      reversal = sprintf("x_rev = %s + %s - x applied to reversed items before the call; omega's own flip=TRUE default left on", min, max),
      omega_h = O$omega_h,
      omega.tot = O$omega.tot,
      alpha = O$alpha,
      omega.lim = O$omega.lim,
      G6 = O$G6,
      schmid_sl = sl,
      psych_key = if (is.null(O$key)) NULL else as_array(O$key),
      warnings = as_array(o$warnings),
      messages = as_array(o$messages)
    )
  }
  if (length(omega_out) > 0) write_json(omega_out, file.path(dir, "omega.json"))

  # ---- versions.json
  write_json(list(
    R = R.version.string,
    psych = as.character(packageVersion("psych")),
    GPArotation = as.character(packageVersion("GPArotation")),
    date = format(Sys.Date()),
    case = case,
    description = description
  ), file.path(dir, "versions.json"))

  all_warnings[[case]] <<- case_warnings
  data.frame(case = case, n = n, items = ncol(items),
             subscales = paste(names(subscales), collapse = ", "),
             reversed = paste(reversed, collapse = ", "),
             range = sprintf("%d..%d", min, max),
             missing_pct = round(100 * mean(is.na(items)), 2),
             omega = paste(names(omega_sets), collapse = ", "),
             description = description)
}

manifest <- list()

# --------------------------------------------------------------------------
# Case likert7
# --------------------------------------------------------------------------
set.seed(20240601)
sub7 <- list(anx = paste0("a", 1:6), avo = paste0("v", 1:6))
rev7 <- c("a2", "a5", "v1", "v3", "v4")
lam7 <- setNames(c(0.75, 0.65, 0.70, 0.60, 0.72, 0.55,
                   0.70, 0.62, 0.68, 0.58, 0.74, 0.50),
                 unlist(sub7))
X7 <- gen_items(500, sub7, rev7, 1L, 7L, lam7,
                phi = matrix(c(1, 0.3, 0.3, 1), 2), p_missing = 0.05)
# Respondents 11, 12, 13: every anx item missing; respondent 14: every item missing.
X7[11:13, sub7$anx] <- NA
X7[14, ] <- NA
manifest[[length(manifest) + 1]] <- write_case(
  "likert7", X7, sub7, rev7, 1L, 7L,
  omega_sets = list(anx = sub7$anx, avo = sub7$avo),
  description = paste("n=500, 1..7, two 6-item subscales, ~5% MCAR missing;",
                      "ids 11-13 have every anx item missing, id 14 every item missing"))

# --------------------------------------------------------------------------
# Case likert5
# --------------------------------------------------------------------------
set.seed(20240602)
sub5 <- list(s1 = paste0("q", 1:4), s2 = paste0("q", 5:7), s3 = paste0("q", 8:10))
rev5 <- c("q3", "q6", "q10")
lam5 <- setNames(c(0.72, 0.66, 0.70, 0.60, 0.75, 0.68, 0.62, 0.70, 0.64, 0.72),
                 unlist(sub5))
phi5 <- matrix(0.4, 3, 3); diag(phi5) <- 1
X5 <- gen_items(300, sub5, rev5, 1L, 5L, lam5, phi = phi5, p_missing = 0.03)
manifest[[length(manifest) + 1]] <- write_case(
  "likert5", X5, sub5, rev5, 1L, 5L,
  omega_sets = list(all = unlist(sub5, use.names = FALSE)),
  description = "n=300, 1..5, subscales s1=q1..q4, s2=q5..q7, s3=q8..q10, ~3% MCAR missing")

# --------------------------------------------------------------------------
# Case zero3
# --------------------------------------------------------------------------
set.seed(20240603)
sub0 <- list(total = paste0("d", 1:8))
rev0 <- c("d4", "d7")
lam0 <- setNames(c(0.70, 0.62, 0.66, 0.58, 0.72, 0.55, 0.64, 0.60), unlist(sub0))
X0 <- gen_items(200, sub0, rev0, 0L, 3L, lam0, phi = matrix(1), p_missing = 0.02)
manifest[[length(manifest) + 1]] <- write_case(
  "zero3", X0, sub0, rev0, 0L, 3L,
  omega_sets = list(),
  description = "n=200, 0..3, one 8-item subscale `total`, ~2% MCAR missing")

# --------------------------------------------------------------------------
# MANIFEST.md
# --------------------------------------------------------------------------
man <- do.call(rbind, manifest)
lines <- c(
  "# R psych reference fixtures",
  "",
  sprintf("Generated by `Rscript tests/r/make_fixtures.R` with %s, psych %s, GPArotation %s.",
          R.version.string, packageVersion("psych"), packageVersion("GPArotation")),
  "Semantics of every file: see `tests/r/README.md`.",
  "",
  "| case | n | items | range | subscales | reversed | missing % | omega sets | notes |",
  "|---|---|---|---|---|---|---|---|---|",
  sprintf("| `%s` | %d | %d | %s | %s | %s | %.2f | %s | %s |",
          man$case, man$n, man$items, man$range, man$subscales, man$reversed,
          man$missing_pct, ifelse(man$omega == "", "-", man$omega), man$description),
  "",
  "Files per case: `items.csv`, `keys.json`, `scores_mean.csv`, `scores_sum.csv`,",
  "`missing_counts.csv`, `alpha.json`, `omega.json` (likert7, likert5 only), `versions.json`.",
  "",
  "## Warnings emitted by psych while generating",
  ""
)
for (case in names(all_warnings)) {
  for (what in names(all_warnings[[case]])) {
    w <- unique(all_warnings[[case]][[what]])
    if (length(w) > 0) {
      lines <- c(lines, sprintf("- `%s` / `%s`: %s", case, what,
                                gsub("\n", " ", w)))
    }
  }
}
writeLines(lines, file.path(out_root, "MANIFEST.md"))

cat("fixtures written to", out_root, "\n")
print(man[, c("case", "n", "missing_pct")])
for (case in names(all_warnings)) {
  for (what in names(all_warnings[[case]])) {
    w <- unique(all_warnings[[case]][[what]])
    if (length(w)) cat(case, what, ":", gsub("\n", " ", w), sep = " ", "\n")
  }
}
