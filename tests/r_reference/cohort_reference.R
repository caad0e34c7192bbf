# Reference values from R's survival package for tests/test_cohort_against_r.py, computed on
# the SYNTHETIC teaching cohort data/cirrhosis_cohort.csv (notebook 02).
#
# Run once, from the repository root (R is not needed by the tests, which read the JSON):
#     Rscript tests/r_reference/cohort_reference.R
# Debian: apt-get install -y r-base-core r-cran-survival r-cran-jsonlite
# Writes tests/r_reference/cohort_reference.json.
#
# Time in days (1 year = 365.25 days). Event: death; transplant is censored, except in the
# Aalen-Johansen block, where transplant and death are competing events. "decompensated" is
# the stage at enrolment. MELD bands for the log-rank test: 6-9, 10-19, 20-29, 30-40
# (Wiesner 2003's strata with the top two merged); for 90-day mortality, Wiesner's five strata
# (<=9, 10-19, 20-29, 30-39, >=40).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

cohort <- read.csv("data/cirrhosis_cohort.csv", stringsAsFactors = FALSE)
stopifnot(nrow(cohort) == 2000, !anyNA(cohort$days_to_event))
cohort$died <- cohort$event == "death"
cohort$decompensated <- as.integer(cohort$stage == "decompensated")
cohort$female <- as.integer(cohort$female == "True")
decomp <- subset(cohort, decompensated == 1)
stopifnot(nrow(decomp) == 470)

years <- c(1, 2, 5, 10)
days <- years * 365.25

# ---- Kaplan-Meier: median and S(1, 2, 5, 10 years), CIs with log-log and log transforms ------
km_block <- function(data) {
  fits <- list(
    "log-log" = survfit(Surv(days_to_event, died) ~ 1, data = data, conf.type = "log-log"),
    "log" = survfit(Surv(days_to_event, died) ~ 1, data = data, conf.type = "log")
  )
  at <- summary(fits[["log-log"]], times = days)
  stopifnot(length(at$time) == length(days))
  tab <- summary(fits[["log-log"]])$table
  out <- list(
    n = nrow(data),
    deaths = sum(data$died),
    median_days = unname(tab["median"]),          # NA (null) when not reached
    survival = list(
      years = years,
      days = days,
      estimate = at$surv,
      std_err = at$std.err,                        # Greenwood SE of S(t)
      n_risk = at$n.risk
    ),
    ci = list()
  )
  for (type in names(fits)) {
    tab_type <- summary(fits[[type]])$table
    at_type <- summary(fits[[type]], times = days)
    out$ci[[type]] <- list(
      median_lower = unname(tab_type["0.95LCL"]),
      median_upper = unname(tab_type["0.95UCL"]),
      survival_lower = at_type$lower,
      survival_upper = at_type$upper
    )
  }
  out
}

kaplan_meier <- list(
  compensated = km_block(subset(cohort, decompensated == 0)),
  decompensated = km_block(decomp)
)

# ---- Log-rank tests ----------------------------------------------------------------------------
logrank_block <- function(fit, groups) {
  list(
    groups = groups,
    observed = unname(fit$obs),
    expected = unname(fit$exp),
    chisq = unname(fit$chisq),
    df = length(groups) - 1L,
    p = pchisq(unname(fit$chisq), df = length(groups) - 1L, lower.tail = FALSE)
  )
}
cohort$stage <- factor(cohort$stage, levels = c("compensated", "decompensated"))
logrank_stage <- logrank_block(survdiff(Surv(days_to_event, died) ~ stage, data = cohort),
                               levels(cohort$stage))

band_labels <- c("6-9", "10-19", "20-29", "30-40")
decomp$meld_band <- cut(decomp$meld, c(0, 9, 19, 29, 40), labels = band_labels)
logrank_meld_band <- logrank_block(survdiff(Surv(days_to_event, died) ~ meld_band, data = decomp),
                                   band_labels)
logrank_meld_band$sample <- "decompensated at enrolment"
logrank_meld_band$n <- as.list(table(decomp$meld_band))

# ---- Cox models (Efron ties, R's default convergence eps = 1e-9) ------------------------------
cox_block <- function(formula, data, sample) {
  fit <- coxph(formula, data = data, ties = "efron", model = TRUE, x = TRUE)
  conc <- fit$concordance
  zph <- list()
  for (transform in c("km", "rank", "identity")) {
    z <- cox.zph(fit, transform = transform, terms = FALSE)
    zph[[transform]] <- list(
      terms = rownames(z$table),
      chisq = unname(z$table[, "chisq"]),
      df = unname(z$table[, "df"]),
      p = unname(z$table[, "p"])
    )
  }
  list(
    sample = sample,
    formula = deparse(formula, width.cutoff = 500L),
    ties = "efron",
    n = fit$n,
    deaths = fit$nevent,
    iterations = fit$iter,
    coef = as.list(coef(fit)),
    se = as.list(sqrt(diag(vcov(fit)))),
    coef_lower_95 = as.list(setNames(confint(fit)[, 1], names(coef(fit)))),
    coef_upper_95 = as.list(setNames(confint(fit)[, 2], names(coef(fit)))),
    loglik = list(null = fit$loglik[1], final = fit$loglik[2]),
    concordance = unname(conc["concordance"]),
    concordance_se = unname(conc["std"]),
    cox_zph = zph
  )
}
cox <- list(
  whole_cohort = cox_block(Surv(days_to_event, died) ~ decompensated + meld + age_years + female,
                           cohort, "all 2000"),
  decompensated = cox_block(Surv(days_to_event, died) ~ meld, decomp,
                            "470 decompensated at enrolment")
)

# ---- Concordance (Harrell's C) of each score among decompensated patients ---------------------
# reverse = TRUE: a higher score predicts a shorter time to death. Tied scores count 1/2.
concordance_scores <- list(sample = "470 decompensated at enrolment")
for (score in c("meld", "meld_na", "meld3")) {
  fit <- concordance(as.formula(paste("Surv(days_to_event, died) ~", score)), data = decomp,
                     reverse = TRUE)
  concordance_scores[[score]] <- list(
    concordance = unname(fit$concordance),
    std_err = sqrt(unname(fit$var)),
    counts = as.list(fit$count[c("concordant", "discordant", "tied.x", "tied.y", "tied.xy")])
  )
}

# ---- Time-truncated concordance (Harrell's and Uno's) of each score, decompensated -----------
# ymax: only pairs whose earlier time is <= ymax count, i.e. deaths after the horizon are treated
# as censored there (Wiesner 2003's c-statistic was for death within 3 months).
# timewt = "n/G2": Uno's weights (inverse probability of censoring, squared).
truncated_concordance <- list(sample = "470 decompensated at enrolment",
                              horizons_days = c(90, 365.25))
for (score in c("meld", "meld_na", "meld3")) {
  formula <- as.formula(paste("Surv(days_to_event, died) ~", score))
  block <- list(harrell = c(), harrell_std_err = c(), uno = c(), uno_std_err = c(),
                deaths_by_horizon = c())
  for (horizon in truncated_concordance$horizons_days) {
    harrell <- concordance(formula, data = decomp, reverse = TRUE, ymax = horizon)
    uno <- concordance(formula, data = decomp, reverse = TRUE, ymax = horizon, timewt = "n/G2")
    block$harrell <- c(block$harrell, unname(harrell$concordance))
    block$harrell_std_err <- c(block$harrell_std_err, sqrt(unname(harrell$var)))
    block$uno <- c(block$uno, unname(uno$concordance))
    block$uno_std_err <- c(block$uno_std_err, sqrt(unname(uno$var)))
    block$deaths_by_horizon <- c(block$deaths_by_horizon,
                                 sum(decomp$died & decomp$days_to_event <= horizon))
  }
  truncated_concordance[[score]] <- block
}

# ---- Hazard ratios by time window (whole-cohort model, episode splitting) ---------------------
# Each covariate gets its own coefficient in each window (years 0-1, 1-2, 2-4, 4-12); because the
# windows do not overlap in time, this equals a separate Cox fit to each window. Tight convergence
# (eps 1e-12), so that the tests can compare coefficients to 1e-8.
window_cuts_years <- c(1, 2, 4)
split <- survSplit(Surv(days_to_event, died) ~ decompensated + meld + age_years + female,
                   data = cohort, cut = window_cuts_years * 365.25, episode = "window")
window_fit <- coxph(Surv(tstart, days_to_event, died) ~
                      (decompensated + meld + age_years + female):strata(window),
                    data = split, ties = "efron",
                    control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 50))
window_limits <- confint(window_fit)
hazard_ratio_by_window <- list(
  sample = "all 2000",
  formula = "Surv(tstart, days_to_event, died) ~ (decompensated + meld + age_years + female):strata(window)",
  windows_years = c("0-1", "1-2", "2-4", "4-12"),
  cuts_days = window_cuts_years * 365.25,
  at_risk_at_start = unname(as.vector(table(split$window))),
  deaths = unname(as.vector(tapply(split$died, split$window, sum)))
)
for (term in c("decompensated", "meld")) {
  rows <- grep(paste0("^", term, ":"), names(coef(window_fit)))
  hazard_ratio_by_window[[term]] <- list(
    coef = unname(coef(window_fit)[rows]),
    coef_lower_95 = unname(window_limits[rows, 1]),
    coef_upper_95 = unname(window_limits[rows, 2])
  )
}

# ---- 90-day Kaplan-Meier mortality by Wiesner stratum (decompensated) -------------------------
strata_labels <- c("<=9", "10-19", "20-29", "30-39", ">=40")
decomp$wiesner_stratum <- cut(decomp$meld, c(0, 9, 19, 29, 39, 40), labels = strata_labels)
ninety_day <- list(days = 90, strata = strata_labels, n = c(), deaths_by_90_days = c(),
                   survival = c(), lower_log_log = c(), upper_log_log = c())
for (label in strata_labels) {
  part <- subset(decomp, wiesner_stratum == label)
  at <- summary(survfit(Surv(days_to_event, died) ~ 1, data = part, conf.type = "log-log"),
                times = 90)
  ninety_day$n <- c(ninety_day$n, nrow(part))
  ninety_day$deaths_by_90_days <- c(ninety_day$deaths_by_90_days,
                                    sum(part$died & part$days_to_event <= 90))
  ninety_day$survival <- c(ninety_day$survival, at$surv)
  ninety_day$lower_log_log <- c(ninety_day$lower_log_log, at$lower)
  ninety_day$upper_log_log <- c(ninety_day$upper_log_log, at$upper)
}

# ---- Aalen-Johansen cumulative incidence (decompensated): death vs transplant ----------------
aj_years <- c(1, 2, 5)
aj_fit <- survfit(Surv(days_to_event, factor(event, levels = c("censored", "death", "transplant")))
                  ~ 1, data = decomp, conf.type = "log-log")
aj_at <- summary(aj_fit, times = aj_years * 365.25)
stopifnot(identical(aj_at$states, c("(s0)", "death", "transplant")))
naive <- summary(survfit(Surv(days_to_event, died) ~ 1, data = decomp),
                 times = aj_years * 365.25)
events <- subset(decomp, event != "censored")
aalen_johansen <- list(
  sample = "470 decompensated at enrolment",
  years = aj_years,
  days = aj_years * 365.25,
  days_with_a_death_and_a_transplant = sum(tapply(events$event, events$days_to_event,
                                                  function(e) length(unique(e)) > 1)),
  death = list(estimate = aj_at$pstate[, 2], std_err = aj_at$std.err[, 2],
               lower_log_log = aj_at$lower[, 2], upper_log_log = aj_at$upper[, 2]),
  transplant = list(estimate = aj_at$pstate[, 3], std_err = aj_at$std.err[, 3]),
  event_free = aj_at$pstate[, 1],
  naive_one_minus_km_death = 1 - naive$surv
)

reference <- list(
  provenance = list(
    r_version = R.version.string,
    survival_version = packageDescription("survival")$Version,
    jsonlite_version = packageDescription("jsonlite")$Version,
    script = "tests/r_reference/cohort_reference.R",
    data = "data/cirrhosis_cohort.csv (SYNTHETIC; tools/make_teaching_cohort.py)",
    data_sha256 = "c9a1a57e90c591fdf3d9f49e8eff856b34aa743d5f9a05fc800c15e3274bb84f",
    created = format(Sys.Date()),
    time_unit = "days",
    days_per_year = 365.25,
    event = "death; transplant censored, except in aalen_johansen"
  ),
  kaplan_meier = kaplan_meier,
  logrank_stage = logrank_stage,
  logrank_meld_band = logrank_meld_band,
  cox = cox,
  concordance_scores = concordance_scores,
  truncated_concordance = truncated_concordance,
  hazard_ratio_by_window = hazard_ratio_by_window,
  ninety_day_mortality = ninety_day,
  aalen_johansen = aalen_johansen
)

writeLines(toJSON(reference, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           "tests/r_reference/cohort_reference.json")
cat("wrote tests/r_reference/cohort_reference.json\n")
