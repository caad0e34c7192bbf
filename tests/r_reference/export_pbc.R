# Export survival::pbc and survival::pbcseq to data/pbc.csv and data/pbcseq.csv.
#
# Run once, from the repository root:
#     Rscript tests/r_reference/export_pbc.R
# (Debian: apt-get install -y r-base-core r-cran-survival). R is not needed at run time:
# the CSVs are committed and liverlab.data checks them against data/SHA256SUMS.
#
# The files keep R's column names, row order and values. Doubles are written with the
# fewest significant digits (15, 16 or 17) that read back as the very same double, so
# that e.g. age = 58.765229295003422 survives the trip (write.csv's 15 digits do not:
# 362 of 418 ages would change in the last bit). Missing values are empty fields; the
# factor `sex` is written as its labels "m"/"f". No field contains a comma or a quote,
# so nothing is quoted.

suppressPackageStartupMessages(library(survival))
data(pbc, package = "survival")   # loads both pbc and pbcseq

shortest_exact <- function(x) {
  out <- rep(NA_character_, length(x))
  todo <- !is.na(x)
  for (digits in 15:17) {
    s <- sprintf("%.*g", digits, x[todo])
    exact <- as.numeric(s) == x[todo]
    if (digits == 17) exact[] <- TRUE
    idx <- which(todo)[exact]
    out[idx] <- s[exact]
    todo[idx] <- FALSE
  }
  out
}

as_text <- function(df) {
  for (name in names(df)) {
    col <- df[[name]]
    df[[name]] <- if (is.factor(col)) {
      as.character(col)
    } else if (is.integer(col)) {
      ifelse(is.na(col), NA_character_, as.character(col))
    } else if (is.double(col)) {
      shortest_exact(col)
    } else {
      stop("unexpected column type in ", name)
    }
  }
  stopifnot(!any(vapply(df, function(v) any(grepl("[,\"]", v)), logical(1))))
  df
}

export <- function(df, path) {
  write.csv(as_text(df), path, row.names = FALSE, na = "", quote = FALSE)
  back <- read.csv(path, stringsAsFactors = FALSE)
  for (name in names(df)) {
    orig <- df[[name]]
    same <- if (is.factor(orig)) {
      identical(back[[name]], as.character(orig))
    } else {
      identical(as.numeric(back[[name]]), as.numeric(orig))
    }
    if (!same) stop("column ", name, " did not survive the round trip through ", path)
  }
  cat(sprintf("wrote %s: %d rows x %d columns\n", path, nrow(df), ncol(df)))
}

dir.create("data", showWarnings = FALSE)
export(pbc, "data/pbc.csv")
export(pbcseq, "data/pbcseq.csv")
cat(sprintf("%s; survival %s; exported %s\n", R.version.string,
            packageDescription("survival")$Version, format(Sys.Date())))
