# Full-precision output for the R fixture scripts: numbers at %.17g (checked to read back
# as the same double), NA as null, and a small JSON writer (jsonlite caps numbers at 15
# significant digits). Sourced by make_bfi_fixtures.R and make_omega_fixtures.R:
#     source(file.path(dirname(out_dir), "..", "full_precision.R"))  # out_dir: fixtures/<case>

fmt_num <- function(x) {
  s <- sprintf("%.17g", x)
  s[is.na(x)] <- NA_character_
  s
}

check_roundtrip <- function(x) {
  s <- fmt_num(x)
  ok <- is.na(x) | (as.numeric(s) == x)
  if (!all(ok)) stop("full-precision formatting does not round-trip")
  invisible(TRUE)
}

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
    return(paste0("[", paste(json_atom(x[[1]]), collapse = ", "), "]"))
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
  if (!is.null(names(x))) return(to_json(as.list(x), indent))
  paste0("[", paste(a, collapse = ", "), "]")
}

write_json <- function(x, path) writeLines(to_json(x), path, useBytes = TRUE)
