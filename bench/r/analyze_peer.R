# The R psych peer of `relscales analyze --ci bootstrap` (issue 21, item 3).
#
# Usage: Rscript bench/r/analyze_peer.R DATA.csv [N_ITER]
#
# DATA.csv: columns id, i01..i36, values 1..7, missing = empty cell (the file
# bench/analyze_bench.py generates for bench/bench36.yaml). N_ITER defaults to 1000.
#
# Does the work `relscales analyze -i bench/bench36.yaml --ci bootstrap` does:
#   read     data.table::fread (na.strings = "")
#   keys     reverse-key i02 i05 ... i35 as 8 - x (bench36.yaml's reverse items)
#   per subscale (anxiety = i01..i18, avoidance = i19..i36):
#            psych::alpha(x, n.iter = N_ITER)  -- bootstrap through parallel::mclapply
#                                                 with psych's default mc.cores
#            psych::omega(x, nfactors = 3, plot = FALSE)
#   once     psych::outlier(all 36 items, plot = FALSE)  -- Mahalanobis D2, standing in
#                                                        for relscales' quality screen
# mc.cores is left alone: mclapply uses getOption("mc.cores", 2L); the value used is
# printed. Prints one JSON line on stdout with the versions, mc.cores, the elapsed
# seconds of each step and the estimates; psych's warnings go to stderr.

suppressPackageStartupMessages({
  library(data.table)
  library(psych)
  library(GPArotation)
})

t_start <- proc.time()[["elapsed"]]
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1 || length(args) > 2) {
  stop("usage: Rscript bench/r/analyze_peer.R DATA.csv [N_ITER]")
}
in_path <- args[[1]]
n_iter <- if (length(args) == 2) as.integer(args[[2]]) else 1000L

items_all <- sprintf("i%02d", 1:36)
reversed <- sprintf("i%02d", c(2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35))
subscales <- list(anxiety = items_all[1:18], avoidance = items_all[19:36])

set.seed(1)
times <- list()
tick <- function(name, t0) {
  times[[name]] <<- proc.time()[["elapsed"]] - t0
}

t0 <- proc.time()[["elapsed"]]
dt <- fread(in_path, na.strings = "")
items <- as.data.frame(dt[, ..items_all])
for (col in reversed) items[[col]] <- 8 - items[[col]]
tick("read", t0)

num <- function(x) if (is.null(x) || length(x) == 0) "null" else sprintf("%.10g", x)
est <- character(0)
for (name in names(subscales)) {
  x <- items[, subscales[[name]]]
  t0 <- proc.time()[["elapsed"]]
  a <- psych::alpha(x, n.iter = n_iter)
  tick(paste0("alpha_", name), t0)
  t0 <- proc.time()[["elapsed"]]
  o <- psych::omega(x, nfactors = 3, plot = FALSE)
  tick(paste0("omega_", name), t0)
  est <- c(est, sprintf(
    paste0("\"%s\": {\"alpha\": %s, \"alpha_boot_ci\": [%s, %s], ",
           "\"omega_total\": %s, \"omega_h\": %s}"),
    name, num(a$total$raw_alpha), num(a$boot.ci[[1]]), num(a$boot.ci[[3]]),
    num(o$omega.tot), num(o$omega_h)))
}

t0 <- proc.time()[["elapsed"]]
d2 <- psych::outlier(items, plot = FALSE)
tick("outlier", t0)
times[["total"]] <- proc.time()[["elapsed"]] - t_start

mc_option <- getOption("mc.cores")
cat(sprintf(paste0(
  "{\"reader\": \"data.table::fread\", \"r_version\": \"%s\", \"psych\": \"%s\", ",
  "\"gparotation\": \"%s\", \"data_table\": \"%s\", \"rows\": %d, \"n_iter\": %d, ",
  "\"mc_cores\": %d, \"mc_cores_option_set\": %s, \"detect_cores\": %d, ",
  "\"dt_threads\": %d, \"blas\": \"%s\", \"seconds\": {%s}, \"estimates\": {%s}, ",
  "\"outlier_max_d2\": %s}\n"),
  paste(R.version$major, R.version$minor, sep = "."),
  as.character(packageVersion("psych")),
  as.character(packageVersion("GPArotation")),
  as.character(packageVersion("data.table")),
  nrow(dt), n_iter,
  as.integer(getOption("mc.cores", 2L)),
  if (is.null(mc_option)) "false" else "true",
  as.integer(parallel::detectCores()),
  as.integer(getDTthreads()),
  gsub("\\\\", "/", basename(extSoftVersion()[["BLAS"]])),
  paste(sprintf("\"%s\": %.4f", names(times), unlist(times)), collapse = ", "),
  paste(est, collapse = ", "),
  num(max(d2, na.rm = TRUE))))
