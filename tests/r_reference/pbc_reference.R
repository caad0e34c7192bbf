# Reference values from R's survival package for tests/test_pbc_against_r.py.
#
# Run once, from the repository root (R is not needed by the tests, which read the JSON):
#     Rscript tests/r_reference/pbc_reference.R
# Debian: apt-get install -y r-base-core r-cran-survival r-cran-jsonlite
#
# Reads data/pbc.csv (the CSV the course ships, written by export_pbc.R) rather than
# survival::pbc, so that R and lifelines see the very same file; it first checks that the
# CSV equals survival::pbc. Writes tests/r_reference/pbc_reference.json.
#
# Sample: the 312 randomized patients (trt not NA) unless a block says otherwise.
# Event: death (status == 2); transplant (status == 1) is censored, except in the
# Aalen-Johansen block, where transplant and death are competing events.
# Time in days; 1 year = 365.25 days.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

pbc_csv <- read.csv("data/pbc.csv", stringsAsFactors = FALSE)
pbc_csv$sex <- factor(pbc_csv$sex, levels = c("m", "f"))
for (name in names(survival::pbc)) {
  same <- isTRUE(all.equal(as.numeric(pbc_csv[[name]]), as.numeric(survival::pbc[[name]]),
                           tolerance = 0))
  if (!same) stop("data/pbc.csv differs from survival::pbc in column ", name)
}

randomized <- subset(pbc_csv, !is.na(trt))
stopifnot(nrow(randomized) == 312)
randomized$arm <- factor(randomized$trt, levels = 1:2, labels = c("D-penicillamine", "placebo"))

years <- c(1, 5, 10)
days <- years * 365.25

# ---- Kaplan-Meier: median and S(1, 5, 10 years), CIs with log and log-log transforms ----
km_block <- function(data) {
  fits <- list(
    "log" = survfit(Surv(time, status == 2) ~ 1, data = data, conf.type = "log"),
    "log-log" = survfit(Surv(time, status == 2) ~ 1, data = data, conf.type = "log-log")
  )
  at <- summary(fits[["log"]], times = days)
  stopifnot(length(at$time) == length(days))   # follow-up reaches 10 years in every group
  out <- list(
    n = nrow(data),
    deaths = sum(data$status == 2),
    median_days = unname(summary(fits[["log"]])$table["median"]),
    survival = list(
      years = years,
      days = days,
      estimate = at$surv,
      std_err = at$std.err,            # Greenwood SE of S(t), not of log S(t)
      n_risk = at$n.risk
    ),
    ci = list()
  )
  for (type in names(fits)) {
    tab <- summary(fits[[type]])$table
    at_type <- summary(fits[[type]], times = days)
    out$ci[[type]] <- list(
      median_lower = unname(tab["0.95LCL"]),
      median_upper = unname(tab["0.95UCL"]),
      survival_lower = at_type$lower,
      survival_upper = at_type$upper
    )
  }
  out
}

kaplan_meier <- list(
  overall = km_block(randomized),
  "D-penicillamine" = km_block(subset(randomized, arm == "D-penicillamine")),
  placebo = km_block(subset(randomized, arm == "placebo"))
)

# ---- Log-rank test by arm ----
lr <- survdiff(Surv(time, status == 2) ~ arm, data = randomized)
logrank <- list(
  groups = levels(randomized$arm),
  observed = unname(lr$obs),
  expected = unname(lr$exp),
  chisq = unname(lr$chisq),
  df = 1L,
  p = pchisq(unname(lr$chisq), df = 1, lower.tail = FALSE)
)

# ---- Mayo model (Dickson 1989) refitted as a Cox model ----
mayo_formula <- Surv(time, status == 2) ~ age + log(bili) + log(albumin) + log(protime) + edema
cox_block <- function(data, sample) {
  fit <- coxph(mayo_formula, data = data)   # Efron ties, R's default convergence (eps = 1e-9)
  conc <- fit$concordance
  list(
    sample = sample,
    n = fit$n,
    deaths = fit$nevent,
    dropped_for_missing = nrow(data) - fit$n,
    iterations = fit$iter,
    coef = as.list(coef(fit)),
    se = as.list(sqrt(diag(vcov(fit)))),
    loglik = list(null = fit$loglik[1], final = fit$loglik[2]),
    concordance = unname(conc["concordance"]),
    concordance_se = unname(conc["std"]),
    concordance_counts = as.list(conc[c("concordant", "discordant", "tied.x", "tied.y",
                                        "tied.xy")])
  )
}
cox_mayo <- list(
  formula = deparse(mayo_formula, width.cutoff = 500L),
  ties = "efron",
  randomized = cox_block(randomized, "312 randomized"),
  all_complete = cox_block(pbc_csv, "all 418, complete cases (protime missing for 2)")
)

# ---- Aalen-Johansen cumulative incidence of transplant and death ----
aj_years <- c(5, 10)
aj_formula <- Surv(time, factor(status, 0:2, labels = c("censor", "transplant", "death"))) ~ 1
aj_at <- list(
  "log" = summary(survfit(aj_formula, data = randomized, conf.type = "log"),
                  times = aj_years * 365.25),
  "log-log" = summary(survfit(aj_formula, data = randomized, conf.type = "log-log"),
                      times = aj_years * 365.25)
)
stopifnot(identical(aj_at[["log"]]$states, c("(s0)", "transplant", "death")))
aalen_johansen <- list(
  sample = "312 randomized",
  formula = deparse(aj_formula, width.cutoff = 500L),
  years = aj_years,
  days = aj_years * 365.25,
  std_err_method = "survfit default standard error for multi-state curves"
)
for (state in c("transplant", "death")) {
  column <- which(aj_at[["log"]]$states == state)
  aalen_johansen[[state]] <- list(
    estimate = aj_at[["log"]]$pstate[, column],
    std_err = aj_at[["log"]]$std.err[, column],
    ci = list(
      "log" = list(lower = aj_at[["log"]]$lower[, column], upper = aj_at[["log"]]$upper[, column]),
      "log-log" = list(lower = aj_at[["log-log"]]$lower[, column],
                       upper = aj_at[["log-log"]]$upper[, column])
    )
  )
}
aalen_johansen$event_free <- aj_at[["log"]]$pstate[, 1]

reference <- list(
  provenance = list(
    r_version = R.version.string,
    survival_version = packageDescription("survival")$Version,
    script = "tests/r_reference/pbc_reference.R",
    data = "data/pbc.csv (survival::pbc, exported by tests/r_reference/export_pbc.R)",
    created = format(Sys.Date()),
    time_unit = "days",
    days_per_year = 365.25,
    event = "death (status == 2); transplant censored, except in aalen_johansen"
  ),
  kaplan_meier = kaplan_meier,
  logrank = logrank,
  cox_mayo = cox_mayo,
  aalen_johansen = aalen_johansen
)

writeLines(toJSON(reference, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           "tests/r_reference/pbc_reference.json")
cat("wrote tests/r_reference/pbc_reference.json\n")
