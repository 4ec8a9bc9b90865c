# Reference values for relscales.reliable_change, from the R package
# clinicalsignificance 3.0.0 (Claus, Wager & Bonnet; GPL >= 3).
#
# Usage (from the repository root):
#     Rscript tests/r/make_change_fixtures.R
#
# clinicalsignificance 3.0.0 calls dplyr::join_by() and the `.by` argument of
# summarise()/mutate(), so it needs dplyr >= 1.1.0 (Debian bookworm ships 1.0.10):
# put a dplyr >= 1.1.0 first on the library path (e.g. R_LIBS=/path/to/lib).
#
# For each of the package's bundled data sets below (pre/post pairs as its vignettes
# and examples use them) it runs
#   * cs_distribution() with every RCI method (JT, GLN, HLL, EN, NK, HA),
#   * cs_statistical() with cutoff_method JT and HA and cutoff types a, b, c,
#   * cs_combined() with every RCI method and cutoff types a, b, c,
# and writes tests/r/fixtures/change/<data set>/{data.csv, rci.csv, statistical.csv,
# combined.csv, summary.json} plus versions.json. Deterministic: no random numbers; the
# only thing that changes between runs is the date in versions.json. Numbers are written
# with sprintf("%.17g") and checked to round-trip.

suppressPackageStartupMessages({
  library(clinicalsignificance)
  library(dplyr)
})

if (packageVersion("dplyr") < "1.1.0") {
  stop("clinicalsignificance 3.0.0 needs dplyr >= 1.1.0 (join_by, .by); found ",
       packageVersion("dplyr"), ". Put a newer dplyr first on .libPaths() (R_LIBS=...).")
}
if (packageVersion("clinicalsignificance") != "3.0.0") {
  stop("these fixtures are for clinicalsignificance 3.0.0, found ",
       packageVersion("clinicalsignificance"))
}

args_all <- commandArgs(trailingOnly = FALSE)
script_file <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
out_root <- if (length(script_file) == 1) {
  file.path(dirname(normalizePath(script_file)), "fixtures", "change")
} else {
  file.path("tests", "r", "fixtures", "change")
}
dir.create(out_root, recursive = TRUE, showWarnings = FALSE)

# ---- full-precision output ----------------------------------------------------------------
fmt_num <- function(x) {
  s <- sprintf("%.17g", x)
  s[is.na(x)] <- ""
  s
}
check_roundtrip <- function(x) {
  x <- x[is.finite(x)]
  if (!all(as.numeric(sprintf("%.17g", x)) == x)) stop("formatting does not round-trip")
  invisible(TRUE)
}
json_str <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}
# named list -> object, unnamed list -> array, length-1 atomic -> scalar; NA -> null
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1)
  pad_end <- strrep("  ", indent)
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    vals <- vapply(x, to_json, "", indent = indent + 1)
    if (!is.null(names(x))) {
      return(paste0("{\n", paste0(pad, json_str(names(x)), ": ", vals, collapse = ",\n"),
                    "\n", pad_end, "}"))
    }
    return(paste0("[\n", paste0(pad, vals, collapse = ",\n"), "\n", pad_end, "]"))
  }
  if (length(x) != 1) stop("to_json: atomic values must have length 1 (wrap vectors in as.list)")
  if (is.na(x)) return("null")
  if (is.logical(x)) return(if (x) "true" else "false")
  if (is.numeric(x)) {
    check_roundtrip(x)
    if (!is.finite(x)) return("null")
    return(sprintf("%.17g", x))
  }
  json_str(as.character(x))
}
write_json <- function(x, path) writeLines(to_json(x), path, useBytes = TRUE)
write_table <- function(df, path) {
  for (name in names(df)) {
    if (is.numeric(df[[name]])) {
      check_roundtrip(df[[name]])
      df[[name]] <- fmt_num(df[[name]])
    } else {
      df[[name]] <- ifelse(is.na(df[[name]]), "", as.character(df[[name]]))
    }
  }
  utils::write.csv(df, path, row.names = FALSE, quote = FALSE, na = "")
}

# ---- the data sets --------------------------------------------------------------------------
# m_functional / sd_functional: the functional reference group; reliability (and
# reliability_post for NK). `source` says where each value comes from.
cases <- list(
  list(
    name = "jacobson_1989_gds", data = jacobson_1989, id = "subject", time = "time",
    outcome = "gds", pre = "pre", post = "post", better_is = "lower",
    reliability = 0.80, reliability_post = 0.75, m_functional = 30, sd_functional = 10,
    source = paste(
      "Jacobson et al. (1989) marital therapy data (the Jacobson & Truax, 1991, example),",
      "Global Distress Scale. reliability 0.80 and m_functional 30 / sd_functional 10 as in",
      "the package's examples (get_data/get_reliability, versions <= 1.2); reliability_post",
      "0.75 as in its tests (test-generate_plotting_band.R). Couples 27-30 have no GDS",
      "score, so 26 of 30 pairs are complete."
    )
  ),
  list(
    name = "jacobson_1989_das", data = jacobson_1989, id = "subject", time = "time",
    outcome = "das", pre = "pre", post = "post", better_is = "higher",
    reliability = 0.96, reliability_post = 0.90, m_functional = 114.8, sd_functional = 17.8,
    source = paste(
      "Jacobson et al. (1989) data, Dyadic Adjustment Scale (JT 1991 Table 2; higher is",
      "better). Functional group: Spanier's (1976) married sample (M 114.8, SD 17.8);",
      "reliability 0.96: Spanier's (1976) internal consistency of the DAS total;",
      "reliability_post 0.90 chosen for the fixture."
    )
  ),
  list(
    name = "claus_2020_bdi", data = claus_2020, id = "id", time = "time",
    outcome = "bdi", pre = 1, post = 4, better_is = "lower",
    reliability = 0.801, reliability_post = 0.75, m_functional = 7.69, sd_functional = 7.52,
    source = paste(
      "Claus et al. (2020) placebo amplification trial, BDI-II, time 1 -> 4. reliability",
      "0.801 and the functional group (Kuehner et al., 2007: M 7.69, SD 7.52) as in the",
      "package's vignettes; reliability_post 0.75 chosen for the fixture. 40 of 43 pairs",
      "complete."
    )
  ),
  list(
    name = "claus_2020_hamd", data = claus_2020, id = "id", time = "time",
    outcome = "hamd", pre = 1, post = 4, better_is = "lower",
    reliability = 0.80, reliability_post = 0.75, m_functional = 8, sd_functional = 8,
    source = paste(
      "Claus et al. (2020), Hamilton Depression Rating Scale, time 1 -> 4. reliability",
      "0.80 and m_functional 8 / sd_functional 8 as in the package's examples",
      "(cs_distribution, cs_statistical); reliability_post 0.75 chosen for the fixture."
    )
  ),
  list(
    name = "hechler_2014", data = hechler_2014, id = "patient", time = "measurement",
    outcome = "disability", pre = 1, post = 2, better_is = "lower",
    reliability = 0.89, reliability_post = 0.85, m_functional = 20, sd_functional = 7,
    source = paste(
      "Hechler et al. (2014) chronic pain trial (reduced), pain-related disability (P-PDI),",
      "measurement 1 -> 2. The package declares no reliability or functional group for",
      "it: reliability 0.89, reliability_post 0.85 and m_functional 20 / sd_functional 7",
      "are illustrative values chosen for the fixture."
    )
  ),
  list(
    name = "anxiety_complete", data = anxiety_complete, id = "subject", time = "measurement",
    outcome = "anxiety", pre = 0, post = 4, better_is = "lower",
    reliability = 0.85, reliability_post = 0.80, m_functional = 8, sd_functional = 4,
    source = paste(
      "Fictional complete anxiety data of the package, measurement 0 -> 4. Functional group",
      "M 8, SD 4 as its documentation declares; reliability 0.85 and reliability_post",
      "0.80 are illustrative values chosen for the fixture."
    )
  )
)

rci_methods <- c("JT", "GLN", "HLL", "EN", "NK", "HA")
cutoff_types <- c("a", "b", "c")
warnings_seen <- character(0)

run <- function(expr, label) {
  withCallingHandlers(
    suppressMessages(expr),
    warning = function(w) {
      warnings_seen <<- c(warnings_seen, paste0(label, ": ", conditionMessage(w)))
      invokeRestart("muffleWarning")
    }
  )
}

# The calls below pass the column names as symbols through rlang's injection (!!).
call_cs <- function(fun, cs, ...) {
  id <- rlang::sym(cs$id)
  time <- rlang::sym(cs$time)
  outcome <- rlang::sym(cs$outcome)
  fun(cs$data, !!id, !!time, !!outcome, pre = cs$pre, post = cs$post,
      better_is = cs$better_is, ...)
}

counts_of <- function(tbl) {
  out <- as.list(as.integer(tbl$n))
  names(out) <- tolower(as.character(tbl$category))
  out
}

scalars <- function(lst) {
  keep <- vapply(lst, function(v) is.numeric(v) && length(v) == 1, TRUE)
  lapply(lst[keep], as.numeric)
}

cutoff_info <- function(x) {
  info <- cs_get_cutoff(x, with_descriptives = TRUE)
  out <- lapply(as.list(info), function(v) if (is.character(v)) v else as.numeric(v))
  out
}

for (cs in cases) {
  dir <- file.path(out_root, cs$name)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  label <- cs$name

  # ---- cs_distribution: every RCI method ----
  dist <- list()
  for (m in rci_methods) {
    extra <- if (m == "NK") list(reliability_post = cs$reliability_post) else list()
    dist[[m]] <- run(do.call(call_cs, c(list(cs_distribution, cs, reliability = cs$reliability,
                                                rci_method = m), extra)),
                     paste(label, "cs_distribution", m))
  }
  first <- dist[["JT"]]
  wide <- cs_get_data(first, "wide")
  used <- cs_get_data(first, "data")
  write_table(data.frame(id = wide$id, pre = wide$pre, post = wide$post), file.path(dir, "data.csv"))

  rci_table <- data.frame(id = used$id)
  dist_summary <- list()
  for (m in rci_methods) {
    aug <- cs_get_augmented_data(dist[[m]])
    stopifnot(identical(as.character(aug$id), as.character(used$id)))
    rci_table[[paste0("rci_", tolower(m))]] <- aug$rci
    rci_table[[paste0("category_", tolower(m))]] <- tolower(as.character(aug$category))
    dist_summary[[tolower(m)]] <- list(
      critical_value = dist[[m]]$critical_value,
      rci_results = scalars(dist[[m]]$rci_results),
      counts = counts_of(dist[[m]]$summary_table)
    )
  }
  write_table(rci_table, file.path(dir, "rci.csv"))

  # ---- cs_statistical: JT and HA cut-offs, types a, b, c ----
  stat_table <- data.frame(id = used$id)
  stat_summary <- list()
  for (cm in c("JT", "HA")) {
    for (ct in cutoff_types) {
      extra <- list(m_functional = cs$m_functional, sd_functional = cs$sd_functional,
                    cutoff_method = cm, cutoff_type = ct)
      if (cm == "HA") extra$reliability <- cs$reliability
      x <- run(do.call(call_cs, c(list(cs_statistical, cs), extra)),
               paste(label, "cs_statistical", cm, ct))
      key <- paste0(tolower(cm), "_", ct)
      aug <- cs_get_augmented_data(x)
      stopifnot(identical(as.character(aug$id), as.character(used$id)))
      stat_table[[paste0("category_", key)]] <- tolower(as.character(aug$category))
      if (cm == "HA") stat_table[[paste0("cs_indiv_", key)]] <- aug$cs_indiv
      stat_summary[[key]] <- list(
        critical_value = x$critical_value,
        cutoff = cutoff_info(x),
        counts = counts_of(x$summary_table)
      )
    }
  }
  write_table(stat_table, file.path(dir, "statistical.csv"))

  # ---- cs_combined: every RCI method x cut-off types a, b, c ----
  comb_table <- data.frame(id = used$id)
  comb_summary <- list()
  for (m in rci_methods) {
    for (ct in cutoff_types) {
      extra <- list(reliability = cs$reliability, m_functional = cs$m_functional,
                    sd_functional = cs$sd_functional, rci_method = m, cutoff_type = ct)
      if (m == "NK") extra$reliability_post <- cs$reliability_post
      x <- run(do.call(call_cs, c(list(cs_combined, cs), extra)),
               paste(label, "cs_combined", m, ct))
      key <- paste0(tolower(m), "_", ct)
      aug <- cs_get_augmented_data(x)
      stopifnot(identical(as.character(aug$id), as.character(used$id)))
      comb_table[[paste0("category_", key)]] <- tolower(as.character(aug$category))
      comb_summary[[key]] <- list(
        critical_value = x$critical_value,
        cutoff = cutoff_info(x),
        counts = counts_of(x$summary_table$individual_level_summary)
      )
    }
  }
  write_table(comb_table, file.path(dir, "combined.csv"))

  # ---- summary.json ----
  write_json(list(
    dataset = cs$name,
    source = cs$source,
    call = list(
      id = cs$id, time = cs$time, outcome = cs$outcome,
      pre = as.character(cs$pre), post = as.character(cs$post), better_is = cs$better_is,
      reliability = cs$reliability, reliability_post_nk = cs$reliability_post,
      m_functional = cs$m_functional, sd_functional = cs$sd_functional,
      significance_level = 0.05
    ),
    n_original = first$n_obs$n_original,
    n_used = first$n_obs$n_used,
    sample = list(
      m_pre = mean(used$pre), sd_pre = stats::sd(used$pre),
      m_post = mean(used$post), sd_post = stats::sd(used$post),
      cor_pre_post = stats::cor(used$pre, used$post)
    ),
    distribution = dist_summary,
    statistical = stat_summary,
    combined = comb_summary
  ), file.path(dir, "summary.json"))
}

# ---- versions.json ----
pkg_versions <- list()
for (p in c("clinicalsignificance", "dplyr", "tidyr", "rlang", "tibble", "purrr", "insight",
            "lme4", "cli")) {
  pkg_versions[[p]] <- as.character(packageVersion(p))
}
write_json(list(
  r_version = R.version.string,
  packages = pkg_versions,
  date = format(Sys.Date()),
  datasets = as.list(vapply(cases, function(cs) cs$name, "")),
  warnings = as.list(warnings_seen)
), file.path(out_root, "versions.json"))

if (length(warnings_seen) > 0) {
  message("warnings:\n", paste(warnings_seen, collapse = "\n"))
}
message("wrote ", out_root)
