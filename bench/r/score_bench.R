# Benchmark psych::scoreItems on a wide Likert file.
#
# Usage: Rscript bench/r/score_bench.R DATA.csv OUT.csv
#
# DATA.csv: columns id, i01..i36, values 1..7, missing = empty cell.
# Scores two subscales (mean of answered keyed items, impute = "none"):
#   anxiety   = i01..i18, avoidance = i19..i36
#   reversed  = i02 i05 i08 i11 i14 i17 i20 i23 i26 i29 i32 i35
# Writes id + scores with data.table::fwrite and prints one JSON line with
# elapsed seconds: {"read":..,"score":..,"write":..,"total":..,"rows":..}.
# Output: fwrite's default 15 significant digits; NaN (all items missing) is
# written as an empty cell. psych may print warnings (e.g. "NaNs produced"
# from its alpha/item statistics on random data) to stderr; stdout stays a
# single JSON line.

suppressPackageStartupMessages({
  library(data.table)
  library(psych)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) {
  stop("usage: Rscript bench/r/score_bench.R DATA.csv OUT.csv")
}
in_path <- args[[1]]
out_path <- args[[2]]

items_all <- sprintf("i%02d", 1:36)
reversed <- sprintf("i%02d", c(2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35))
sign_key <- function(x) ifelse(x %in% reversed, paste0("-", x), x)
keys <- list(
  anxiety = sign_key(items_all[1:18]),
  avoidance = sign_key(items_all[19:36])
)

t0 <- proc.time()[["elapsed"]]
dt <- fread(in_path, na.strings = "")
t1 <- proc.time()[["elapsed"]]

items <- as.data.frame(dt[, ..items_all])
sc <- psych::scoreItems(keys, items, impute = "none", min = 1, max = 7)$scores
t2 <- proc.time()[["elapsed"]]

out <- data.table(id = dt[["id"]], anxiety = sc[, "anxiety"],
                  avoidance = sc[, "avoidance"])
fwrite(out, out_path, na = "")
t3 <- proc.time()[["elapsed"]]

cat(sprintf(
  "{\"read\": %.6f, \"score\": %.6f, \"write\": %.6f, \"total\": %.6f, \"rows\": %d}\n",
  t1 - t0, t2 - t1, t3 - t2, t3 - t0, nrow(dt)))
